package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medcode/medcode/internal/store"
)

// TestMigration2MovesRecordsToPersonalWorkspaces fills a version-1
// database as the previous release left it, migrates it, and reads every
// record back through its owner's personal workspace.
func TestMigration2MovesRecordsToPersonalWorkspaces(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "v1.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		for _, q := range []string{
			migrations[0],
			"PRAGMA user_version = 1",
			`INSERT INTO users (id, email, password_hash, created_at) VALUES (7, 'a@example.org', 'h', 1), (9, 'b@example.org', 'h', 1)`,
			`INSERT INTO analyses (id, user_id, note_sha256, release, engine_version, profile, cached, key_id, summary, record, decisions, created_at)
				VALUES ('an-a', 7, 'h1', 'r', 'e', 'outpatient', 0, 'k1', x'01', x'02', x'03', 1000),
				       ('an-b', 9, 'h2', 'r', 'e', 'abstract', 1, 'k1', x'04', x'05', NULL, 2000)`,
			`INSERT INTO usage (user_id, month, count) VALUES (7, '2026-03', 4)`,
		} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	a, err := db.Analysis(ctx, store.Personal(7), "an-a")
	if err != nil || a.CreatedBy != 7 || string(a.Record) != "\x02" || string(a.Decisions) != "\x03" || a.CreatedAt.UnixMilli() != 1000 {
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
	// A user created after the migration gets a workspace too.
	u := &store.User{Email: "c@example.org", PasswordHash: "h", Tier: store.TierFree}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateAnalysis(ctx, store.Personal(u.ID), &store.Analysis{ID: "an-c", KeyID: "k1", Summary: []byte{1}, Record: []byte{2}}, store.Quota{}); err != nil {
		t.Fatal(err)
	}
}

// TestAuditLogRefusesUpdateAndDelete: the database itself keeps the log
// append-only, whatever the application does.
func TestAuditLogRefusesUpdateAndDelete(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "a.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	e := &store.AuditEntry{Action: "signin"}
	if err := db.AppendAudit(ctx, e, func(*store.AuditEntry) []byte { return []byte{1} }); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log"} {
		err := db.inTx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, q)
			return err
		})
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v, want the append-only refusal", q, err)
		}
	}
}
