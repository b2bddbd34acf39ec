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
	"github.com/medcode/medcode/internal/auth"
	"github.com/medcode/medcode/internal/crypto"
	"github.com/medcode/medcode/internal/dsr"
	"github.com/medcode/medcode/internal/notice"
	"github.com/medcode/medcode/internal/policy"
	"github.com/medcode/medcode/internal/store"
	"github.com/medcode/medcode/internal/store/sqlite"
	"github.com/medcode/medcode/internal/support"
)

const password = "tulip-Granite-49-orbit"

// auditLog records events; failOn makes recording that action fail.
type auditLog struct {
	events []string
	failOn dsr.Action
}

func (l *auditLog) Record(_ context.Context, ev dsr.Event) error {
	if ev.Action == l.failOn {
		return errors.New("audit log unavailable")
	}
	b, _ := json.Marshal(ev.Details)
	l.events = append(l.events, fmt.Sprintf("%d %s %s", ev.UserID, ev.Action, b))
	return nil
}

type fixture struct {
	db       *sqlite.DB
	accounts *auth.Accounts
	analyses *analysis.Service
	support  *support.Service
	svc      *dsr.Service
	audit    *auditLog
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
	f := &fixture{db: db, audit: &auditLog{}}
	policies := policy.New(db, nil, log)
	files, _ := policy.Load(nil)
	if _, err := policies.Publish(ctx, files); err != nil {
		t.Fatal(err)
	}
	f.accounts = auth.NewAccounts(db, keys, nil, auth.DefaultConfig(), log)
	f.accounts.Consents = policies
	f.analyses = analysis.New(db, keys, &analysistest.Coder{}, analysistest.PHIScanner{},
		analysis.Config{MaxNoteBytes: 100_000, PHIAction: analysis.PHIBlock}, nil, log)
	notices := notice.New(db, keys, nil, notice.Config{}, log)
	f.support = support.New(db, keys, analysistest.PHIScanner{}, nil, support.Config{}, log)
	f.svc = dsr.New(dsr.Deps{Accounts: f.accounts, Analyses: f.analyses, Policies: policies, Notices: notices, Support: f.support,
		DB: db, Audit: f.audit, Log: log})
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
	rec, err := f.analyses.Analyze(ctx, ann, analysis.Request{Note: "Type 2 diabetes, stable. =SUM(A1)", Attested: true, SavePreview: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.analyses.Decide(ctx, ann, rec.ID, rec.Result.Diagnoses[0].Code, analysis.Accepted); err != nil {
		t.Fatal(err)
	}
	if _, err := f.analyses.Analyze(ctx, other, analysis.Request{Note: "Asthma.", Attested: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.support.Feedback(ctx, ann, store.Scope{UserID: ann.ID}, rec.ID, "The E/M level looks low.", ""); err != nil {
		t.Fatal(err)
	}

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
		fmt.Sprintf(`%d account.export_requested {"format":"json"}`, ann.ID),
		fmt.Sprintf(`%d account.export_completed {"analyses":1,"format":"json","support_threads":1}`, ann.ID),
	}
	if strings.Join(f.audit.events, "\n") != strings.Join(want, "\n") {
		t.Errorf("audit:\n%s\nwant:\n%s", strings.Join(f.audit.events, "\n"), strings.Join(want, "\n"))
	}

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
	if row["analysis_id"] != rec.ID || row["diagnoses"] == "" || row["accepted"] != rec.Result.Diagnoses[0].Code ||
		row["profile"] != "outpatient" || !strings.HasPrefix(row["preview"], "Type 2") {
		t.Errorf("CSV row %v", row)
	}
	if !strings.Contains(f.audit.events[2], "csv") {
		t.Errorf("CSV export not audited: %v", f.audit.events)
	}

	// A request the audit log cannot take is not carried out.
	f.audit.failOn = dsr.ExportRequested
	if _, err := f.svc.Export(ctx, ann, "json"); err == nil {
		t.Fatal("export ran without its audit entry")
	}
}

func TestFormulaCellsAreNeutralised(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	ann := f.signUp(t, "ann@example.org")
	if _, err := f.analyses.Analyze(ctx, ann, analysis.Request{Note: "=HYPERLINK(\"x\") hypertension", Attested: true, SavePreview: true}); err != nil {
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
		fmt.Sprintf(`%d account.correction_requested {"fields":["display_name","role"]}`, ann.ID),
		fmt.Sprintf(`%d account.correction_completed {"fields":["display_name","role"]}`, ann.ID),
		fmt.Sprintf(`%d account.correction_requested {"fields":["email"]}`, ann.ID),
		fmt.Sprintf(`%d account.correction_completed {"fields":["email"]}`, ann.ID),
	}
	if strings.Join(f.audit.events, "\n") != strings.Join(want, "\n") {
		t.Errorf("audit:\n%s\nwant:\n%s", strings.Join(f.audit.events, "\n"), strings.Join(want, "\n"))
	}
	for _, e := range f.audit.events {
		if strings.Contains(e, "Ann Coder") || strings.Contains(e, "ann2@") {
			t.Errorf("audit entry holds the data: %s", e)
		}
	}
}

func TestDeletionNeedsConfirmation(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	ann := f.signUp(t, "ann@example.org")
	if err := f.svc.DeleteAccount(ctx, ann, password, false); apperr.CodeOf(err) != apperr.Invalid {
		t.Fatalf("unconfirmed deletion: %v", err)
	}
	if err := f.svc.DeleteAccount(ctx, ann, "wrong", true); apperr.CodeOf(err) != apperr.Invalid {
		t.Fatalf("deletion with a wrong password: %v", err)
	}
	if len(f.audit.events) != 0 {
		t.Fatalf("refused requests were audited as made: %v", f.audit.events)
	}
	f.audit.failOn = dsr.DeletionRequested
	if err := f.svc.DeleteAccount(ctx, ann, password, true); err == nil {
		t.Fatal("deletion ran without its audit entry")
	}
	if _, err := f.db.UserByID(ctx, ann.ID); err != nil {
		t.Fatalf("the account went without an audited request: %v", err)
	}
	f.audit.failOn = ""
	if err := f.svc.DeleteAccount(ctx, ann, password, true); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.UserByID(ctx, ann.ID); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("account still there: %v", err)
	}
	want := []string{
		fmt.Sprintf(`%d account.deletion_requested null`, ann.ID),
		fmt.Sprintf(`%d account.deletion_completed null`, ann.ID),
	}
	if strings.Join(f.audit.events, "\n") != strings.Join(want, "\n") {
		t.Errorf("audit:\n%s\nwant:\n%s", strings.Join(f.audit.events, "\n"), strings.Join(want, "\n"))
	}
}
