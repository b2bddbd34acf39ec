package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// LoadConfig describes a load run against POST /api/v1/analyses.
type LoadConfig struct {
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
	defer transport.CloseIdleConnections()
	worker := *c
	worker.HTTP = &http.Client{Transport: transport, Timeout: 60 * time.Second}

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
				_, err := worker.Analyze(ctx, AnalyzeRequest{Note: note, NoPHIAttested: true})
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
