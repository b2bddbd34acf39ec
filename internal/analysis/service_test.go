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
	"github.com/medcode/medcode/internal/crypto"
	"github.com/medcode/medcode/internal/store"
	"github.com/medcode/medcode/internal/store/sqlite"
)

const note = "Follow-up visit. Type 2 diabetes, stable. Hypertension controlled on lisinopril. Canary-Zq81."

type fixture struct {
	svc   *analysis.Service
	db    *sqlite.DB
	coder *analysistest.Coder
	keys  *crypto.Keyring
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
	if cfg.PHIAction == "" {
		cfg.PHIAction = analysis.PHIBlock
	}
	f := &fixture{db: db, coder: &analysistest.Coder{}, keys: keys, now: time.Date(2026, 5, 31, 23, 0, 0, 0, time.UTC)}
	f.svc = analysis.New(db, keys, f.coder, analysistest.PHIScanner{}, cfg, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	f.svc.Now = func() time.Time { return f.now }
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

func TestAnalyzeValidationAndGuard(t *testing.T) {
	f := newFixture(t, analysis.Config{MaxNoteBytes: 200})
	u := f.user(t, "a@example.org")
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
		{"phi blocked", analysis.Request{Note: "cough. SSN 123-45-6789.", Attested: true}, apperr.PHIFound},
		{"ok", analysis.Request{Note: "cough", Attested: true}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.svc.Analyze(context.Background(), u, tt.req)
			if apperr.CodeOf(err) != tt.code {
				t.Fatalf("err = %v, want %q", err, tt.code)
			}
		})
	}
	// The blocked note's spans come back as offsets, never as text.
	_, err := f.svc.Analyze(context.Background(), u, analysis.Request{Note: "cough. SSN 123-45-6789.", Attested: true})
	b, _ := json.Marshal(apperr.DetailsOf(err))
	if !strings.Contains(string(b), `"start":11`) || strings.Contains(string(b), "6789") {
		t.Fatalf("details = %s", b)
	}
}

func TestRedactPolicyMasksAndSkipsPreview(t *testing.T) {
	f := newFixture(t, analysis.Config{PHIAction: analysis.PHIRedact})
	u := f.user(t, "a@example.org")
	rec, err := f.svc.Analyze(context.Background(), u, analysis.Request{Note: "Call (555) 123-4567 re cough.", Attested: true, SavePreview: true})
	if err != nil {
		t.Fatal(err)
	}
	if !rec.Result.PHI.Found || len(rec.Result.PHI.Spans) != 1 || rec.Result.PHI.Spans[0].Text != "" {
		t.Fatalf("PHI report = %+v", rec.Result.PHI)
	}
	if rec.Preview != "" {
		t.Fatal("preview saved for a note with PHI")
	}
}

func TestResultStoredSealedWithoutText(t *testing.T) {
	f := newFixture(t, analysis.Config{})
	u := f.user(t, "a@example.org")
	rec, err := f.svc.Analyze(context.Background(), u, analysis.Request{Note: note, Attested: true})
	if err != nil {
		t.Fatal(err)
	}
	if rec.Cached || rec.Preview != "" || len(rec.NoteSHA256) != 64 {
		t.Fatalf("record = %+v", rec)
	}
	got, err := f.svc.Get(context.Background(), u, rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(got)
	if strings.Contains(string(b), "Canary") || strings.Contains(string(b), "lisinopril") || strings.Contains(string(b), "diabetes, stable") {
		t.Fatalf("stored record holds note text: %s", b)
	}
	// Evidence offsets still point into the note.
	for _, d := range got.Result.Diagnoses {
		for _, e := range d.Evidence {
			if e.Start < 0 || e.End > len(note) || e.Start >= e.End {
				t.Fatalf("bad evidence offsets %+v", e)
			}
		}
	}
	raw, _ := f.db.Analysis(context.Background(), store.Personal(u.ID), rec.ID)
	for _, blob := range [][]byte{raw.Summary, raw.Record} {
		if id, err := crypto.KeyID(blob); err != nil || id != "k1" {
			t.Fatalf("blob not sealed with k1: %q, %v", id, err)
		}
	}
}

func TestPreviewOnlyWhenAsked(t *testing.T) {
	f := newFixture(t, analysis.Config{})
	u := f.user(t, "a@example.org")
	long := strings.Repeat("é", 150) + " cough " + strings.Repeat("x", 300)
	rec, err := f.svc.Analyze(context.Background(), u, analysis.Request{Note: long, Attested: true, SavePreview: true})
	if err != nil {
		t.Fatal(err)
	}
	if n := len([]rune(rec.Preview)); n != analysis.PreviewLen {
		t.Fatalf("preview has %d characters", n)
	}
	page, _ := f.svc.List(context.Background(), u, analysis.ListQuery{})
	if page.Items[0].Preview != rec.Preview {
		t.Fatal("history lacks the preview")
	}
}

func TestCachePerUserNoteProfileAndEngine(t *testing.T) {
	f := newFixture(t, analysis.Config{})
	ctx := context.Background()
	a, b := f.user(t, "a@example.org"), f.user(t, "b@example.org")
	first, err := f.svc.Analyze(ctx, a, analysis.Request{Note: note, Attested: true})
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name       string
		user       *store.User
		profile    string
		version    string
		wantCached bool
	}{
		{"same user and note", a, "", "", true},
		{"other user", b, "", "", false},
		{"other profile", a, "abstract", "", false},
		{"new engine version", a, "", "test-engine-2", false},
	}
	for _, s := range steps {
		f.coder.Version = s.version
		calls := f.coder.Calls()
		rec, err := f.svc.Analyze(ctx, s.user, analysis.Request{Note: note, Attested: true, Profile: s.profile})
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
	if us.Used != 3 {
		t.Fatalf("usage %d, want 3 (the cached analysis is free)", us.Used)
	}
}

func TestQuotaAndResetDate(t *testing.T) {
	f := newFixture(t, analysis.Config{Limits: map[store.Tier]int{store.TierFree: 2}})
	ctx := context.Background()
	u := f.user(t, "a@example.org")
	for i := range 2 {
		if _, err := f.svc.Analyze(ctx, u, analysis.Request{Note: fmt.Sprintf("cough %d", i), Attested: true}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := f.svc.Analyze(ctx, u, analysis.Request{Note: "cough 3", Attested: true})
	if apperr.CodeOf(err) != apperr.QuotaExceeded || !strings.Contains(apperr.MessageOf(err), "1 June 2026") {
		t.Fatalf("over the limit: %v", err)
	}
	// A repeat of an analysed note is served from the cache even at the limit.
	if rec, err := f.svc.Analyze(ctx, u, analysis.Request{Note: "cough 1", Attested: true}); err != nil || !rec.Cached {
		t.Fatalf("cached repeat at the limit: %v", err)
	}
	f.now = f.now.Add(2 * time.Hour) // into June
	if _, err := f.svc.Analyze(ctx, u, analysis.Request{Note: "cough 3", Attested: true}); err != nil {
		t.Fatalf("new month: %v", err)
	}
	if err := f.db.SetTier(ctx, u.ID, store.TierPro); err != nil {
		t.Fatal(err)
	}
	u.Tier = store.TierPro
	us, _ := f.svc.Usage(ctx, u)
	if !us.Unlimited() || us.Used != 1 || us.Month != "2026-06" {
		t.Fatalf("usage = %+v", us)
	}
}

func TestHistorySearchDecideDelete(t *testing.T) {
	f := newFixture(t, analysis.Config{})
	ctx := context.Background()
	u, other := f.user(t, "a@example.org"), f.user(t, "b@example.org")
	notes := []string{"type 2 diabetes", "cough", "hypertension and cough", "hyperlipidemia"}
	var recs []*analysis.Record
	for _, n := range notes {
		f.now = f.now.Add(time.Minute)
		rec, err := f.svc.Analyze(ctx, u, analysis.Request{Note: n, Attested: true})
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, rec)
	}
	page, err := f.svc.List(ctx, u, analysis.ListQuery{Page: 2, PerPage: 3})
	if err != nil || page.Total != 4 || len(page.Items) != 1 || page.Items[0].ID != recs[0].ID || page.Pages() != 2 {
		t.Fatalf("page 2 = %+v, %v", page, err)
	}
	// Search by the first code of a record, with a different case and no dot.
	code := analysis.Codes(recs[1].Result)[0]
	q := strings.ToLower(strings.ReplaceAll(code, ".", ""))
	page, err = f.svc.List(ctx, u, analysis.ListQuery{Code: q})
	if err != nil || page.Total == 0 {
		t.Fatalf("search %q: %+v, %v", q, page, err)
	}
	for _, it := range page.Items {
		found := false
		for _, c := range it.Codes {
			found = found || strings.HasPrefix(strings.ReplaceAll(c, ".", ""), strings.ToUpper(q))
		}
		if !found {
			t.Fatalf("search %q returned %v", q, it.Codes)
		}
	}
	if page, _ := f.svc.List(ctx, other, analysis.ListQuery{Code: q}); page.Total != 0 {
		t.Fatal("search crosses users")
	}

	if err := f.svc.Decide(ctx, u, recs[1].ID, code, analysis.Rejected); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Decide(ctx, u, recs[1].ID, "NOT-A-CODE", analysis.Accepted); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("decision on an absent code: %v", err)
	}
	if err := f.svc.Decide(ctx, other, recs[1].ID, code, analysis.Accepted); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("decision by another user: %v", err)
	}
	got, _ := f.svc.Get(ctx, u, recs[1].ID)
	if got.Decisions[code] != analysis.Rejected {
		t.Fatalf("decisions = %v", got.Decisions)
	}
	if _, err := f.svc.Get(ctx, other, recs[1].ID); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("other user read a record: %v", err)
	}
	if err := f.svc.Delete(ctx, other, recs[1].ID); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("other user deleted a record: %v", err)
	}
	if err := f.svc.Delete(ctx, u, recs[1].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Get(ctx, u, recs[1].ID); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("deleted record still readable: %v", err)
	}
	exp, err := f.svc.Export(ctx, u)
	if err != nil || len(exp.Analyses) != 3 || exp.Account.Email != "a@example.org" {
		t.Fatalf("export = %+v, %v", exp, err)
	}
}

func TestResealAfterRotation(t *testing.T) {
	f := newFixture(t, analysis.Config{})
	ctx := context.Background()
	u := f.user(t, "a@example.org")
	rec, err := f.svc.Analyze(ctx, u, analysis.Request{Note: note, Attested: true})
	if err != nil {
		t.Fatal(err)
	}
	code := analysis.Codes(rec.Result)[0]
	if err := f.svc.Decide(ctx, u, rec.ID, code, analysis.Accepted); err != nil {
		t.Fatal(err)
	}
	rotated, _ := crypto.ParseKeys("k1:" + strings.Repeat("B", 43) + "=\nk2:" + strings.Repeat("C", 43) + "=")
	n, err := analysis.Reseal(ctx, f.db, rotated)
	if err != nil || n != 1 {
		t.Fatalf("Reseal = %d, %v", n, err)
	}
	onlyNew, _ := crypto.ParseKeys("k2:" + strings.Repeat("C", 43) + "=")
	svc := analysis.New(f.db, onlyNew, f.coder, analysistest.PHIScanner{}, analysis.Config{MaxNoteBytes: 1000, PHIAction: analysis.PHIBlock}, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	got, err := svc.Get(ctx, u, rec.ID)
	if err != nil || got.Decisions[code] != analysis.Accepted {
		t.Fatalf("record unreadable with only the new key: %v", err)
	}
}
