package server_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/medcode/medcode/internal/api/client"
	"github.com/medcode/medcode/internal/batch"
	"github.com/medcode/medcode/internal/crypto"
	"github.com/medcode/medcode/internal/store/postgres/pgtest"
)

// systemTestsEnv turns on the long system tests (make bench-system).
const systemTestsEnv = "MEDCODE_SYSTEM_TESTS"

// twoInstances starts two server processes on one fresh PostgreSQL
// database with settings, and returns their URLs, their processes and the
// database URL.
func twoInstances(t *testing.T, settings ...string) ([2]string, [2]*os.Process, string) {
	t.Helper()
	if os.Getenv(systemTestsEnv) == "" {
		t.Skip("a long system test: run it with " + systemTestsEnv + "=1 (make bench-system)")
	}
	dsn := pgtest.NewDatabase(t)
	_, key, err := crypto.NewKeyEntry()
	if err != nil {
		t.Fatal(err)
	}
	env := append([]string{serverProcessEnv + "=postgres", serverDBEnv + "=" + dsn, serverKeyEnv + "=" + key}, settings...)
	var urls [2]string
	var procs [2]*os.Process
	for i := range 2 {
		url, cmd, stop := serverCmd(t, env)
		t.Cleanup(stop)
		urls[i], procs[i] = url, cmd.Process
	}
	return urls, procs, dsn
}

func notes(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, `{"id":"n%d","note":"Visit %d: type 2 diabetes and hypertension, cough.","no_phi_attested":true}`+"\n", i, i)
	}
	return b.String()
}

// baaOrg creates an organization owned by c's user, records its BAA
// through the API and points c at its workspace.
func baaOrg(t *testing.T, ctx context.Context, c *client.Client) {
	t.Helper()
	call := func(method, path, body string, out any) {
		req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+c.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode >= 300 {
			b, _ := io.ReadAll(resp.Body)
			t.Fatalf("%s %s = %d: %s", method, path, resp.StatusCode, b)
		}
		if out != nil {
			if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
				t.Fatal(err)
			}
		}
	}
	var o struct {
		ID int64 `json:"id"`
	}
	call("POST", "/api/v1/orgs", `{"name":"System Clinic"}`, &o)
	call("PUT", fmt.Sprintf("/api/v1/orgs/%d/baa", o.ID), `{"document":"BAA-SYSTEM-1"}`, nil)
	c.Org = o.ID
}

// TestSystemQueuedBatchSurvivesKilledInstance: two instances on one
// PostgreSQL, a batch of 20,000 notes submitted through the first to an
// organization under a BAA (so that it is queued),
// the first SIGKILLed when about a quarter is coded; the second finishes
// the batch (rescuing the killed instance's chunks) and every note is
// recorded exactly once.
func TestSystemQueuedBatchSurvivesKilledInstance(t *testing.T) {
	const total = 20000
	urls, procs, dsn := twoInstances(t, "MEDCODE_JOB_TIMEOUT=20s", "MEDCODE_JOB_RESCUE_AFTER=30s", "MEDCODE_BATCH_CHUNK=250")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	a := client.New(urls[0])
	email := newEmail("system")
	if err := a.SignUp(ctx, email, password); err != nil {
		t.Fatal(err)
	}
	if err := a.Login(ctx, email, password, ""); err != nil {
		t.Fatal(err)
	}
	baaOrg(t, ctx, a)
	start := time.Now()
	b, err := a.SendBatch(ctx, strings.NewReader(notes(total)), "async", nil)
	if err != nil {
		t.Fatal(err)
	}
	if b.Mode != "queued" || b.Total != total {
		t.Fatalf("submitted batch %+v", b)
	}
	t.Logf("uploaded and queued %d notes in %v", total, time.Since(start).Round(time.Millisecond))
	other := *a
	other.BaseURL = urls[1]
	for {
		got, err := other.GetBatch(ctx, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Done >= total/4 {
			if got.Done == total {
				t.Fatal("the batch finished before the instance could be killed")
			}
			procs[0].Signal(syscall.SIGKILL)
			t.Logf("killed the submitting instance at %d of %d notes", got.Done, total)
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	var final *client.Batch
	for final == nil || final.Status != "done" {
		if ctx.Err() != nil {
			t.Fatalf("the batch did not finish: %+v", final)
		}
		time.Sleep(500 * time.Millisecond)
		if final, err = other.GetBatch(ctx, b.ID); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("batch done %v after submission", time.Since(start).Round(time.Millisecond))
	if final.Done != total || final.Failed != 0 {
		t.Fatalf("final batch %+v", final)
	}
	seen := make([]int, total+1)
	err = other.BatchResults(ctx, b.ID, func(o *batch.Outcome) error {
		if o.Error != nil || o.Analysis == nil || o.ID != fmt.Sprintf("n%d", o.Seq) {
			return fmt.Errorf("outcome %+v", o)
		}
		seen[o.Seq]++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for seq := 1; seq <= total; seq++ {
		if seen[seq] != 1 {
			t.Fatalf("note %d has %d outcomes", seq, seen[seq])
		}
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for q, want := range map[string]int{
		"SELECT count(*) FROM analyses":                                                      total,
		"SELECT count(DISTINCT id) FROM analyses":                                            total,
		"SELECT sum(count) FROM usage":                                                       total,
		"SELECT count(*) FROM batch_items":                                                   total,
		"SELECT count(*) FROM batch_notes":                                                   0,
		"SELECT count(*) FROM river_job WHERE state <> 'completed' AND kind = 'batch_chunk'": 0,
		// An analysis is audited once at most, even when its chunk ran again.
		"SELECT count(*) - count(DISTINCT target) FROM audit_log WHERE action = 'analysis.create'": 0,
	} {
		var n int
		if err := db.QueryRow(q).Scan(&n); err != nil || n != want {
			t.Errorf("%s = %d, %v; want %d", q, n, err, want)
		}
	}
	var rescued int
	db.QueryRow("SELECT count(*) FROM river_job WHERE kind = 'batch_chunk' AND attempt > 1").Scan(&rescued)
	t.Logf("%d chunks were run again after the kill", rescued)
}

// TestSystemBatchThroughputTwoInstances measures streaming batch
// throughput end to end with two instances on one PostgreSQL (the test
// coder in each; `medcode bench http --batch-notes` measures the real
// engine). The bar is 1,000 notes/s.
func TestSystemBatchThroughputTwoInstances(t *testing.T) {
	urls, _, _ := twoInstances(t)
	ctx := context.Background()
	c := client.New(urls[0])
	email := newEmail("throughput")
	if err := c.SignUp(ctx, email, password); err != nil {
		t.Fatal(err)
	}
	if err := c.Login(ctx, email, password, ""); err != nil {
		t.Fatal(err)
	}
	report, err := c.LoadBatches(ctx, client.BatchLoadConfig{URLs: urls[:], Streams: 4, Notes: 20000,
		Note: "Established patient. Type 2 diabetes with hypertension, stable. Cough for one week."})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d notes (%d coded) in %v: %.0f notes/s", report.Notes, report.Coded, report.Elapsed.Round(time.Millisecond), report.NotesPerSec)
	if report.Coded != 20000 {
		t.Fatalf("coded %d of 20000", report.Coded)
	}
	if report.NotesPerSec < 1000 {
		t.Errorf("%.0f notes/s, below the 1,000 notes/s bar", report.NotesPerSec)
	}
}
