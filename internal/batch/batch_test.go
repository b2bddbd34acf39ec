package batch_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
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
	"github.com/medcode/medcode/internal/org"
	"github.com/medcode/medcode/internal/phi"
	"github.com/medcode/medcode/internal/store"
	"github.com/medcode/medcode/internal/store/sqlite"
)

// queue records the chunks a queued batch asks for, and the workspace.
type queue struct {
	mu     sync.Mutex
	ws     store.Scope
	chunks [][2]int
}

func (q *queue) EnqueueBatch(_ context.Context, ws store.Scope, _ string, total, chunk int) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.ws = ws
	for from := 1; from <= total; from += chunk {
		q.chunks = append(q.chunks, [2]int{from, min(from+chunk-1, total)})
	}
	return nil
}

// run runs every queued chunk, as the jobs would.
func (q *queue) run(t *testing.T, svc *batch.Service, batchID string) {
	t.Helper()
	for _, c := range q.chunks {
		if err := svc.RunChunk(context.Background(), q.ws, batchID, c[0], c[1]); err != nil {
			t.Fatal(err)
		}
	}
}

type fixture struct {
	dir   string // the database files
	db    *sqlite.DB
	svc   *batch.Service
	orgs  *org.Service
	queue *queue
	coder *analysistest.Coder
	user  *store.User
	ws    org.Workspace // the user's personal workspace
}

func newFixture(t *testing.T, limit int) *fixture {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sqlite.Open(ctx, filepath.Join(dir, "t.db"))
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
	auditLog := audit.New(db)
	limits := map[store.Tier]int{store.TierFree: limit, store.TierEnterprise: limit}
	analyses, err := analysis.New(db, keys, coder, nil, auditLog, analysis.Config{
		Limits: limits, PHIPolicy: phi.PolicyBlock, MaxNoteBytes: 10000}, nil, log)
	if err != nil {
		t.Fatal(err)
	}
	orgs := org.New(db, auditLog, nil, coder, org.Config{}, log)
	q := &queue{}
	svc := batch.New(db, analyses, orgs, auditLog, keys, q, batch.Config{MaxLineBytes: 20000, MaxNotes: 6, Chunk: 3, Group: 2, Workers: 3}, log)
	f := &fixture{dir: dir, db: db, svc: svc, orgs: orgs, queue: q, coder: coder}
	f.user = f.newUser(t, "b@example.org")
	f.ws = org.Personal(f.user)
	return f
}

func (f *fixture) newUser(t *testing.T, email string) *store.User {
	t.Helper()
	u := &store.User{Email: email, PasswordHash: "x", Tier: store.TierFree, CreatedAt: time.Now()}
	if err := f.db.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return u
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

func (f *fixture) results(t *testing.T, ws org.Workspace, id string) string {
	t.Helper()
	var outs []batch.Outcome
	if err := f.svc.Results(context.Background(), ws, id, func(o batch.Outcome) error { outs = append(outs, o); return nil }); err != nil {
		t.Fatal(err)
	}
	return summary(outs)
}

func TestStreamCodesInOrderAndStoresOutcomes(t *testing.T) {
	f := newFixture(t, 0)
	var outs []batch.Outcome
	var startedID string
	b, err := f.svc.Stream(context.Background(), f.ws, strings.NewReader(streamUpload),
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
	if got := f.results(t, f.ws, b.ID); got != streamWant {
		t.Fatalf("stored results %s", got)
	}
	if n, _ := f.db.Usage(context.Background(), store.Personal(f.user.ID), time.Now().UTC().Format("2006-01")); n != 3 {
		t.Fatalf("usage %d, want 3", n)
	}
}

func TestStreamQuotaPerNote(t *testing.T) {
	f := newFixture(t, 2)
	in := ""
	for i := range 5 {
		in += fmt.Sprintf(`{"note":"cough %d","no_phi_attested":true}`+"\n", i)
	}
	var outs []batch.Outcome
	if _, err := f.svc.Stream(context.Background(), f.ws, strings.NewReader(in), nil, func(o batch.Outcome) error { outs = append(outs, o); return nil }); err != nil {
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
	f := newFixture(t, 0)
	body := io.MultiReader(strings.NewReader(`{"note":"cough","no_phi_attested":true}`+"\n"), iotest.ErrReader(errors.New("connection reset")))
	var id string
	_, err := f.svc.Stream(context.Background(), f.ws, body, func(b *store.Batch) error { id = b.ID; return nil }, nil)
	if err == nil {
		t.Fatal("a broken upload succeeded")
	}
	b, _ := f.svc.Get(context.Background(), f.ws, id)
	if b.Status != store.BatchInterrupted || b.Done != 1 {
		t.Fatalf("batch %+v", b)
	}
}

// newOrg makes an organization owned by the fixture's user, with a BAA on
// record when baa is set, and adds members with their roles. It returns
// the owner's workspace.
func (f *fixture) newOrg(t *testing.T, baa bool, members map[*store.User]store.Role) org.Workspace {
	t.Helper()
	ctx := context.Background()
	o, err := f.orgs.Create(ctx, f.user, "Maple Clinic")
	if err != nil {
		t.Fatal(err)
	}
	ws := f.workspace(t, f.user, o.ID)
	if baa {
		if _, err := f.orgs.RecordBAA(ctx, ws, "BAA-1"); err != nil {
			t.Fatal(err)
		}
		ws = f.workspace(t, f.user, o.ID)
	}
	for u, role := range members {
		inv, err := f.orgs.Invite(ctx, ws, u.Email, role)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.orgs.Accept(ctx, u, inv.Link[strings.Index(inv.Link, "token=")+len("token="):]); err != nil {
			t.Fatal(err)
		}
	}
	return ws
}

func (f *fixture) workspace(t *testing.T, u *store.User, orgID int64) org.Workspace {
	t.Helper()
	ws, err := f.orgs.Workspace(context.Background(), u, orgID)
	if err != nil {
		t.Fatal(err)
	}
	return ws
}

// audited counts the organization's audit entries of action.
func (f *fixture) audited(t *testing.T, ws org.Workspace, action audit.Action) int {
	t.Helper()
	_, n, err := f.db.ListAudit(context.Background(), store.AuditFilter{OrgID: ws.Org.ID, Action: string(action)})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// filesContain reports whether any database file (the WAL included) holds
// needle in clear.
func (f *fixture) filesContain(t *testing.T, needle string) bool {
	t.Helper()
	paths, _ := filepath.Glob(filepath.Join(f.dir, "*"))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(needle)) {
			return true
		}
	}
	return false
}

const canary = "CANARY-BATCH-5XQ"

// withCanary plants the canary in every note of upload.
func withCanary(upload string) string {
	return strings.ReplaceAll(upload, `"note":"`, `"note":"`+canary+` `)
}

// Only a workspace under a BAA queues notes: the personal one and an
// organization without a BAA on record are refused before anything is
// stored.
func TestQueuedOnlyUnderABAA(t *testing.T) {
	f := newFixture(t, 0)
	for _, tc := range []struct {
		name string
		ws   org.Workspace
		want bool
	}{
		{"personal", f.ws, false},
		{"organization without a BAA", f.newOrg(t, false, nil), false},
		{"organization under a BAA", f.newOrg(t, true, nil), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := batch.Queued(tc.ws); got != tc.want {
				t.Fatalf("Queued = %v", got)
			}
			if tc.want {
				return
			}
			if _, err := f.svc.Queue(context.Background(), tc.ws, strings.NewReader(upload), nil); apperr.CodeOf(err) != apperr.Forbidden {
				t.Fatalf("queued outside BAA mode: %v", err)
			}
			if list, err := f.svc.List(context.Background(), tc.ws, 10); err != nil || len(list) != 0 {
				t.Fatalf("a refused queue left batches: %v, %v", list, err)
			}
		})
	}
}

// baaWant is the outcome of upload in an organization under a BAA: the
// guard warns instead of blocking (n2 holds an SSN) and asks for no
// attestation (n3).
const baaWant = "1:n1:E11.9 2:n2:R05.9 3:n3:I10 4::invalid 5:n5:I10 6:n6:cached:E11.9 7:n7:invalid"

// TestQueuedBatchHoldsSealedNotesUntilCoded: in an organization under a
// BAA an async batch keeps its notes sealed until its jobs code them, in
// the organization's workspace, each note once and audited once, and then
// none is left.
func TestQueuedBatchHoldsSealedNotesUntilCoded(t *testing.T) {
	f := newFixture(t, 0)
	ws := f.newOrg(t, true, nil)
	ctx := context.Background()
	b, err := f.svc.Queue(ctx, ws, strings.NewReader(withCanary(upload)), nil)
	if err != nil {
		t.Fatal(err)
	}
	if b.Status != store.BatchQueuedUp || b.Total != 7 || b.OrgID != ws.Org.ID || fmt.Sprint(f.queue.chunks) != "[[1 3] [4 6] [7 7]]" {
		t.Fatalf("queued batch %+v, chunks %v", b, f.queue.chunks)
	}
	if f.queue.ws != ws.Scope() {
		t.Fatalf("the jobs were queued for workspace %+v, want %+v", f.queue.ws, ws.Scope())
	}
	// Until the jobs run the notes are held, sealed.
	if pending, _ := f.db.PendingBatchNotes(ctx, b.ID, 1, 10); len(pending) != 7 || f.coder.Calls() != 0 {
		t.Fatalf("%d notes held, %d coded before the jobs ran", len(pending), f.coder.Calls())
	}
	if f.filesContain(t, canary) {
		t.Fatal("a queued note reached the database files in clear")
	}
	// Every chunk runs twice, as after a crash: each note counts once.
	f.queue.run(t, f.svc, b.ID)
	f.queue.run(t, f.svc, b.ID)
	b, _ = f.svc.Get(ctx, ws, b.ID)
	if b.Status != store.BatchDone || b.Done != 7 || b.Failed != 2 {
		t.Fatalf("batch after its jobs %+v", b)
	}
	if pending, _ := f.db.PendingBatchNotes(ctx, b.ID, 1, 10); len(pending) != 0 {
		t.Fatalf("%d sealed notes kept after coding", len(pending))
	}
	if f.coder.Calls() != 4 {
		t.Fatalf("coder ran %d times, want 4 (n1, n2, n3 and n5; n6 is cached)", f.coder.Calls())
	}
	if n := f.audited(t, ws, audit.AnalysisCreate); n != 5 {
		t.Fatalf("%d analyses audited, want 5", n)
	}
	if got := f.results(t, ws, b.ID); got != baaWant {
		t.Fatalf("results %s", got)
	}
	if n := f.audited(t, ws, audit.AnalysisView); n != 5 {
		t.Fatalf("%d views audited, want one per analysis shown (5)", n)
	}
	// The batch and its analyses are the organization's, not the sender's.
	if _, err := f.svc.Get(ctx, f.ws, b.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("the organization's batch in the personal workspace: %v", err)
	}
	if n, _ := f.db.Usage(ctx, ws.Scope(), time.Now().UTC().Format("2006-01")); n != 4 {
		t.Fatalf("organization usage %d, want 4", n)
	}
}

// TestStreamInAnOrganization: a stream batch in an organization without
// a BAA runs the guard that blocks, applies the clinic rules, stores and
// audits its analyses there, keeps no note anywhere, and follows the
// roles.
func TestStreamInAnOrganization(t *testing.T) {
	f := newFixture(t, 0)
	ctx := context.Background()
	viewer := f.newUser(t, "v@example.org")
	ws := f.newOrg(t, false, map[*store.User]store.Role{viewer: store.RoleViewer})
	if _, err := f.orgs.SaveRules(ctx, ws, "suppress:\n  - code: R05.9\n"); err != nil {
		t.Fatal(err)
	}
	var outs []batch.Outcome
	b, err := f.svc.Stream(ctx, ws, strings.NewReader(withCanary(streamUpload)), nil,
		func(o batch.Outcome) error { outs = append(outs, o); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if got := summary(outs); got != streamWant {
		t.Fatalf("streamed %s", got)
	}
	// n5 is cough and hypertension: the clinic rule took the cough away.
	if rec := outs[4].Analysis; rec.RulesVersion != 1 || strings.Join(analysis.Codes(rec.Result), " ") != "I10 99213" {
		t.Fatalf("n5 without the clinic rule: version %d, codes %v", rec.RulesVersion, analysis.Codes(rec.Result))
	}
	if n := f.audited(t, ws, audit.AnalysisCreate); n != 3 {
		t.Fatalf("%d analyses audited, want 3", n)
	}
	if f.filesContain(t, canary) {
		t.Fatal("a streamed note reached the database files")
	}
	if page, _ := f.svc.List(ctx, f.ws, 10); len(page) != 0 {
		t.Fatal("the organization's batch shows in the personal workspace")
	}
	// A viewer reads the batch but may not send one.
	vws := f.workspace(t, viewer, ws.Org.ID)
	if got := f.results(t, vws, b.ID); got != streamWant {
		t.Fatalf("the viewer's results %s", got)
	}
	if _, err := f.svc.Stream(ctx, vws, strings.NewReader(upload), nil, nil); apperr.CodeOf(err) != apperr.Forbidden {
		t.Fatalf("a viewer sent a batch: %v", err)
	}
}

// TestQueuedNotesOfAMemberWhoLeft: the jobs of a queued batch whose sender
// left the organization refuse its notes, and delete them, rather than
// code them or keep them.
func TestQueuedNotesOfAMemberWhoLeft(t *testing.T) {
	f := newFixture(t, 0)
	ctx := context.Background()
	coder := f.newUser(t, "c@example.org")
	owner := f.newOrg(t, true, map[*store.User]store.Role{coder: store.RoleCoder})
	b, err := f.svc.Queue(ctx, f.workspace(t, coder, owner.Org.ID), strings.NewReader(upload), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.orgs.RemoveMember(ctx, owner, coder.ID); err != nil {
		t.Fatal(err)
	}
	f.queue.run(t, f.svc, b.ID)
	if pending, _ := f.db.PendingBatchNotes(ctx, b.ID, 1, 10); len(pending) != 0 || f.coder.Calls() != 0 {
		t.Fatalf("%d notes kept, %d coded after the sender left", len(pending), f.coder.Calls())
	}
	b, _ = f.svc.Get(ctx, owner, b.ID)
	if b.Status != store.BatchDone || b.Done != 7 || b.Failed != 7 {
		t.Fatalf("batch %+v", b)
	}
}
