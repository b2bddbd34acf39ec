package cli

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/medcode/medcode/internal/analysis"
	"github.com/medcode/medcode/internal/analysis/analysistest"
	"github.com/medcode/medcode/internal/api/client"
	"github.com/medcode/medcode/internal/config"
	"github.com/medcode/medcode/internal/phi"
	"github.com/medcode/medcode/internal/server"
)

// useFakeEngine runs serve with the test coder for the length of a test.
func useFakeEngine(t *testing.T) {
	old := newEngine
	newEngine = func(context.Context) (analysis.Coder, *phi.Detector, error) {
		return &analysistest.Coder{}, nil, nil
	}
	t.Cleanup(func() { newEngine = old })
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// lockedBuffer is written by the server's logger while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

func TestServeStartsMigratesAndStopsGracefully(t *testing.T) {
	useFakeEngine(t)
	dir := t.TempDir()
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	var stderr lockedBuffer
	done := make(chan int)
	go func() {
		done <- Run(ctx, &Env{Stdin: strings.NewReader(""), Stdout: &stderr, Stderr: &stderr},
			[]string{"serve", "--addr", addr, "--db", filepath.Join(dir, "m.db"), "--log-format", "json"})
	}()
	var resp *http.Response
	var err error
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if resp, err = http.Get("http://" + addr + "/readyz"); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("server did not come up: %v\n%s", err, stderr.String())
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("readyz %d", resp.StatusCode)
	}
	cancel() // what SIGTERM does through signal.NotifyContext
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exited %d\n%s", code, stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop")
	}
	for _, want := range []string{`"msg":"medcode serving"`, `"msg":"medcode stopped"`, "created a new encryption key file"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("logs lack %s", want)
		}
	}
}

func TestServeConfigDumpAndErrors(t *testing.T) {
	t.Setenv("MEDCODE_SMTP_PASSWORD", "hunter2-secret")
	code, out, _ := runCLI(t, "", "serve", "--addr", "127.0.0.1:9999", "--config-dump")
	if code != 0 || !strings.Contains(out, "MEDCODE_ADDR=127.0.0.1:9999") || !strings.Contains(out, "MEDCODE_SMTP_PASSWORD=********") || strings.Contains(out, "hunter2") {
		t.Fatalf("config dump: %d\n%s", code, out)
	}
	if code, _, errOut := runCLI(t, "", "serve", "--addr", "nonsense"); code != 2 || !strings.Contains(errOut, "MEDCODE_ADDR") {
		t.Fatalf("bad --addr: %d %s", code, errOut)
	}
	old := newEngine
	newEngine = nil
	defer func() { newEngine = old }()
	if code, _, errOut := runCLI(t, "", "serve", "--db", filepath.Join(t.TempDir(), "x.db")); code != 1 || !strings.Contains(errOut, "no coding engine") {
		t.Fatalf("serve without an engine: %d %s", code, errOut)
	}
}

// startServer runs the server package's Main for the admin and bench tests.
func startServer(t *testing.T, env map[string]string) *server.Main {
	t.Helper()
	env["MEDCODE_ADDR"] = "127.0.0.1:0"
	cfg, err := config.Load(config.Source{Getenv: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	m := &server.Main{Config: cfg, Coder: &analysistest.Coder{}, LogOutput: &lockedBuffer{}}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func TestAdminTierAndKeyRotation(t *testing.T) {
	db := filepath.Join(t.TempDir(), "admin.db")
	m := startServer(t, map[string]string{"MEDCODE_DB": db})
	ctx := context.Background()
	c := client.New(m.URL())
	if err := c.SignUp(ctx, "ann@example.org", "tulip-Granite-49-orbit"); err != nil {
		t.Fatal(err)
	}
	if err := c.Login(ctx, "ann@example.org", "tulip-Granite-49-orbit", ""); err != nil {
		t.Fatal(err)
	}
	rec, err := c.Analyze(ctx, client.AnalyzeRequest{Note: "cough", NoPHIAttested: true})
	if err != nil {
		t.Fatal(err)
	}
	m.Close()

	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"admin", "--db", db, "tier", "ann@example.org", "pro"}, 0, "ann@example.org is now on the pro tier"},
		{[]string{"admin", "--db", db, "tier", "ann@example.org", "platinum"}, 1, "unknown tier"},
		{[]string{"admin", "--db", db, "tier", "nobody@example.org", "pro"}, 1, "not found"},
		{[]string{"admin", "--db", db, "rotate-key"}, 0, "re-encrypted 1 analyses"},
		{[]string{"admin", "--db", db, "reseal"}, 0, "re-encrypted 0 analyses"},
		{[]string{"admin", "--db", db, "explode"}, 2, "unknown admin command"},
		{[]string{"admin", "--db", filepath.Join(t.TempDir(), "none.db"), "reseal"}, 1, "none.db"},
		{[]string{"admin", "new-key"}, 0, "k-"},
	}
	for _, tt := range tests {
		code, out, errOut := runCLI(t, "", tt.args...)
		if code != tt.code || !strings.Contains(out+errOut, tt.want) {
			t.Errorf("%v: exit %d, want %d; output %q, want %q", tt.args, code, tt.code, out+errOut, tt.want)
		}
	}
	m2 := startServer(t, map[string]string{"MEDCODE_DB": db})
	c.BaseURL = m2.URL()
	if _, err := c.Get(ctx, rec.ID); err != nil {
		t.Fatalf("record unreadable after rotation: %v", err)
	}
	if us, err := c.Usage(ctx); err != nil || us.Tier != "pro" {
		t.Fatalf("tier after admin: %+v, %v", us, err)
	}
}

func TestBenchHTTP(t *testing.T) {
	m := startServer(t, map[string]string{"MEDCODE_DB": filepath.Join(t.TempDir(), "b.db"), "MEDCODE_LIMIT_FREE": "0"})
	code, out, errOut := runCLI(t, "", "bench", "http", "--url", m.URL(), "--clients", "4", "--requests", "40")
	if code != 0 || !strings.Contains(out, "requests=40") || !strings.Contains(out, "errors=0") || !strings.Contains(out, "p99=") {
		t.Fatalf("bench: exit %d\n%s\n%s", code, out, errOut)
	}
	// Repeated --url loads each in turn; --batch-notes sends streaming batches.
	code, out, errOut = runCLI(t, "", "bench", "http", "--url", m.URL(), "--url", m.URL(), "--clients", "4", "--requests", "20")
	if code != 0 || !strings.Contains(out, "instances=2") || !strings.Contains(out, "requests=20") {
		t.Fatalf("bench on two URLs: exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, errOut = runCLI(t, "", "bench", "http", "--url", m.URL(), "--batch-notes", "50", "--streams", "3")
	if code != 0 || !strings.Contains(out, "notes=50  coded=50  refused=0") || !strings.Contains(out, "notes/s") {
		t.Fatalf("bench batches: exit %d\n%s\n%s", code, out, errOut)
	}
	// Over a quota every request fails, and bench says so with a failing exit.
	m2 := startServer(t, map[string]string{"MEDCODE_DB": filepath.Join(t.TempDir(), "q.db"), "MEDCODE_LIMIT_FREE": "5"})
	code, out, errOut = runCLI(t, "", "bench", "http", "--url", m2.URL(), "--clients", "2", "--requests", "10", "--json")
	if code != 1 || !strings.Contains(out, `"errors": 5`) || !strings.Contains(errOut, "quota_exceeded") {
		t.Fatalf("bench over quota: exit %d\n%s\n%s", code, out, errOut)
	}
	if code, _, _ := runCLI(t, "", "bench", "ftp"); code != 2 {
		t.Fatalf("bench ftp: exit %d", code)
	}
}
