package audit_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/medcode/medcode/internal/audit"
	"github.com/medcode/medcode/internal/store"
	"github.com/medcode/medcode/internal/store/sqlite"
)

var t0 = time.Date(2026, 4, 1, 8, 0, 0, 0, time.UTC)

// fixture is a log of five entries in a SQLite file, and a raw connection
// to that file for tampering as someone with database access would.
type fixture struct {
	db  *sqlite.DB
	raw *sql.DB
	log *audit.Log
	org *store.Org
	ann *store.User
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "audit.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	f := &fixture{db: db, raw: raw, log: audit.New(db)}
	now := t0
	f.log.Now = func() time.Time { now = now.Add(time.Minute); return now }
	f.ann = &store.User{Email: "ann@clinic.example", PasswordHash: "x", Tier: store.TierFree, CreatedAt: t0}
	if err := db.CreateUser(ctx, f.ann); err != nil {
		t.Fatal(err)
	}
	f.org = &store.Org{Name: "Maple Clinic"}
	if err := db.CreateOrg(ctx, f.org, f.ann.ID, t0); err != nil {
		t.Fatal(err)
	}
	for _, ev := range []audit.Event{
		{ActorID: f.ann.ID, Action: audit.SignIn},
		{OrgID: f.org.ID, ActorID: f.ann.ID, Action: audit.OrgCreate, Target: "Maple Clinic"},
		{OrgID: f.org.ID, ActorID: f.ann.ID, Action: audit.AnalysisCreate, Target: "an_1", Details: map[string]any{"phi": true}},
		{OrgID: f.org.ID, ActorID: f.ann.ID, Action: audit.AnalysisView, Target: "an_1"},
		{OrgID: f.org.ID, ActorID: f.ann.ID, Action: audit.RulesUpdate, Target: "v2", Details: map[string]any{"version": 2}},
	} {
		if err := f.log.Record(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// tamper runs statements on the raw connection after dropping the
// triggers that keep the log append-only, as an intruder would.
func (f *fixture) tamper(t *testing.T, stmts ...string) {
	t.Helper()
	for _, q := range append([]string{"DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_log_no_delete"}, stmts...) {
		if _, err := f.raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

func TestVerifyIntactLog(t *testing.T) {
	f := newFixture(t)
	r, err := audit.Verify(context.Background(), f.db)
	if err != nil || !r.Intact() || r.Entries != 5 || len(r.Head) != 32 {
		t.Fatalf("Verify = %+v, %v", r, err)
	}
}

// TestVerifyFindsTampering edits or deletes one row in the database for
// each way an intruder might, and expects Verify to name that row.
func TestVerifyFindsTampering(t *testing.T) {
	tests := []struct {
		name    string
		stmts   []string
		wantSeq int64
		want    string
	}{
		{"edit the action", []string{"UPDATE audit_log SET action = 'analysis.create' WHERE seq = 4"}, 4, "edited"},
		{"edit the details", []string{`UPDATE audit_log SET details = '{"phi":false}' WHERE seq = 3`}, 3, "edited"},
		{"edit the time", []string{"UPDATE audit_log SET at = at - 86400000 WHERE seq = 2"}, 2, "edited"},
		{"edit the actor", []string{"UPDATE audit_log SET actor_id = 999 WHERE seq = 1"}, 1, "edited"},
		{"edit the last entry", []string{"UPDATE audit_log SET target = 'v1' WHERE seq = 5"}, 5, "edited"},
		{"replace the hash too", []string{"UPDATE audit_log SET target = 'an_2', hash = zeroblob(32) WHERE seq = 3"}, 4, "does not follow"},
		{"delete a middle entry", []string{"DELETE FROM audit_log WHERE seq = 3"}, 3, "missing"},
		{"delete the first entry", []string{"DELETE FROM audit_log WHERE seq = 1"}, 1, "missing"},
		{"delete the last entry", []string{"DELETE FROM audit_log WHERE seq = 5"}, 5, "missing"},
		{"delete every entry", []string{"DELETE FROM audit_log"}, 1, "missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.tamper(t, tt.stmts...)
			r, err := audit.Verify(context.Background(), f.db)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, p := range r.Problems {
				found = found || (p.Seq == tt.wantSeq && strings.Contains(p.Reason, tt.want))
			}
			if r.Intact() || !found {
				t.Fatalf("problems %+v, want entry %d %q", r.Problems, tt.wantSeq, tt.want)
			}
		})
	}
}

func TestHashCoversEveryField(t *testing.T) {
	base := store.AuditEntry{Seq: 3, At: t0, OrgID: 1, ActorID: 2, Action: "a", Target: "t", Details: "{}", PrevHash: []byte{9}}
	changes := map[string]func(*store.AuditEntry){
		"seq":     func(e *store.AuditEntry) { e.Seq++ },
		"at":      func(e *store.AuditEntry) { e.At = e.At.Add(time.Millisecond) },
		"org":     func(e *store.AuditEntry) { e.OrgID++ },
		"actor":   func(e *store.AuditEntry) { e.ActorID++ },
		"action":  func(e *store.AuditEntry) { e.Action = "b" },
		"target":  func(e *store.AuditEntry) { e.Target = "u" },
		"details": func(e *store.AuditEntry) { e.Details = `{"x":1}` },
		"prev":    func(e *store.AuditEntry) { e.PrevHash = []byte{8} },
		// Moving a byte from one field to the next must change the hash.
		"boundary": func(e *store.AuditEntry) { e.Action, e.Target = "at", "" },
	}
	want := audit.Hash(&base)
	for name, change := range changes {
		e := base
		change(&e)
		if bytes.Equal(audit.Hash(&e), want) {
			t.Errorf("changing %s keeps the hash", name)
		}
	}
}

func TestListAndCSV(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	lines, total, err := f.log.List(ctx, f.org.ID, audit.Query{Page: 1, PerPage: 3})
	if err != nil || total != 5 || len(lines) != 3 || lines[0].Action != audit.RulesUpdate || lines[0].Actor != "ann@clinic.example" {
		t.Fatalf("List = %+v (total %d), %v", lines, total, err)
	}
	all, total, err := f.log.List(ctx, f.org.ID, audit.Query{Action: "analysis."})
	if err != nil || total != 2 || len(all) != 2 {
		t.Fatalf("List analysis.* = %+v, %v", all, err)
	}
	if _, _, err := f.log.List(ctx, f.org.ID, audit.Query{From: t0.Add(time.Hour), To: t0}); err == nil {
		t.Fatal("a period ending before it starts was accepted")
	}
	var buf bytes.Buffer
	if err := audit.WriteCSV(&buf, all); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil || len(rows) != 3 || rows[0][0] != "seq" || rows[1][5] != "analysis.view" || rows[2][7] != `{"phi":true}` || len(rows[1][9]) != 64 {
		t.Fatalf("CSV = %q, %v", rows, err)
	}
	// A deleted account still shows, by id.
	other := &store.User{Email: "=cmd@example.org", PasswordHash: "x", Tier: store.TierFree, CreatedAt: t0}
	if err := f.db.CreateUser(ctx, other); err != nil {
		t.Fatal(err)
	}
	if err := f.log.Record(ctx, audit.Event{OrgID: f.org.ID, ActorID: other.ID, Action: audit.AnalysisView}); err != nil {
		t.Fatal(err)
	}
	lines, _, _ = f.log.List(ctx, f.org.ID, audit.Query{Page: 1, PerPage: 1})
	buf.Reset()
	audit.WriteCSV(&buf, lines)
	if !strings.Contains(buf.String(), ",'=cmd@example.org,") {
		t.Fatalf("a formula-like value is not neutralised: %s", buf.String())
	}
	if err := f.db.DeleteUser(ctx, other.ID); err != nil {
		t.Fatal(err)
	}
	lines, _, _ = f.log.List(ctx, f.org.ID, audit.Query{Page: 1, PerPage: 1})
	if !strings.HasPrefix(lines[0].Actor, "deleted account #") {
		t.Fatalf("actor of a deleted account = %q", lines[0].Actor)
	}
	if r, _ := audit.Verify(ctx, f.db); !r.Intact() {
		t.Fatalf("deleting an account broke the log: %+v", r.Problems)
	}
}
