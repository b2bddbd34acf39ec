package postgres

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/jackc/pgx/v5"

	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/store"
)

// listColumns leave out the record, the large blob only a detail view needs.
const listColumns = "id, user_id, note_sha256, release, engine_version, profile, cached, key_id, summary, decisions, created_at"

// newestFirst orders records; seq breaks ties between records made in the
// same instant, in reverse insertion order.
const newestFirst = " ORDER BY created_at DESC, seq DESC"

func scanAnalysis(row pgx.Row, withRecord bool) (*store.Analysis, error) {
	var a store.Analysis
	dest := []any{&a.ID, &a.UserID, &a.NoteSHA256, &a.Release, &a.EngineVersion, &a.Profile, &a.Cached, &a.KeyID, &a.Summary, &a.Decisions, &a.CreatedAt}
	if withRecord {
		dest = append(dest, &a.Record)
	}
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	a.CreatedAt = a.CreatedAt.UTC()
	return &a, nil
}

const (
	insertAnalysis = `INSERT INTO analyses (id, user_id, note_sha256, release, engine_version, profile,
		cached, key_id, summary, record, decisions, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`
	// insertCounted counts the analysis in the month's usage and inserts it,
	// in one statement: the upsert takes the usage row's lock, so concurrent
	// inserts of one user (on any instance) count one after another, and it
	// leaves the row alone once the limit ($14, 0 for none) is reached, in
	// which case nothing is inserted and no row comes back.
	insertCounted = `WITH counted AS (
		INSERT INTO usage (user_id, month, count) VALUES ($2, $13, 1)
		ON CONFLICT (user_id, month) DO UPDATE SET count = usage.count + 1
		WHERE $14::integer = 0 OR usage.count < $14::integer
		RETURNING count)
	INSERT INTO analyses (id, user_id, note_sha256, release, engine_version, profile,
		cached, key_id, summary, record, decisions, created_at)
	SELECT $1::text, $2::bigint, $3::text, $4::text, $5::text, $6::text, $7::boolean, $8::text, $9::bytea, $10::bytea, $11::bytea, $12::timestamptz
	FROM counted`
)

// CreateAnalysis inserts a and counts it against the quota atomically.
// Inserts from concurrent requests of this instance are committed together
// (see commitLoop); each one still succeeds or fails on its own.
func (db *DB) CreateAnalysis(ctx context.Context, a *store.Analysis, q store.Quota) error {
	req := &insertRequest{a: a, q: q, done: make(chan error, 1)}
	select {
	case db.inserts <- req:
	case <-db.stop:
		return errClosed
	case <-ctx.Done():
		return fmt.Errorf("postgres: waiting to insert: %w", ctx.Err())
	}
	// Once queued the insert goes through, so wait for its outcome even if
	// the caller gives up: reporting failure for a stored row would lie.
	return <-req.done
}

// insertRequest is one queued CreateAnalysis.
type insertRequest struct {
	a    *store.Analysis
	q    store.Quota
	done chan error
}

// maxGroup bounds how many inserts share one transaction; committers is
// how many groups are in flight at once.
const (
	maxGroup   = 64
	committers = 2
)

// commitLoop is group commit: it takes the queued inserts and sends them
// as one pipelined batch, which PostgreSQL runs as one implicit
// transaction, so one round trip and one WAL flush serve many requests.
// Each insert is a single statement that checks its own quota, so a
// refused one does not disturb the others.
func (db *DB) commitLoop() {
	defer db.loops.Done()
	for {
		var group []*insertRequest
		select {
		case req := <-db.inserts:
			group = append(group, req)
		case <-db.stop:
			return
		}
	drain:
		for len(group) < maxGroup {
			select {
			case req := <-db.inserts:
				group = append(group, req)
			default:
				break drain
			}
		}
		for i, err := range db.insertGroup(group) {
			group[i].done <- err
		}
	}
}

func (db *DB) insertGroup(group []*insertRequest) []error {
	ctx := context.Background()
	// Usage rows are locked in user order, so that two groups in flight
	// never wait on each other in a cycle.
	sort.SliceStable(group, func(i, j int) bool { return group[i].a.UserID < group[j].a.UserID })
	b := &pgx.Batch{}
	for _, r := range group {
		a := r.a
		args := []any{a.ID, a.UserID, a.NoteSHA256, a.Release, a.EngineVersion, a.Profile, a.Cached, a.KeyID,
			a.Summary, a.Record, a.Decisions, a.CreatedAt}
		if r.q.Count {
			b.Queue(insertCounted, append(args, r.q.Month, r.q.Limit)...)
		} else {
			b.Queue(insertAnalysis, args...)
		}
	}
	results := make([]error, len(group))
	br := db.pool.SendBatch(ctx, b)
	var failed error
	for i, r := range group {
		tag, err := br.Exec()
		if err != nil {
			failed = err
			break
		}
		if r.q.Count && tag.RowsAffected() == 0 {
			results[i] = apperr.New(apperr.QuotaExceeded, "monthly limit of %d analyses reached", r.q.Limit)
		}
	}
	if err := br.Close(); failed == nil {
		failed = err
	}
	if failed == nil {
		return results
	}
	if len(group) == 1 {
		return []error{fmt.Errorf("postgres: inserting analysis: %w", failed)}
	}
	// One insert failed and rolled the whole group back: insert each on
	// its own, so that only the failing one fails.
	for i, r := range group {
		results[i] = db.insertGroup([]*insertRequest{r})[0]
	}
	return results
}

// Analysis returns one record of the scope.
func (db *DB) Analysis(ctx context.Context, s store.Scope, id string) (*store.Analysis, error) {
	a, err := scanAnalysis(db.pool.QueryRow(ctx, "SELECT "+listColumns+", record FROM analyses WHERE id = $1 AND user_id = $2", id, s.UserID), true)
	if err != nil {
		return nil, notFound("analysis", err)
	}
	return a, nil
}

// LatestAnalysisOfNote finds the newest record of the same note and engine.
func (db *DB) LatestAnalysisOfNote(ctx context.Context, s store.Scope, noteSHA256, profile, release, engineVersion string) (*store.Analysis, error) {
	a, err := scanAnalysis(db.pool.QueryRow(ctx, "SELECT "+listColumns+`, record FROM analyses
		WHERE user_id = $1 AND note_sha256 = $2 AND release = $3 AND engine_version = $4 AND profile = $5`+newestFirst+` LIMIT 1`,
		s.UserID, noteSHA256, release, engineVersion, profile), true)
	if err != nil {
		return nil, notFound("analysis", err)
	}
	return a, nil
}

// ListAnalyses returns one page of the scope's records, newest first.
func (db *DB) ListAnalyses(ctx context.Context, s store.Scope, limit, offset int) ([]store.Analysis, int, error) {
	var total int
	if err := db.pool.QueryRow(ctx, "SELECT count(*) FROM analyses WHERE user_id = $1", s.UserID).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("postgres: counting analyses: %w", err)
	}
	rows, err := db.pool.Query(ctx, "SELECT "+listColumns+" FROM analyses WHERE user_id = $1"+newestFirst+" LIMIT $2 OFFSET $3",
		s.UserID, limit, offset)
	if err != nil {
		return nil, 0, fmt.Errorf("postgres: listing analyses: %w", err)
	}
	defer rows.Close()
	var out []store.Analysis
	for rows.Next() {
		a, err := scanAnalysis(rows, false)
		if err != nil {
			return nil, 0, fmt.Errorf("postgres: listing analyses: %w", err)
		}
		out = append(out, *a)
	}
	return out, total, rows.Err()
}

// EachAnalysis streams the scope's records newest first.
func (db *DB) EachAnalysis(ctx context.Context, s store.Scope, fn func(*store.Analysis) (bool, error)) error {
	rows, err := db.pool.Query(ctx, "SELECT "+listColumns+" FROM analyses WHERE user_id = $1"+newestFirst, s.UserID)
	if err != nil {
		return fmt.Errorf("postgres: listing analyses: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		a, err := scanAnalysis(rows, false)
		if err != nil {
			return fmt.Errorf("postgres: listing analyses: %w", err)
		}
		more, err := fn(a)
		if err != nil || !more {
			return err
		}
	}
	return rows.Err()
}

// DeleteAnalysis deletes one record of the scope.
func (db *DB) DeleteAnalysis(ctx context.Context, s store.Scope, id string) error {
	tag, err := db.pool.Exec(ctx, "DELETE FROM analyses WHERE id = $1 AND user_id = $2", id, s.UserID)
	if err != nil {
		return fmt.Errorf("postgres: deleting analysis: %w", err)
	}
	return affectedOne(tag, "analysis")
}

// UpdateDecisions rewrites the sealed decisions of one record of the scope;
// the row lock holds off a concurrent update from another instance.
func (db *DB) UpdateDecisions(ctx context.Context, s store.Scope, id string, update func([]byte) ([]byte, error)) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		var current []byte
		err := tx.QueryRow(ctx, "SELECT decisions FROM analyses WHERE id = $1 AND user_id = $2 FOR UPDATE", id, s.UserID).Scan(&current)
		if err != nil {
			return notFound("analysis", err)
		}
		next, err := update(current)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE analyses SET decisions = $2 WHERE id = $1", id, next); err != nil {
			return fmt.Errorf("postgres: saving decisions: %w", err)
		}
		return nil
	})
}

// Usage returns the user's counted analyses in month.
func (db *DB) Usage(ctx context.Context, userID int64, month string) (int, error) {
	var n int
	err := db.pool.QueryRow(ctx, "SELECT count FROM usage WHERE user_id = $1 AND month = $2", userID, month).Scan(&n)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("postgres: reading usage: %w", err)
	}
	return n, nil
}

// resealBatch bounds how many rows one re-encryption transaction locks.
const resealBatch = 200

// ResealAnalyses re-encrypts every record not sealed with activeKey. Rows
// are locked and skipped when locked, so instances resealing at once split
// the work.
func (db *DB) ResealAnalyses(ctx context.Context, activeKey string, reseal func(*store.Analysis) error) (int, error) {
	total := 0
	for {
		n := 0
		err := db.inTx(ctx, func(tx pgx.Tx) error {
			rows, err := tx.Query(ctx, "SELECT "+listColumns+", record FROM analyses WHERE key_id <> $1 LIMIT $2 FOR UPDATE SKIP LOCKED", activeKey, resealBatch)
			if err != nil {
				return fmt.Errorf("postgres: listing analyses to re-encrypt: %w", err)
			}
			batch, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*store.Analysis, error) { return scanAnalysis(r, true) })
			if err != nil {
				return fmt.Errorf("postgres: listing analyses to re-encrypt: %w", err)
			}
			for _, a := range batch {
				if err := reseal(a); err != nil {
					return fmt.Errorf("postgres: re-encrypting analysis %s: %w", a.ID, err)
				}
				if a.KeyID != activeKey {
					return fmt.Errorf("postgres: re-encrypting analysis %s: resealed with %q, want %q", a.ID, a.KeyID, activeKey)
				}
				_, err := tx.Exec(ctx, "UPDATE analyses SET key_id = $2, summary = $3, record = $4, decisions = $5 WHERE id = $1",
					a.ID, a.KeyID, a.Summary, a.Record, a.Decisions)
				if err != nil {
					return fmt.Errorf("postgres: saving re-encrypted analysis %s: %w", a.ID, err)
				}
			}
			n = len(batch)
			return nil
		})
		if err != nil {
			return total, err
		}
		total += n
		if n < resealBatch {
			return total, nil
		}
	}
}
