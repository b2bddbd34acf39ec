package jobs_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/medcode/medcode/internal/crypto"
	"github.com/medcode/medcode/internal/jobs"
	"github.com/medcode/medcode/internal/mail"
	"github.com/medcode/medcode/internal/store"
	"github.com/medcode/medcode/internal/store/postgres/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// backend opens a queue on a fresh database of one kind; db is how a test
// process finds the same database again.
type backend struct {
	name string
	// fresh returns the location of a new, migrated queue database.
	fresh func(t *testing.T) string
	open  func(ctx context.Context, db string, keys jobs.Keyring, cfg jobs.Config) (*jobs.Queue, func(), error)
	// driver and the SQL that reads a job's state and args.
	driver string
}

var backends = []backend{
	{
		name:  "sqlite",
		fresh: func(t *testing.T) string { return filepath.Join(t.TempDir(), "medcode.db") },
		open: func(ctx context.Context, db string, keys jobs.Keyring, cfg jobs.Config) (*jobs.Queue, func(), error) {
			return jobs.OpenSQLite(ctx, db, keys, cfg)
		},
		driver: "sqlite",
	},
	{
		name: "postgres",
		fresh: func(t *testing.T) string {
			dsn := pgtest.NewDatabase(t)
			pool, err := pgxpool.New(context.Background(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer pool.Close()
			if err := jobs.MigratePostgres(context.Background(), pool); err != nil {
				t.Fatal(err)
			}
			return dsn
		},
		open:   jobs.OpenPostgres,
		driver: "pgx",
	},
}

func eachBackend(t *testing.T, test func(t *testing.T, b backend)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { test(t, b) })
	}
}

func keyring(t *testing.T) *crypto.Keyring {
	t.Helper()
	_, line, err := crypto.NewKeyEntry()
	if err != nil {
		t.Fatal(err)
	}
	kr, err := crypto.ParseKeys(line)
	if err != nil {
		t.Fatal(err)
	}
	return kr
}

func quick() jobs.Config {
	return jobs.Config{JobTimeout: time.Second, RescueAfter: 2 * time.Second, PollInterval: 50 * time.Millisecond}
}

func openQueue(t *testing.T, b backend, db string, keys jobs.Keyring, cfg jobs.Config, h jobs.Handlers) *jobs.Queue {
	t.Helper()
	q, closeDB, err := b.open(context.Background(), db, keys, cfg)
	if err != nil {
		t.Fatal(err)
	}
	q.Handle(h)
	if err := q.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		q.Stop(ctx)
		closeDB()
	})
	return q
}

func sqlDB(t *testing.T, b backend, db string) *sql.DB {
	t.Helper()
	if b.driver == "sqlite" {
		db = "file:" + db + "?_pragma=busy_timeout(5000)"
	}
	d, err := sql.Open(b.driver, db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// flakySender fails its first send, then records.
type flakySender struct {
	mu   sync.Mutex
	sent []mail.Message
	fail int
}

func (s *flakySender) Send(_ context.Context, m mail.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail > 0 {
		s.fail--
		return errors.New("smtp: 451 try again later")
	}
	s.sent = append(s.sent, m)
	return nil
}

func (s *flakySender) messages() []mail.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]mail.Message(nil), s.sent...)
}

func waitFor(t *testing.T, what string, timeout time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestEmailIsQueuedSealedAndRetried(t *testing.T) { eachBackend(t, testEmail) }

func testEmail(t *testing.T, b backend) {
	db := b.fresh(t)
	keys := keyring(t)
	sender := &flakySender{fail: 1}
	q := openQueue(t, b, db, keys, quick(), jobs.Handlers{Mail: sender})
	link := "https://medcode.example/verify-email?token=SECRET-TOKEN-93c1"
	if err := q.Mailer().Send(context.Background(), mail.Message{To: "ann@example.org", Subject: "Confirm", Body: "Open " + link}); err != nil {
		t.Fatal(err)
	}
	// The queued job holds the body sealed, never the link.
	var args string
	if err := sqlDB(t, b, db).QueryRow("SELECT CAST(args AS TEXT) FROM river_job WHERE kind = 'email'").Scan(&args); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(args, "SECRET-TOKEN") || !strings.Contains(args, "ann@example.org") {
		t.Fatalf("job args %s", args)
	}
	waitFor(t, "the retried email", 20*time.Second, func() bool { return len(sender.messages()) == 1 })
	if m := sender.messages()[0]; m.Body != "Open "+link || m.To != "ann@example.org" {
		t.Fatalf("sent %+v", m)
	}
}

type chunkRecorder struct {
	mu    sync.Mutex
	calls []string
}

func (r *chunkRecorder) RunChunk(_ context.Context, ws store.Scope, batchID string, from, to int) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, fmt.Sprintf("%d@%d/%s:%d-%d", ws.UserID, ws.OrgID, batchID, from, to))
	return nil
}

func (r *chunkRecorder) seen() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.calls...)
}

func TestBatchChunksPurgesAndReports(t *testing.T) { eachBackend(t, testChunksPurgesReports) }

func testChunksPurgesReports(t *testing.T, b backend) {
	db := b.fresh(t)
	rec := &chunkRecorder{}
	purged := make(chan struct{}, 1)
	reported := make(chan string, 1)
	q := openQueue(t, b, db, keyring(t), quick(), jobs.Handlers{
		Batches: rec,
		Purgers: []jobs.Purger{{Name: "test", Run: func(context.Context, time.Time) (int, error) {
			select {
			case purged <- struct{}{}:
			default:
			}
			return 1, nil
		}}},
		Reports: map[string]jobs.ReportFunc{"revenue": func(_ context.Context, job jobs.ReportJob) error {
			var compact bytes.Buffer
			json.Compact(&compact, job.Params)
			reported <- fmt.Sprintf("%d %s last=%v", job.OwnerID, compact.String(), job.LastAttempt)
			return nil
		}},
	})
	if err := q.EnqueueBatch(context.Background(), store.InOrg(9, 3), "bt_1", 250, 100); err != nil {
		t.Fatal(err)
	}
	if err := q.EnqueueBatch(context.Background(), store.Personal(3), "bt_2", 20, 100); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "four chunks", 20*time.Second, func() bool { return len(rec.seen()) == 4 })
	got := strings.Join(rec.seen(), " ")
	for _, want := range []string{"3@9/bt_1:1-100", "3@9/bt_1:101-200", "3@9/bt_1:201-250", "3@0/bt_2:1-20"} {
		if !strings.Contains(got, want) {
			t.Errorf("chunks %s lack %s", got, want)
		}
	}
	select {
	case <-purged: // the periodic purge runs on start
	case <-time.After(20 * time.Second):
		t.Fatal("no purge ran")
	}
	if err := q.EnqueueReport(context.Background(), jobs.ReportArgs{Report: "revenue", OwnerID: 7, Params: []byte(`{"days":60}`)}); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-reported:
		if r != `7 {"days":60} last=false` {
			t.Fatalf("report got %s", r)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no report ran")
	}
}

// The worker process: TestWorkerProcess runs as a child of
// TestJobSurvivesKilledWorker, works the queue, and hangs inside the
// job until it is killed.
const (
	workerProcessEnv = "MEDCODE_TEST_JOBS_WORKER"
	workerDBEnv      = "MEDCODE_TEST_JOBS_DB"
	workerMarkEnv    = "MEDCODE_TEST_JOBS_MARK"
)

type hangingRunner struct{ mark string }

func (r hangingRunner) RunChunk(ctx context.Context, ws store.Scope, batchID string, from, to int) error {
	os.WriteFile(r.mark, []byte(batchID), 0o600)
	select {} // killed here
}

func TestWorkerProcess(t *testing.T) {
	kind := os.Getenv(workerProcessEnv)
	if kind == "" {
		t.Skip("helper process for TestJobSurvivesKilledWorker")
	}
	for _, b := range backends {
		if b.name == kind {
			openQueue(t, b, os.Getenv(workerDBEnv), keyring(t), quick(), jobs.Handlers{Batches: hangingRunner{mark: os.Getenv(workerMarkEnv)}})
		}
	}
	select {}
}

func TestJobSurvivesKilledWorker(t *testing.T) { eachBackend(t, testKilledWorker) }

func testKilledWorker(t *testing.T, b backend) {
	db := b.fresh(t)
	mark := filepath.Join(t.TempDir(), "started")
	keys := keyring(t)
	inserter, closeDB, err := b.open(context.Background(), db, keys, quick())
	if err != nil {
		t.Fatal(err)
	}
	defer closeDB()
	if err := inserter.EnqueueBatch(context.Background(), store.Personal(4), "bt_crash", 10, 10); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(os.Args[0], "-test.run=^TestWorkerProcess$", "-test.timeout=2m")
	cmd.Env = append(os.Environ(), workerProcessEnv+"="+b.name, workerDBEnv+"="+db, workerMarkEnv+"="+mark)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the worker process to start the job", 30*time.Second, func() bool { _, err := os.Stat(mark); return err == nil })
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()

	rec := &chunkRecorder{}
	openQueue(t, b, db, keys, quick(), jobs.Handlers{Batches: rec})
	waitFor(t, "the rescued job", 60*time.Second, func() bool { return len(rec.seen()) > 0 })
	time.Sleep(3 * time.Second) // a second run would show by now
	if got := rec.seen(); len(got) != 1 || got[0] != "4@0/bt_crash:1-10" {
		t.Fatalf("after the crash the job ran %v, want once", got)
	}
	var state string
	var attempts int
	waitFor(t, "the job to complete", 10*time.Second, func() bool {
		sqlDB(t, b, db).QueryRow("SELECT state, attempt FROM river_job WHERE kind = 'batch_chunk'").Scan(&state, &attempts)
		return state == "completed"
	})
	if attempts != 2 {
		t.Fatalf("job completed on attempt %d, want 2 (the killed one, then the rescue)", attempts)
	}
}
