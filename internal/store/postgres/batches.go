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

const batchColumns = "id, user_id, mode, status, total, done, failed, created_at, updated_at, finished_at"

func scanBatch(row pgx.Row) (*store.Batch, error) {
	var b store.Batch
	var mode, status string
	var finished pgtype.Timestamptz
	if err := row.Scan(&b.ID, &b.UserID, &mode, &status, &b.Total, &b.Done, &b.Failed, &b.CreatedAt, &b.UpdatedAt, &finished); err != nil {
		return nil, err
	}
	b.Mode, b.Status = store.BatchMode(mode), store.BatchStatus(status)
	b.CreatedAt, b.UpdatedAt, b.FinishedAt = b.CreatedAt.UTC(), b.UpdatedAt.UTC(), fromNull(finished)
	return &b, nil
}

// CreateBatch inserts b.
func (db *DB) CreateBatch(ctx context.Context, b *store.Batch) error {
	_, err := db.pool.Exec(ctx, "INSERT INTO batches ("+batchColumns+") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
		b.ID, b.UserID, string(b.Mode), string(b.Status), b.Total, b.Done, b.Failed, b.CreatedAt, b.UpdatedAt, nullTime(b.FinishedAt))
	if err != nil {
		return fmt.Errorf("postgres: inserting batch: %w", err)
	}
	return nil
}

// Batch returns one batch of the scope.
func (db *DB) Batch(ctx context.Context, s store.Scope, id string) (*store.Batch, error) {
	b, err := scanBatch(db.pool.QueryRow(ctx, "SELECT "+batchColumns+" FROM batches WHERE id = $1 AND user_id = $2", id, s.UserID))
	if err != nil {
		return nil, notFound("batch", err)
	}
	return b, nil
}

// ListBatches returns the scope's newest batches.
func (db *DB) ListBatches(ctx context.Context, s store.Scope, limit int) ([]store.Batch, error) {
	rows, err := db.pool.Query(ctx, "SELECT "+batchColumns+" FROM batches WHERE user_id = $1 ORDER BY created_at DESC, id LIMIT $2", s.UserID, limit)
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
		if err := tx.QueryRow(ctx, "SELECT mode FROM batches WHERE id = $1", batchID).Scan(&mode); err != nil {
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
		if err := insertAnalyses(ctx, tx, live); err != nil {
			return err
		}
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"batch_items"}, []string{"batch_id", "seq", "analysis_id", "error_code", "outcome"},
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

// insertAnalyses inserts the analyses of items counted against their
// quota, and turns the items over the quota into quota_exceeded refusals.
func insertAnalyses(ctx context.Context, tx pgx.Tx, items []*store.BatchCompletion) error {
	var counted []int
	var plain []*store.Analysis
	for i, c := range items {
		switch {
		case c.Analysis == nil:
		case c.Quota.Count:
			counted = append(counted, i)
		default:
			plain = append(plain, c.Analysis)
		}
	}
	if len(counted) > 0 {
		// Items of one batch belong to one user and month.
		q, user := items[counted[0]].Quota, items[counted[0]].Analysis.UserID
		var n int
		err := tx.QueryRow(ctx, `INSERT INTO usage (user_id, month, count) VALUES ($1, $2, $3)
			ON CONFLICT (user_id, month) DO UPDATE SET count = usage.count + $3
			WHERE $4::integer = 0 OR usage.count + $3 <= $4::integer RETURNING count`,
			user, q.Month, len(counted), q.Limit).Scan(&n)
		switch {
		case err == nil && (q.Limit == 0 || n <= q.Limit):
			for _, i := range counted {
				plain = append(plain, items[i].Analysis)
			}
		case err == nil || errors.Is(err, pgx.ErrNoRows):
			// Not all fit: undo a fresh row's count and go one by one.
			if err == nil {
				if _, err := tx.Exec(ctx, "UPDATE usage SET count = count - $3 WHERE user_id = $1 AND month = $2", user, q.Month, len(counted)); err != nil {
					return fmt.Errorf("postgres: counting usage: %w", err)
				}
			}
			for _, i := range counted {
				c := items[i]
				a := c.Analysis
				tag, err := tx.Exec(ctx, insertCounted, a.ID, a.UserID, a.NoteSHA256, a.Release, a.EngineVersion, a.Profile, a.Cached,
					a.KeyID, a.Summary, a.Record, a.Decisions, a.CreatedAt, c.Quota.Month, c.Quota.Limit)
				if err != nil {
					return fmt.Errorf("postgres: inserting analysis: %w", err)
				}
				if tag.RowsAffected() == 0 {
					c.Analysis, c.Item.AnalysisID, c.Item.ErrorCode = nil, "", string(apperr.QuotaExceeded)
				}
			}
		default:
			return fmt.Errorf("postgres: counting usage: %w", err)
		}
	}
	if len(plain) > 0 {
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"analyses"}, []string{"id", "user_id", "note_sha256", "release", "engine_version",
			"profile", "cached", "key_id", "summary", "record", "decisions", "created_at"},
			pgx.CopyFromSlice(len(plain), func(i int) ([]any, error) {
				a := plain[i]
				return []any{a.ID, a.UserID, a.NoteSHA256, a.Release, a.EngineVersion, a.Profile, a.Cached, a.KeyID,
					a.Summary, a.Record, a.Decisions, a.CreatedAt}, nil
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
	if _, err := db.Batch(ctx, s, batchID); err != nil {
		return err
	}
	rows, err := db.pool.Query(ctx, `SELECT i.seq, i.error_code, i.outcome, `+prefixed("a.", listColumns)+`, a.record
		FROM batch_items i LEFT JOIN analyses a ON a.id = i.analysis_id AND a.user_id = $2
		WHERE i.batch_id = $1 ORDER BY i.seq`, batchID, s.UserID)
	if err != nil {
		return fmt.Errorf("postgres: reading batch outcomes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var it store.BatchItem
		var code, id, note, release, engine, profile, keyID pgtype.Text
		var user pgtype.Int8
		var cached pgtype.Bool
		var created pgtype.Timestamptz
		var a store.Analysis
		err := rows.Scan(&it.Seq, &code, &it.Outcome, &id, &user, &note, &release, &engine, &profile, &cached, &keyID,
			&a.Summary, &a.Decisions, &created, &a.Record)
		if err != nil {
			return fmt.Errorf("postgres: reading batch outcomes: %w", err)
		}
		it.ErrorCode = code.String
		var rec *store.Analysis
		if id.Valid {
			a.ID, a.UserID, a.NoteSHA256, a.Release, a.EngineVersion, a.Profile = id.String, user.Int64, note.String, release.String, engine.String, profile.String
			a.Cached, a.KeyID, a.CreatedAt = cached.Bool, keyID.String, fromNull(created)
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
