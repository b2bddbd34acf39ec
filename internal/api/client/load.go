package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// LoadConfig describes a load run against POST /api/v1/analyses.
type LoadConfig struct {
	// URLs are the instances to load, round-robin per request (instances
	// sharing one database accept the same token); empty means the
	// client's BaseURL.
	URLs     []string
	Clients  int           // concurrent clients
	Requests int           // total requests; the run stops at whichever of Requests and Duration comes first
	Duration time.Duration // 0 = no time bound
	Note     string        // each request sends Note plus a counter, so no two are served from the cache
	Cached   bool          // send Note unchanged every time, to measure the cached path
}

// LoadReport is what a load run measured.
type LoadReport struct {
	Requests   int           `json:"requests"`
	Errors     int           `json:"errors"`
	Elapsed    time.Duration `json:"elapsed_ns"`
	Throughput float64       `json:"requests_per_second"`
	P50        time.Duration `json:"p50_ns"`
	P90        time.Duration `json:"p90_ns"`
	P99        time.Duration `json:"p99_ns"`
	Max        time.Duration `json:"max_ns"`
	FirstError string        `json:"first_error,omitempty"`
}

// Load runs cfg's requests with cfg.Clients goroutines sharing one
// connection pool, and reports latency percentiles and errors.
func (c *Client) Load(ctx context.Context, cfg LoadConfig) (*LoadReport, error) {
	if cfg.Clients < 1 || cfg.Requests < 1 {
		return nil, errors.New("client: load needs at least one client and one request")
	}
	if cfg.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cfg.Duration)
		defer cancel()
	}
	// One keep-alive connection per client, as real clients would hold.
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = cfg.Clients
	transport.MaxConnsPerHost = cfg.Clients
	transport.MaxIdleConns = cfg.Clients * max(1, len(cfg.URLs))
	defer transport.CloseIdleConnections()
	workers := instances(c, cfg.URLs, &http.Client{Transport: transport, Timeout: 60 * time.Second})

	var next atomic.Int64
	var mu sync.Mutex
	latencies := make([]time.Duration, 0, cfg.Requests)
	report := &LoadReport{}
	start := time.Now()
	var wg sync.WaitGroup
	for range cfg.Clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := next.Add(1)
				if i > int64(cfg.Requests) {
					return
				}
				note := cfg.Note
				if !cfg.Cached {
					note = fmt.Sprintf("%s\nVisit reference %d.", cfg.Note, i)
				}
				t0 := time.Now()
				_, err := workers[int(i)%len(workers)].Analyze(ctx, AnalyzeRequest{Note: note, NoPHIAttested: true})
				d := time.Since(t0)
				if ctx.Err() != nil && err != nil {
					return // the time bound ended this request; it does not count
				}
				mu.Lock()
				latencies = append(latencies, d)
				if err != nil {
					report.Errors++
					if report.FirstError == "" {
						report.FirstError = err.Error()
					}
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	report.Elapsed = time.Since(start)
	report.Requests = len(latencies)
	if report.Requests == 0 {
		return report, errors.New("client: no request completed")
	}
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	pct := func(p float64) time.Duration {
		i := int(p*float64(len(latencies))+0.5) - 1
		return latencies[min(max(i, 0), len(latencies)-1)]
	}
	report.P50, report.P90, report.P99, report.Max = pct(0.50), pct(0.90), pct(0.99), latencies[len(latencies)-1]
	report.Throughput = float64(report.Requests) / report.Elapsed.Seconds()
	return report, nil
}

// instances returns one copy of c per URL (c itself when there are none),
// each with httpc.
func instances(c *Client, urls []string, httpc *http.Client) []*Client {
	if len(urls) == 0 {
		urls = []string{c.BaseURL}
	}
	out := make([]*Client, len(urls))
	for i, u := range urls {
		w := *c
		w.BaseURL, w.HTTP = strings.TrimRight(u, "/"), httpc
		out[i] = &w
	}
	return out
}

// BatchLoadConfig describes a batch run against POST /api/v1/batches.
type BatchLoadConfig struct {
	URLs    []string // instances, round-robin per upload; empty: the client's BaseURL
	Streams int      // concurrent uploads
	Notes   int      // notes in all, split evenly over the uploads
	Note    string   // each note is Note plus a counter, so none is served from the cache
}

// BatchLoadReport is what a batch run measured.
type BatchLoadReport struct {
	Notes       int           `json:"notes"`
	Coded       int           `json:"coded"`
	Refused     int           `json:"refused"`
	Elapsed     time.Duration `json:"elapsed_ns"`
	NotesPerSec float64       `json:"notes_per_second"`
	Batches     []string      `json:"batches"`
}

// LoadBatches sends cfg.Notes notes as cfg.Streams concurrent streaming
// batches and measures end-to-end throughput: from the first byte sent to
// the last outcome received.
func (c *Client) LoadBatches(ctx context.Context, cfg BatchLoadConfig) (*BatchLoadReport, error) {
	if cfg.Streams < 1 || cfg.Notes < 1 {
		return nil, errors.New("client: a batch load needs at least one stream and one note")
	}
	workers := instances(c, cfg.URLs, &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()})
	report := &BatchLoadReport{Notes: cfg.Notes}
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	start := time.Now()
	for s := range cfg.Streams {
		from, to := s*cfg.Notes/cfg.Streams, (s+1)*cfg.Notes/cfg.Streams
		pr, pw := io.Pipe()
		go func() {
			enc := json.NewEncoder(pw)
			for i := from; i < to; i++ {
				line := map[string]any{"id": strconv.Itoa(i + 1), "note": fmt.Sprintf("%s\nVisit reference %d.", cfg.Note, i+1), "no_phi_attested": true}
				if err := enc.Encode(line); err != nil {
					return
				}
			}
			pw.Close()
		}()
		wg.Add(1)
		go func() {
			defer wg.Done()
			coded, refused := 0, 0
			b, err := workers[s%len(workers)].SendBatch(ctx, pr, "sync", func(l *BatchLine) error {
				switch {
				case l.Batch != nil:
				case l.Error != nil:
					refused++
				default:
					coded++
				}
				return nil
			})
			pr.CloseWithError(io.ErrClosedPipe)
			mu.Lock()
			defer mu.Unlock()
			report.Coded += coded
			report.Refused += refused
			if b != nil {
				report.Batches = append(report.Batches, b.ID)
			}
			if err != nil && firstErr == nil {
				firstErr = err
			}
		}()
	}
	wg.Wait()
	report.Elapsed = time.Since(start)
	report.NotesPerSec = float64(report.Coded+report.Refused) / report.Elapsed.Seconds()
	return report, firstErr
}
