package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	_ "modernc.org/sqlite" // the "sqlite" driver
)

// OpenPostgres returns a queue on the PostgreSQL database at dsn, with a
// connection pool of its own so that jobs never hold up requests. Migrate
// its tables first with MigratePostgres.
func OpenPostgres(ctx context.Context, dsn string, keys Keyring, cfg Config) (*Queue, func(), error) {
	pcfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, nil, fmt.Errorf("jobs: the database URL is not valid")
	}
	cfg.defaults()
	// Each batch worker, the listener, the producer and the maintenance
	// services hold a connection at times.
	pcfg.MaxConns = int32(cfg.BatchWorkers + 8)
	pcfg.ConnConfig.RuntimeParams["application_name"] = "medcode-jobs"
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return nil, nil, fmt.Errorf("jobs: connecting: %w", err)
	}
	q, err := newQueue(riverpgxv5.New(pool), keys, cfg)
	if err != nil {
		pool.Close()
		return nil, nil, err
	}
	return q, pool.Close, nil
}

// MigratePostgres brings River's tables up to date, each migration in its
// own transaction (the store runs it under its migration lock, so that
// instances starting together migrate once).
func MigratePostgres(ctx context.Context, pool *pgxpool.Pool) error {
	m, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	if err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("jobs: migrating the queue tables: %w", err)
	}
	return nil
}

// OpenSQLite returns a queue in the SQLite database file at path (one
// instance only), migrating its tables. River gets one connection of its
// own, as its SQLite driver asks; busy_timeout makes it wait for the
// store's writer rather than fail.
func OpenSQLite(ctx context.Context, path string, keys Keyring, cfg Config) (*Queue, func(), error) {
	v := url.Values{}
	for _, p := range []string{"busy_timeout(10000)", "journal_mode(WAL)", "synchronous(NORMAL)", "foreign_keys(ON)", "secure_delete(ON)"} {
		v.Add("_pragma", p)
	}
	v.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+v.Encode())
	if err != nil {
		return nil, nil, fmt.Errorf("jobs: opening %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	driver := riversqlite.New(db)
	m, err := rivermigrate.New(driver, nil)
	if err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("jobs: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("jobs: migrating the queue tables: %w", err)
	}
	q, err := newQueue(driver, keys, cfg)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return q, func() { db.Close() }, nil
}
