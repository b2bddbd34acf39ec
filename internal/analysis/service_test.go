package analysis_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/medcode/medcode/internal/analysis"
	"github.com/medcode/medcode/internal/analysis/analysistest"
	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/audit"
	"github.com/medcode/medcode/internal/crypto"
	"github.com/medcode/medcode/internal/org"
	"github.com/medcode/medcode/internal/phi"
	"github.com/medcode/medcode/internal/store"
	"github.com/medcode/medcode/internal/store/sqlite"
)

const note = "Follow-up visit. Type 2 diabetes, stable. Hypertension controlled on lisinopril. Canary-Zq81."

type fixture struct {
	svc   *analysis.Service
	orgs  *org.Service
	db    *sqlite.DB
	coder *analysistest.Coder
	keys  *crypto.Keyring
	audit *audit.Log
	now   time.Time
}

func newFixture(t *testing.T, cfg analysis.Config) *fixture {
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
	keys, _ := crypto.ParseKeys("k1:" + strings.Repeat("B", 43) + "=")
	if cfg.MaxNoteBytes == 0 {
		cfg.MaxNoteBytes = 100_000
	}
	if cfg.PHIPolicy == "" {
		cfg.PHIPolicy = phi.PolicyBlock
	}
	f := &fixture{db: db, coder: &analysistest.Coder{}, keys: keys, now: time.Date(2026, 5, 31, 23, 0, 0, 0, time.UTC)}
	detector, err := phi.NewDetector(phi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	f.audit = audit.New(db)
	f.audit.Now = func() time.Time { return f.now }
	if f.svc, err = analysis.New(db, keys, f.coder, detector, f.audit, cfg, nil, logger); err != nil {
		t.Fatal(err)
	}
	f.svc.Now = func() time.Time { return f.now }
	f.orgs = org.New(db, f.audit, nil, f.coder, org.Config{BaseURL: "http://medcode.test"}, logger)
	f.orgs.Now = func() time.Time { return f.now }
	return f
}

func (f *fixture) user(t *testing.T, email string) *store.User {
	t.Helper()
	u := &store.User{Email: email, PasswordHash: "x", Tier: store.TierFree, CreatedAt: f.now}
	if err := f.db.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return u
}

func (f *fixture) personal(t *testing.T, email string) org.Workspace {
	return org.Personal(f.user(t, email))
}

// clinic creates an organization owned by a new user and returns the
// owner's workspace.
func (f *fixture) clinic(t *testing.T, name string) org.Workspace {
	t.Helper()
	ctx := context.Background()
	owner := f.user(t, "owner@"+strings.ToLower(strings.ReplaceAll(name, " ", ""))+".example")
	o, err := f.orgs.Create(ctx, owner, name)
	if err != nil {
		t.Fatal(err)
	}
	return f.workspace(t, owner, o.ID)
}

func (f *fixture) workspace(t *testing.T, u *store.User, orgID int64) org.Workspace {
	t.Helper()
	ws, err := f.orgs.Workspace(context.Background(), u, orgID)
	if err != nil {
		t.Fatal(err)
	}
	return ws
}

// member adds a new user to ws's organization with role.
func (f *fixture) member(t *testing.T, ws org.Workspace, email string, role store.Role) org.Workspace {
	t.Helper()
	ctx := context.Background()
	u := f.user(t, email)
	inv, err := f.orgs.Invite(ctx, ws, email, role)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.orgs.Accept(ctx, u, strings.TrimPrefix(inv.Link, "http://medcode.test/invite?token=")); err != nil {
		t.Fatal(err)
	}
	return f.workspace(t, u, ws.Org.ID)
}

func (f *fixture) actions(t *testing.T, orgID int64) []string {
	t.Helper()
	lines, _, err := f.audit.List(context.Background(), orgID, audit.Query{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := len(lines) - 1; i >= 0; i-- {
		out = append(out, string(lines[i].Action)+" "+lines[i].Target)
	}
	return out
}

func TestAnalyzeValidationAndGuard(t *testing.T) {
	f := newFixture(t, analysis.Config{MaxNoteBytes: 200})
	ws := f.personal(t, "a@example.org")
	tests := []struct {
		name string
		req  analysis.Request
		code apperr.Code
	}{
		{"no attestation", analysis.Request{Note: "cough"}, apperr.Invalid},
		{"empty", analysis.Request{Note: " \n ", Attested: true}, apperr.Invalid},
		{"too large", analysis.Request{Note: strings.Repeat("a", 201), Attested: true}, apperr.TooLarge},
		{"bad utf-8", analysis.Request{Note: "cough \xff", Attested: true}, apperr.Invalid},
		{"bad profile", analysis.Request{Note: "cough", Attested: true, Profile: "inpatient"}, apperr.Invalid},
		{"bad payer", analysis.Request{Note: "cough", Attested: true, Payer: "tricare"}, apperr.Invalid},
		{"bad patient type", analysis.Request{Note: "cough", Attested: true, PatientType: "returning"}, apperr.Invalid},
		{"phi blocked", analysis.Request{Note: "cough. SSN 123-45-6789.", Attested: true}, apperr.PHIFound},
		{"ok", analysis.Request{Note: "cough", Attested: true}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.svc.Analyze(context.Background(), ws, tt.req)
			if apperr.CodeOf(err) != tt.code {
				t.Fatalf("err = %v, want %q", err, tt.code)
			}
		})
	}
	// The blocked note's spans come back as offsets, never as text.
	_, err := f.svc.Analyze(context.Background(), ws, analysis.Request{Note: "cough. SSN 123-45-6789.", Attested: true})
	b, _ := json.Marshal(apperr.DetailsOf(err))
	if !strings.Contains(string(b), `"start":11`) || strings.Contains(string(b), "6789") {
		t.Fatalf("details = %s", b)
	}
}

func TestRedactPolicyCodesTheRestWithOffsetsOnTheNote(t *testing.T) {
	f := newFixture(t, analysis.Config{PHIPolicy: phi.PolicyRedact})
	ws := f.personal(t, "a@example.org")
	text := "Call (555) 123-4567 re cough."
	rec, err := f.svc.Analyze(context.Background(), ws, analysis.Request{Note: text, Attested: true, SavePreview: true})
	if err != nil {
		t.Fatal(err)
	}
	if !rec.Result.PHI.Found || len(rec.Result.PHI.Spans) != 1 || rec.Result.PHI.Spans[0].Text != "" {
		t.Fatalf("PHI report = %+v", rec.Result.PHI)
	}
	if rec.Preview != "" {
		t.Fatal("preview saved for a note with PHI")
	}
	d := rec.Result.Diagnoses[0]
	if d.Code != "R05.9" || text[d.Evidence[0].Start:d.Evidence[0].End] != "cough" {
		t.Fatalf("evidence not on the submitted note: %+v", d)
	}
}

func TestResultStoredSealedWithoutText(t *testing.T) {
	f := newFixture(t, analysis.Config{})
	ws := f.personal(t, "a@example.org")
	rec, err := f.svc.Analyze(context.Background(), ws, analysis.Request{Note: note, Attested: true})
	if err != nil {
		t.Fatal(err)
	}
	if rec.Cached || rec.Preview != "" || len(rec.NoteSHA256) != 64 || rec.NoteRetained {
		t.Fatalf("record = %+v", rec)
	}
	got, err := f.svc.Get(context.Background(), ws, rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(got)
	if strings.Contains(string(b), "Canary") || strings.Contains(string(b), "lisinopril") || strings.Contains(string(b), "diabetes, stable") {
		t.Fatalf("stored record holds note text: %s", b)
	}
	for _, d := range got.Result.Diagnoses {
		for _, e := range d.Evidence {
			if e.Start < 0 || e.End > len(note) || e.Start >= e.End {
				t.Fatalf("bad evidence offsets %+v", e)
			}
		}
	}
	raw, _ := f.db.Analysis(context.Background(), store.Personal(ws.User.ID), rec.ID)
	for _, blob := range [][]byte{raw.Summary, raw.Record} {
		if id, err := crypto.KeyID(blob); err != nil || id != "k1" {
			t.Fatalf("blob not sealed with k1: %q, %v", id, err)
		}
	}
}

func TestPreviewOnlyWhenAsked(t *testing.T) {
	f := newFixture(t, analysis.Config{})
	ws := f.personal(t, "a@example.org")
	long := strings.Repeat("é", 150) + " cough " + strings.Repeat("x", 300)
	rec, err := f.svc.Analyze(context.Background(), ws, analysis.Request{Note: long, Attested: true, SavePreview: true})
	if err != nil {
		t.Fatal(err)
	}
	if n := len([]rune(rec.Preview)); n != analysis.PreviewLen {
		t.Fatalf("preview has %d characters", n)
	}
	page, _ := f.svc.List(context.Background(), ws, analysis.ListQuery{})
	if page.Items[0].Preview != rec.Preview {
		t.Fatal("history lacks the preview")
	}
}

func TestCachePerWorkspaceNoteProfileVariantAndEngine(t *testing.T) {
	f := newFixture(t, analysis.Config{})
	ctx := context.Background()
	a, b := f.personal(t, "a@example.org"), f.personal(t, "b@example.org")
	first, err := f.svc.Analyze(ctx, a, analysis.Request{Note: note, Attested: true})
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name       string
		ws         org.Workspace
		req        analysis.Request
		version    string
		wantCached bool
	}{
		{"same user and note", a, analysis.Request{}, "", true},
		{"other user", b, analysis.Request{}, "", false},
		{"other profile", a, analysis.Request{Profile: "abstract"}, "", false},
		{"other payer", a, analysis.Request{Payer: "medicare"}, "", false},
		{"new engine version", a, analysis.Request{}, "test-engine-2", false},
	}
	for _, s := range steps {
		f.coder.Version = s.version
		calls := f.coder.Calls()
		req := s.req
		req.Note, req.Attested = note, true
		rec, err := f.svc.Analyze(ctx, s.ws, req)
		if err != nil {
			t.Fatal(err)
		}
		if rec.Cached != s.wantCached || (f.coder.Calls() == calls) != s.wantCached {
			t.Errorf("%s: cached=%v, coder ran=%v", s.name, rec.Cached, f.coder.Calls() > calls)
		}
		if s.wantCached && (rec.ID == first.ID || fmt.Sprint(analysis.Codes(rec.Result)) != fmt.Sprint(analysis.Codes(first.Result))) {
			t.Errorf("%s: cached record %s differs from %s", s.name, rec.ID, first.ID)
		}
	}
	us, _ := f.svc.Usage(ctx, a)
	if us.Used != 4 {
		t.Fatalf("usage %d, want 4 (the cached analysis is free)", us.Used)
	}
}

func TestQuotaAndResetDate(t *testing.T) {
	f := newFixture(t, analysis.Config{Limits: map[store.Tier]int{store.TierFree: 2}})
	ctx := context.Background()
	ws := f.personal(t, "a@example.org")
	for i := range 2 {
		if _, err := f.svc.Analyze(ctx, ws, analysis.Request{Note: fmt.Sprintf("cough %d", i), Attested: true}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := f.svc.Analyze(ctx, ws, analysis.Request{Note: "cough 3", Attested: true})
	if apperr.CodeOf(err) != apperr.QuotaExceeded || !strings.Contains(apperr.MessageOf(err), "1 June 2026") {
		t.Fatalf("over the limit: %v", err)
	}
	// A repeat of an analysed note is served from the cache even at the limit.
	if rec, err := f.svc.Analyze(ctx, ws, analysis.Request{Note: "cough 1", Attested: true}); err != nil || !rec.Cached {
		t.Fatalf("cached repeat at the limit: %v", err)
	}
	// An organization has its own tier and count.
	clinic := f.clinic(t, "Quota Clinic")
	if err := f.db.SetOrgTier(ctx, clinic.Org.ID, store.TierPro); err != nil {
		t.Fatal(err)
	}
	clinic = f.workspace(t, clinic.User, clinic.Org.ID)
	if _, err := f.svc.Analyze(ctx, clinic, analysis.Request{Note: "cough 3", Attested: true}); err != nil {
		t.Fatalf("the organization counts apart: %v", err)
	}
	f.now = f.now.Add(2 * time.Hour) // into June
	if _, err := f.svc.Analyze(ctx, ws, analysis.Request{Note: "cough 3", Attested: true}); err != nil {
		t.Fatalf("new month: %v", err)
	}
	if err := f.db.SetTier(ctx, ws.User.ID, store.TierPro); err != nil {
		t.Fatal(err)
	}
	ws.User.Tier = store.TierPro
	us, _ := f.svc.Usage(ctx, ws)
	if !us.Unlimited() || us.Used != 1 || us.Month != "2026-06" {
		t.Fatalf("usage = %+v", us)
	}
}

func TestHistorySearchDecideDelete(t *testing.T) {
	f := newFixture(t, analysis.Config{})
	ctx := context.Background()
	ws, other := f.personal(t, "a@example.org"), f.personal(t, "b@example.org")
	notes := []string{"type 2 diabetes", "cough", "hypertension and cough", "hyperlipidemia"}
	var recs []*analysis.Record
	for _, n := range notes {
		f.now = f.now.Add(time.Minute)
		rec, err := f.svc.Analyze(ctx, ws, analysis.Request{Note: n, Attested: true})
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, rec)
	}
	page, err := f.svc.List(ctx, ws, analysis.ListQuery{Page: 2, PerPage: 3})
	if err != nil || page.Total != 4 || len(page.Items) != 1 || page.Items[0].ID != recs[0].ID || page.Pages() != 2 {
		t.Fatalf("page 2 = %+v, %v", page, err)
	}
	code := analysis.Codes(recs[1].Result)[0]
	q := strings.ToLower(strings.ReplaceAll(code, ".", ""))
	page, err = f.svc.List(ctx, ws, analysis.ListQuery{Code: q})
	if err != nil || page.Total == 0 {
		t.Fatalf("search %q: %+v, %v", q, page, err)
	}
	if page, _ := f.svc.List(ctx, other, analysis.ListQuery{Code: q}); page.Total != 0 {
		t.Fatal("search crosses users")
	}

	if err := f.svc.Decide(ctx, ws, recs[1].ID, code, analysis.Rejected, ""); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name        string
		ws          org.Workspace
		code        string
		d           analysis.Decision
		replacement string
		want        apperr.Code
	}{
		{"absent code", ws, "NOT-A-CODE", analysis.Accepted, "", apperr.NotFound},
		{"another user", other, code, analysis.Accepted, "", apperr.NotFound},
		{"unknown decision", ws, code, "maybe", "", apperr.Invalid},
		{"change without a code", ws, code, analysis.Changed, "", apperr.Invalid},
		{"change to a malformed code", ws, code, analysis.Changed, "R059", apperr.Invalid},
		{"change to an unknown code", ws, code, analysis.Changed, "R05.99", apperr.Invalid},
		{"change to a procedure", ws, code, analysis.Changed, "99213", apperr.Invalid},
		{"change to itself", ws, code, analysis.Changed, code, apperr.Invalid},
		{"replacement on an acceptance", ws, code, analysis.Accepted, "E11.9", apperr.Invalid},
		{"change", ws, code, analysis.Changed, "e11.9", ""},
	}
	for _, st := range steps {
		if err := f.svc.Decide(ctx, st.ws, recs[1].ID, st.code, st.d, st.replacement); apperr.CodeOf(err) != st.want {
			t.Errorf("%s: %v, want %q", st.name, err, st.want)
		}
	}
	got, _ := f.svc.Get(ctx, ws, recs[1].ID)
	if got.Decisions[code] != analysis.Changed || got.Replacements[code] != "E11.9" {
		t.Fatalf("decisions = %v %v", got.Decisions, got.Replacements)
	}
	counts, _ := f.db.FeedbackCounts(ctx, ws.Scope())
	if fmt.Sprint(counts) != "[{{R05.9 changed E11.9} 1}]" {
		t.Fatalf("feedback counts = %v (the rejection must have been withdrawn)", counts)
	}
	if err := f.svc.Decide(ctx, ws, recs[1].ID, code, "", ""); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.svc.Get(ctx, ws, recs[1].ID); len(got.Decisions) != 0 || len(got.Replacements) != 0 {
		t.Fatalf("cleared decisions = %v %v", got.Decisions, got.Replacements)
	}
	if _, err := f.svc.Get(ctx, other, recs[1].ID); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("other user read a record: %v", err)
	}
	if err := f.svc.Delete(ctx, other, recs[1].ID); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("other user deleted a record: %v", err)
	}
	if err := f.svc.Delete(ctx, ws, recs[1].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Get(ctx, ws, recs[1].ID); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("deleted record still readable: %v", err)
	}
	exp, err := f.svc.Export(ctx, ws.User)
	if err != nil || len(exp.Analyses) != 3 || exp.Account.Email != "a@example.org" {
		t.Fatalf("export = %+v, %v", exp, err)
	}
}

func TestResealAfterRotation(t *testing.T) {
	f := newFixture(t, analysis.Config{})
	ctx := context.Background()
	clinic := f.clinic(t, "Reseal Clinic")
	if _, err := f.orgs.RecordBAA(ctx, clinic, "BAA-1"); err != nil {
		t.Fatal(err)
	}
	if err := f.orgs.SetRetention(ctx, clinic, 0, 30); err != nil {
		t.Fatal(err)
	}
	clinic = f.workspace(t, clinic.User, clinic.Org.ID)
	rec, err := f.svc.Analyze(ctx, clinic, analysis.Request{Note: note})
	if err != nil {
		t.Fatal(err)
	}
	code := analysis.Codes(rec.Result)[0]
	if err := f.svc.Decide(ctx, clinic, rec.ID, code, analysis.Accepted, ""); err != nil {
		t.Fatal(err)
	}
	rotated, _ := crypto.ParseKeys("k1:" + strings.Repeat("B", 43) + "=\nk2:" + strings.Repeat("C", 43) + "=")
	n, err := analysis.Reseal(ctx, f.db, rotated)
	if err != nil || n != 1 {
		t.Fatalf("Reseal = %d, %v", n, err)
	}
	onlyNew, _ := crypto.ParseKeys("k2:" + strings.Repeat("C", 43) + "=")
	detector, _ := phi.NewDetector(phi.Options{})
	svc, err := analysis.New(f.db, onlyNew, f.coder, detector, f.audit, analysis.Config{MaxNoteBytes: 1000, PHIPolicy: phi.PolicyBlock}, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	got, err := svc.Get(ctx, clinic, rec.ID)
	if err != nil || got.Decisions[code] != analysis.Accepted {
		t.Fatalf("record unreadable with only the new key: %v", err)
	}
	if text, err := svc.Note(ctx, clinic, rec.ID); err != nil || text != note {
		t.Fatalf("retained note unreadable with only the new key: %q, %v", text, err)
	}
}

// TestBAAModeWarnsKeepsNotesAndAudits: under a BAA the guard warns instead
// of blocking and needs no attestation; with note retention on, the note
// is kept sealed, readable by the roles that may, and every view of the
// record and of the note is audited.
func TestBAAModeWarnsKeepsNotesAndAudits(t *testing.T) {
	f := newFixture(t, analysis.Config{})
	ctx := context.Background()
	clinic := f.clinic(t, "Elm Clinic")
	phiNote := "Pt John Smith, MRN 4481234, seen for cough."
	_, err := f.svc.Analyze(ctx, clinic, analysis.Request{Note: phiNote, Attested: true})
	if apperr.CodeOf(err) != apperr.PHIFound {
		t.Fatalf("without a BAA: %v, want phi_found", err)
	}
	if _, err := f.orgs.RecordBAA(ctx, clinic, "BAA-2026-017"); err != nil {
		t.Fatal(err)
	}
	if err := f.orgs.SetRetention(ctx, clinic, 0, 14); err != nil {
		t.Fatal(err)
	}
	clinic = f.workspace(t, clinic.User, clinic.Org.ID)
	rec, err := f.svc.Analyze(ctx, clinic, analysis.Request{Note: phiNote, SavePreview: true})
	if err != nil {
		t.Fatalf("under the BAA: %v", err)
	}
	if !rec.Result.PHI.Found || !rec.NoteRetained || !rec.NoteExpiresAt.Equal(f.now.Add(14*24*time.Hour)) || rec.Preview != "" {
		t.Fatalf("record = %+v", rec)
	}
	warned := false
	for _, w := range rec.Result.Warnings {
		warned = warned || w.Kind == "phi"
	}
	if !warned {
		t.Fatalf("no PHI warning: %+v", rec.Result.Warnings)
	}
	// The stored record itself holds no text; the note is sealed apart.
	raw, _ := f.db.Analysis(ctx, clinic.Scope(), rec.ID)
	if strings.Contains(string(raw.Record)+string(raw.Summary), "Smith") {
		t.Fatal("the record holds note text")
	}
	sealed, _, _ := f.db.AnalysisNote(ctx, clinic.Scope(), rec.ID)
	if strings.Contains(string(sealed), "Smith") {
		t.Fatal("the retained note is not sealed")
	}

	biller := f.member(t, clinic, "biller@elm.example", store.RoleBiller)
	viewer := f.member(t, clinic, "viewer@elm.example", store.RoleViewer)
	if text, err := f.svc.Note(ctx, biller, rec.ID); err != nil || text != phiNote {
		t.Fatalf("biller reads the note: %q, %v", text, err)
	}
	if _, err := f.svc.Note(ctx, viewer, rec.ID); apperr.CodeOf(err) != apperr.Forbidden {
		t.Fatalf("viewer reads the note: %v", err)
	}
	if _, err := f.svc.Get(ctx, viewer, rec.ID); err != nil {
		t.Fatal(err)
	}
	// The personal workspace has no such record, and keeps no notes.
	if _, err := f.svc.Note(ctx, org.Personal(clinic.User), rec.ID); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("personal workspace reads the note: %v", err)
	}
	recoded, err := f.svc.Recode(ctx, clinic, rec.ID)
	if err != nil || recoded.ID == rec.ID || !recoded.Cached {
		t.Fatalf("Recode = %+v, %v", recoded, err)
	}
	got := strings.Join(f.actions(t, clinic.Org.ID), "\n")
	for _, want := range []string{
		"analysis.create " + rec.ID,
		"analysis.note_view " + rec.ID, // the biller's read
		"analysis.view " + rec.ID,      // the viewer's
		"analysis.create " + recoded.ID,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("audit lacks %q:\n%s", want, got)
		}
	}
	if strings.Count(got, "analysis.note_view") != 2 { // the biller, then Recode
		t.Errorf("note reads audited %d times:\n%s", strings.Count(got, "analysis.note_view"), got)
	}
	// Ending the BAA drops the notes and blocks PHI again.
	if err := f.orgs.EndBAA(ctx, clinic); err != nil {
		t.Fatal(err)
	}
	clinic = f.workspace(t, clinic.User, clinic.Org.ID)
	if _, err := f.svc.Note(ctx, clinic, rec.ID); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("note after the BAA ended: %v", err)
	}
	if _, err := f.svc.Analyze(ctx, clinic, analysis.Request{Note: phiNote, Attested: true}); apperr.CodeOf(err) != apperr.PHIFound {
		t.Fatalf("PHI after the BAA ended: %v", err)
	}
}

func TestRolesInTheService(t *testing.T) {
	f := newFixture(t, analysis.Config{})
	ctx := context.Background()
	clinic := f.clinic(t, "Role Clinic")
	rec, err := f.svc.Analyze(ctx, clinic, analysis.Request{Note: "cough", Attested: true})
	if err != nil {
		t.Fatal(err)
	}
	coder := f.member(t, clinic, "coder@role.example", store.RoleCoder)
	viewer := f.member(t, clinic, "viewer@role.example", store.RoleViewer)
	biller := f.member(t, clinic, "biller@role.example", store.RoleBiller)
	if _, err := f.svc.Analyze(ctx, viewer, analysis.Request{Note: "cough", Attested: true}); apperr.CodeOf(err) != apperr.Forbidden {
		t.Fatalf("viewer analysed: %v", err)
	}
	if err := f.svc.Decide(ctx, biller, rec.ID, "R05.9", analysis.Accepted, ""); apperr.CodeOf(err) != apperr.Forbidden {
		t.Fatalf("biller decided: %v", err)
	}
	if err := f.svc.Decide(ctx, coder, rec.ID, "R05.9", analysis.Accepted, ""); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Delete(ctx, coder, rec.ID); apperr.CodeOf(err) != apperr.Forbidden {
		t.Fatalf("coder deleted: %v", err)
	}
	if _, err := f.svc.ExportOrg(ctx, coder, f.orgs); apperr.CodeOf(err) != apperr.Forbidden {
		t.Fatalf("coder exported: %v", err)
	}
	if page, err := f.svc.List(ctx, viewer, analysis.ListQuery{}); err != nil || page.Total != 1 {
		t.Fatalf("viewer's history = %+v, %v", page, err)
	}
	if err := f.svc.Delete(ctx, clinic, rec.ID); err != nil {
		t.Fatal(err)
	}
}

// TestClinicRuleForThatClinicOnly: a clinic's rule changes the result in
// that clinic's workspace, cites the rule, and leaves other clinics and
// personal workspaces alone; a new rules version is coded afresh.
func TestClinicRuleForThatClinicOnly(t *testing.T) {
	f := newFixture(t, analysis.Config{})
	ctx := context.Background()
	maple, birch := f.clinic(t, "Maple Clinic"), f.clinic(t, "Birch Clinic")
	if _, err := f.orgs.SaveRules(ctx, maple, "synonyms:\n  - {id: sugar, phrase: sugar crash, code: E16.2}\n"); err != nil {
		t.Fatal(err)
	}
	text := "Type 2 diabetes. Sugar crash at night."
	codesIn := func(ws org.Workspace) (string, *analysis.Record) {
		rec, err := f.svc.Analyze(ctx, ws, analysis.Request{Note: text, Attested: true})
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(analysis.Codes(rec.Result), " "), rec
	}
	got, rec := codesIn(maple)
	if got != "E11.9 E16.2 99213" || rec.RulesVersion != 1 {
		t.Fatalf("Maple codes %q (rules v%d)", got, rec.RulesVersion)
	}
	d := rec.Result.Diagnoses[1]
	if len(d.Rules) != 1 || d.Rules[0].ID != "clinic/sugar" || d.Rules[0].Citation != "Maple Clinic coding rules, version 1" || d.Description != "Hypoglycemia, unspecified" {
		t.Fatalf("added diagnosis = %+v", d)
	}
	if text[d.Evidence[0].Start:d.Evidence[0].End] != "Sugar crash" {
		t.Fatalf("evidence = %+v", d.Evidence)
	}
	for _, ws := range []org.Workspace{birch, org.Personal(maple.User)} {
		if got, _ := codesIn(ws); got != "E11.9 99213" {
			t.Fatalf("rules leaked: %q", got)
		}
	}
	// A new version changes the next analysis of the same note.
	if _, err := f.orgs.SaveRules(ctx, maple, "suppress:\n  - code: E11*\n"); err != nil {
		t.Fatal(err)
	}
	got, rec = codesIn(maple)
	if got != "99213" || rec.Cached || rec.RulesVersion != 2 || len(rec.Result.Warnings) != 1 || rec.Result.Warnings[0].Code != "E11.9" {
		t.Fatalf("after v2: %q cached=%v warnings %+v", got, rec.Cached, rec.Result.Warnings)
	}
}

// TestFeedbackSuggestsARuleAdoptedInOneClick: three identical corrections
// make a suggested rule; adopting it changes the next analysis.
func TestFeedbackSuggestsARuleAdoptedInOneClick(t *testing.T) {
	f := newFixture(t, analysis.Config{})
	ctx := context.Background()
	clinic := f.clinic(t, "Aspen Clinic")
	coder := f.member(t, clinic, "coder@aspen.example", store.RoleCoder)
	for i := range org.SuggestAfter {
		rec, err := f.svc.Analyze(ctx, coder, analysis.Request{Note: fmt.Sprintf("Type 2 diabetes, visit %d.", i), Attested: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Decide(ctx, coder, rec.ID, "E11.9", analysis.Changed, "E11.65"); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Decide(ctx, coder, rec.ID, "99213", analysis.Accepted, ""); err != nil {
			t.Fatal(err)
		}
	}
	fb, err := f.orgs.Feedback(ctx, coder)
	if err != nil {
		t.Fatal(err)
	}
	if len(fb.Codes) != 2 || fb.Codes[0].Code != "99213" || fb.Codes[0].AcceptanceRate() != 1 || fb.Codes[1].Changes["E11.65"] != 3 {
		t.Fatalf("stats = %+v", fb.Codes)
	}
	if len(fb.Suggestions) != 1 || fb.Suggestions[0].Key != "prefer:E11.9:E11.65" {
		t.Fatalf("suggestions = %+v", fb.Suggestions)
	}
	if _, err := f.orgs.Adopt(ctx, coder, fb.Suggestions[0].Key); apperr.CodeOf(err) != apperr.Forbidden {
		t.Fatalf("a coder adopted a rule: %v", err)
	}
	rs, err := f.orgs.Adopt(ctx, clinic, fb.Suggestions[0].Key)
	if err != nil || rs.Version != 1 || !strings.Contains(rs.Source, "E11.65") {
		t.Fatalf("Adopt = %+v, %v", rs, err)
	}
	if fb, _ := f.orgs.Feedback(ctx, clinic); len(fb.Suggestions) != 0 {
		t.Fatalf("the adopted suggestion is still open: %+v", fb.Suggestions)
	}
	rec, err := f.svc.Analyze(ctx, coder, analysis.Request{Note: "Type 2 diabetes, new visit.", Attested: true})
	if err != nil {
		t.Fatal(err)
	}
	if d := rec.Result.Diagnoses[0]; d.Code != "E11.65" || d.Rules[len(d.Rules)-1].ID != "clinic/prefer-1" {
		t.Fatalf("after adopting: %+v", d)
	}
}

func TestExportOrg(t *testing.T) {
	f := newFixture(t, analysis.Config{})
	ctx := context.Background()
	clinic := f.clinic(t, "Export Clinic")
	if _, err := f.orgs.RecordBAA(ctx, clinic, "BAA-9"); err != nil {
		t.Fatal(err)
	}
	if err := f.orgs.SetRetention(ctx, clinic, 365, 30); err != nil {
		t.Fatal(err)
	}
	if _, err := f.orgs.SaveRules(ctx, clinic, "suppress:\n  - code: R05.9\n"); err != nil {
		t.Fatal(err)
	}
	clinic = f.workspace(t, clinic.User, clinic.Org.ID)
	if _, err := f.svc.Analyze(ctx, clinic, analysis.Request{Note: "Jane Roe, hypertension."}); err != nil {
		t.Fatal(err)
	}
	exp, err := f.svc.ExportOrg(ctx, clinic, f.orgs)
	if err != nil {
		t.Fatal(err)
	}
	if exp.Organization.BAA == nil || len(exp.Members) != 1 || len(exp.Rules) != 1 || len(exp.Analyses) != 1 ||
		exp.Analyses[0].Note != "Jane Roe, hypertension." || exp.Organization.RetentionDays != 365 {
		t.Fatalf("export = %+v", exp)
	}
	acts := strings.Join(f.actions(t, clinic.Org.ID), "\n")
	if !strings.Contains(acts, "org.export") {
		t.Fatalf("export not audited:\n%s", acts)
	}
}
