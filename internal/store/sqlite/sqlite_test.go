package sqlite_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/medcode/medcode/internal/store"
	"github.com/medcode/medcode/internal/store/sqlite"
	"github.com/medcode/medcode/internal/store/storetest"
)

func openDB(t *testing.T) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "medcode.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openDB(t) })
}

func TestMigrateIsIdempotentAndRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	if v, _ := db.Version(ctx); v != sqlite.SchemaVersion {
		t.Fatalf("version %d, want %d", v, sqlite.SchemaVersion)
	}
	path := db.Path()
	db.Close()
	// Simulate a database written by a newer medcode.
	raw, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Hit(ctx, "x", time.Minute, time.Now()); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	bumpVersion(t, path, sqlite.SchemaVersion+1)
	newer, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer newer.Close()
	if err := newer.Migrate(ctx); err == nil || !strings.Contains(err.Error(), "newer than this medcode") {
		t.Fatalf("Migrate on a newer schema: %v", err)
	}
}

// bumpVersion writes PRAGMA user_version straight into the file header
// (offset 60, big-endian), as a newer binary would have left it.
func bumpVersion(t *testing.T, path string, v int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[60], b[61], b[62], b[63] = byte(v>>24), byte(v>>16), byte(v>>8), byte(v)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestDeletedUserLeavesNoBytesInFiles(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	defer db.Close()
	email := "canary-user-7f3a@example.org"
	u := &store.User{Email: email, PasswordHash: "h", DisplayName: "Canary Display Name", Tier: store.TierFree, CreatedAt: time.Now()}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	other := &store.User{Email: "other@example.org", PasswordHash: "h", Tier: store.TierFree, CreatedAt: time.Now()}
	if err := db.CreateUser(ctx, other); err != nil {
		t.Fatal(err)
	}
	// The email must be in the files before deletion, or the check after it
	// proves nothing.
	if !filesContain(t, db.Path(), email) {
		t.Fatal("email not in the files before deletion")
	}
	if err := db.DeleteUser(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{email, "Canary Display Name"} {
		if filesContain(t, db.Path(), secret) {
			t.Errorf("database files still hold %q after DeleteUser", secret)
		}
	}
}

// filesContain reports whether the database file or its WAL holds s.
func filesContain(t *testing.T, path, s string) bool {
	t.Helper()
	for _, f := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(f)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(s)) {
			return true
		}
	}
	return false
}
