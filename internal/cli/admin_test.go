package cli

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver

	"github.com/medcode/medcode/internal/crypto"
	"github.com/medcode/medcode/internal/store"
	"github.com/medcode/medcode/internal/store/postgres/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// auditDB is a database the audit test tampers with: how to point the
// server and the admin command at it, and the SQL an intruder with
// database access runs to get past the append-only triggers.
type auditDB struct {
	name     string
	open     func(t *testing.T) (dsn, driverDSN string) // for medcode, for database/sql; keys go in the environment
	driver   string
	triggers []string
}

var auditDBs = []auditDB{
	{
		name: "sqlite",
		open: func(t *testing.T) (string, string) {
			path := filepath.Join(t.TempDir(), "audit.db")
			return path, "file:" + path + "?_pragma=busy_timeout(5000)"
		},
		driver:   "sqlite",
		triggers: []string{"DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_log_no_delete"},
	},
	{
		name: "postgres",
		open: func(t *testing.T) (string, string) {
			_, key, err := crypto.NewKeyEntry()
			if err != nil {
				t.Fatal(err)
			}
			t.Setenv("MEDCODE_KEY", key) // instances on PostgreSQL share their keys
			dsn := pgtest.NewDatabase(t)
			return dsn, dsn
		},
		driver:   "pgx",
		triggers: []string{"DROP TRIGGER audit_log_no_change ON audit_log"},
	},
}

// TestAuditVerifyDetectsTampering: after real use of the server the audit
// log verifies; editing or deleting one row in the database, as someone
// with database access would, makes `medcode admin audit verify` fail and
// name the entry.
func TestAuditVerifyDetectsTampering(t *testing.T) {
	tests := []struct {
		name      string
		tamper    string
		wantEntry string
	}{
		{"edit an entry's action", "UPDATE audit_log SET action = 'signin' WHERE seq = 3", "entry 3: the entry was edited"},
		{"edit an entry's actor", "UPDATE audit_log SET actor_id = actor_id + 1 WHERE seq = 2", "entry 2: the entry was edited"},
		{"edit the last entry", "UPDATE audit_log SET details = '{}' WHERE seq = (SELECT max(seq) FROM audit_log)", "the entry was edited"},
		{"delete a middle entry", "DELETE FROM audit_log WHERE seq = 2", "entry 2: entries 2 to 2 are missing (deleted)"},
		{"delete the last entry", "DELETE FROM audit_log WHERE seq = (SELECT max(seq) FROM audit_log)", "are missing (deleted)"},
	}
	for _, db := range auditDBs {
		t.Run(db.name, func(t *testing.T) {
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					dsn, raw := db.open(t)
					useAudit(t, dsn, os.Getenv("MEDCODE_KEY"))
					code, out, errOut := runCLI(t, "", "admin", "--db", dsn, "audit", "verify")
					if code != 0 || !strings.Contains(out, "audit log intact") {
						t.Fatalf("before tampering: exit %d\n%s%s", code, out, errOut)
					}
					conn, err := sql.Open(db.driver, raw)
					if err != nil {
						t.Fatal(err)
					}
					defer conn.Close()
					for _, q := range append(db.triggers, tt.tamper) {
						if _, err := conn.Exec(q); err != nil {
							t.Fatalf("%s: %v", q, err)
						}
					}
					code, out, errOut = runCLI(t, "", "admin", "--db", dsn, "audit", "verify")
					if code != 1 || !strings.Contains(out, tt.wantEntry) || !strings.Contains(errOut, "tampered") {
						t.Fatalf("after %q: exit %d\n%s%s\nwant %q", tt.tamper, code, out, errOut, tt.wantEntry)
					}
				})
			}
		})
	}
}

// useAudit runs a server on dsn and does what leaves audit entries: a
// sign-up and an API sign-in, an organization, an invitation, a clinic
// rule change.
func useAudit(t *testing.T, dsn, key string) {
	t.Helper()
	m := startServer(t, map[string]string{"MEDCODE_DB": dsn, "MEDCODE_KEY": key})
	ctx := context.Background()
	token, err := func() (string, error) {
		if _, err := m.Accounts.SignUp(ctx, signUpRequest(t, m, "ann@example.org", "tulip-Granite-49-orbit")); err != nil {
			return "", err
		}
		return m.Accounts.IssueAPIToken(ctx, "ann@example.org", "tulip-Granite-49-orbit", "", "127.0.0.1")
	}()
	if err != nil || token == "" {
		t.Fatal(err)
	}
	u, err := m.DB.UserByEmail(ctx, "ann@example.org")
	if err != nil {
		t.Fatal(err)
	}
	o, err := m.Orgs.Create(ctx, u, "Audit Clinic")
	if err != nil {
		t.Fatal(err)
	}
	ws, err := m.Orgs.Workspace(ctx, u, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Orgs.Invite(ctx, ws, "bob@example.org", store.RoleCoder); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Orgs.SaveRules(ctx, ws, "suppress:\n  - code: R05.9\n"); err != nil {
		t.Fatal(err)
	}
	m.Close()
}
