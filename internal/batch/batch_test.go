package batch_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"github.com/medcode/medcode/internal/analysis"
	"github.com/medcode/medcode/internal/analysis/analysistest"
	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/audit"
	"github.com/medcode/medcode/internal/batch"
	"github.com/medcode/medcode/internal/crypto"
	"github.com/medcode/medcode/internal/phi"
	"github.com/medcode/medcode/internal/store"
	"github.com/medcode/medcode/internal/store/sqlite"
)

// queue records the chunks a queued batch asks for.
type queue struct {
	mu     sync.Mutex
	chunks [][2]int
}

func (q *queue) EnqueueBatch(_ context.Context, _ int64, _ string, total, chunk int) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	for from := 1; from <= total; from += chunk {
		q.chunks = append(q.chunks, [2]int{from, min(from+chunk-1, total)})
	}
	return nil
}

type fixture struct {
	db    *sqlite.DB
	svc   *batch.Service
	queue *queue
	coder *analysistest.Coder
	user  *store.User
}

func newFixture(t *testing.T, limit int, baa bool) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	_, line, _ := crypto.NewKeyEntry()
	keys, err := crypto.ParseKeys(line)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	coder := &analysistest.Coder{}
	analyses, err := analysis.New(db, keys, coder, nil, audit.New(db), analysis.Config{
		Limits: map[store.Tier]int{store.TierFree: limit}, PHIPolicy: phi.PolicyBlock, MaxNoteBytes: 10000}, nil, log)
	if err != nil {
		t.Fatal(err)
	}
	u := &store.User{Email: "b@example.org", PasswordHash: "x", Tier: store.TierFree, CreatedAt: time.Now()}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	q := &queue{}
	svc := batch.New(db, analyses, keys, q, batch.Config{MaxLineBytes: 20000, MaxNotes: 6, Chunk: 3, Group: 2, Workers: 3,
		BAA: func(context.Context, *store.User) bool { return baa }}, log)
	return &fixture{db: db, svc: svc, queue: q, coder: coder, user: u}
}

const upload = `{"id":"n1","note":"Type 2 diabetes.","no_phi_attested":true}
{"id":"n2","note":"Cough. SSN 123-45-6789.","no_phi_attested":true}
{"id":"n3","note":"hypertension"}
not json
{"id":"n5","note":"Cough and hypertension.","no_phi_attested":true,"profile":"abstract"}
{"id":"n6","note":"Type 2 diabetes.","no_phi_attested":true}
{"id":"n7","note":"one too many","no_phi_attested":true}
`

// summary is "seq:id:code-or-first-code" for each outcome.
func summary(outs []batch.Outcome) string {
	var parts []string
	for _, o := range outs {
		what := ""
		switch {
		case o.Error != nil:
			what = string(o.Error.Code)
		case o.Analysis.Cached:
			what = "cached:" + analysis.Codes(o.Analysis.Result)[0]
		default:
			what = analysis.Codes(o.Analysis.Result)[0]
		}
		parts = append(parts, fmt.Sprintf("%d:%s:%s", o.Seq, o.ID, what))
	}
	return strings.Join(parts, " ")
}

// want is the outcome of upload when notes are coded one after another
// (queued chunks): n6 repeats n1 and comes from the cache, n7 is over
// MaxNotes.
const want = "1:n1:E11.9 2:n2:phi_found 3:n3:invalid 4::invalid 5:n5:I10 6:n6:cached:E11.9 7:n7:invalid"

// A stream codes notes side by side, so a repeat in flight with its first
// is coded again rather than served from the cache: the stream test
// repeats no note.
var (
	streamUpload = strings.Replace(upload, `"n6","note":"Type 2 diabetes."`, `"n6","note":"Hyperlipidemia."`, 1)
	streamWant   = strings.Replace(want, "6:n6:cached:E11.9", "6:n6:E78.5", 1)
)

func (f *fixture) results(t *testing.T, id string) string {
	t.Helper()
	var outs []batch.Outcome
	if err := f.svc.Results(context.Background(), f.user, id, func(o batch.Outcome) error { outs = append(outs, o); return nil }); err != nil {
		t.Fatal(err)
	}
	return summary(outs)
}

func TestStreamCodesInOrderAndStoresOutcomes(t *testing.T) {
	f := newFixture(t, 0, false)
	var outs []batch.Outcome
	var startedID string
	b, err := f.svc.Stream(context.Background(), f.user, strings.NewReader(streamUpload),
		func(b *store.Batch) error { startedID = b.ID; return nil },
		func(o batch.Outcome) error { outs = append(outs, o); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if got := summary(outs); got != streamWant {
		t.Fatalf("streamed %s", got)
	}
	if b.ID != startedID || b.Status != store.BatchDone || b.Total != 7 || b.Done != 7 || b.Failed != 4 {
		t.Fatalf("batch %+v", b)
	}
	if got := f.results(t, b.ID); got != streamWant {
		t.Fatalf("stored results %s", got)
	}
	if n, _ := f.db.Usage(context.Background(), store.Personal(f.user.ID), time.Now().UTC().Format("2006-01")); n != 3 {
		t.Fatalf("usage %d, want 3", n)
	}
}

func TestStreamQuotaPerNote(t *testing.T) {
	f := newFixture(t, 2, false)
	in := ""
	for i := range 5 {
		in += fmt.Sprintf(`{"note":"cough %d","no_phi_attested":true}`+"\n", i)
	}
	var outs []batch.Outcome
	if _, err := f.svc.Stream(context.Background(), f.user, strings.NewReader(in), nil, func(o batch.Outcome) error { outs = append(outs, o); return nil }); err != nil {
		t.Fatal(err)
	}
	coded := 0
	for _, o := range outs {
		switch {
		case o.Error == nil:
			coded++
		case o.Error.Code != apperr.QuotaExceeded:
			t.Fatalf("refused with %v", o.Error)
		}
	}
	if coded != 2 || len(outs) != 5 {
		t.Fatalf("%d of %d coded, want 2 of 5", coded, len(outs))
	}
}

func TestBrokenUploadIsInterrupted(t *testing.T) {
	f := newFixture(t, 0, false)
	body := io.MultiReader(strings.NewReader(`{"note":"cough","no_phi_attested":true}`+"\n"), iotest.ErrReader(errors.New("connection reset")))
	var id string
	_, err := f.svc.Stream(context.Background(), f.user, body, func(b *store.Batch) error { id = b.ID; return nil }, nil)
	if err == nil {
		t.Fatal("a broken upload succeeded")
	}
	b, _ := f.svc.Get(context.Background(), f.user, id)
	if b.Status != store.BatchInterrupted || b.Done != 1 {
		t.Fatalf("batch %+v", b)
	}
}

func TestQueuedNeedsBAAAndRecordsEachNoteOnce(t *testing.T) {
	if _, err := newFixture(t, 0, false).svc.Queue(context.Background(), nil, strings.NewReader(upload), nil); apperr.CodeOf(err) != apperr.Forbidden {
		t.Fatalf("queued outside BAA mode: %v", err)
	}
	f := newFixture(t, 0, true)
	ctx := context.Background()
	b, err := f.svc.Queue(ctx, f.user, strings.NewReader(upload), nil)
	if err != nil {
		t.Fatal(err)
	}
	if b.Status != store.BatchQueuedUp || b.Total != 7 || fmt.Sprint(f.queue.chunks) != "[[1 3] [4 6] [7 7]]" {
		t.Fatalf("queued batch %+v, chunks %v", b, f.queue.chunks)
	}
	if f.coder.Calls() != 0 {
		t.Fatal("notes coded before their jobs ran")
	}
	// Every chunk runs twice, as after a crash: each note counts once.
	for range 2 {
		for _, c := range f.queue.chunks {
			if err := f.svc.RunChunk(ctx, f.user.ID, b.ID, c[0], c[1]); err != nil {
				t.Fatal(err)
			}
		}
	}
	b, _ = f.svc.Get(ctx, f.user, b.ID)
	if b.Status != store.BatchDone || b.Done != 7 {
		t.Fatalf("batch after its jobs %+v", b)
	}
	if got := f.results(t, b.ID); got != want {
		t.Fatalf("results %s", got)
	}
	if pending, _ := f.db.PendingBatchNotes(ctx, b.ID, 1, 10); len(pending) != 0 {
		t.Fatalf("%d sealed notes kept after coding", len(pending))
	}
	if f.coder.Calls() != 2 {
		t.Fatalf("coder ran %d times, want 2 (n1 and n5; n6 is cached)", f.coder.Calls())
	}
}
