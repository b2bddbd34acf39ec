package postgres

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/medcode/medcode/internal/store"
	"github.com/medcode/medcode/internal/store/postgres/pgtest"
)

// TestMigration2MovesRecordsToPersonalWorkspaces fills a version-1
// database as the previous release left it, migrates it, and reads every
// record back through its owner's personal workspace.
func TestMigration2MovesRecordsToPersonalWorkspaces(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.NewDatabase(t)
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, q := range []string{
		"CREATE TABLE schema_version (version integer NOT NULL); INSERT INTO schema_version VALUES (1)",
		migrations[0],
		`INSERT INTO users (id, email, password_hash, created_at) OVERRIDING SYSTEM VALUE
			VALUES (7, 'a@example.org', 'h', now()), (9, 'b@example.org', 'h', now())`,
		`INSERT INTO analyses (id, user_id, note_sha256, release, engine_version, profile, cached, key_id, summary, record, decisions, created_at)
			VALUES ('an-a', 7, 'h1', 'r', 'e', 'outpatient', false, 'k1', '\x01', '\x02', '\x03', to_timestamp(1)),
			       ('an-b', 9, 'h2', 'r', 'e', 'abstract', true, 'k1', '\x04', '\x05', NULL, to_timestamp(2))`,
		`INSERT INTO usage (user_id, month, count) VALUES (7, '2026-03', 4)`,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	a, err := db.Analysis(ctx, store.Personal(7), "an-a")
	if err != nil || a.CreatedBy != 7 || string(a.Record) != "\x02" || string(a.Decisions) != "\x03" || a.CreatedAt.Unix() != 1 {
		t.Fatalf("an-a after migration = %+v, %v", a, err)
	}
	if _, err := db.Analysis(ctx, store.Personal(7), "an-b"); err == nil {
		t.Fatal("an-b moved to the wrong workspace")
	}
	if b, err := db.Analysis(ctx, store.Personal(9), "an-b"); err != nil || !b.Cached || b.Profile != "abstract" {
		t.Fatalf("an-b after migration = %+v, %v", b, err)
	}
	if n, err := db.Usage(ctx, store.Personal(7), "2026-03"); err != nil || n != 4 {
		t.Fatalf("usage after migration = %d, %v", n, err)
	}
	// Deleting the user deletes their workspace and its records through
	// the new foreign keys (the old user_id one is gone).
	if _, err := conn.Exec(ctx, "DELETE FROM users WHERE id = 7"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Analysis(ctx, store.Personal(7), "an-a"); err == nil {
		t.Fatal("the personal record outlived its workspace")
	}
}

// TestAuditLogRefusesUpdateDeleteAndTruncate: the database itself keeps
// the log append-only, whatever the application does.
func TestAuditLogRefusesUpdateDeleteAndTruncate(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.NewDatabase(t)
	db, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.AppendAudit(ctx, &store.AuditEntry{Action: "signin"}, func(*store.AuditEntry) []byte { return []byte{1} }); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log", "TRUNCATE audit_log"} {
		if _, err := db.pool.Exec(ctx, q); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v, want the append-only refusal", q, err)
		}
	}
}
