package cli

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/medcode/medcode/internal/api/client"
)

// soakSample is one row of the soak CSV: the server's process figures
// (from its /metrics) and the latency of the requests finished in the
// interval before it.
type soakSample struct {
	Elapsed    time.Duration
	RSSBytes   float64
	Goroutines float64
	OpenFDs    float64
	Requests   int
	Errors     int
	P50, P99   time.Duration
	Max        time.Duration
}

// soakLatency is one finished request.
type soakLatency struct {
	at time.Duration // since the start, when it finished
	d  time.Duration
}

const soakUsage = `[--url URL] [--duration 30m] [--interval 10s] [--rate N | --probe 1m] --csv FILE [--plot FILE.png]
Loads a running server with POST /api/v1/analyses at a steady rate (by
default half the capacity measured first with --probe) for --duration, and
every --interval records the server's resident memory, goroutines and open
file descriptors (from its /metrics) and the interval's latency. The bars:
memory and goroutines at the end within 10% of the 5-minute mark, p99 of
the last 5 minutes within 1.5x of minutes 5 to 10, no errors. A run shorter
than 10m (a check of the setup) writes its samples but is not judged.`

func runBenchSoak(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "bench soak", soakUsage)
	url := fs.String("url", "http://127.0.0.1:8080", "server to soak (run it with MEDCODE_LIMIT_FREE=0, or pass --token)")
	duration := fs.Duration("duration", 30*time.Minute, "how long to hold the load")
	interval := fs.Duration("interval", 10*time.Second, "sampling interval")
	rate := fs.Float64("rate", 0, "requests per second (0: half the capacity measured by --probe)")
	probe := fs.Duration("probe", time.Minute, "how long to measure capacity with --probe-clients closed-loop clients")
	probeClients := fs.Int("probe-clients", 32, "concurrent clients of the capacity probe")
	token := fs.String("token", "", "API token of an existing account (default: sign up a new account)")
	csvFile := fs.String("csv", "", "file to write the samples to")
	plotFile := fs.String("plot", "", "PNG file to draw the samples in")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *csvFile == "" || *interval <= 0 || *interval > time.Minute || *duration < 2**interval {
		return usageError("want --csv, an --interval of at most 1m and a --duration of at least two intervals")
	}
	c := client.New(*url)
	if *token != "" {
		c.Token = *token
	} else {
		email, password := benchAccount()
		if err := c.SignUp(ctx, email, password); err != nil {
			return fmt.Errorf("signing up the soak account: %w", err)
		}
		if err := c.Login(ctx, email, password, ""); err != nil {
			return fmt.Errorf("signing in the soak account: %w", err)
		}
	}
	if *rate <= 0 {
		report, err := c.Load(ctx, client.LoadConfig{Clients: *probeClients, Requests: math.MaxInt32, Duration: *probe, Note: benchNote})
		if err != nil {
			return fmt.Errorf("capacity probe: %w", err)
		}
		if report.Errors > 0 {
			return fmt.Errorf("capacity probe: %d of %d requests failed; first: %s", report.Errors, report.Requests, report.FirstError)
		}
		*rate = report.Throughput / 2
		fmt.Fprintf(env.Stderr, "soak: capacity %.0f req/s at %d clients (p99 %v); soaking at %.0f req/s\n",
			report.Throughput, *probeClients, report.P99.Round(time.Millisecond), *rate)
	}
	samples, latencies, err := soak(ctx, env.Stderr, c, *url, *rate, *duration, *interval)
	if err != nil {
		return err
	}
	if err := writeSoakCSV(*csvFile, samples); err != nil {
		return err
	}
	if *plotFile != "" {
		if err := plotSoak(*plotFile, samples, *rate); err != nil {
			return err
		}
	}
	if *duration < 2*soakMark {
		fmt.Fprintf(env.Stdout, "%d samples written; a soak of %v is not judged: the bars compare with the 5-minute mark and need at least %v\n",
			len(samples), *duration, 2*soakMark)
		return nil
	}
	verdict := judgeSoak(samples, latencies)
	fmt.Fprint(env.Stdout, verdict.String())
	if !verdict.ok() {
		return errors.New("the soak missed a bar")
	}
	return nil
}

// soak holds the load at rate: a dispatcher releases one request every
// 1/rate seconds to a pool of senders (open loop, so a slow server shows
// as latency, not as a lower rate), and every interval a sample is taken.
func soak(ctx context.Context, progress io.Writer, c *client.Client, url string, rate float64, duration, interval time.Duration) ([]soakSample, []soakLatency, error) {
	ctx, cancel := context.WithTimeout(ctx, duration)
	defer cancel()
	const senders = 256
	work := make(chan int, senders)
	var mu sync.Mutex
	var window []time.Duration
	var all []soakLatency
	errs, firstErr := 0, ""
	start := time.Now()
	var wg sync.WaitGroup
	for range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				t0 := time.Now()
				_, err := c.Analyze(ctx, client.AnalyzeRequest{Note: fmt.Sprintf("%s\nVisit reference %d.", benchNote, i), NoPHIAttested: true})
				d := time.Since(t0)
				if ctx.Err() != nil {
					continue // cut by the end of the run
				}
				mu.Lock()
				window = append(window, d)
				all = append(all, soakLatency{at: time.Since(start), d: d})
				if err != nil {
					errs++
					if firstErr == "" {
						firstErr = err.Error()
					}
				}
				mu.Unlock()
			}
		}()
	}
	go func() {
		defer close(work)
		tick := time.NewTicker(time.Duration(float64(time.Second) / rate))
		defer tick.Stop()
		for i := 1; ; i++ {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			select {
			case work <- i:
			default: // every sender is busy: the server is far behind
				mu.Lock()
				errs++
				if firstErr == "" {
					firstErr = "the server fell behind: 256 requests in flight"
				}
				mu.Unlock()
			}
		}
	}()

	var samples []soakSample
	sampler := time.NewTicker(interval)
	defer sampler.Stop()
	metricsClient := &http.Client{Timeout: interval}
	for done := false; !done; {
		select {
		case <-ctx.Done():
			done = true
		case <-sampler.C:
		}
		m, err := scrapeMetrics(ctx, metricsClient, url)
		if err != nil && !done {
			return nil, nil, err
		}
		mu.Lock()
		s := soakSample{Elapsed: time.Since(start).Round(time.Second), Requests: len(window), Errors: errs,
			RSSBytes: m["process_resident_memory_bytes"], Goroutines: m["go_goroutines"], OpenFDs: m["process_open_fds"]}
		s.P50, s.P99, s.Max = percentiles(window)
		window, errs = window[:0], 0
		mu.Unlock()
		if done {
			break // the last partial interval is not a sample
		}
		samples = append(samples, s)
		fmt.Fprintf(progress, "soak: %6s  rss %6.1f MB  goroutines %4.0f  fds %4.0f  requests %5d  errors %d  p50 %6.1f ms  p99 %6.1f ms\n",
			s.Elapsed, s.RSSBytes/1e6, s.Goroutines, s.OpenFDs, s.Requests, s.Errors, ms(s.P50), ms(s.P99))
	}
	wg.Wait()
	if firstErr != "" {
		fmt.Fprintf(progress, "soak: first error: %s\n", firstErr)
	}
	return samples, all, nil
}

// percentiles returns p50, p99 and the maximum of ds (which it sorts).
func percentiles(ds []time.Duration) (p50, p99, maxd time.Duration) {
	if len(ds) == 0 {
		return 0, 0, 0
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	at := func(p float64) time.Duration { return ds[min(len(ds)-1, max(0, int(p*float64(len(ds))+0.5)-1))] }
	return at(0.50), at(0.99), ds[len(ds)-1]
}

// scrapeMetrics reads the unlabelled samples of a Prometheus text page.
func scrapeMetrics(ctx context.Context, hc *http.Client, url string) (map[string]float64, error) {
	req, err := http.NewRequestWithContext(context.WithoutCancel(ctx), http.MethodGet, strings.TrimRight(url, "/")+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("soak: reading /metrics: %w", err)
	}
	defer resp.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if !ok || strings.HasPrefix(name, "#") || strings.Contains(name, "{") {
			continue
		}
		if v, err := strconv.ParseFloat(value, 64); err == nil {
			out[name] = v
		}
	}
	for _, want := range []string{"process_resident_memory_bytes", "go_goroutines", "process_open_fds"} {
		if _, ok := out[want]; !ok {
			return nil, fmt.Errorf("soak: %s/metrics has no %s", url, want)
		}
	}
	return out, sc.Err()
}

func writeSoakCSV(path string, samples []soakSample) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	w.Write([]string{"elapsed_s", "rss_mb", "goroutines", "open_fds", "requests", "errors", "p50_ms", "p99_ms", "max_ms"})
	for _, s := range samples {
		w.Write([]string{strconv.Itoa(int(s.Elapsed.Seconds())), fmt.Sprintf("%.1f", s.RSSBytes/1e6), fmt.Sprint(s.Goroutines),
			fmt.Sprint(s.OpenFDs), strconv.Itoa(s.Requests), strconv.Itoa(s.Errors),
			fmt.Sprintf("%.2f", ms(s.P50)), fmt.Sprintf("%.2f", ms(s.P99)), fmt.Sprintf("%.2f", ms(s.Max))})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// soakVerdict holds the bars' figures.
type soakVerdict struct {
	rss5, rssEnd   float64
	gor5, gorEnd   float64
	p99Mid, p99End time.Duration
	requests, errs int
}

const (
	soakMark      = 5 * time.Minute
	soakGrowthBar = 0.10 // end within 10% of the 5-minute mark
	soakP99Bar    = 1.5  // last 5 minutes' p99 within 1.5x of minutes 5 to 10
)

// judgeSoak compares the end of the run with the 5-minute mark.
func judgeSoak(samples []soakSample, all []soakLatency) soakVerdict {
	var v soakVerdict
	if len(samples) == 0 {
		return v
	}
	mark := samples[0]
	for _, s := range samples {
		if s.Elapsed <= soakMark {
			mark = s
		}
		v.requests += s.Requests
		v.errs += s.Errors
	}
	end := samples[len(samples)-1]
	v.rss5, v.rssEnd, v.gor5, v.gorEnd = mark.RSSBytes, end.RSSBytes, mark.Goroutines, end.Goroutines
	var mid, last []time.Duration
	for _, l := range all {
		switch {
		case l.at > soakMark && l.at <= 2*soakMark:
			mid = append(mid, l.d)
		case l.at > end.Elapsed-soakMark:
			last = append(last, l.d)
		}
	}
	_, v.p99Mid, _ = percentiles(mid)
	_, v.p99End, _ = percentiles(last)
	return v
}

func within(end, ref, bar float64) bool { return ref > 0 && math.Abs(end-ref)/ref <= bar }

func (v soakVerdict) ok() bool {
	return within(v.rssEnd, v.rss5, soakGrowthBar) && within(v.gorEnd, v.gor5, soakGrowthBar) &&
		v.p99Mid > 0 && float64(v.p99End) <= soakP99Bar*float64(v.p99Mid) && v.errs == 0 && v.requests > 0
}

func (v soakVerdict) String() string {
	mark := func(ok bool) string {
		if ok {
			return "ok"
		}
		return "MISSED"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "requests %d, errors %d: %s\n", v.requests, v.errs, mark(v.errs == 0 && v.requests > 0))
	fmt.Fprintf(&b, "RSS %.1f MB at 5 min, %.1f MB at the end (%+.1f%%, bar ±10%%): %s\n", v.rss5/1e6, v.rssEnd/1e6,
		100*(v.rssEnd-v.rss5)/math.Max(v.rss5, 1), mark(within(v.rssEnd, v.rss5, soakGrowthBar)))
	fmt.Fprintf(&b, "goroutines %.0f at 5 min, %.0f at the end (%+.1f%%, bar ±10%%): %s\n", v.gor5, v.gorEnd,
		100*(v.gorEnd-v.gor5)/math.Max(v.gor5, 1), mark(within(v.gorEnd, v.gor5, soakGrowthBar)))
	fmt.Fprintf(&b, "p99 %.1f ms in minutes 5-10, %.1f ms in the last 5 minutes (bar 1.5x): %s\n", ms(v.p99Mid), ms(v.p99End),
		mark(v.p99Mid > 0 && float64(v.p99End) <= soakP99Bar*float64(v.p99Mid)))
	return b.String()
}
