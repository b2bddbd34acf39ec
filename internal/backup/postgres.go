package backup

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/medcode/medcode/internal/jobs"
	"github.com/medcode/medcode/internal/store/postgres"
)

const (
	pgSchemaMember = KindPostgres + "/schema.json"
	pgTablePrefix  = KindPostgres + "/table/"
)

// pgSchema is the first member of a PostgreSQL backup: what the restore
// needs before the data arrives.
type pgSchema struct {
	Version int     `json:"schema_version"`
	Tables  []Table `json:"tables"` // in load order: referenced tables first
}

// writePostgres exports every table of the current schema (the store's and
// the job queue's) with COPY inside one REPEATABLE READ READ ONLY
// transaction: a consistent snapshot that takes no locks writers wait on.
func writePostgres(ctx context.Context, dsn string, aw *archiveWriter, m *Manifest) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return fmt.Errorf("backup: connecting: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("backup: starting the snapshot: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	schema, err := readPGSchema(ctx, tx)
	if err != nil {
		return err
	}
	if err := tx.QueryRow(ctx, "SELECT version FROM schema_version").Scan(&schema.Version); err != nil {
		return fmt.Errorf("backup: reading the schema version (is this a medcode database?): %w", err)
	}
	b, _ := json.Marshal(schema)
	mw, err := aw.create(pgSchemaMember)
	if err != nil {
		return err
	}
	if _, err := mw.Write(b); err != nil {
		return err
	}
	if err := mw.Close(); err != nil {
		return err
	}
	m.Schema = schema.Version
	for _, t := range schema.Tables {
		mw, err := aw.create(pgTablePrefix + t.Name)
		if err != nil {
			return err
		}
		lines := &lineCounter{w: mw}
		if _, err := tx.Conn().PgConn().CopyTo(ctx, lines, copySQL(t, "TO STDOUT")); err != nil {
			return fmt.Errorf("backup: exporting %s: %w", t.Name, err)
		}
		if err := mw.Close(); err != nil {
			return err
		}
		t.Rows = lines.n
		m.Tables = append(m.Tables, t)
	}
	return nil
}

// copySQL is COPY of the table's listed columns in text format.
func copySQL(t Table, direction string) string {
	cols := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		cols[i] = pgx.Identifier{c}.Sanitize()
	}
	return "COPY " + pgx.Identifier{t.Name}.Sanitize() + " (" + strings.Join(cols, ", ") + ") " + direction
}

// lineCounter counts rows of COPY text output (one line each; newlines in
// values are escaped).
type lineCounter struct {
	w io.Writer
	n int64
}

func (c *lineCounter) Write(p []byte) (int, error) {
	c.n += int64(bytes.Count(p, []byte{'\n'}))
	return c.w.Write(p)
}

// querier is a connection or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// readPGSchema lists the current schema's tables with their writable
// columns, ordered so that a table comes after the tables it references.
func readPGSchema(ctx context.Context, q querier) (*pgSchema, error) {
	rows, err := q.Query(ctx, `
		SELECT c.relname, a.attname
		FROM pg_class c
		JOIN pg_namespace n ON n.oid = c.relnamespace
		JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
		WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition
		ORDER BY c.relname, a.attnum`)
	if err != nil {
		return nil, fmt.Errorf("backup: reading the schema: %w", err)
	}
	var tables []Table
	for rows.Next() {
		var table, col string
		if err := rows.Scan(&table, &col); err != nil {
			rows.Close()
			return nil, fmt.Errorf("backup: reading the schema: %w", err)
		}
		if len(tables) == 0 || tables[len(tables)-1].Name != table {
			tables = append(tables, Table{Name: table})
		}
		tables[len(tables)-1].Columns = append(tables[len(tables)-1].Columns, col)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("backup: reading the schema: %w", err)
	}
	rows, err = q.Query(ctx, `
		SELECT c.relname, r.relname
		FROM pg_constraint k
		JOIN pg_class c ON c.oid = k.conrelid
		JOIN pg_class r ON r.oid = k.confrelid
		JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE k.contype = 'f' AND n.nspname = current_schema() AND k.conrelid <> k.confrelid`)
	if err != nil {
		return nil, fmt.Errorf("backup: reading foreign keys: %w", err)
	}
	refs := map[string][]string{}
	for rows.Next() {
		var from, to string
		if err := rows.Scan(&from, &to); err != nil {
			rows.Close()
			return nil, fmt.Errorf("backup: reading foreign keys: %w", err)
		}
		refs[from] = append(refs[from], to)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("backup: reading foreign keys: %w", err)
	}
	ordered, err := loadOrder(tables, refs)
	if err != nil {
		return nil, err
	}
	return &pgSchema{Tables: ordered}, nil
}

// loadOrder sorts tables so that every table follows those it references.
func loadOrder(tables []Table, refs map[string][]string) ([]Table, error) {
	byName := map[string]Table{}
	for _, t := range tables {
		byName[t.Name] = t
	}
	var out []Table
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(name string) error
	visit = func(name string) error {
		switch state[name] {
		case 1:
			return fmt.Errorf("backup: foreign keys form a cycle through %s", name)
		case 2:
			return nil
		}
		state[name] = 1
		deps := slices.Sorted(slices.Values(refs[name]))
		for _, d := range deps {
			if err := visit(d); err != nil {
				return err
			}
		}
		state[name] = 2
		if t, ok := byName[name]; ok {
			out = append(out, t)
		}
		return nil
	}
	for _, t := range tables {
		if err := visit(t.Name); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// restorePostgres creates this binary's schema in an empty database,
// checks that it matches the backup's table for table and column for
// column, then loads every table with COPY in one transaction, moves the
// identity sequences past the loaded ids, and commits only when the
// manifest checks out.
func restorePostgres(ctx context.Context, dsn string, ar *archiveReader, name string, r io.Reader) (*Manifest, error) {
	if name != pgSchemaMember {
		return nil, fmt.Errorf("backup: unexpected member %q", name)
	}
	var want pgSchema
	if err := json.NewDecoder(io.LimitReader(r, 1<<20)).Decode(&want); err != nil {
		return nil, fmt.Errorf("backup: %s: %v", name, err)
	}
	if want.Version != postgres.SchemaVersion {
		return nil, fmt.Errorf("backup: the backup has schema version %d, this medcode creates %d: restore with the medcode version that made it, then upgrade", want.Version, postgres.SchemaVersion)
	}
	if err := createPGSchema(ctx, dsn); err != nil {
		return nil, err
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("backup: connecting: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	tx, err := conn.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	have, err := readPGSchema(ctx, tx)
	if err != nil {
		return nil, err
	}
	if err := sameTables(want.Tables, have.Tables); err != nil {
		return nil, err
	}
	// The migrations inserted their bookkeeping rows; the backup's replace
	// them. Only tables with rows are emptied: append-only tables refuse
	// TRUNCATE, and a new database holds none of their rows.
	var filled []string
	for _, t := range have.Tables {
		name := pgx.Identifier{t.Name}.Sanitize()
		var rows bool
		if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM "+name+")").Scan(&rows); err != nil {
			return nil, fmt.Errorf("backup: inspecting %s: %w", t.Name, err)
		}
		if rows {
			filled = append(filled, name)
		}
	}
	if len(filled) > 0 {
		if _, err := tx.Exec(ctx, "TRUNCATE "+strings.Join(filled, ", ")); err != nil {
			return nil, fmt.Errorf("backup: emptying the new tables: %w", err)
		}
	}
	loaded := map[string]int64{}
	for _, t := range want.Tables {
		name, r, err := ar.next()
		if err != nil {
			return nil, beforeManifest(err)
		}
		if name != pgTablePrefix+t.Name {
			return nil, fmt.Errorf("backup: member %q where table %s was expected", name, t.Name)
		}
		tag, err := tx.Conn().PgConn().CopyFrom(ctx, r, copySQL(t, "FROM STDIN"))
		if err != nil {
			return nil, fmt.Errorf("backup: loading %s: %w", t.Name, err)
		}
		loaded[t.Name] = tag.RowsAffected()
	}
	m, err := expectManifest(ar, KindPostgres)
	if err != nil {
		return nil, err
	}
	if m.Schema != want.Version || len(m.Tables) != len(want.Tables) {
		return nil, errors.New("backup: the manifest does not describe the tables loaded")
	}
	for _, t := range m.Tables {
		if loaded[t.Name] != t.Rows {
			return nil, fmt.Errorf("backup: table %s: loaded %d rows, the manifest says %d", t.Name, loaded[t.Name], t.Rows)
		}
	}
	if err := resetSequences(ctx, tx); err != nil {
		return nil, err
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("backup: committing the restore: %w", err)
	}
	return m, nil
}

// createPGSchema refuses a database that holds any table, then migrates
// the store's and the job queue's tables as a server's start does.
func createPGSchema(ctx context.Context, dsn string) error {
	db, err := postgres.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	var tables int
	err = db.Pool().QueryRow(ctx, `SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')`).Scan(&tables)
	if err != nil {
		return fmt.Errorf("backup: inspecting the target database: %w", err)
	}
	if tables > 0 {
		return fmt.Errorf("backup: the target database holds %d tables: restore into a new, empty database", tables)
	}
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	return db.WithMigrationLock(ctx, func(*pgx.Conn) error { return jobs.MigratePostgres(ctx, db.Pool()) })
}

// sameTables compares the backup's tables and columns with the new schema.
func sameTables(want, have []Table) error {
	cols := map[string][]string{}
	for _, t := range have {
		cols[t.Name] = t.Columns
	}
	if len(want) != len(have) {
		return fmt.Errorf("backup: the backup has %d tables, this medcode's schema %d", len(want), len(have))
	}
	for _, t := range want {
		got, ok := cols[t.Name]
		if !ok {
			return fmt.Errorf("backup: table %s is not in this medcode's schema", t.Name)
		}
		if !slices.Equal(got, t.Columns) {
			return fmt.Errorf("backup: table %s has columns %v in the backup, %v in this medcode's schema", t.Name, t.Columns, got)
		}
	}
	return nil
}

// resetSequences moves every identity and serial sequence past the
// largest loaded value, so new rows do not collide with restored ones.
func resetSequences(ctx context.Context, tx pgx.Tx) error {
	rows, err := tx.Query(ctx, `SELECT table_name, column_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND (is_identity = 'YES' OR column_default LIKE 'nextval(%')`)
	if err != nil {
		return fmt.Errorf("backup: listing sequences: %w", err)
	}
	type col struct{ table, column string }
	var cols []col
	for rows.Next() {
		var c col
		if err := rows.Scan(&c.table, &c.column); err != nil {
			rows.Close()
			return fmt.Errorf("backup: listing sequences: %w", err)
		}
		cols = append(cols, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("backup: listing sequences: %w", err)
	}
	for _, c := range cols {
		table, column := pgx.Identifier{c.table}.Sanitize(), pgx.Identifier{c.column}.Sanitize()
		_, err := tx.Exec(ctx, "SELECT setval(pg_get_serial_sequence($1, $2), COALESCE((SELECT max("+column+") FROM "+table+"), 0) + 1, false)",
			table, c.column)
		if err != nil {
			return fmt.Errorf("backup: resetting the sequence of %s.%s: %w", c.table, c.column, err)
		}
	}
	return nil
}
