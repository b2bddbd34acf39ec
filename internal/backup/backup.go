// Package backup writes online, consistent, encrypted backups of a medcode
// database and restores them.
//
// A backup is taken while the server runs. SQLite is copied with VACUUM
// INTO, which reads one transaction's snapshot; PostgreSQL is exported
// table by table with COPY inside one REPEATABLE READ READ ONLY
// transaction, so every table shows the same instant. The archive (see
// archive.go) is encrypted with age to X25519 recipients or a passphrase
// and ends with a manifest of every member's size and SHA-256.
//
// The at-rest keys are not in the backup: sealed values stay sealed
// inside it, so the backup and the key file are two secrets kept apart.
// Restoring needs the key file (or MEDCODE_KEY) the data was sealed with.
package backup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"filippo.io/age"

	"github.com/medcode/medcode/internal/config"
)

// Format is the archive format version this package writes and reads.
const Format = 1

// Kinds of database.
const (
	KindSQLite   = "sqlite"
	KindPostgres = "postgres"
)

// Manifest describes a backup; it is the archive's last member.
type Manifest struct {
	Format    int       `json:"format"`
	Kind      string    `json:"kind"`
	CreatedAt time.Time `json:"created_at"`
	Medcode   string    `json:"medcode"` // version of the binary that wrote it
	// Schema is the store's schema version (PRAGMA user_version on
	// SQLite, the schema_version table on PostgreSQL).
	Schema  int      `json:"schema_version"`
	Tables  []Table  `json:"tables"`
	Members []Member `json:"members"`
}

// Table is one table with its row count at the backup's instant.
type Table struct {
	Name    string   `json:"name"`
	Rows    int64    `json:"rows"`
	Columns []string `json:"columns,omitempty"` // PostgreSQL: the columns copied, in order
}

// Member is one member of the archive.
type Member struct {
	Name   string `json:"name"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// Write backs up the database at dsn (a SQLite file or a postgres:// URL)
// to out, encrypted to the recipients. version is recorded in the
// manifest.
func Write(ctx context.Context, dsn, version string, out io.Writer, recipients ...age.Recipient) (*Manifest, error) {
	if len(recipients) == 0 {
		return nil, errors.New("backup: no recipient or passphrase to encrypt to")
	}
	enc, err := age.Encrypt(out, recipients...)
	if err != nil {
		return nil, fmt.Errorf("backup: encrypting: %w", err)
	}
	aw, err := newArchiveWriter(enc)
	if err != nil {
		return nil, err
	}
	m := &Manifest{Format: Format, CreatedAt: time.Now().UTC(), Medcode: version}
	if config.IsPostgres(dsn) {
		m.Kind = KindPostgres
		err = writePostgres(ctx, dsn, aw, m)
	} else {
		m.Kind = KindSQLite
		err = writeSQLite(ctx, dsn, aw, m)
	}
	if err != nil {
		return nil, err
	}
	if err := aw.finish(m); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("backup: encrypting: %w", err)
	}
	return m, nil
}

// Restore decrypts a backup with the identities and restores it into dsn:
// a SQLite file that does not exist yet, or an empty PostgreSQL database.
// Nothing is left at dsn unless the whole archive, manifest included,
// checks out.
func Restore(ctx context.Context, dsn string, in io.Reader, identities ...age.Identity) (*Manifest, error) {
	ar, err := open(in, identities...)
	if err != nil {
		return nil, err
	}
	name, r, err := ar.next()
	if err != nil {
		return nil, beforeManifest(err)
	}
	kind, _, _ := strings.Cut(name, "/")
	switch {
	case kind == KindSQLite && !config.IsPostgres(dsn):
		return restoreSQLite(ctx, dsn, ar, name, r)
	case kind == KindPostgres && config.IsPostgres(dsn):
		return restorePostgres(ctx, dsn, ar, name, r)
	case kind == KindSQLite || kind == KindPostgres:
		return nil, fmt.Errorf("backup: this is a %s backup; restore it into a %s database", kind, kind)
	default:
		return nil, fmt.Errorf("backup: unexpected first member %q", name)
	}
}

// Check decrypts a backup and reads it to its end, verifying every member
// against the manifest, without restoring anything.
func Check(in io.Reader, identities ...age.Identity) (*Manifest, error) {
	ar, err := open(in, identities...)
	if err != nil {
		return nil, err
	}
	for {
		name, r, err := ar.next()
		if err != nil {
			return nil, beforeManifest(err)
		}
		if name == manifestName {
			return ar.readManifest(r)
		}
	}
}

func open(in io.Reader, identities ...age.Identity) (*archiveReader, error) {
	dec, err := age.Decrypt(in, identities...)
	if err != nil {
		return nil, fmt.Errorf("backup: decrypting: %w", err)
	}
	return newArchiveReader(dec)
}

// expectManifest reads the member after the data, which must be the
// manifest, and checks the archive against it.
func expectManifest(ar *archiveReader, kind string) (*Manifest, error) {
	name, r, err := ar.next()
	if err != nil {
		return nil, beforeManifest(err)
	}
	if name != manifestName {
		return nil, fmt.Errorf("backup: unexpected member %q", name)
	}
	m, err := ar.readManifest(r)
	if err != nil {
		return nil, err
	}
	if m.Kind != kind {
		return nil, fmt.Errorf("backup: the manifest says %s, the data is %s", m.Kind, kind)
	}
	return m, nil
}
