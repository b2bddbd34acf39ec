// Package sqlite is the embedded SQLite adapter of internal/store, on the
// pure-Go modernc.org/sqlite driver. It opens two pools on one file: a read
// pool of several connections and a single-connection write pool, so writers
// queue in Go instead of failing with SQLITE_BUSY.
package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/store"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// pragmas are applied to every connection through the DSN. busy_timeout
// comes first so that the pragmas after it already wait on a locked file
// instead of failing. secure_delete overwrites deleted rows with zeros, so a
// deleted account cannot be read back from the file. Automatic checkpoints
// are off: SQLite would run them inside a committing write, holding every
// queued writer for tens of milliseconds; checkpointLoop runs them beside
// the writers instead. journal_size_limit trims the WAL file only past
// four times walLimit: the WAL started over is written again in place,
// which is cheaper than cutting the file and growing it back.
var pragmas = []string{
	"busy_timeout(" + strconv.Itoa(busyTimeoutMillis) + ")",
	"journal_mode(WAL)",
	"synchronous(NORMAL)",
	"foreign_keys(ON)",
	"secure_delete(ON)",
	"temp_store(MEMORY)",
	"cache_size(-16000)",
	"wal_autocheckpoint(0)",
	"journal_size_limit(" + strconv.Itoa(4*walLimit) + ")",
}

// busyTimeoutMillis is how long a statement waits for a lock another
// connection holds (the job queue's, a reader's during a checkpoint).
const busyTimeoutMillis = 10000

// walLimit is the WAL size past which checkpointLoop starts the WAL over.
// Passive checkpoints copy its frames but cannot start it over while a
// reader holds a snapshot in it, which under steady load is always: a
// 30-minute soak grew it to 53 GB (and the WAL index in memory with it).
const walLimit = 64 << 20

// checkpointEvery is how often checkpointLoop copies the WAL into the
// database file.
const checkpointEvery = time.Second

// DB is the SQLite store.
type DB struct {
	path  string
	read  *sql.DB
	write *sql.DB
	// writeTurn queues writers in arrival order. database/sql hands a
	// freed connection to a random waiter, which under load starves some
	// writers for seconds; goroutines blocked on a channel are served FIFO.
	writeTurn chan struct{}
	inserts   chan *insertRequest // queued CreateAnalysis calls, for commitLoop
	stop      chan struct{}       // closed by Close to end the loops
	stopped   chan struct{}
	// committerDone is closed when commitLoop returns.
	committerDone chan struct{}
	stmts         sync.Map // stmtKey → *sql.Stmt
}

var errClosed = errors.New("sqlite: database is closed")

var _ store.Store = (*DB)(nil)

func dsn(path string, txlock string) string {
	q := url.Values{}
	for _, p := range pragmas {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", txlock)
	return "file:" + path + "?" + q.Encode()
}

// Open opens (creating if needed) the database file at path. It does not
// migrate; call Migrate.
func Open(ctx context.Context, path string) (*DB, error) {
	if path == "" || strings.Contains(path, "?") {
		return nil, fmt.Errorf("sqlite: invalid database path %q", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("sqlite: creating database directory: %w", err)
	}
	// Writes use BEGIN IMMEDIATE: a transaction that reads then writes must
	// not fail when upgrading its lock.
	write, err := sql.Open("sqlite", dsn(path, "immediate"))
	if err != nil {
		return nil, fmt.Errorf("sqlite: opening %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetConnMaxIdleTime(0)
	read, err := sql.Open("sqlite", dsn(path, "deferred"))
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("sqlite: opening %s: %w", path, err)
	}
	n := max(4, runtime.NumCPU()*2)
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	db := &DB{path: path, read: read, write: write, writeTurn: make(chan struct{}, 1), inserts: make(chan *insertRequest),
		stop: make(chan struct{}), stopped: make(chan struct{}), committerDone: make(chan struct{})}
	go db.checkpointLoop()
	go db.commitLoop()
	if err := db.Ping(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: opening %s: %w", path, err)
	}
	return db, nil
}

// ready prepares the write statements once the schema exists (Migrate).
func (db *DB) ready(ctx context.Context) error {
	return db.prepareWrites(ctx)
}

// checkpointLoop copies committed WAL frames into the database file with
// PASSIVE checkpoints, which never block readers or writers; once a
// checkpoint has caught up, the next write starts the WAL over. A WAL
// past walLimit is started over by restartWAL.
func (db *DB) checkpointLoop() {
	defer close(db.stopped)
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-db.stop:
			return
		case <-t.C:
			// A failed passive checkpoint is retried on the next tick; the
			// data is safe in the WAL meanwhile.
			db.read.Exec("PRAGMA wal_checkpoint(PASSIVE)")
			if fi, err := os.Stat(db.path + "-wal"); err == nil && fi.Size() > walLimit {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				db.restartWAL(ctx) // retried on the next tick
				cancel()
			}
		}
	}
}

// Path is the database file.
func (db *DB) Path() string { return db.path }

// Close closes both pools, checkpointing the WAL into the main file.
func (db *DB) Close() error {
	select {
	case <-db.stop:
		return nil // already closed
	default:
	}
	close(db.stop)
	<-db.stopped
	<-db.committerDone
	db.stmts.Range(func(_, s any) bool { s.(*sql.Stmt).Close(); return true })
	return errors.Join(db.read.Close(), db.write.Close())
}

// Ping checks both pools.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.write.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite: ping: %w", err)
	}
	var one int
	if err := db.read.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("sqlite: ping: %w", err)
	}
	return nil
}

// inTx runs fn in a write transaction; the transaction is the boundary of
// each public write method, and helpers taking a *sql.Tx compose inside it.
func (db *DB) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if err := db.takeTurn(ctx); err != nil {
		return err
	}
	defer db.endTurn()
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: commit: %w", err)
	}
	return nil
}

// takeTurn waits for the writer; endTurn hands it to the next in line.
func (db *DB) takeTurn(ctx context.Context) error {
	select {
	case db.writeTurn <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("sqlite: waiting to write: %w", ctx.Err())
	}
}

func (db *DB) endTurn() { <-db.writeTurn }

// checkpointTries bounds how often checkpoint tries again while another
// connection (checkpointLoop's passive checkpoint, the job queue's poller)
// holds the WAL for a moment.
const checkpointTries = 50

// checkpoint copies the WAL into the database file and truncates it, so
// deleted content does not linger in the WAL.
func (db *DB) checkpoint(ctx context.Context) error {
	if err := db.takeTurn(ctx); err != nil {
		return err
	}
	defer db.endTurn()
	return checkpointUntilDone(ctx, db.write, "TRUNCATE", checkpointTries, 20*time.Millisecond)
}

// checkpointUntilDone runs a checkpoint of the given mode on q until no
// reader or writer holds it back, at most tries times, pause apart.
func checkpointUntilDone(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, mode string, tries int, pause time.Duration) error {
	for try := 1; ; try++ {
		var busy, logFrames, checkpointed int
		if err := q.QueryRowContext(ctx, "PRAGMA wal_checkpoint("+mode+")").Scan(&busy, &logFrames, &checkpointed); err != nil {
			return fmt.Errorf("sqlite: %s checkpoint: %w", mode, err)
		}
		if busy == 0 {
			return nil
		}
		if try == tries {
			return fmt.Errorf("sqlite: %s checkpoint: readers kept the WAL busy", mode)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("sqlite: %s checkpoint: %w", mode, ctx.Err())
		case <-time.After(pause):
		}
	}
}

// restartTries and restartPause bound how long restartWAL holds the
// writers while readers still read the WAL's frames: the frames are all in
// the database file by then, so readers that begin meanwhile read the file
// and the ones left finish within a request's read.
const (
	restartTries = 100
	restartPause = 500 * time.Microsecond
)

// restartWAL makes the next write start the WAL over. The passive
// checkpoint just before has copied nearly every frame, so the writers are
// held only while the last frames are copied and the readers still in the
// WAL finish. SQLite's busy handler would wait for those readers in steps
// of up to tens of milliseconds, all of them writers' time; with it off the
// readers are polled every restartPause.
func (db *DB) restartWAL(ctx context.Context) error {
	if err := db.takeTurn(ctx); err != nil {
		return err
	}
	defer db.endTurn()
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return fmt.Errorf("sqlite: restarting the WAL: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "PRAGMA busy_timeout=0"); err != nil {
		return fmt.Errorf("sqlite: restarting the WAL: %w", err)
	}
	defer func() {
		// A connection left without its busy timeout would fail writers
		// at once: if it cannot be set back, the pool drops it.
		if _, err := conn.ExecContext(context.Background(), "PRAGMA busy_timeout="+strconv.Itoa(busyTimeoutMillis)); err != nil {
			conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}()
	return checkpointUntilDone(ctx, conn, "RESTART", restartTries, restartPause)
}

// DeleteExpired removes expired sessions, one-time tokens and rate-limit
// windows.
func (db *DB) DeleteExpired(ctx context.Context, now time.Time) error {
	ms := millis(now)
	return db.inTx(ctx, func(tx *sql.Tx) error {
		for _, q := range []string{
			"DELETE FROM sessions WHERE expiry <= ?",
			"DELETE FROM one_time_tokens WHERE expires_at <= ?",
			"DELETE FROM rate_limits WHERE window_end <= ?",
		} {
			if _, err := tx.ExecContext(ctx, q, ms); err != nil {
				return fmt.Errorf("sqlite: deleting expired rows: %w", err)
			}
		}
		return nil
	})
}

// Times are stored as Unix milliseconds; 0 stands for the zero time.
func millis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

func notFound(what string, err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return apperr.New(apperr.NotFound, "%s not found", what)
	}
	return fmt.Errorf("sqlite: reading %s: %w", what, err)
}

// affectedOne turns "no row changed" into NotFound.
func affectedOne(res sql.Result, what string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", what, err)
	}
	if n == 0 {
		return apperr.New(apperr.NotFound, "%s not found", what)
	}
	return nil
}

// Statements are prepared once per pool and reused: modernc.org/sqlite
// otherwise parses the SQL text on every call, a fifth of the CPU of an
// analysis request. database/sql keeps one prepared copy per connection.

// stmt returns the prepared form of q on pool, preparing it on first use.
func (db *DB) stmt(ctx context.Context, pool *sql.DB, q string) (*sql.Stmt, error) {
	key := stmtKey{pool, q}
	if s, ok := db.stmts.Load(key); ok {
		return s.(*sql.Stmt), nil
	}
	s, err := pool.PrepareContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("sqlite: preparing statement: %w", err)
	}
	if prev, loaded := db.stmts.LoadOrStore(key, s); loaded {
		s.Close()
		return prev.(*sql.Stmt), nil
	}
	return s, nil
}

type stmtKey struct {
	pool *sql.DB
	q    string
}

// readRow runs a one-row query on the read pool with a prepared statement.
func (db *DB) readRow(ctx context.Context, q string, args ...any) *sql.Row {
	s, err := db.stmt(ctx, db.read, q)
	if err != nil {
		// The unprepared query fails the same way and reports it from Scan.
		return db.read.QueryRowContext(ctx, q, args...)
	}
	return s.QueryRowContext(ctx, args...)
}

// writeStatements are the hot statements of the write path, prepared at
// Open: they cannot be prepared lazily inside a transaction, which holds
// the write pool's only connection.
var writeStatements = []string{savepoint, rollbackToSavepoint, releaseSavepoint, personalWorkspace, orgWorkspace, insertAnalysis, countUsageSQL}

// prepareWrites prepares writeStatements on the write pool.
func (db *DB) prepareWrites(ctx context.Context) error {
	for _, q := range writeStatements {
		if _, err := db.stmt(ctx, db.write, q); err != nil {
			return err
		}
	}
	return nil
}

// writeStmt returns q's prepared statement bound to tx, or nil when q is
// not one of writeStatements.
func (db *DB) writeStmt(ctx context.Context, tx *sql.Tx, q string) *sql.Stmt {
	if s, ok := db.stmts.Load(stmtKey{db.write, q}); ok {
		return tx.StmtContext(ctx, s.(*sql.Stmt))
	}
	return nil
}

// txExec runs q in tx, prepared when it is a hot statement.
func (db *DB) txExec(ctx context.Context, tx *sql.Tx, q string, args ...any) (sql.Result, error) {
	if s := db.writeStmt(ctx, tx, q); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, q, args...)
}

// txRow runs a one-row query in tx, prepared when it is a hot statement.
func (db *DB) txRow(ctx context.Context, tx *sql.Tx, q string, args ...any) *sql.Row {
	if s := db.writeStmt(ctx, tx, q); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return tx.QueryRowContext(ctx, q, args...)
}
