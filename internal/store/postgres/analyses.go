package postgres

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/store"
)

// listColumns leave out the record, the large blob only a detail view
// needs, and the retained note.
const listColumns = "id, created_by, note_sha256, release, engine_version, profile, variant, cached, key_id, summary, decisions, note_expires_at, created_at"

// newestFirst orders records; seq breaks ties between records made in the
// same instant, in reverse insertion order.
const newestFirst = " ORDER BY created_at DESC, seq DESC"

// scanAnalysis reads listColumns, then record when withRecord, then extra;
// orgID is the workspace's organization, which the caller knows from the
// scope.
func scanAnalysis(row pgx.Row, orgID int64, withRecord bool, extra ...any) (*store.Analysis, error) {
	a := store.Analysis{OrgID: orgID}
	var createdBy pgtype.Int8
	var noteExpires pgtype.Timestamptz
	dest := []any{&a.ID, &createdBy, &a.NoteSHA256, &a.Release, &a.EngineVersion, &a.Profile, &a.Variant, &a.Cached, &a.KeyID,
		&a.Summary, &a.Decisions, &noteExpires, &a.CreatedAt}
	if withRecord {
		dest = append(dest, &a.Record)
	}
	if err := row.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	a.CreatedBy = createdBy.Int64
	a.NoteExpiresAt = fromNull(noteExpires)
	a.CreatedAt = a.CreatedAt.UTC()
	return &a, nil
}

// insertColumns are the columns CreateAnalysis writes, workspace_id last.
const insertColumns = `id, created_by, note_sha256, release, engine_version, profile, variant, cached, key_id,
	summary, record, decisions, note, note_expires_at, created_at, workspace_id`

// insertValues are their typed parameters $1..$15; the workspace comes
// from the ws CTE.
const insertValues = `$1::text, $2::bigint, $3::text, $4::text, $5::text, $6::text, $7::text, $8::boolean, $9::text,
	$10::bytea, $11::bytea, $12::bytea, $13::bytea, $14::timestamptz, $15::timestamptz, ws.id`

// insertStatement returns the statement that inserts a into the scope's
// workspace, counted against q, and its arguments. The ws CTE resolves the
// workspace (no row for an organization the user is not in); the usage
// upsert takes the usage row's lock, so concurrent inserts of one
// workspace (on any instance) count one after another, and it leaves the
// row alone once the limit is reached, in which case nothing is inserted.
// The statement answers whether the workspace was found and whether the
// row went in.
func insertStatement(s store.Scope, a *store.Analysis, q store.Quota) (string, []any) {
	args := []any{a.ID, a.CreatedBy, a.NoteSHA256, a.Release, a.EngineVersion, a.Profile, a.Variant, a.Cached, a.KeyID,
		a.Summary, a.Record, a.Decisions, a.Note, nullTime(a.NoteExpiresAt), a.CreatedAt}
	n := len(args) + 1
	ws, wsArgs := workspaceSQL(s, n)
	n += len(wsArgs)
	args = append(args, wsArgs...)
	if !q.Count {
		return `WITH ws AS (` + ws + `),
		inserted AS (INSERT INTO analyses (` + insertColumns + `) SELECT ` + insertValues + ` FROM ws RETURNING 1)
		SELECT EXISTS (SELECT 1 FROM ws), EXISTS (SELECT 1 FROM inserted)`, args
	}
	month, limit := param(n), param(n+1)
	return `WITH ws AS (` + ws + `),
		counted AS (
			INSERT INTO usage (workspace_id, month, count) SELECT id, ` + month + `, 1 FROM ws
			ON CONFLICT (workspace_id, month) DO UPDATE SET count = usage.count + 1
			WHERE ` + limit + `::integer = 0 OR usage.count < ` + limit + `::integer
			RETURNING workspace_id),
		inserted AS (
			INSERT INTO analyses (` + insertColumns + `) SELECT ` + insertValues + ` FROM ws JOIN counted ON counted.workspace_id = ws.id
			RETURNING 1)
		SELECT EXISTS (SELECT 1 FROM ws), EXISTS (SELECT 1 FROM inserted)`, append(args, q.Month, q.Limit)
}

// insertOutcome turns insertStatement's answer into an error.
func insertOutcome(member, inserted bool, q store.Quota) error {
	switch {
	case !member:
		return apperr.New(apperr.NotFound, "workspace not found")
	case !inserted:
		return apperr.New(apperr.QuotaExceeded, "monthly limit of %d analyses reached", q.Limit)
	}
	return nil
}

// CreateAnalysis inserts a into the scope's workspace and counts it against
// the quota atomically. Inserts from concurrent requests of this instance
// are committed together (see commitLoop); each one still succeeds or
// fails on its own.
func (db *DB) CreateAnalysis(ctx context.Context, s store.Scope, a *store.Analysis, q store.Quota) error {
	a.OrgID, a.CreatedBy = s.OrgID, s.UserID
	req := &insertRequest{s: s, a: a, q: q, done: make(chan error, 1)}
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
	s    store.Scope
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
// Each insert is a single statement that checks its own workspace and
// quota, so a refused one does not disturb the others.
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

// workspaceOrder sorts scopes the same way in every group: organizations
// by id, then users by id.
func workspaceOrder(a, b store.Scope) bool {
	if a.OrgID != b.OrgID {
		return a.OrgID < b.OrgID
	}
	return a.UserID < b.UserID
}

func (db *DB) insertGroup(group []*insertRequest) []error {
	ctx := context.Background()
	// Usage rows are locked in workspace order, so that two groups in
	// flight never wait on each other in a cycle.
	sort.SliceStable(group, func(i, j int) bool { return workspaceOrder(group[i].s, group[j].s) })
	b := &pgx.Batch{}
	for _, r := range group {
		q, args := insertStatement(r.s, r.a, r.q)
		b.Queue(q, args...)
	}
	results := make([]error, len(group))
	br := db.pool.SendBatch(ctx, b)
	var failed error
	for i, r := range group {
		var member, inserted bool
		if err := br.QueryRow().Scan(&member, &inserted); err != nil {
			failed = err
			break
		}
		results[i] = insertOutcome(member, inserted, r.q)
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
	where, args := inScope(s, 1, id)
	a, err := scanAnalysis(db.pool.QueryRow(ctx, "SELECT "+listColumns+", record FROM analyses WHERE "+where+" AND id = "+param(next(s)), args...), s.OrgID, true)
	if err != nil {
		return nil, notFound("analysis", err)
	}
	return a, nil
}

// AnalysisNote returns the sealed retained note of one record of the scope.
func (db *DB) AnalysisNote(ctx context.Context, s store.Scope, id string) ([]byte, string, error) {
	where, args := inScope(s, 1, id)
	var note []byte
	var keyID string
	err := db.pool.QueryRow(ctx, "SELECT note, key_id FROM analyses WHERE "+where+" AND id = "+param(next(s))+" AND note IS NOT NULL", args...).Scan(&note, &keyID)
	if err != nil {
		return nil, "", notFound("note", err)
	}
	return note, keyID, nil
}

// LatestAnalysisOfNote finds the newest record of the scope with the same
// cache key.
func (db *DB) LatestAnalysisOfNote(ctx context.Context, s store.Scope, k store.CacheKey) (*store.Analysis, error) {
	where, args := inScope(s, 1, k.NoteSHA256, k.Release, k.EngineVersion, k.Profile, k.Variant)
	n := next(s)
	a, err := scanAnalysis(db.pool.QueryRow(ctx, "SELECT "+listColumns+", record FROM analyses WHERE "+where+
		" AND note_sha256 = "+param(n)+" AND release = "+param(n+1)+" AND engine_version = "+param(n+2)+
		" AND profile = "+param(n+3)+" AND variant = "+param(n+4)+newestFirst+" LIMIT 1", args...), s.OrgID, true)
	if err != nil {
		return nil, notFound("analysis", err)
	}
	return a, nil
}

// ListAnalyses returns one page of the scope's records, newest first.
func (db *DB) ListAnalyses(ctx context.Context, s store.Scope, limit, offset int) ([]store.Analysis, int, error) {
	where, args := inScope(s, 1)
	var total int
	if err := db.pool.QueryRow(ctx, "SELECT count(*) FROM analyses WHERE "+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("postgres: counting analyses: %w", err)
	}
	n := next(s)
	rows, err := db.pool.Query(ctx, "SELECT "+listColumns+" FROM analyses WHERE "+where+newestFirst+" LIMIT "+param(n)+" OFFSET "+param(n+1),
		append(args, limit, offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("postgres: listing analyses: %w", err)
	}
	defer rows.Close()
	var out []store.Analysis
	for rows.Next() {
		a, err := scanAnalysis(rows, s.OrgID, false)
		if err != nil {
			return nil, 0, fmt.Errorf("postgres: listing analyses: %w", err)
		}
		out = append(out, *a)
	}
	return out, total, rows.Err()
}

// EachAnalysis streams the scope's records newest first.
func (db *DB) EachAnalysis(ctx context.Context, s store.Scope, fn func(*store.Analysis) (bool, error)) error {
	where, args := inScope(s, 1)
	rows, err := db.pool.Query(ctx, "SELECT "+listColumns+" FROM analyses WHERE "+where+newestFirst, args...)
	if err != nil {
		return fmt.Errorf("postgres: listing analyses: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		a, err := scanAnalysis(rows, s.OrgID, false)
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
	where, args := inScope(s, 1, id)
	tag, err := db.pool.Exec(ctx, "DELETE FROM analyses WHERE "+where+" AND id = "+param(next(s)), args...)
	if err != nil {
		return fmt.Errorf("postgres: deleting analysis: %w", err)
	}
	return affectedOne(tag, "analysis")
}

// UpdateDecisions rewrites the sealed decisions of one record of the scope
// and moves the workspace's feedback counts; the row lock holds off a
// concurrent update from another instance.
func (db *DB) UpdateDecisions(ctx context.Context, s store.Scope, id string, update func([]byte) (store.DecisionUpdate, error)) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		where, args := inScope(s, 1, id)
		var ws int64
		var current []byte
		err := tx.QueryRow(ctx, "SELECT workspace_id, decisions FROM analyses WHERE "+where+" AND id = "+param(next(s))+" FOR UPDATE", args...).Scan(&ws, &current)
		if err != nil {
			return notFound("analysis", err)
		}
		up, err := update(current)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE analyses SET decisions = $2 WHERE id = $1", id, up.Blob); err != nil {
			return fmt.Errorf("postgres: saving decisions: %w", err)
		}
		if v := up.Undo; v != nil {
			_, err := tx.Exec(ctx, `UPDATE feedback SET count = count - 1
				WHERE workspace_id = $1 AND code = $2 AND decision = $3 AND replacement = $4`, ws, v.Code, v.Decision, v.Replacement)
			if err != nil {
				return fmt.Errorf("postgres: counting feedback: %w", err)
			}
			if _, err := tx.Exec(ctx, "DELETE FROM feedback WHERE workspace_id = $1 AND count <= 0", ws); err != nil {
				return fmt.Errorf("postgres: counting feedback: %w", err)
			}
		}
		if v := up.Do; v != nil {
			_, err := tx.Exec(ctx, `INSERT INTO feedback (workspace_id, code, decision, replacement, count) VALUES ($1, $2, $3, $4, 1)
				ON CONFLICT (workspace_id, code, decision, replacement) DO UPDATE SET count = feedback.count + 1`, ws, v.Code, v.Decision, v.Replacement)
			if err != nil {
				return fmt.Errorf("postgres: counting feedback: %w", err)
			}
		}
		return nil
	})
}

// FeedbackCounts returns the scope's verdict counts by code.
func (db *DB) FeedbackCounts(ctx context.Context, s store.Scope) ([]store.FeedbackCount, error) {
	where, args := inScope(s, 1)
	rows, err := db.pool.Query(ctx, "SELECT code, decision, replacement, count FROM feedback WHERE "+where+
		" ORDER BY code COLLATE \"C\", decision COLLATE \"C\", replacement COLLATE \"C\"", args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: reading feedback: %w", err)
	}
	defer rows.Close()
	var out []store.FeedbackCount
	for rows.Next() {
		var c store.FeedbackCount
		if err := rows.Scan(&c.Code, &c.Decision, &c.Replacement, &c.Count); err != nil {
			return nil, fmt.Errorf("postgres: reading feedback: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Usage returns the counted analyses of the scope's workspace in month.
func (db *DB) Usage(ctx context.Context, s store.Scope, month string) (int, error) {
	where, args := inScope(s, 1, month)
	var n int
	err := db.pool.QueryRow(ctx, "SELECT count FROM usage WHERE "+where+" AND month = "+param(next(s)), args...).Scan(&n)
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
			rows, err := tx.Query(ctx, "SELECT "+listColumns+", record, note FROM analyses WHERE key_id <> $1 LIMIT $2 FOR UPDATE SKIP LOCKED", activeKey, resealBatch)
			if err != nil {
				return fmt.Errorf("postgres: listing analyses to re-encrypt: %w", err)
			}
			batch, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*store.Analysis, error) {
				var note []byte
				a, err := scanAnalysis(r, 0, true, &note)
				if a != nil {
					a.Note = note
				}
				return a, err
			})
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
				_, err := tx.Exec(ctx, "UPDATE analyses SET key_id = $2, summary = $3, record = $4, decisions = $5, note = $6 WHERE id = $1",
					a.ID, a.KeyID, a.Summary, a.Record, a.Decisions, a.Note)
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
