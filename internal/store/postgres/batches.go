package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/store"
)

// batchColumns are read from batches b joined to their workspace w.
const batchColumns = "b.id, b.user_id, coalesce(w.org_id, 0), b.mode, b.status, b.total, b.done, b.failed, b.created_at, b.updated_at, b.finished_at"

const batchFrom = " FROM batches b JOIN workspaces w ON w.id = b.workspace_id"

func scanBatch(row pgx.Row) (*store.Batch, error) {
	var b store.Batch
	var mode, status string
	var finished pgtype.Timestamptz
	if err := row.Scan(&b.ID, &b.UserID, &b.OrgID, &mode, &status, &b.Total, &b.Done, &b.Failed, &b.CreatedAt, &b.UpdatedAt, &finished); err != nil {
		return nil, err
	}
	b.Mode, b.Status = store.BatchMode(mode), store.BatchStatus(status)
	b.CreatedAt, b.UpdatedAt, b.FinishedAt = b.CreatedAt.UTC(), b.UpdatedAt.UTC(), fromNull(finished)
	return &b, nil
}

// CreateBatch inserts b into the workspace of its sender and OrgID.
func (db *DB) CreateBatch(ctx context.Context, b *store.Batch) error {
	ws, wsArgs := workspaceSQL(store.Scope{UserID: b.UserID, OrgID: b.OrgID}, 11)
	tag, err := db.pool.Exec(ctx, `INSERT INTO batches (id, workspace_id, user_id, mode, status, total, done, failed, created_at, updated_at, finished_at)
		SELECT $1, ws.id, $2, $3, $4, $5, $6, $7, $8, $9, $10 FROM (`+ws+`) ws`,
		append([]any{b.ID, b.UserID, string(b.Mode), string(b.Status), b.Total, b.Done, b.Failed, b.CreatedAt, b.UpdatedAt, nullTime(b.FinishedAt)}, wsArgs...)...)
	if err != nil {
		return fmt.Errorf("postgres: inserting batch: %w", err)
	}
	return affectedOne(tag, "workspace")
}

// Batch returns one batch of the scope.
func (db *DB) Batch(ctx context.Context, s store.Scope, id string) (*store.Batch, error) {
	where, args := inScope(s, 1, id)
	b, err := scanBatch(db.pool.QueryRow(ctx, "SELECT "+batchColumns+batchFrom+" WHERE b."+where+" AND b.id = "+param(next(s)), args...))
	if err != nil {
		return nil, notFound("batch", err)
	}
	return b, nil
}

// ListBatches returns the scope's newest batches.
func (db *DB) ListBatches(ctx context.Context, s store.Scope, limit int) ([]store.Batch, error) {
	where, args := inScope(s, 1, limit)
	rows, err := db.pool.Query(ctx, "SELECT "+batchColumns+batchFrom+" WHERE b."+where+" ORDER BY b.created_at DESC, b.id LIMIT "+param(next(s)), args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: listing batches: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Batch, error) {
		b, err := scanBatch(r)
		if err != nil {
			return store.Batch{}, err
		}
		return *b, nil
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: listing batches: %w", err)
	}
	return out, nil
}

// AddBatchNotes stores sealed notes of a receiving queued batch.
func (db *DB) AddBatchNotes(ctx context.Context, batchID string, notes []store.BatchNote, now time.Time) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		var mode, status string
		err := tx.QueryRow(ctx, "SELECT mode, status FROM batches WHERE id = $1", batchID).Scan(&mode, &status)
		if err != nil {
			return notFound("batch", err)
		}
		if store.BatchMode(mode) != store.BatchQueued || store.BatchStatus(status) != store.BatchReceiving {
			return fmt.Errorf("postgres: batch %s is %s %s: notes are kept only for a queued batch while it is received", batchID, mode, status)
		}
		_, err = tx.CopyFrom(ctx, pgx.Identifier{"batch_notes"}, []string{"batch_id", "seq", "sealed"},
			pgx.CopyFromSlice(len(notes), func(i int) ([]any, error) {
				return []any{batchID, notes[i].Seq, notes[i].Sealed}, nil
			}))
		if err != nil {
			return fmt.Errorf("postgres: storing batch notes: %w", err)
		}
		_, err = tx.Exec(ctx, "UPDATE batches SET total = total + $2, updated_at = $3 WHERE id = $1", batchID, len(notes), now)
		return err
	})
}

// PendingBatchNotes returns the notes of a range still waiting.
func (db *DB) PendingBatchNotes(ctx context.Context, batchID string, from, to int) ([]store.BatchNote, error) {
	rows, err := db.pool.Query(ctx, "SELECT seq, sealed FROM batch_notes WHERE batch_id = $1 AND seq BETWEEN $2 AND $3 ORDER BY seq",
		batchID, from, to)
	if err != nil {
		return nil, fmt.Errorf("postgres: reading batch notes: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[store.BatchNote])
	if err != nil {
		return nil, fmt.Errorf("postgres: reading batch notes: %w", err)
	}
	return out, nil
}

// CompleteBatchItems records outcomes; see store.Batches. The common case
// takes a handful of statements for the whole group: one delete of the
// notes, one usage update for every counted analysis, and COPY for the
// analyses and the items; near the quota it falls back to one counted
// insert per analysis.
func (db *DB) CompleteBatchItems(ctx context.Context, batchID string, items []store.BatchCompletion, now time.Time) (int, error) {
	recorded := 0
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		var mode string
		var sender store.Scope
		err := tx.QueryRow(ctx, "SELECT b.mode, b.user_id, coalesce(w.org_id, 0)"+batchFrom+" WHERE b.id = $1", batchID).
			Scan(&mode, &sender.UserID, &sender.OrgID)
		if err != nil {
			return notFound("batch", err)
		}
		live := make([]*store.BatchCompletion, len(items))
		for i := range items {
			live[i] = &items[i]
		}
		if store.BatchMode(mode) == store.BatchQueued {
			var err error
			if live, err = deleteNotes(ctx, tx, batchID, live); err != nil {
				return err
			}
		}
		if len(live) == 0 {
			return nil
		}
		if err := insertAnalyses(ctx, tx, sender, live); err != nil {
			return err
		}
		_, err = tx.CopyFrom(ctx, pgx.Identifier{"batch_items"}, []string{"batch_id", "seq", "analysis_id", "error_code", "outcome"},
			pgx.CopyFromSlice(len(live), func(i int) ([]any, error) {
				it := live[i].Item
				return []any{batchID, it.Seq, nullString(it.AnalysisID), nullString(it.ErrorCode), it.Outcome}, nil
			}))
		if err != nil {
			return fmt.Errorf("postgres: recording batch outcomes: %w", err)
		}
		failed := 0
		for _, c := range live {
			if c.Item.ErrorCode != "" {
				failed++
			}
		}
		_, err = tx.Exec(ctx, `UPDATE batches SET done = done + $2, failed = failed + $3, updated_at = $4,
			status = CASE WHEN status = 'queued' AND done + $2 >= total THEN 'done' ELSE status END,
			finished_at = CASE WHEN status = 'queued' AND done + $2 >= total THEN $4 ELSE finished_at END
			WHERE id = $1`, batchID, len(live), failed, now)
		if err != nil {
			return fmt.Errorf("postgres: counting batch progress: %w", err)
		}
		recorded = len(live)
		return nil
	})
	return recorded, err
}

// deleteNotes deletes the notes of items and keeps the items whose note
// was still there.
func deleteNotes(ctx context.Context, tx pgx.Tx, batchID string, items []*store.BatchCompletion) ([]*store.BatchCompletion, error) {
	seqs := make([]int32, len(items))
	for i, c := range items {
		seqs[i] = int32(c.Item.Seq)
	}
	rows, err := tx.Query(ctx, "DELETE FROM batch_notes WHERE batch_id = $1 AND seq = ANY($2) RETURNING seq", batchID, seqs)
	if err != nil {
		return nil, fmt.Errorf("postgres: deleting batch notes: %w", err)
	}
	gone, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return nil, fmt.Errorf("postgres: deleting batch notes: %w", err)
	}
	deleted := make(map[int32]bool, len(gone))
	for _, s := range gone {
		deleted[s] = true
	}
	var live []*store.BatchCompletion
	for _, c := range items {
		if deleted[int32(c.Item.Seq)] {
			live = append(live, c)
		}
	}
	return live, nil
}

// insertAnalyses inserts the analyses of items into the batch's
// workspace, by its sender, counted against their quota, and turns the
// items over the quota into quota_exceeded refusals (not_found ones when
// the sender left the organization).
func insertAnalyses(ctx context.Context, tx pgx.Tx, sender store.Scope, items []*store.BatchCompletion) error {
	q, args := workspaceSQL(sender, 1)
	var ws int64
	if err := tx.QueryRow(ctx, q, args...).Scan(&ws); errors.Is(err, pgx.ErrNoRows) {
		for _, c := range items {
			if c.Analysis != nil {
				c.Analysis, c.Item.AnalysisID, c.Item.ErrorCode = nil, "", string(apperr.NotFound)
			}
		}
		return nil
	} else if err != nil {
		return fmt.Errorf("postgres: finding the batch's workspace: %w", err)
	}
	var counted []int
	var plain []*store.Analysis
	for i, c := range items {
		if c.Analysis != nil {
			c.Analysis.OrgID, c.Analysis.CreatedBy = sender.OrgID, sender.UserID
		}
		switch {
		case c.Analysis == nil:
		case c.Quota.Count:
			counted = append(counted, i)
		default:
			plain = append(plain, c.Analysis)
		}
	}
	if len(counted) > 0 {
		// Items of one batch belong to one workspace and month.
		q := items[counted[0]].Quota
		var n int
		err := tx.QueryRow(ctx, `INSERT INTO usage (workspace_id, month, count) VALUES ($1, $2, $3)
			ON CONFLICT (workspace_id, month) DO UPDATE SET count = usage.count + $3
			WHERE $4::integer = 0 OR usage.count + $3 <= $4::integer RETURNING count`,
			ws, q.Month, len(counted), q.Limit).Scan(&n)
		switch {
		case err == nil && (q.Limit == 0 || n <= q.Limit):
			for _, i := range counted {
				plain = append(plain, items[i].Analysis)
			}
		case err == nil || errors.Is(err, pgx.ErrNoRows):
			// Not all fit: undo a fresh row's count and go one by one.
			if err == nil {
				if _, err := tx.Exec(ctx, "UPDATE usage SET count = count - $3 WHERE workspace_id = $1 AND month = $2", ws, q.Month, len(counted)); err != nil {
					return fmt.Errorf("postgres: counting usage: %w", err)
				}
			}
			for _, i := range counted {
				c := items[i]
				stmt, args := insertStatement(sender, c.Analysis, c.Quota)
				var member, inserted bool
				if err := tx.QueryRow(ctx, stmt, args...).Scan(&member, &inserted); err != nil {
					return fmt.Errorf("postgres: inserting analysis: %w", err)
				}
				if err := insertOutcome(member, inserted, c.Quota); err != nil {
					c.Analysis, c.Item.AnalysisID, c.Item.ErrorCode = nil, "", string(apperr.CodeOf(err))
				}
			}
		default:
			return fmt.Errorf("postgres: counting usage: %w", err)
		}
	}
	if len(plain) > 0 {
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"analyses"}, []string{"id", "workspace_id", "created_by", "note_sha256", "release",
			"engine_version", "profile", "variant", "cached", "key_id", "summary", "record", "decisions", "note", "note_expires_at", "created_at"},
			pgx.CopyFromSlice(len(plain), func(i int) ([]any, error) {
				a := plain[i]
				return []any{a.ID, ws, a.CreatedBy, a.NoteSHA256, a.Release, a.EngineVersion, a.Profile, a.Variant, a.Cached, a.KeyID,
					a.Summary, a.Record, a.Decisions, a.Note, nullTime(a.NoteExpiresAt), a.CreatedAt}, nil
			}))
		if err != nil {
			return fmt.Errorf("postgres: inserting analyses: %w", err)
		}
	}
	return nil
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// EndUpload records the end of an upload.
func (db *DB) EndUpload(ctx context.Context, batchID string, total int, complete bool, now time.Time) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		q := `UPDATE batches SET total = $2, updated_at = $3::timestamptz,
			status = CASE WHEN done >= $2 THEN 'done' WHEN mode = 'queued' THEN 'queued' ELSE status END,
			finished_at = CASE WHEN done >= $2 THEN $3::timestamptz END
			WHERE id = $1 AND status = 'receiving'`
		if !complete {
			q = `UPDATE batches SET total = $2, updated_at = $3, status = 'interrupted', finished_at = $3
				WHERE id = $1 AND status = 'receiving'`
		}
		tag, err := tx.Exec(ctx, q, batchID, total, now)
		if err != nil {
			return fmt.Errorf("postgres: ending batch upload: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return apperr.New(apperr.NotFound, "batch not found or no longer receiving")
		}
		if !complete {
			if _, err := tx.Exec(ctx, "DELETE FROM batch_notes WHERE batch_id = $1", batchID); err != nil {
				return fmt.Errorf("postgres: deleting notes of an interrupted batch: %w", err)
			}
		}
		return nil
	})
}

// EachBatchItem streams a batch's outcomes in order.
func (db *DB) EachBatchItem(ctx context.Context, s store.Scope, batchID string, fn func(*store.BatchItem, *store.Analysis) (bool, error)) error {
	b, err := db.Batch(ctx, s, batchID)
	if err != nil {
		return err
	}
	ws, args := workspaceSQL(s, 2)
	rows, err := db.pool.Query(ctx, `SELECT i.seq, i.error_code, i.outcome, `+prefixed("a.", listColumns)+`, a.record
		FROM batch_items i LEFT JOIN analyses a ON a.id = i.analysis_id AND a.workspace_id = (`+ws+`)
		WHERE i.batch_id = $1 ORDER BY i.seq`, append([]any{batchID}, args...)...)
	if err != nil {
		return fmt.Errorf("postgres: reading batch outcomes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var it store.BatchItem
		// The analysis columns are NULL when the note was refused or its
		// analysis deleted.
		var code, id, note, release, engine, profile, variant, keyID pgtype.Text
		var createdBy pgtype.Int8
		var cached pgtype.Bool
		var noteExpires, created pgtype.Timestamptz
		var a store.Analysis
		err := rows.Scan(&it.Seq, &code, &it.Outcome, &id, &createdBy, &note, &release, &engine, &profile, &variant, &cached, &keyID,
			&a.Summary, &a.Decisions, &noteExpires, &created, &a.Record)
		if err != nil {
			return fmt.Errorf("postgres: reading batch outcomes: %w", err)
		}
		it.ErrorCode = code.String
		var rec *store.Analysis
		if id.Valid {
			a.ID, a.OrgID, a.CreatedBy, a.NoteSHA256, a.Release, a.EngineVersion, a.Profile, a.Variant =
				id.String, b.OrgID, createdBy.Int64, note.String, release.String, engine.String, profile.String, variant.String
			a.Cached, a.KeyID, a.NoteExpiresAt, a.CreatedAt = cached.Bool, keyID.String, fromNull(noteExpires), fromNull(created)
			it.AnalysisID, rec = a.ID, &a
		}
		more, err := fn(&it, rec)
		if err != nil || !more {
			return err
		}
	}
	return rows.Err()
}

// prefixed qualifies each column of a comma-separated list.
func prefixed(prefix, columns string) string {
	cols := strings.Split(columns, ",")
	for i, c := range cols {
		cols[i] = prefix + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}

// InterruptStaleBatches gives up on uploads that stopped moving.
func (db *DB) InterruptStaleBatches(ctx context.Context, before, now time.Time) (int, error) {
	n := 0
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `UPDATE batches SET status = 'interrupted', finished_at = $2, updated_at = $2
			WHERE status = 'receiving' AND updated_at < $1 RETURNING id`, before, now)
		if err != nil {
			return fmt.Errorf("postgres: interrupting stale batches: %w", err)
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return fmt.Errorf("postgres: interrupting stale batches: %w", err)
		}
		if _, err := tx.Exec(ctx, "DELETE FROM batch_notes WHERE batch_id = ANY($1)", ids); err != nil {
			return fmt.Errorf("postgres: deleting notes of stale batches: %w", err)
		}
		n = len(ids)
		return nil
	})
	return n, err
}
