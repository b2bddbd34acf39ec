package server_test

import (
	"bytes"
	"database/sql"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	_ "modernc.org/sqlite"

	"github.com/medcode/medcode/internal/crypto"
	"github.com/medcode/medcode/internal/store/postgres/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// backend is a database the integration suite runs against. Every test
// that goes through the store runs once per backend, as subtests named
// after it (go test -run 'TestAPIScenarios/postgres').
type backend struct {
	name string
	// settings point a new server at a fresh, empty database in dir.
	settings func(t testing.TB, dir string) map[string]string
	// driver and bind open the database beside the server for checks:
	// bind rewrites ? placeholders into the driver's form.
	driver string
	bind   func(q string) string
	// userTablesSQL lists the tables that have a user_id column.
	userTablesSQL string
	// files are the paths holding everything the database wrote to disk.
	files func(t testing.TB, s *testServer) []string
	// scrubsDeletedRows: deleted rows leave no bytes in the files at once
	// (SQLite's secure_delete and WAL checkpoint). PostgreSQL keeps dead
	// row versions until vacuum and WAL recycling overwrite them.
	scrubsDeletedRows bool
}

var sqliteBackend = backend{
	name: "sqlite",
	settings: func(t testing.TB, dir string) map[string]string {
		return map[string]string{"MEDCODE_DB": filepath.Join(dir, "medcode.db")}
	},
	driver: "sqlite",
	bind:   func(q string) string { return q },
	userTablesSQL: `SELECT m.name FROM sqlite_master m JOIN pragma_table_info(m.name) c
		WHERE m.type = 'table' AND c.name = 'user_id'`,
	files: func(t testing.TB, s *testServer) []string {
		return []string{s.Config.DB, s.Config.DB + "-wal"}
	},
	scrubsDeletedRows: true,
}

var postgresBackend = backend{
	name: "postgres",
	settings: func(t testing.TB, dir string) map[string]string {
		// Instances on PostgreSQL get their keys from the environment.
		_, key, err := crypto.NewKeyEntry()
		if err != nil {
			t.Fatal(err)
		}
		return map[string]string{"MEDCODE_DB": pgtest.NewDatabase(t), "MEDCODE_KEY": key}
	},
	driver: "pgx",
	bind: func(q string) string {
		var b strings.Builder
		n := 0
		for _, r := range q {
			if r == '?' {
				n++
				b.WriteString("$" + strconv.Itoa(n))
				continue
			}
			b.WriteRune(r)
		}
		return b.String()
	},
	userTablesSQL: `SELECT table_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND column_name = 'user_id'`,
	// The whole cluster: heap files and WAL of every database in it.
	files: func(t testing.TB, s *testServer) []string {
		var out []string
		err := filepath.WalkDir(pgtest.Shared(t).DataDir(), func(path string, d fs.DirEntry, err error) error {
			switch {
			case os.IsNotExist(err): // removed while walking (a temporary file)
				return nil
			case err == nil && d.Type().IsRegular():
				out = append(out, path)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	},
}

var backends = []backend{sqliteBackend, postgresBackend}

// eachBackend runs test once per backend.
func eachBackend(t *testing.T, test func(t *testing.T, db backend)) {
	for _, db := range backends {
		t.Run(db.name, func(t *testing.T) { test(t, db) })
	}
}

// filesContain reports whether any file of the server's database holds s.
func (s *testServer) filesContain(t testing.TB, needle string) bool {
	t.Helper()
	for _, f := range s.db.files(t, s) {
		b, err := os.ReadFile(f)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(needle)) {
			return true
		}
	}
	return false
}

// inspect opens the server's database beside it.
func (s *testServer) inspect(t testing.TB) *sql.DB {
	t.Helper()
	dsn := s.Config.DB
	if s.db.driver == "sqlite" {
		dsn = "file:" + dsn + "?mode=ro&_pragma=busy_timeout(5000)"
	}
	db, err := sql.Open(s.db.driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// queryInt runs a one-number query with ? placeholders.
func (s *testServer) queryInt(t testing.TB, q string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := s.inspect(t).QueryRow(s.db.bind(q), args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}
