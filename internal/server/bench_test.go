package server_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/medcode/medcode/internal/api/client"
	"github.com/medcode/medcode/internal/crypto"
	"github.com/medcode/medcode/internal/store/postgres/pgtest"
)

// The helper process that runs only the server reads its database from
// these variables: serverProcessEnv names the backend, and for PostgreSQL
// the parent passes the database URL and key.
const (
	serverProcessEnv = "MEDCODE_TEST_SERVER_PROCESS"
	serverDBEnv      = "MEDCODE_TEST_SERVER_DB"
	serverKeyEnv     = "MEDCODE_TEST_SERVER_KEY"
)

// TestServerProcess is not a test: run by BenchmarkAnalysesAPI64Clients in
// a child process, it serves until its stdin closes, so that the server and
// the load generator do not share one Go scheduler, as in production.
func TestServerProcess(t *testing.T) {
	kind := os.Getenv(serverProcessEnv)
	if kind == "" {
		t.Skip("helper process for BenchmarkAnalysesAPI64Clients")
	}
	db := sqliteBackend
	if kind == postgresBackend.name {
		db = backend{name: kind, settings: func(testing.TB, string) map[string]string {
			return map[string]string{"MEDCODE_DB": os.Getenv(serverDBEnv), "MEDCODE_KEY": os.Getenv(serverKeyEnv)}
		}}
	}
	settings := map[string]string{"MEDCODE_LIMIT_FREE": "0", "MEDCODE_LOG_FORMAT": "text"}
	// Other MEDCODE_ settings of the parent pass through (the system
	// tests set job timings this way).
	for _, kv := range os.Environ() {
		if k, v, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "MEDCODE_") && !strings.HasPrefix(k, "MEDCODE_TEST_") {
			settings[k] = v
		}
	}
	s := start(t, db, settings)
	fmt.Printf("URL %s\n", s.URL())
	io.Copy(io.Discard, os.Stdin)
}

// BenchmarkAnalysesAPI64Clients measures POST /api/v1/analyses with 64
// concurrent clients, every note distinct (no cache), against the test
// coder running in a separate server process, on SQLite and on a durable
// PostgreSQL (fsync and synchronous commit on); b.N is the number of
// requests (use -benchtime=20000x). It reports the latency percentiles;
// the bar is p99 ≤ 50 ms.
func BenchmarkAnalysesAPI64Clients(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchmarkAnalysesAPI(b, nil) })
	b.Run("postgres", func(b *testing.B) {
		c, err := pgtest.Start(pgtest.Options{Durable: true})
		if errors.Is(err, pgtest.ErrNoBinaries) {
			b.Skip(err.Error())
		}
		if err != nil {
			b.Fatal(err)
		}
		defer c.Stop()
		dsn, err := c.CreateDatabase(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		_, key, _ := crypto.NewKeyEntry()
		benchmarkAnalysesAPI(b, []string{serverProcessEnv + "=postgres", serverDBEnv + "=" + dsn, serverKeyEnv + "=" + key})
	})
}

func benchmarkAnalysesAPI(b *testing.B, env []string) {
	if env == nil {
		env = []string{serverProcessEnv + "=sqlite"}
	}
	url, stop := serverProcess(b, env)
	defer stop()

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

// serverProcess starts TestServerProcess in a child process with env added
// and returns its URL and a function that stops it.
func serverProcess(b testing.TB, env []string) (string, func()) {
	url, _, stop := serverCmd(b, env)
	return url, stop
}

// serverCmd is serverProcess that also returns the process, to kill it.
func serverCmd(b testing.TB, env []string) (string, *exec.Cmd, func()) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestServerProcess$", "-test.timeout=30m")
	cmd.Env = append(os.Environ(), env...)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	stop := func() { stdin.Close(); cmd.Wait() }
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if u, ok := strings.CutPrefix(sc.Text(), "URL "); ok {
			go io.Copy(io.Discard, stdout)
			return u, cmd, stop
		}
	}
	stop()
	b.Fatal("the server process did not start")
	return "", nil, nil
}
