package server_test

import (
	"context"
	"testing"
	"time"

	"github.com/medcode/medcode/internal/api/client"
)

// BenchmarkAnalysesAPI64Clients measures POST /api/v1/analyses on SQLite
// with 64 concurrent clients, every note distinct (no cache), against the
// test coder; b.N is the number of requests (use -benchtime=5000x).
// It reports the latency percentiles; the bar is p99 ≤ 50 ms.
func BenchmarkAnalysesAPI64Clients(b *testing.B) {
	s := start(b, map[string]string{"MEDCODE_LIMIT_FREE": "0", "MEDCODE_LOG_LEVEL": "info"})
	c := s.apiUser(b, newEmail("bench"))
	note := "Established patient. Type 2 diabetes with hypertension, stable. Cough for one week. " +
		"Plan: continue metformin and lisinopril, recheck A1c in three months."
	b.ResetTimer()
	report, err := c.Load(context.Background(), client.LoadConfig{Clients: 64, Requests: max(b.N, 64), Note: note})
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	if report.Errors > 0 {
		b.Fatalf("%d errors; first: %s", report.Errors, report.FirstError)
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(report.P50), "p50-ms")
	b.ReportMetric(ms(report.P99), "p99-ms")
	b.ReportMetric(ms(report.Max), "max-ms")
	b.ReportMetric(report.Throughput, "req/s")
}
