package server_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/medcode/medcode/internal/api/client"
)

// serverProcessEnv marks the helper process that runs only the server.
const serverProcessEnv = "MEDCODE_TEST_SERVER_PROCESS"

// TestServerProcess is not a test: run by BenchmarkAnalysesAPI64Clients in
// a child process, it serves until its stdin closes, so that the server and
// the load generator do not share one Go scheduler, as in production.
func TestServerProcess(t *testing.T) {
	if os.Getenv(serverProcessEnv) == "" {
		t.Skip("helper process for BenchmarkAnalysesAPI64Clients")
	}
	s := start(t, map[string]string{"MEDCODE_LIMIT_FREE": "0", "MEDCODE_LOG_FORMAT": "text"})
	fmt.Printf("URL %s\n", s.URL())
	io.Copy(io.Discard, os.Stdin)
}

// BenchmarkAnalysesAPI64Clients measures POST /api/v1/analyses on SQLite
// with 64 concurrent clients, every note distinct (no cache), against the
// test coder running in a separate server process; b.N is the number of
// requests (use -benchtime=20000x). It reports the latency percentiles; the
// bar is p99 ≤ 50 ms.
func BenchmarkAnalysesAPI64Clients(b *testing.B) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestServerProcess$", "-test.timeout=30m")
	cmd.Env = append(os.Environ(), serverProcessEnv+"=1")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { stdin.Close(); cmd.Wait() }()
	url := ""
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if u, ok := strings.CutPrefix(sc.Text(), "URL "); ok {
			url = u
			break
		}
	}
	if url == "" {
		b.Fatal("the server process did not start")
	}
	go io.Copy(io.Discard, stdout)

	c := client.New(url)
	ctx := context.Background()
	email := newEmail("bench")
	if err := c.SignUp(ctx, email, password); err != nil {
		b.Fatal(err)
	}
	if err := c.Login(ctx, email, password, ""); err != nil {
		b.Fatal(err)
	}
	note := "Established patient. Type 2 diabetes with hypertension, stable. Cough for one week. " +
		"Plan: continue metformin and lisinopril, recheck A1c in three months."
	b.ResetTimer()
	report, err := c.Load(ctx, client.LoadConfig{Clients: 64, Requests: max(b.N, 64), Note: note})
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
	b.ReportMetric(float64(report.Errors), "errors")
}
