package backup

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/medcode/medcode/internal/store/sqlite"

	_ "modernc.org/sqlite" // the "sqlite" driver
)

const sqliteMember = KindSQLite + "/medcode.db"

// openSQLite opens an existing database file without creating one.
func openSQLite(path string, readOnly bool) (*sql.DB, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("backup: database %s: %w", path, err)
	}
	q := url.Values{"_pragma": {"busy_timeout(10000)"}}
	if readOnly {
		q.Set("mode", "ro")
	}
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("backup: opening %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

// writeSQLite copies the live database with VACUUM INTO (one read
// transaction, so a consistent snapshot while the server writes) into a
// file beside it, readable by the owner only, and streams that copy into
// the archive.
func writeSQLite(ctx context.Context, path string, aw *archiveWriter, m *Manifest) error {
	src, err := openSQLite(path, false)
	if err != nil {
		return err
	}
	defer src.Close()
	tmp, err := os.CreateTemp(filepath.Dir(path), ".medcode-backup-*.db")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	tmp.Close()
	defer os.Remove(tmp.Name())
	if _, err := src.ExecContext(ctx, "VACUUM INTO ?", tmp.Name()); err != nil {
		return fmt.Errorf("backup: copying %s: %w", path, err)
	}
	if err := describeSQLite(ctx, tmp.Name(), m); err != nil {
		return err
	}
	f, err := os.Open(tmp.Name())
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer f.Close()
	mw, err := aw.create(sqliteMember)
	if err != nil {
		return err
	}
	if _, err := io.Copy(mw, f); err != nil {
		return fmt.Errorf("backup: reading the copy: %w", err)
	}
	return mw.Close()
}

// describeSQLite checks a database file and records its schema version and
// row counts in m.
func describeSQLite(ctx context.Context, path string, m *Manifest) error {
	db, err := openSQLite(path, true)
	if err != nil {
		return err
	}
	defer db.Close()
	var check string
	if err := db.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		return fmt.Errorf("backup: %s fails its integrity check: %s %v", path, check, err)
	}
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&m.Schema); err != nil {
		return fmt.Errorf("backup: reading the schema version: %w", err)
	}
	rows, err := db.QueryContext(ctx, "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
	if err != nil {
		return fmt.Errorf("backup: listing tables: %w", err)
	}
	var names []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		names = append(names, n)
	}
	rows.Close()
	m.Tables = m.Tables[:0]
	for _, n := range names {
		t := Table{Name: n}
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM "`+strings.ReplaceAll(n, `"`, `""`)+`"`).Scan(&t.Rows); err != nil {
			return fmt.Errorf("backup: counting %s: %w", n, err)
		}
		m.Tables = append(m.Tables, t)
	}
	return nil
}

// restoreSQLite writes the database member beside path, checks it against
// the manifest, its integrity and its schema version, and only then moves
// it to path.
func restoreSQLite(ctx context.Context, path string, ar *archiveReader, name string, r io.Reader) (*Manifest, error) {
	if name != sqliteMember {
		return nil, fmt.Errorf("backup: unexpected member %q", name)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("backup: %s exists: restore into a new file (move the old database away first)", p)
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".medcode-restore-*.db")
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = io.Copy(tmp, r)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("backup: writing %s: %w", tmp.Name(), err)
	}
	m, err := expectManifest(ar, KindSQLite)
	if err != nil {
		return nil, err
	}
	var got Manifest
	if err := describeSQLite(ctx, tmp.Name(), &got); err != nil {
		return nil, err
	}
	if got.Schema != m.Schema || fmt.Sprint(got.Tables) != fmt.Sprint(m.Tables) {
		return nil, fmt.Errorf("backup: the restored file holds schema %d %v, the manifest says %d %v", got.Schema, got.Tables, m.Schema, m.Tables)
	}
	if m.Schema > sqlite.SchemaVersion {
		return nil, fmt.Errorf("backup: schema version %d is newer than this medcode's %d: restore with a newer medcode", m.Schema, sqlite.SchemaVersion)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	return m, nil
}
