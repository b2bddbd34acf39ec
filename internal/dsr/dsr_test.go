package dsr_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medcode/medcode/internal/analysis"
	"github.com/medcode/medcode/internal/analysis/analysistest"
	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/audit"
	"github.com/medcode/medcode/internal/auth"
	"github.com/medcode/medcode/internal/crypto"
	"github.com/medcode/medcode/internal/dsr"
	"github.com/medcode/medcode/internal/notice"
	"github.com/medcode/medcode/internal/org"
	"github.com/medcode/medcode/internal/phi"
	"github.com/medcode/medcode/internal/policy"
	"github.com/medcode/medcode/internal/store"
	"github.com/medcode/medcode/internal/store/sqlite"
	"github.com/medcode/medcode/internal/support"
)

const password = "tulip-Granite-49-orbit"

// auditEntries lists the audit log's entries from seq after on, as
// "actor action details".
func auditEntries(t *testing.T, db *sqlite.DB, after int64) []string {
	t.Helper()
	var out []string
	err := db.EachAudit(context.Background(), func(e *store.AuditEntry) error {
		if e.Seq > after && e.Action != string(audit.SignIn) {
			out = append(out, strings.TrimSpace(fmt.Sprintf("%d %s %s", e.ActorID, e.Action, e.Details)))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// lastSeq is the sequence number of the newest audit entry.
func lastSeq(t *testing.T, db *sqlite.DB) int64 {
	t.Helper()
	seq, _, err := db.AuditHead(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return seq
}

type fixture struct {
	db       *sqlite.DB
	accounts *auth.Accounts
	analyses *analysis.Service
	support  *support.Service
	svc      *dsr.Service
	// auditDown makes the audit log refuse every entry.
	auditDown bool
}

// flakyAudit is the store with an audit log that can be made to fail.
type flakyAudit struct {
	*sqlite.DB
	down *bool
}

func (a flakyAudit) AppendAudit(ctx context.Context, e *store.AuditEntry, hash func(*store.AuditEntry) []byte) error {
	if *a.down {
		return errors.New("audit log unavailable")
	}
	return a.DB.AppendAudit(ctx, e, hash)
}

func newFixture(t *testing.T) *fixture {
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
	f := &fixture{db: db}
	auditLog := audit.New(flakyAudit{DB: db, down: &f.auditDown})
	policies := policy.New(db, nil, log)
	files, _ := policy.Load(nil)
	if _, err := policies.Publish(ctx, files); err != nil {
		t.Fatal(err)
	}
	f.accounts = auth.NewAccounts(db, keys, nil, auditLog, auth.DefaultConfig(), log)
	f.accounts.Consents = policies
	if f.analyses, err = analysis.New(db, keys, &analysistest.Coder{}, nil, auditLog,
		analysis.Config{MaxNoteBytes: 100_000, PHIPolicy: phi.PolicyBlock}, nil, log); err != nil {
		t.Fatal(err)
	}
	notices := notice.New(db, keys, nil, notice.Config{}, log)
	f.support = support.New(db, keys, nil, nil, support.Config{}, log)
	f.svc = dsr.New(dsr.Deps{Accounts: f.accounts, Analyses: f.analyses, Policies: policies, Notices: notices, Support: f.support,
		DB: db, Audit: auditLog})
	return f
}

func (f *fixture) signUp(t *testing.T, email string) *store.User {
	t.Helper()
	u, err := f.accounts.SignUp(context.Background(), auth.SignUpRequest{Email: email, Password: password, Adult: true,
		Accepted: map[policy.Document]string{policy.Terms: "2026-11-23", policy.Privacy: "2026-11-23"}})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestExportHoldsEverythingAndIsAudited(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	ann := f.signUp(t, "ann@example.org")
	other := f.signUp(t, "bob@example.org")
	annWS := org.Personal(ann)
	rec, err := f.analyses.Analyze(ctx, annWS, analysis.Request{Note: "Type 2 diabetes, stable. =SUM(A1)", Attested: true, SavePreview: true})
	if err != nil {
		t.Fatal(err)
	}
	code := rec.Result.Diagnoses[0].Code
	if err := f.analyses.Decide(ctx, annWS, rec.ID, code, analysis.Accepted, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.analyses.Analyze(ctx, org.Personal(other), analysis.Request{Note: "Asthma.", Attested: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.support.Feedback(ctx, ann, annWS.Scope(), false, rec.ID, "The E/M level looks low.", ""); err != nil {
		t.Fatal(err)
	}

	seq := lastSeq(t, f.db)
	exp, err := f.svc.Export(ctx, ann, "json")
	if err != nil {
		t.Fatal(err)
	}
	if exp.Account.Email != "ann@example.org" || len(exp.Analyses) != 1 || exp.Analyses[0].ID != rec.ID ||
		exp.AdultConfirmedAt == nil || len(exp.PolicyAcceptances) != 2 || !exp.NoticeEmails ||
		len(exp.Support) != 1 || exp.Support[0].AnalysisID != rec.ID || exp.Support[0].Messages[0].Body != "The E/M level looks low." {
		b, _ := json.MarshalIndent(exp, "", " ")
		t.Fatalf("export:\n%s", b)
	}
	// The JSON keeps the fields of the analysis export at the top level.
	b, _ := json.Marshal(exp)
	var top map[string]json.RawMessage
	json.Unmarshal(b, &top)
	for _, k := range []string{"exported_at", "account", "usage", "analyses", "adult_confirmed_at", "policy_acceptances", "notice_emails", "support"} {
		if _, ok := top[k]; !ok {
			t.Errorf("export lacks %q", k)
		}
	}
	want := []string{
		fmt.Sprintf(`%d account.export_request {"format":"json"}`, ann.ID),
		fmt.Sprintf(`%d account.export {"analyses":1}`, ann.ID),
	}
	if got := auditEntries(t, f.db, seq); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("audit:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	seq = lastSeq(t, f.db)
	var buf bytes.Buffer
	if err := f.svc.HistoryCSV(ctx, ann, &buf); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil || len(rows) != 2 {
		t.Fatalf("CSV rows %v, %v", rows, err)
	}
	row := map[string]string{}
	for i, h := range rows[0] {
		row[h] = rows[1][i]
	}
	if row["analysis_id"] != rec.ID || row["diagnoses"] == "" || row["accepted"] != code ||
		row["profile"] != "outpatient" || !strings.HasPrefix(row["preview"], "Type 2") {
		t.Errorf("CSV row %v", row)
	}
	if got := auditEntries(t, f.db, seq); len(got) != 2 || !strings.Contains(got[0], `{"format":"csv"}`) {
		t.Errorf("CSV export audit: %v", got)
	}

	// A request the audit log cannot take is not carried out.
	f.auditDown = true
	if _, err := f.svc.Export(ctx, ann, "json"); err == nil {
		t.Fatal("export ran without its audit entry")
	}
}

func TestFormulaCellsAreNeutralised(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	ann := f.signUp(t, "ann@example.org")
	if _, err := f.analyses.Analyze(ctx, org.Personal(ann), analysis.Request{Note: "=HYPERLINK(\"x\") hypertension", Attested: true, SavePreview: true}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.svc.HistoryCSV(ctx, ann, &buf); err != nil {
		t.Fatal(err)
	}
	rows, _ := csv.NewReader(&buf).ReadAll()
	if preview := rows[1][len(rows[1])-1]; !strings.HasPrefix(preview, "'=") {
		t.Errorf("preview cell %q starts a formula", preview)
	}
}

func TestCorrectionIsAuditedByFieldName(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	ann := f.signUp(t, "ann@example.org")
	seq := lastSeq(t, f.db)
	if err := f.svc.CorrectProfile(ctx, ann, dsr.Profile{DisplayName: "Ann Coder", Role: "Biller"}); err != nil {
		t.Fatal(err)
	}
	got, _ := f.db.UserByID(ctx, ann.ID)
	if got.DisplayName != "Ann Coder" || got.Role != "Biller" {
		t.Fatalf("profile %+v", got)
	}
	// Nothing changed: nothing to record.
	if err := f.svc.CorrectProfile(ctx, got, dsr.Profile{DisplayName: "Ann Coder", Role: "Biller"}); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.ChangeEmail(ctx, got, "wrong", "ann2@example.org"); apperr.CodeOf(err) != apperr.Invalid {
		t.Fatalf("email change with a wrong password: %v", err)
	}
	if err := f.svc.ChangeEmail(ctx, got, password, "ann2@example.org"); err != nil {
		t.Fatal(err)
	}
	want := []string{
		fmt.Sprintf(`%d account.correct_request {"fields":["display_name","role"]}`, ann.ID),
		fmt.Sprintf(`%d account.correct {"fields":["display_name","role"]}`, ann.ID),
		fmt.Sprintf(`%d account.correct_request {"fields":["email"]}`, ann.ID),
		fmt.Sprintf(`%d account.correct {"fields":["email"]}`, ann.ID),
	}
	entries := auditEntries(t, f.db, seq)
	if strings.Join(entries, "\n") != strings.Join(want, "\n") {
		t.Errorf("audit:\n%s\nwant:\n%s", strings.Join(entries, "\n"), strings.Join(want, "\n"))
	}
	for _, e := range entries {
		if strings.Contains(e, "Ann Coder") || strings.Contains(e, "ann2@") {
			t.Errorf("audit entry holds the data: %s", e)
		}
	}
}

func TestDeletionNeedsConfirmation(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	ann := f.signUp(t, "ann@example.org")
	seq := lastSeq(t, f.db)
	if err := f.svc.DeleteAccount(ctx, ann, password, false); apperr.CodeOf(err) != apperr.Invalid {
		t.Fatalf("unconfirmed deletion: %v", err)
	}
	if err := f.svc.DeleteAccount(ctx, ann, "wrong", true); apperr.CodeOf(err) != apperr.Invalid {
		t.Fatalf("deletion with a wrong password: %v", err)
	}
	if got := auditEntries(t, f.db, seq); len(got) != 0 {
		t.Fatalf("refused requests were audited as made: %v", got)
	}
	f.auditDown = true
	if err := f.svc.DeleteAccount(ctx, ann, password, true); err == nil {
		t.Fatal("deletion ran without its audit entry")
	}
	if _, err := f.db.UserByID(ctx, ann.ID); err != nil {
		t.Fatalf("the account went without an audited request: %v", err)
	}
	f.auditDown = false
	if err := f.svc.DeleteAccount(ctx, ann, password, true); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.UserByID(ctx, ann.ID); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("account still there: %v", err)
	}
	want := []string{
		fmt.Sprintf(`%d account.delete_request`, ann.ID),
		fmt.Sprintf(`%d account.delete`, ann.ID),
	}
	if got := auditEntries(t, f.db, seq); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("audit:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
