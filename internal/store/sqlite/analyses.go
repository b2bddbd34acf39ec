package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/store"
)

// listColumns leave out the record, the large blob only a detail view
// needs, and the retained note.
const listColumns = "id, created_by, note_sha256, release, engine_version, profile, variant, cached, key_id, summary, decisions, note_expires_at, created_at"

// scanAnalysis reads listColumns, then record when withRecord; orgID is
// the workspace's organization, which the caller knows from the scope.
func scanAnalysis(row scanner, orgID int64, withRecord bool) (*store.Analysis, error) {
	a := store.Analysis{OrgID: orgID}
	var createdBy sql.NullInt64
	var noteExpires, created int64
	dest := []any{&a.ID, &createdBy, &a.NoteSHA256, &a.Release, &a.EngineVersion, &a.Profile, &a.Variant, &a.Cached, &a.KeyID,
		&a.Summary, &a.Decisions, &noteExpires, &created}
	if withRecord {
		dest = append(dest, &a.Record)
	}
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	a.CreatedBy = createdBy.Int64
	a.NoteExpiresAt = fromMillis(noteExpires)
	a.CreatedAt = fromMillis(created)
	return &a, nil
}

// CreateAnalysis inserts a into the scope's workspace and counts it
// against the quota atomically. Inserts from concurrent requests are
// committed together (see commitLoop); each one still succeeds or fails on
// its own.
func (db *DB) CreateAnalysis(ctx context.Context, s store.Scope, a *store.Analysis, q store.Quota) error {
	a.OrgID, a.CreatedBy = s.OrgID, s.UserID
	req := &insertRequest{s: s, a: a, q: q, done: make(chan error, 1)}
	select {
	case db.inserts <- req:
	case <-db.stop:
		return errClosed
	case <-ctx.Done():
		return fmt.Errorf("sqlite: waiting to insert: %w", ctx.Err())
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

// maxGroup bounds how many inserts share one transaction.
const maxGroup = 64

// commitLoop is group commit: it takes the queued inserts, runs each inside
// its own savepoint of one transaction and commits them together, so one
// commit serves many requests. A failed insert (quota reached) rolls back
// to its savepoint and leaves the others alone.
func (db *DB) commitLoop() {
	defer close(db.committerDone)
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
		results := make([]error, len(group))
		err := db.inTx(context.Background(), func(tx *sql.Tx) error {
			for i, req := range group {
				results[i] = db.insertOne(tx, req.s, req.a, req.q)
			}
			return nil
		})
		for i, req := range group {
			if err != nil {
				results[i] = err
			}
			req.done <- results[i]
		}
	}
}

// The statements of the group-commit path (see writeStatements).
const (
	savepoint           = "SAVEPOINT one_insert"
	rollbackToSavepoint = "ROLLBACK TO one_insert"
	releaseSavepoint    = "RELEASE one_insert"
	insertAnalysis      = `INSERT INTO analyses (id, workspace_id, created_by, note_sha256, release, engine_version, profile,
		variant, cached, key_id, summary, record, decisions, note, note_expires_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	countUsageSQL = `INSERT INTO usage (workspace_id, month, count) VALUES (?, ?, 1)
		ON CONFLICT (workspace_id, month) DO UPDATE SET count = count + 1 RETURNING count`
)

// insertOne inserts one analysis inside a savepoint of tx.
func (db *DB) insertOne(tx *sql.Tx, s store.Scope, a *store.Analysis, q store.Quota) error {
	ctx := context.Background()
	if _, err := db.txExec(ctx, tx, savepoint); err != nil {
		return fmt.Errorf("sqlite: savepoint: %w", err)
	}
	err := func() error {
		ws, err := db.workspaceID(ctx, tx, s)
		if err != nil {
			return err
		}
		if q.Count {
			if err := db.countUsage(ctx, tx, ws, q); err != nil {
				return err
			}
		}
		_, err = db.txExec(ctx, tx, insertAnalysis,
			a.ID, ws, a.CreatedBy, a.NoteSHA256, a.Release, a.EngineVersion, a.Profile, a.Variant, a.Cached, a.KeyID,
			a.Summary, a.Record, a.Decisions, a.Note, millis(a.NoteExpiresAt), millis(a.CreatedAt))
		if err != nil {
			return fmt.Errorf("sqlite: inserting analysis: %w", err)
		}
		return nil
	}()
	if err != nil {
		if _, rbErr := db.txExec(ctx, tx, rollbackToSavepoint); rbErr != nil {
			return fmt.Errorf("sqlite: rolling back an insert: %w (after %v)", rbErr, err)
		}
	}
	if _, relErr := db.txExec(ctx, tx, releaseSavepoint); relErr != nil && err == nil {
		return fmt.Errorf("sqlite: releasing savepoint: %w", relErr)
	}
	return err
}

func (db *DB) countUsage(ctx context.Context, tx *sql.Tx, workspace int64, q store.Quota) error {
	var n int
	err := db.txRow(ctx, tx, countUsageSQL, workspace, q.Month).Scan(&n)
	if err != nil {
		return fmt.Errorf("sqlite: counting usage: %w", err)
	}
	if q.Limit > 0 && n > q.Limit {
		// Returning an error rolls the increment back with the insert.
		return apperr.New(apperr.QuotaExceeded, "monthly limit of %d analyses reached", q.Limit)
	}
	return nil
}

// Analysis returns one record of the scope.
func (db *DB) Analysis(ctx context.Context, s store.Scope, id string) (*store.Analysis, error) {
	where, args := inScope(s, id)
	a, err := scanAnalysis(db.readRow(ctx, "SELECT "+listColumns+", record FROM analyses WHERE "+where+" AND id = ?", args...), s.OrgID, true)
	if err != nil {
		return nil, notFound("analysis", err)
	}
	return a, nil
}

// AnalysisNote returns the sealed retained note of one record of the scope.
func (db *DB) AnalysisNote(ctx context.Context, s store.Scope, id string) ([]byte, string, error) {
	where, args := inScope(s, id)
	var note []byte
	var keyID string
	err := db.readRow(ctx, "SELECT note, key_id FROM analyses WHERE "+where+" AND id = ? AND note IS NOT NULL", args...).Scan(&note, &keyID)
	if err != nil {
		return nil, "", notFound("note", err)
	}
	return note, keyID, nil
}

// LatestAnalysisOfNote finds the newest record of the same note and engine.
func (db *DB) LatestAnalysisOfNote(ctx context.Context, s store.Scope, k store.CacheKey) (*store.Analysis, error) {
	where, args := inScope(s, k.NoteSHA256, k.Release, k.EngineVersion, k.Profile, k.Variant)
	a, err := scanAnalysis(db.readRow(ctx, "SELECT "+listColumns+`, record FROM analyses
		WHERE `+where+` AND note_sha256 = ? AND release = ? AND engine_version = ? AND profile = ? AND variant = ?
		ORDER BY created_at DESC, rowid DESC LIMIT 1`, args...), s.OrgID, true)
	if err != nil {
		return nil, notFound("analysis", err)
	}
	return a, nil
}

// ListAnalyses returns one page of the scope's records, newest first.
func (db *DB) ListAnalyses(ctx context.Context, s store.Scope, limit, offset int) ([]store.Analysis, int, error) {
	where, args := inScope(s)
	var total int
	if err := db.read.QueryRowContext(ctx, "SELECT count(*) FROM analyses WHERE "+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("sqlite: counting analyses: %w", err)
	}
	rows, err := db.read.QueryContext(ctx, "SELECT "+listColumns+" FROM analyses WHERE "+where+`
		ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?`, append(args, limit, offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("sqlite: listing analyses: %w", err)
	}
	defer rows.Close()
	var out []store.Analysis
	for rows.Next() {
		a, err := scanAnalysis(rows, s.OrgID, false)
		if err != nil {
			return nil, 0, fmt.Errorf("sqlite: listing analyses: %w", err)
		}
		out = append(out, *a)
	}
	return out, total, rows.Err()
}

// EachAnalysis streams the scope's records newest first.
func (db *DB) EachAnalysis(ctx context.Context, s store.Scope, fn func(*store.Analysis) (bool, error)) error {
	where, args := inScope(s)
	rows, err := db.read.QueryContext(ctx, "SELECT "+listColumns+" FROM analyses WHERE "+where+" ORDER BY created_at DESC, rowid DESC", args...)
	if err != nil {
		return fmt.Errorf("sqlite: listing analyses: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		a, err := scanAnalysis(rows, s.OrgID, false)
		if err != nil {
			return fmt.Errorf("sqlite: listing analyses: %w", err)
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
	return db.inTx(ctx, func(tx *sql.Tx) error {
		where, args := inScope(s, id)
		res, err := tx.ExecContext(ctx, "DELETE FROM analyses WHERE "+where+" AND id = ?", args...)
		if err != nil {
			return fmt.Errorf("sqlite: deleting analysis: %w", err)
		}
		return affectedOne(res, "analysis")
	})
}

// UpdateDecisions rewrites the sealed decisions of one record of the scope
// and moves the workspace's feedback counts.
func (db *DB) UpdateDecisions(ctx context.Context, s store.Scope, id string, update func([]byte) (store.DecisionUpdate, error)) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		ws, err := db.workspaceID(ctx, tx, s)
		if err != nil {
			return notFound("analysis", sql.ErrNoRows)
		}
		var current []byte
		err = tx.QueryRowContext(ctx, "SELECT decisions FROM analyses WHERE workspace_id = ? AND id = ?", ws, id).Scan(&current)
		if err != nil {
			return notFound("analysis", err)
		}
		next, err := update(current)
		if err != nil {
			return err
		}
		if _, err = tx.ExecContext(ctx, "UPDATE analyses SET decisions = ? WHERE id = ?", next.Blob, id); err != nil {
			return fmt.Errorf("sqlite: saving decisions: %w", err)
		}
		if v := next.Undo; v != nil {
			_, err := tx.ExecContext(ctx, `UPDATE feedback SET count = count - 1
				WHERE workspace_id = ? AND code = ? AND decision = ? AND replacement = ?`, ws, v.Code, v.Decision, v.Replacement)
			if err != nil {
				return fmt.Errorf("sqlite: counting feedback: %w", err)
			}
			if _, err := tx.ExecContext(ctx, "DELETE FROM feedback WHERE workspace_id = ? AND count <= 0", ws); err != nil {
				return fmt.Errorf("sqlite: counting feedback: %w", err)
			}
		}
		if v := next.Do; v != nil {
			_, err := tx.ExecContext(ctx, `INSERT INTO feedback (workspace_id, code, decision, replacement, count) VALUES (?, ?, ?, ?, 1)
				ON CONFLICT (workspace_id, code, decision, replacement) DO UPDATE SET count = count + 1`, ws, v.Code, v.Decision, v.Replacement)
			if err != nil {
				return fmt.Errorf("sqlite: counting feedback: %w", err)
			}
		}
		return nil
	})
}

// FeedbackCounts returns the scope's verdict counts by code.
func (db *DB) FeedbackCounts(ctx context.Context, s store.Scope) ([]store.FeedbackCount, error) {
	where, args := inScope(s)
	rows, err := db.read.QueryContext(ctx, "SELECT code, decision, replacement, count FROM feedback WHERE "+where+
		" ORDER BY code, decision, replacement", args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: reading feedback: %w", err)
	}
	defer rows.Close()
	var out []store.FeedbackCount
	for rows.Next() {
		var c store.FeedbackCount
		if err := rows.Scan(&c.Code, &c.Decision, &c.Replacement, &c.Count); err != nil {
			return nil, fmt.Errorf("sqlite: reading feedback: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Usage returns the counted analyses of the scope's workspace in month.
func (db *DB) Usage(ctx context.Context, s store.Scope, month string) (int, error) {
	where, args := inScope(s, month)
	var n int
	err := db.readRow(ctx, "SELECT count FROM usage WHERE "+where+" AND month = ?", args...).Scan(&n)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("sqlite: reading usage: %w", err)
	}
	return n, nil
}

// resealBatch bounds how long one re-encryption transaction holds the writer.
const resealBatch = 200

// ResealAnalyses re-encrypts every record not sealed with activeKey.
func (db *DB) ResealAnalyses(ctx context.Context, activeKey string, reseal func(*store.Analysis) error) (int, error) {
	total := 0
	for {
		n := 0
		err := db.inTx(ctx, func(tx *sql.Tx) error {
			rows, err := tx.QueryContext(ctx, "SELECT "+listColumns+", record, note FROM analyses WHERE key_id != ? LIMIT ?", activeKey, resealBatch)
			if err != nil {
				return fmt.Errorf("sqlite: listing analyses to re-encrypt: %w", err)
			}
			var batch []*store.Analysis
			for rows.Next() {
				var note []byte
				a, err := scanAnalysis(scanFunc(func(dest ...any) error { return rows.Scan(append(dest, &note)...) }), 0, true)
				if err != nil {
					rows.Close()
					return fmt.Errorf("sqlite: listing analyses to re-encrypt: %w", err)
				}
				a.Note = note
				batch = append(batch, a)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			for _, a := range batch {
				if err := reseal(a); err != nil {
					return fmt.Errorf("sqlite: re-encrypting analysis %s: %w", a.ID, err)
				}
				if a.KeyID != activeKey {
					return fmt.Errorf("sqlite: re-encrypting analysis %s: resealed with %q, want %q", a.ID, a.KeyID, activeKey)
				}
				_, err := tx.ExecContext(ctx, "UPDATE analyses SET key_id = ?, summary = ?, record = ?, decisions = ?, note = ? WHERE id = ?",
					a.KeyID, a.Summary, a.Record, a.Decisions, a.Note, a.ID)
				if err != nil {
					return fmt.Errorf("sqlite: saving re-encrypted analysis %s: %w", a.ID, err)
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
