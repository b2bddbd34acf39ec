package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/store"
)

// batchColumns are read from batches b joined to their workspace w.
const batchColumns = "b.id, b.user_id, coalesce(w.org_id, 0), b.mode, b.status, b.total, b.done, b.failed, b.created_at, b.updated_at, b.finished_at"

const batchFrom = " FROM batches b JOIN workspaces w ON w.id = b.workspace_id"

func scanBatch(row scanner) (*store.Batch, error) {
	var b store.Batch
	var mode, status string
	var created, updated, finished int64
	if err := row.Scan(&b.ID, &b.UserID, &b.OrgID, &mode, &status, &b.Total, &b.Done, &b.Failed, &created, &updated, &finished); err != nil {
		return nil, err
	}
	b.Mode, b.Status = store.BatchMode(mode), store.BatchStatus(status)
	b.CreatedAt, b.UpdatedAt, b.FinishedAt = fromMillis(created), fromMillis(updated), fromMillis(finished)
	return &b, nil
}

// CreateBatch inserts b into the workspace of its sender and OrgID.
func (db *DB) CreateBatch(ctx context.Context, b *store.Batch) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		ws, err := db.workspaceID(ctx, tx, store.Scope{UserID: b.UserID, OrgID: b.OrgID})
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO batches (id, workspace_id, user_id, mode, status, total, done, failed, created_at, updated_at, finished_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			b.ID, ws, b.UserID, string(b.Mode), string(b.Status), b.Total, b.Done, b.Failed, millis(b.CreatedAt), millis(b.UpdatedAt), millis(b.FinishedAt))
		if err != nil {
			return fmt.Errorf("sqlite: inserting batch: %w", err)
		}
		return nil
	})
}

// Batch returns one batch of the scope.
func (db *DB) Batch(ctx context.Context, s store.Scope, id string) (*store.Batch, error) {
	q, args := workspaceSQL(s)
	b, err := scanBatch(db.readRow(ctx, "SELECT "+batchColumns+batchFrom+" WHERE b.workspace_id = ("+q+") AND b.id = ?", append(args, id)...))
	if err != nil {
		return nil, notFound("batch", err)
	}
	return b, nil
}

// ListBatches returns the scope's newest batches.
func (db *DB) ListBatches(ctx context.Context, s store.Scope, limit int) ([]store.Batch, error) {
	q, args := workspaceSQL(s)
	rows, err := db.read.QueryContext(ctx, "SELECT "+batchColumns+batchFrom+" WHERE b.workspace_id = ("+q+") ORDER BY b.created_at DESC, b.rowid DESC LIMIT ?",
		append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: listing batches: %w", err)
	}
	defer rows.Close()
	var out []store.Batch
	for rows.Next() {
		b, err := scanBatch(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: listing batches: %w", err)
		}
		out = append(out, *b)
	}
	return out, rows.Err()
}

// AddBatchNotes stores sealed notes of a receiving queued batch.
func (db *DB) AddBatchNotes(ctx context.Context, batchID string, notes []store.BatchNote, now time.Time) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		var mode, status string
		if err := tx.QueryRowContext(ctx, "SELECT mode, status FROM batches WHERE id = ?", batchID).Scan(&mode, &status); err != nil {
			return notFound("batch", err)
		}
		if store.BatchMode(mode) != store.BatchQueued || store.BatchStatus(status) != store.BatchReceiving {
			return fmt.Errorf("sqlite: batch %s is %s %s: notes are kept only for a queued batch while it is received", batchID, mode, status)
		}
		for _, n := range notes {
			if _, err := tx.ExecContext(ctx, "INSERT INTO batch_notes (batch_id, seq, sealed) VALUES (?, ?, ?)", batchID, n.Seq, n.Sealed); err != nil {
				return fmt.Errorf("sqlite: storing batch notes: %w", err)
			}
		}
		_, err := tx.ExecContext(ctx, "UPDATE batches SET total = total + ?, updated_at = ? WHERE id = ?", len(notes), millis(now), batchID)
		return err
	})
}

// PendingBatchNotes returns the notes of a range still waiting.
func (db *DB) PendingBatchNotes(ctx context.Context, batchID string, from, to int) ([]store.BatchNote, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT seq, sealed FROM batch_notes WHERE batch_id = ? AND seq BETWEEN ? AND ? ORDER BY seq",
		batchID, from, to)
	if err != nil {
		return nil, fmt.Errorf("sqlite: reading batch notes: %w", err)
	}
	defer rows.Close()
	var out []store.BatchNote
	for rows.Next() {
		var n store.BatchNote
		if err := rows.Scan(&n.Seq, &n.Sealed); err != nil {
			return nil, fmt.Errorf("sqlite: reading batch notes: %w", err)
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// CompleteBatchItems records outcomes; see store.Batches.
func (db *DB) CompleteBatchItems(ctx context.Context, batchID string, items []store.BatchCompletion, now time.Time) (int, error) {
	recorded := 0
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var mode string
		var sender store.Scope
		err := tx.QueryRowContext(ctx, `SELECT b.mode, b.user_id, coalesce(w.org_id, 0)`+batchFrom+` WHERE b.id = ?`, batchID).
			Scan(&mode, &sender.UserID, &sender.OrgID)
		if err != nil {
			return notFound("batch", err)
		}
		failed := 0
		for i := range items {
			c := &items[i]
			if store.BatchMode(mode) == store.BatchQueued {
				res, err := tx.ExecContext(ctx, "DELETE FROM batch_notes WHERE batch_id = ? AND seq = ?", batchID, c.Item.Seq)
				if err != nil {
					return fmt.Errorf("sqlite: deleting batch note: %w", err)
				}
				if n, _ := res.RowsAffected(); n == 0 {
					continue // another worker recorded this note
				}
			}
			if c.Analysis != nil {
				// The analysis goes to the batch's workspace, by its sender.
				c.Analysis.OrgID, c.Analysis.CreatedBy = sender.OrgID, sender.UserID
				err := db.insertOne(tx, sender, c.Analysis, c.Quota)
				switch {
				case apperr.Is(err, apperr.QuotaExceeded), apperr.Is(err, apperr.NotFound):
					// Over the limit, or the sender left the organization.
					c.Analysis, c.Item.AnalysisID, c.Item.ErrorCode = nil, "", string(apperr.CodeOf(err))
				case err != nil:
					return err
				}
			}
			it := c.Item
			if it.ErrorCode != "" {
				failed++
			}
			_, err := tx.ExecContext(ctx, "INSERT INTO batch_items (batch_id, seq, analysis_id, error_code, outcome) VALUES (?, ?, ?, ?, ?)",
				batchID, it.Seq, nullString(it.AnalysisID), nullString(it.ErrorCode), it.Outcome)
			if err != nil {
				return fmt.Errorf("sqlite: recording batch outcome: %w", err)
			}
			recorded++
		}
		if recorded == 0 {
			return nil
		}
		_, err = tx.ExecContext(ctx, `UPDATE batches SET done = done + ?1, failed = failed + ?2, updated_at = ?3,
			status = CASE WHEN status = 'queued' AND done + ?1 >= total THEN 'done' ELSE status END,
			finished_at = CASE WHEN status = 'queued' AND done + ?1 >= total THEN ?3 ELSE finished_at END
			WHERE id = ?4`, recorded, failed, millis(now), batchID)
		if err != nil {
			return fmt.Errorf("sqlite: counting batch progress: %w", err)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return recorded, nil
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// EndUpload records the end of an upload.
func (db *DB) EndUpload(ctx context.Context, batchID string, total int, complete bool, now time.Time) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		q := `UPDATE batches SET total = ?2, updated_at = ?3,
			status = CASE WHEN done >= ?2 THEN 'done' WHEN mode = 'queued' THEN 'queued' ELSE status END,
			finished_at = CASE WHEN done >= ?2 THEN ?3 ELSE 0 END
			WHERE id = ?1 AND status = 'receiving'`
		if !complete {
			q = `UPDATE batches SET total = ?2, updated_at = ?3, status = 'interrupted', finished_at = ?3
				WHERE id = ?1 AND status = 'receiving'`
		}
		res, err := tx.ExecContext(ctx, q, batchID, total, millis(now))
		if err != nil {
			return fmt.Errorf("sqlite: ending batch upload: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.NotFound, "batch not found or no longer receiving")
		}
		if !complete {
			if _, err := tx.ExecContext(ctx, "DELETE FROM batch_notes WHERE batch_id = ?", batchID); err != nil {
				return fmt.Errorf("sqlite: deleting notes of an interrupted batch: %w", err)
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
	cols := strings.Split(listColumns, ", ")
	q, args := workspaceSQL(s)
	rows, err := db.read.QueryContext(ctx, `SELECT i.seq, i.error_code, i.outcome, a.`+strings.Join(cols, ", a.")+`, a.record
		FROM batch_items i LEFT JOIN analyses a ON a.id = i.analysis_id AND a.workspace_id = (`+q+`)
		WHERE i.batch_id = ? ORDER BY i.seq`, append(args, batchID)...)
	if err != nil {
		return fmt.Errorf("sqlite: reading batch outcomes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var it store.BatchItem
		// The analysis columns are NULL when the note was refused or its
		// analysis deleted.
		var code, id, note, release, engine, profile, variant, keyID sql.NullString
		var createdBy, noteExpires, created sql.NullInt64
		var cached sql.NullBool
		var a store.Analysis
		err := rows.Scan(&it.Seq, &code, &it.Outcome, &id, &createdBy, &note, &release, &engine, &profile, &variant, &cached, &keyID,
			&a.Summary, &a.Decisions, &noteExpires, &created, &a.Record)
		if err != nil {
			return fmt.Errorf("sqlite: reading batch outcomes: %w", err)
		}
		it.ErrorCode = code.String
		var rec *store.Analysis
		if id.Valid {
			a.ID, a.OrgID, a.CreatedBy, a.NoteSHA256, a.Release, a.EngineVersion, a.Profile, a.Variant =
				id.String, b.OrgID, createdBy.Int64, note.String, release.String, engine.String, profile.String, variant.String
			a.Cached, a.KeyID, a.NoteExpiresAt, a.CreatedAt = cached.Bool, keyID.String, fromMillis(noteExpires.Int64), fromMillis(created.Int64)
			it.AnalysisID, rec = a.ID, &a
		}
		more, err := fn(&it, rec)
		if err != nil || !more {
			return err
		}
	}
	return rows.Err()
}

// InterruptStaleBatches gives up on uploads that stopped moving.
func (db *DB) InterruptStaleBatches(ctx context.Context, before, now time.Time) (int, error) {
	n := 0
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `UPDATE batches SET status = 'interrupted', finished_at = ?2, updated_at = ?2
			WHERE status = 'receiving' AND updated_at < ?1 RETURNING id`, millis(before), millis(now))
		if err != nil {
			return fmt.Errorf("sqlite: interrupting stale batches: %w", err)
		}
		var ids []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return fmt.Errorf("sqlite: interrupting stale batches: %w", err)
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("sqlite: interrupting stale batches: %w", err)
		}
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, "DELETE FROM batch_notes WHERE batch_id = ?", id); err != nil {
				return fmt.Errorf("sqlite: deleting notes of stale batches: %w", err)
			}
		}
		n = len(ids)
		return nil
	})
	return n, err
}
