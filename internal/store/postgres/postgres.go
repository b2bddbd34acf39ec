// Package postgres is the PostgreSQL adapter of internal/store, on
// jackc/pgx/v5. Several medcode instances share one database: every piece
// of state (sessions, rate-limit windows, usage counters) lives in it, and
// each public method is one transaction or one statement, so instances need
// no coordination of their own.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/store"
)

// DB is the PostgreSQL store.
type DB struct {
	pool    *pgxpool.Pool
	inserts chan *insertRequest // queued CreateAnalysis calls, for commitLoop
	stop    chan struct{}       // closed by Close to end the loops
	loops   sync.WaitGroup
	close   sync.Once
}

var errClosed = errors.New("postgres: database is closed")

var _ store.Database = (*DB)(nil)

// Open connects to the database named by dsn (a postgres:// URL or a
// key=value connection string). It does not migrate; call Migrate.
func Open(ctx context.Context, dsn string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// The parse error may quote the DSN, password included.
		return nil, errors.New("postgres: the database URL is not valid (want postgres://user:password@host:port/dbname)")
	}
	if cfg.ConnConfig.RuntimeParams == nil {
		cfg.ConnConfig.RuntimeParams = map[string]string{}
	}
	cfg.ConnConfig.RuntimeParams["application_name"] = "medcode"
	// All times are written and read as UTC instants.
	cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"
	if !strings.Contains(dsn, "pool_max_conns=") {
		// pgxpool's default (the number of CPUs, at least 4) queues a
		// busy instance's requests behind a few connections; the URL's
		// pool_max_conns overrides this.
		cfg.MaxConns = int32(max(16, 4*runtime.NumCPU()))
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: connecting to %s: %w", Redact(dsn), err)
	}
	db := &DB{pool: pool, inserts: make(chan *insertRequest), stop: make(chan struct{})}
	if err := db.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: connecting to %s: %w", Redact(dsn), err)
	}
	for range committers {
		db.loops.Add(1)
		go db.commitLoop()
	}
	return db, nil
}

// Pool is the connection pool, for the job queue that shares the database.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// Close stops the committers and closes the pool.
func (db *DB) Close() error {
	db.close.Do(func() {
		close(db.stop)
		db.loops.Wait()
		db.pool.Close()
	})
	return nil
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.pool.Ping(ctx); err != nil {
		return fmt.Errorf("postgres: ping: %w", err)
	}
	return nil
}

// inTx runs fn in a transaction: the boundary of each public method that
// writes more than one statement.
func (db *DB) inTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, db.pool, fn)
}

// DeleteExpired removes expired sessions, one-time tokens and rate-limit
// windows.
func (db *DB) DeleteExpired(ctx context.Context, now time.Time) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		for _, q := range []string{
			"DELETE FROM sessions WHERE expiry <= $1",
			"DELETE FROM one_time_tokens WHERE expires_at <= $1",
			"DELETE FROM rate_limits WHERE window_end <= $1",
		} {
			if _, err := tx.Exec(ctx, q, now); err != nil {
				return fmt.Errorf("postgres: deleting expired rows: %w", err)
			}
		}
		return nil
	})
}

// nullTime stores the zero time as NULL.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// fromNull reads a nullable timestamptz; NULL is the zero time.
func fromNull(v pgtype.Timestamptz) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return v.Time.UTC()
}

func notFound(what string, err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return apperr.New(apperr.NotFound, "%s not found", what)
	}
	return fmt.Errorf("postgres: reading %s: %w", what, err)
}

// affectedOne turns "no row changed" into NotFound.
func affectedOne(tag pgconn.CommandTag, what string) error {
	if tag.RowsAffected() == 0 {
		return apperr.New(apperr.NotFound, "%s not found", what)
	}
	return nil
}
