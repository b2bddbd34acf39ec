package revenue_test

import (
	"archive/zip"
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/medcode/medcode/internal/analysis"
	"github.com/medcode/medcode/internal/analysis/analysistest"
	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/audit"
	"github.com/medcode/medcode/internal/billing"
	"github.com/medcode/medcode/internal/billing/revenue"
	"github.com/medcode/medcode/internal/billing/upload"
	"github.com/medcode/medcode/internal/claims"
	"github.com/medcode/medcode/internal/claims/scrub"
	"github.com/medcode/medcode/internal/claims/synth"
	"github.com/medcode/medcode/internal/claims/x12"
	"github.com/medcode/medcode/internal/claims/x835"
	"github.com/medcode/medcode/internal/codeset"
	"github.com/medcode/medcode/internal/crypto"
	"github.com/medcode/medcode/internal/datadir"
	"github.com/medcode/medcode/internal/engine"
	"github.com/medcode/medcode/internal/jobs"
	"github.com/medcode/medcode/internal/mail"
	"github.com/medcode/medcode/internal/org"
	"github.com/medcode/medcode/internal/phi"
	"github.com/medcode/medcode/internal/store"
	"github.com/medcode/medcode/internal/store/sqlite"
)

var (
	setOnce sync.Once
	set     *codeset.Set
	setErr  error
)

// codeSets opens the installed code sets once; a test that builds a
// report skips without them, as the report is priced with their fee
// schedule.
func codeSets(t testing.TB) *codeset.Set {
	t.Helper()
	dir, err := datadir.Resolve()
	if err != nil {
		t.Skipf("no code-set data directory (%v): a report cannot be priced", err)
	}
	setOnce.Do(func() { set, setErr = codeset.Open(dir) })
	if setErr != nil {
		t.Fatal(setErr)
	}
	return set
}

// queue records the jobs queued, or fails like a broken queue.
type queue struct {
	mu   sync.Mutex
	jobs []jobs.ReportArgs
	err  error
}

func (q *queue) EnqueueReport(_ context.Context, a jobs.ReportArgs) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.err != nil {
		return q.err
	}
	q.jobs = append(q.jobs, a)
	return nil
}

func (q *queue) last(t *testing.T) jobs.ReportJob {
	t.Helper()
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.jobs) == 0 {
		t.Fatal("no job queued")
	}
	a := q.jobs[len(q.jobs)-1]
	if a.Report != revenue.JobName {
		t.Fatalf("queued %q", a.Report)
	}
	return jobs.ReportJob{OwnerID: a.OwnerID, Params: a.Params}
}

type mailbox struct {
	mu   sync.Mutex
	sent []mail.Message
}

func (m *mailbox) Send(_ context.Context, msg mail.Message) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent = append(m.sent, msg)
	return nil
}

// recorder codes notes with the test coder and keeps what it was given.
type recorder struct {
	analysistest.Coder
	mu    sync.Mutex
	notes []string
}

func (r *recorder) Code(ctx context.Context, note string, opts engine.Options) (*engine.Result, error) {
	r.mu.Lock()
	r.notes = append(r.notes, note)
	r.mu.Unlock()
	return r.Coder.Code(ctx, note, opts)
}

type fixture struct {
	svc   *revenue.Service
	db    *sqlite.DB
	orgs  *org.Service
	audit *audit.Log
	queue *queue
	mail  *mailbox
	coder *recorder
	users int
}

func newFixture(t testing.TB, codes *codeset.Set, policy phi.Policy) *fixture {
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
	keys, _ := crypto.ParseKeys("k1:" + strings.Repeat("D", 43) + "=")
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	f := &fixture{db: db, audit: audit.New(db), queue: &queue{}, mail: &mailbox{}, coder: &recorder{}}
	analyses, err := analysis.New(db, keys, f.coder, nil, f.audit, analysis.Config{MaxNoteBytes: 100_000, PHIPolicy: phi.PolicyBlock}, nil, logger)
	if err != nil {
		t.Fatal(err)
	}
	secrets, err := billing.New(db, keys, f.audit, analyses, scrub.Sources{}, logger)
	if err != nil {
		t.Fatal(err)
	}
	f.orgs = org.New(db, f.audit, nil, f.coder, org.Config{BaseURL: "http://medcode.test"}, logger)
	f.svc, err = revenue.New(db, keys, f.audit, f.mail, f.queue, secrets, codes, f.coder,
		revenue.Config{BaseURL: "http://medcode.test", PHIPolicy: policy, Workers: 2}, logger)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) user(t testing.TB) *store.User {
	t.Helper()
	f.users++
	u := &store.User{Email: fmt.Sprintf("user%d@clinic.example", f.users), PasswordHash: "x", Tier: store.TierFree}
	if err := f.db.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return u
}

func (f *fixture) clinic(t *testing.T, baa bool) org.Workspace {
	t.Helper()
	ctx := context.Background()
	owner := f.user(t)
	o, err := f.orgs.Create(ctx, owner, "Maple Clinic")
	if err != nil {
		t.Fatal(err)
	}
	ws, _ := f.orgs.Workspace(ctx, owner, o.ID)
	if baa {
		if _, err := f.orgs.RecordBAA(ctx, ws, "BAA-1"); err != nil {
			t.Fatal(err)
		}
		ws, _ = f.orgs.Workspace(ctx, owner, o.ID)
	}
	return ws
}

// dataset is a generated clinic's 60 days: identified claims (as the
// practice system exports them), the payers' 835s and the notes.
type dataset struct {
	ds    *synth.Dataset
	files revenue.Upload
}

func generate(t testing.TB, n int) *dataset {
	t.Helper()
	ds, err := synth.NewDataset(rand.New(rand.NewPCG(4, 5)), n,
		synth.DatasetOptions{Claims: synth.Options{Start: claims.Date{Year: 2025, Month: 6, Day: 2}, Identified: true}})
	if err != nil {
		t.Fatal(err)
	}
	var csv bytes.Buffer
	if err := claims.WriteCSV(&csv, ds.Claims); err != nil {
		t.Fatal(err)
	}
	half := len(ds.Remittances) / 2
	var remits []upload.File
	for i, part := range [][]*x835.Remittance{ds.Remittances[:half], ds.Remittances[half:]} {
		data, err := x835.Encode(x12.Envelope{SenderID: "PAYER", ReceiverID: "CLINIC", ControlNumber: i + 1, Time: time.Now()}, part, true)
		if err != nil {
			t.Fatal(err)
		}
		remits = append(remits, upload.File{Name: fmt.Sprintf("remits-%d.835", i+1), Data: data})
	}
	notes := map[string]string{}
	for _, n := range ds.Notes {
		notes[n.ClaimID+".txt"] = n.Text
	}
	return &dataset{ds: ds, files: revenue.Upload{Claims: upload.File{Name: "claims.csv", Data: csv.Bytes()}, Remits: remits,
		Notes: &upload.File{Name: "notes.zip", Data: zipOf(t, notes)}, Attested: true}}
}

func zipOf(t testing.TB, files map[string]string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for name, text := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, text)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func (f *fixture) uploads(t *testing.T) int {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+f.db.Path()+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow("SELECT count(*) FROM report_uploads").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// fileHolds reports whether the database files hold needle.
func (f *fixture) fileHolds(t *testing.T, needle string) bool {
	t.Helper()
	for _, p := range []string{f.db.Path(), f.db.Path() + "-wal"} {
		b, err := os.ReadFile(p)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(needle)) {
			return true
		}
	}
	return false
}

// TestUploadJobReport runs the whole flow in a personal workspace: the
// upload is parsed and sealed, the job builds the report and deletes the
// uploads, the requester is emailed a link and sees a notice until they
// open the report, which reads back with its PDF and CSV.
func TestUploadJobReport(t *testing.T) {
	codes := codeSets(t)
	f := newFixture(t, codes, phi.PolicyBlock)
	ctx := context.Background()
	u := f.user(t)
	ws := org.Personal(u)
	up := generate(t, 120)
	rep, err := f.svc.Create(ctx, ws, up.files)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Status != store.ReportQueued || rep.Files != 4 || rep.Summary != nil {
		t.Fatalf("created: %+v", rep)
	}
	// Waiting, everything is sealed: no patient name, no note sentence.
	patient := up.ds.Claims[0].Patient.Identity.LastName
	sentence := strings.SplitN(up.ds.Notes[0].Text, "\n", 2)[0]
	if f.uploads(t) != 4 || f.fileHolds(t, patient) || f.fileHolds(t, sentence) {
		t.Fatalf("uploads: %d rows; name in the file %v; note in the file %v", f.uploads(t), f.fileHolds(t, patient), f.fileHolds(t, sentence))
	}
	if _, err := f.svc.Open(ctx, ws, rep.ID, "page"); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("opening a queued report: %v", err)
	}

	if err := f.svc.Run(ctx, f.queue.last(t)); err != nil {
		t.Fatal(err)
	}
	if n := f.uploads(t); n != 0 {
		t.Fatalf("%d uploads left after the report was built", n)
	}
	got, err := f.svc.Status(ctx, ws, rep.ID)
	if err != nil || got.Status != store.ReportDone || got.Summary == nil || got.Summary.Claims != 120 || got.Summary.NotesRecoded == 0 {
		t.Fatalf("after the job: %+v %+v, %v", got, got.Summary, err)
	}
	if len(f.coder.notes) == 0 {
		t.Fatal("no note was re-coded")
	}
	if len(f.mail.sent) != 1 || f.mail.sent[0].To != u.Email || !strings.Contains(f.mail.sent[0].Body, "http://medcode.test/reports/"+rep.ID) {
		t.Fatalf("notification: %+v", f.mail.sent)
	}
	notices, err := f.svc.Notices(ctx, u)
	if err != nil || len(notices) != 1 || notices[0].ReportID != rep.ID || notices[0].Failed {
		t.Fatalf("notices: %+v, %v", notices, err)
	}
	o, err := f.svc.Open(ctx, ws, rep.ID, "page")
	if err != nil {
		t.Fatal(err)
	}
	if o.Body.Inputs.Claims != 120 || len(o.Body.Findings) == 0 {
		t.Fatalf("opened report: %+v", o.Body.Inputs)
	}
	// (A patient's last name may be a provider's too: look for the
	// member id and the birth date.)
	for _, c := range []string{up.ds.Claims[0].Insured.MemberID, up.ds.Claims[0].Patient.Identity.BirthDate.String()} {
		if strings.Contains(fmt.Sprintf("%+v", o.Body), c) {
			t.Fatalf("the report of a personal workspace holds %q", c)
		}
	}
	if notices, _ := f.svc.Notices(ctx, u); len(notices) != 0 {
		t.Fatalf("notice after opening: %+v", notices)
	}
	pdf, err := f.svc.PDF(ctx, ws, rep.ID)
	if err != nil || !bytes.HasPrefix(pdf, []byte("%PDF")) {
		t.Fatalf("PDF: %.20q, %v", pdf, err)
	}
	var csv bytes.Buffer
	if err := f.svc.Write(ctx, ws, rep.ID, "csv", &csv); err != nil || !strings.HasPrefix(csv.String(), "finding_id,") {
		t.Fatalf("CSV: %.40q, %v", csv.String(), err)
	}
	// A job run again (a crashed worker's) leaves the report alone.
	if err := f.svc.Run(ctx, f.queue.last(t)); err != nil {
		t.Fatal(err)
	}
	if len(f.mail.sent) != 1 {
		t.Fatal("a second run notified again")
	}
	// Someone else sees nothing.
	if _, err := f.svc.Status(ctx, org.Personal(f.user(t)), rep.ID); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("another user: %v", err)
	}
	if err := f.svc.Delete(ctx, ws, rep.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Open(ctx, ws, rep.ID, "page"); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("deleted report: %v", err)
	}
}

// TestNotesGuard: outside a BAA notes need the attestation and pass the
// PHI detector (blocked or redacted by policy); under a BAA they go as
// they are.
func TestNotesGuard(t *testing.T) {
	ctx := context.Background()
	up := generate(t, 30)
	withPHI := map[string]string{}
	for _, n := range up.ds.Notes {
		withPHI[n.ClaimID+".txt"] = n.Text
	}
	marked := up.ds.Notes[0].ClaimID + ".txt"
	withPHI[marked] = "Patient: Maria Lopez, MRN 4481234, phone 555-201-7788.\n" + withPHI[marked]
	phiUpload := up.files
	phiUpload.Notes = &upload.File{Name: "notes.zip", Data: zipOf(t, withPHI)}

	t.Run("unattested", func(t *testing.T) {
		f := newFixture(t, nil, phi.PolicyBlock)
		files := up.files
		files.Attested = false
		_, err := f.svc.Create(ctx, org.Personal(f.user(t)), files)
		if apperr.CodeOf(err) != apperr.Invalid || !strings.Contains(apperr.MessageOf(err), "protected health information") {
			t.Fatalf("unattested notes: %v", err)
		}
		// Without notes there is nothing to attest.
		files.Notes = nil
		if _, err := f.svc.Create(ctx, org.Personal(f.user(t)), files); err != nil {
			t.Fatalf("no notes, no attestation: %v", err)
		}
	})
	t.Run("blocked", func(t *testing.T) {
		f := newFixture(t, nil, phi.PolicyBlock)
		_, err := f.svc.Create(ctx, org.Personal(f.user(t)), phiUpload)
		if apperr.CodeOf(err) != apperr.PHIFound || !strings.Contains(apperr.MessageOf(err), marked) || strings.Contains(fmt.Sprint(apperr.DetailsOf(err)), "Lopez") {
			t.Fatalf("notes with PHI: %v %v", err, apperr.DetailsOf(err))
		}
		if f.uploads(t) != 0 {
			t.Fatal("a blocked upload was stored")
		}
	})
	t.Run("redacted", func(t *testing.T) {
		f := newFixture(t, codeSets(t), phi.PolicyRedact)
		if _, err := f.svc.Create(ctx, org.Personal(f.user(t)), phiUpload); err != nil {
			t.Fatal(err)
		}
		if f.fileHolds(t, "Lopez") {
			t.Fatal("the name reached the database")
		}
		if err := f.svc.Run(ctx, f.queue.last(t)); err != nil {
			t.Fatal(err)
		}
		redacted := false
		for _, n := range f.coder.notes {
			if strings.Contains(n, "Lopez") || strings.Contains(n, "4481234") {
				t.Fatal("the engine got the identifiers")
			}
			redacted = redacted || strings.Contains(n, "[NAME]")
		}
		if !redacted {
			t.Fatal("no redacted note reached the engine")
		}
	})
	t.Run("baa", func(t *testing.T) {
		f := newFixture(t, nil, phi.PolicyBlock)
		ws := f.clinic(t, true)
		files := phiUpload
		files.Attested = false
		if _, err := f.svc.Create(ctx, ws, files); err != nil {
			t.Fatalf("under a BAA: %v", err)
		}
		lines, _, err := f.audit.List(ctx, ws.Org.ID, audit.Query{Action: string(audit.ReportCreate)})
		if err != nil || len(lines) != 1 || !strings.Contains(lines[0].Details, `"notes_with_phi":1`) {
			t.Fatalf("audit: %+v, %v", lines, err)
		}
	})
}

// TestFailures: a report that cannot be built fails with its reason and
// loses its uploads; so does one the queue would not take, and one that
// waited too long.
func TestFailures(t *testing.T) {
	ctx := context.Background()
	up := generate(t, 20)
	f := newFixture(t, nil, phi.PolicyBlock) // no code sets: nothing can be priced
	u := f.user(t)
	ws := org.Personal(u)
	rep, err := f.svc.Create(ctx, ws, up.files)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Run(ctx, f.queue.last(t)); err != nil {
		t.Fatal(err)
	}
	got, _ := f.svc.Status(ctx, ws, rep.ID)
	if got.Status != store.ReportFailed || !strings.Contains(got.Error, "code sets") || f.uploads(t) != 0 {
		t.Fatalf("failed report: %+v, %d uploads", got, f.uploads(t))
	}
	if len(f.mail.sent) != 1 || !strings.Contains(f.mail.sent[0].Subject, "could not be built") {
		t.Fatalf("failure notice: %+v", f.mail.sent)
	}
	if n, _ := f.svc.Notices(ctx, u); len(n) != 1 || !n[0].Failed {
		t.Fatalf("failure notice in the app: %+v", n)
	}

	f.queue.err = errors.New("queue down")
	if _, err := f.svc.Create(ctx, ws, up.files); err == nil {
		t.Fatal("an upload the queue refused was accepted")
	}
	if f.uploads(t) != 0 {
		t.Fatal("the uploads of an unqueued report were kept")
	}
	f.queue.err = nil

	if _, err := f.svc.Create(ctx, ws, up.files); err != nil {
		t.Fatal(err)
	}
	purgers := f.svc.Purgers()
	if n, err := purgers[0].Run(ctx, time.Now()); err != nil || n != 0 {
		t.Fatalf("purge of fresh uploads: %d, %v", n, err)
	}
	if n, err := purgers[0].Run(ctx, time.Now().Add(7*time.Hour)); err != nil || n != 1 || f.uploads(t) != 0 {
		t.Fatalf("purge of stale uploads: %d, %v, %d left", n, err, f.uploads(t))
	}

	bad := []struct {
		name  string
		files revenue.Upload
		code  apperr.Code
	}{
		{"no claims", revenue.Upload{}, apperr.Invalid},
		{"not claims", revenue.Upload{Claims: upload.File{Name: "x.csv", Data: []byte("a,b\n1,2\n")}}, apperr.Invalid},
		{"bad 835", revenue.Upload{Claims: up.files.Claims, Remits: []upload.File{{Name: "r.835", Data: []byte("ISA*bad~")}}}, apperr.Invalid},
		{"not a zip", revenue.Upload{Claims: up.files.Claims, Notes: &upload.File{Name: "n.zip", Data: []byte("PK no")}, Attested: true}, apperr.Invalid},
		{"no notes in the zip", revenue.Upload{Claims: up.files.Claims, Notes: &upload.File{Name: "n.zip", Data: zipOf(t, map[string]string{"a.pdf": "x"})}, Attested: true}, apperr.Invalid},
	}
	for _, tt := range bad {
		if _, err := f.svc.Create(ctx, ws, tt.files); apperr.CodeOf(err) != tt.code {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
}

func TestPermissions(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, nil, phi.PolicyBlock)
	ws := f.clinic(t, false)
	viewerUser := f.user(t)
	inv, err := f.orgs.Invite(ctx, ws, viewerUser.Email, store.RoleViewer)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.orgs.Accept(ctx, viewerUser, strings.TrimPrefix(inv.Link, "http://medcode.test/invite?token=")); err != nil {
		t.Fatal(err)
	}
	viewer, _ := f.orgs.Workspace(ctx, viewerUser, ws.Org.ID)
	files := generate(t, 10).files
	files.Notes = nil
	if _, err := f.svc.Create(ctx, viewer, files); apperr.CodeOf(err) != apperr.Forbidden {
		t.Fatalf("viewer uploads: %v", err)
	}
	rep, err := f.svc.Create(ctx, ws, files)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Status(ctx, viewer, rep.ID); err != nil {
		t.Fatalf("viewer reads: %v", err)
	}
	if err := f.svc.Delete(ctx, viewer, rep.ID); apperr.CodeOf(err) != apperr.Forbidden {
		t.Fatalf("viewer deletes: %v", err)
	}
	if _, err := f.svc.Status(ctx, org.Personal(ws.User), rep.ID); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("the organization's report in a personal workspace: %v", err)
	}
}

// FuzzNotesUpload sends arbitrary bytes as the notes zip: the upload is
// refused with an error or accepted, never a crash.
func FuzzNotesUpload(f *testing.F) {
	claimsCSV := generate(f, 3).files.Claims
	for _, seed := range [][]byte{zipOf(f, map[string]string{"C000001.txt": "Cough."}), zipOf(f, map[string]string{"../x.txt": "a", "d/.h/y.txt": "b"}), []byte("PK\x03\x04"), nil} {
		f.Add(seed)
	}
	fx := newFixture(f, nil, phi.PolicyRedact)
	ws := org.Personal(fx.user(f))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := fx.svc.Create(context.Background(), ws, revenue.Upload{Claims: claimsCSV, Notes: &upload.File{Name: "notes.zip", Data: data}, Attested: true})
		if err != nil && apperr.CodeOf(err) == apperr.Internal {
			t.Fatalf("internal error: %v", err)
		}
	})
}
