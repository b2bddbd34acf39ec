package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/medcode/medcode/internal/api/client"
)

func TestJudgeSoak(t *testing.T) {
	mib := func(n float64) float64 { return n * 1e6 }
	// A run of 20 minutes sampled every minute, latencies every second.
	run := func(rss func(min int) float64, goroutines func(min int) float64, p99 func(sec int) time.Duration, errAt int) ([]soakSample, []soakLatency) {
		var ss []soakSample
		for m := 1; m <= 20; m++ {
			s := soakSample{Elapsed: time.Duration(m) * time.Minute, RSSBytes: rss(m), Goroutines: goroutines(m), Requests: 60}
			if m == errAt {
				s.Errors = 1
			}
			ss = append(ss, s)
		}
		var ls []soakLatency
		for sec := 1; sec <= 20*60; sec++ {
			ls = append(ls, soakLatency{at: time.Duration(sec) * time.Second, d: p99(sec)})
		}
		return ss, ls
	}
	flat := func(v float64) func(int) float64 { return func(int) float64 { return v } }
	steady := func(int) time.Duration { return 20 * time.Millisecond }
	tests := []struct {
		name    string
		rss     func(int) float64
		gor     func(int) float64
		p99     func(int) time.Duration
		errAt   int
		ok      bool
		missing string
	}{
		{"flat", flat(mib(80)), flat(40), steady, 0, true, ""},
		{"within 10%", func(m int) float64 { return mib(80 + float64(m)*0.3) }, flat(40), steady, 0, true, ""},
		{"memory grows", func(m int) float64 { return mib(80 + float64(m)*2) }, flat(40), steady, 0, false, "RSS"},
		{"goroutines leak", flat(mib(80)), func(m int) float64 { return float64(40 + m) }, steady, 0, false, "goroutines"},
		{"latency degrades", flat(mib(80)), flat(40), func(s int) time.Duration { return time.Duration(10+s/10) * time.Millisecond }, 0, false, "p99"},
		{"an error", flat(mib(80)), flat(40), steady, 12, false, "errors 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := judgeSoak(run(tt.rss, tt.gor, tt.p99, tt.errAt))
			if v.ok() != tt.ok {
				t.Fatalf("ok = %v, want %v:\n%s", v.ok(), tt.ok, v)
			}
			if !tt.ok {
				for _, line := range strings.Split(v.String(), "\n") {
					if strings.Contains(line, tt.missing) && !strings.HasSuffix(line, "MISSED") {
						t.Errorf("the %s line does not say MISSED:\n%s", tt.missing, v)
					}
				}
			}
		})
	}
}

// TestSoakSamplesARunningServer holds a short load on a real server and
// checks the samples, the CSV and the plot.
func TestSoakSamplesARunningServer(t *testing.T) {
	m := startServer(t, map[string]string{"MEDCODE_DB": filepath.Join(t.TempDir(), "soak.db"), "MEDCODE_LIMIT_FREE": "0"})
	ctx := context.Background()
	c := client.New(m.URL())
	email, pw := benchAccount()
	if err := c.SignUp(ctx, email, pw); err != nil {
		t.Fatal(err)
	}
	if err := c.Login(ctx, email, pw, ""); err != nil {
		t.Fatal(err)
	}
	samples, latencies, err := soak(ctx, io.Discard, c, m.URL(), 40, 3500*time.Millisecond, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if len(samples) != 3 || len(latencies) < 80 {
		t.Fatalf("%d samples, %d requests", len(samples), len(latencies))
	}
	for _, s := range samples {
		if s.RSSBytes < 1e6 || s.Goroutines < 5 || s.OpenFDs < 3 || s.Requests == 0 || s.Errors != 0 || s.P99 < s.P50 || s.P50 <= 0 {
			t.Fatalf("sample %+v", s)
		}
	}
	dir := t.TempDir()
	csvFile, png := filepath.Join(dir, "soak.csv"), filepath.Join(dir, "soak.png")
	if err := writeSoakCSV(csvFile, samples); err != nil {
		t.Fatal(err)
	}
	f, _ := os.Open(csvFile)
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil || len(rows) != 4 || rows[0][1] != "rss_mb" {
		t.Fatalf("CSV: %v %v", rows, err)
	}
	if err := plotSoak(png, samples, 40); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(png); !bytes.HasPrefix(b, []byte("\x89PNG")) {
		t.Fatal("the plot is not a PNG")
	}
	// Through the command: a run shorter than the bars need writes its
	// samples and is not judged; one shorter than two intervals is refused.
	short := filepath.Join(dir, "short.csv")
	code, out, errOut := runCLI(t, "", "bench", "soak", "--url", m.URL(), "--rate", "20", "--duration", "2500ms", "--interval", "1s", "--csv", short)
	if code != 0 || !strings.Contains(out, "2 samples written") || !strings.Contains(out, "not judged") {
		t.Fatalf("a soak shorter than the bars need: %d %s %s", code, out, errOut)
	}
	if b, err := os.ReadFile(short); err != nil || strings.Count(string(b), "\n") != 3 {
		t.Fatalf("the short run's CSV: %q %v", b, err)
	}
	if code, _, errOut := runCLI(t, "", "bench", "soak", "--url", m.URL(), "--duration", "10s", "--interval", "6s", "--csv", short); code != 2 || !strings.Contains(errOut, "two intervals") {
		t.Fatalf("a soak shorter than two intervals: %d %s", code, errOut)
	}
}
