package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/medcode/medcode/internal/store"
)

const threadColumns = `t.id, t.user_id, t.kind, t.analysis_id, t.subject, t.key_id, t.status, t.created_at, t.updated_at,
	(SELECT count(*) FROM support_messages m WHERE m.thread_id = t.id)`

func scanThread(row scanner) (*store.SupportThread, error) {
	var t store.SupportThread
	var kind, status string
	var created, updated int64
	if err := row.Scan(&t.ID, &t.UserID, &kind, &t.AnalysisID, &t.Subject, &t.KeyID, &status, &created, &updated, &t.Messages); err != nil {
		return nil, err
	}
	t.Kind, t.Status = store.SupportKind(kind), store.SupportStatus(status)
	t.CreatedAt, t.UpdatedAt = fromMillis(created), fromMillis(updated)
	return &t, nil
}

func (db *DB) queryThreads(ctx context.Context, q string, args ...any) ([]store.SupportThread, error) {
	rows, err := db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: listing support threads: %w", err)
	}
	defer rows.Close()
	var out []store.SupportThread
	for rows.Next() {
		t, err := scanThread(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: listing support threads: %w", err)
		}
		out = append(out, *t)
	}
	return out, rows.Err()
}

func insertMessage(ctx context.Context, tx *sql.Tx, m *store.SupportMessage) error {
	res, err := tx.ExecContext(ctx, `INSERT INTO support_messages (thread_id, author_id, staff, body, key_id, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, m.ThreadID, nullID(m.AuthorID), m.Staff, m.Body, m.KeyID, millis(m.CreatedAt))
	if err != nil {
		return fmt.Errorf("sqlite: inserting support message: %w", err)
	}
	m.ID, err = res.LastInsertId()
	return err
}

// CreateSupportThread inserts a thread with its first message.
func (db *DB) CreateSupportThread(ctx context.Context, t *store.SupportThread, first *store.SupportMessage) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO support_threads (user_id, kind, analysis_id, subject, key_id, status, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, t.UserID, string(t.Kind), t.AnalysisID, t.Subject, t.KeyID, string(t.Status),
			millis(t.CreatedAt), millis(t.CreatedAt))
		if err != nil {
			return fmt.Errorf("sqlite: inserting support thread: %w", err)
		}
		if t.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		t.UpdatedAt, t.Messages = t.CreatedAt, 1
		first.ThreadID = t.ID
		return insertMessage(ctx, tx, first)
	})
}

// UserSupportThread returns one thread of userID.
func (db *DB) UserSupportThread(ctx context.Context, userID, id int64) (*store.SupportThread, error) {
	t, err := scanThread(db.read.QueryRowContext(ctx, "SELECT "+threadColumns+" FROM support_threads t WHERE t.id = ? AND t.user_id = ?", id, userID))
	if err != nil {
		return nil, notFound("support thread", err)
	}
	return t, nil
}

// SupportThread returns any thread.
func (db *DB) SupportThread(ctx context.Context, id int64) (*store.SupportThread, error) {
	t, err := scanThread(db.read.QueryRowContext(ctx, "SELECT "+threadColumns+" FROM support_threads t WHERE t.id = ?", id))
	if err != nil {
		return nil, notFound("support thread", err)
	}
	return t, nil
}

// UserSupportThreads lists a user's threads, latest activity first.
func (db *DB) UserSupportThreads(ctx context.Context, userID int64) ([]store.SupportThread, error) {
	return db.queryThreads(ctx, "SELECT "+threadColumns+" FROM support_threads t WHERE t.user_id = ? ORDER BY t.updated_at DESC, t.id DESC", userID)
}

// SupportQueue lists threads with status, longest waiting first.
func (db *DB) SupportQueue(ctx context.Context, status store.SupportStatus, limit int) ([]store.SupportThread, error) {
	return db.queryThreads(ctx, "SELECT "+threadColumns+" FROM support_threads t WHERE t.status = ? ORDER BY t.updated_at, t.id LIMIT ?",
		string(status), limit)
}

// SupportMessages lists a thread's messages in order.
func (db *DB) SupportMessages(ctx context.Context, threadID int64) ([]store.SupportMessage, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id, thread_id, author_id, staff, body, key_id, created_at
		FROM support_messages WHERE thread_id = ? ORDER BY id`, threadID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: listing support messages: %w", err)
	}
	defer rows.Close()
	var out []store.SupportMessage
	for rows.Next() {
		var m store.SupportMessage
		var author sql.NullInt64
		var at int64
		if err := rows.Scan(&m.ID, &m.ThreadID, &author, &m.Staff, &m.Body, &m.KeyID, &at); err != nil {
			return nil, fmt.Errorf("sqlite: listing support messages: %w", err)
		}
		m.AuthorID, m.CreatedAt = author.Int64, fromMillis(at)
		out = append(out, m)
	}
	return out, rows.Err()
}

// AddSupportMessage appends a message and sets the thread's status.
func (db *DB) AddSupportMessage(ctx context.Context, m *store.SupportMessage, status store.SupportStatus) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE support_threads SET status = ?, updated_at = ? WHERE id = ?",
			string(status), millis(m.CreatedAt), m.ThreadID)
		if err != nil {
			return fmt.Errorf("sqlite: updating support thread: %w", err)
		}
		if err := affectedOne(res, "support thread"); err != nil {
			return err
		}
		return insertMessage(ctx, tx, m)
	})
}

// SetSupportStatus changes a thread's status.
func (db *DB) SetSupportStatus(ctx context.Context, threadID int64, status store.SupportStatus, at time.Time) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE support_threads SET status = ?, updated_at = ? WHERE id = ?", string(status), millis(at), threadID)
		if err != nil {
			return fmt.Errorf("sqlite: updating support thread: %w", err)
		}
		return affectedOne(res, "support thread")
	})
}

// ResealSupport re-encrypts subjects and bodies not sealed with activeKey.
func (db *DB) ResealSupport(ctx context.Context, activeKey string, reseal func(userID int64, blob []byte) ([]byte, error)) (int, error) {
	n := 0
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		for _, q := range []struct{ sel, upd string }{
			{"SELECT id, user_id, subject FROM support_threads WHERE key_id != ?", "UPDATE support_threads SET subject = ?, key_id = ? WHERE id = ?"},
			{`SELECT m.id, t.user_id, m.body FROM support_messages m JOIN support_threads t ON t.id = m.thread_id WHERE m.key_id != ?`,
				"UPDATE support_messages SET body = ?, key_id = ? WHERE id = ?"},
		} {
			type row struct {
				id, user int64
				blob     []byte
			}
			var stale []row
			rows, err := tx.QueryContext(ctx, q.sel, activeKey)
			if err != nil {
				return fmt.Errorf("sqlite: reading support blobs: %w", err)
			}
			for rows.Next() {
				var r row
				if err := rows.Scan(&r.id, &r.user, &r.blob); err != nil {
					rows.Close()
					return fmt.Errorf("sqlite: reading support blobs: %w", err)
				}
				stale = append(stale, r)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return fmt.Errorf("sqlite: reading support blobs: %w", err)
			}
			for _, r := range stale {
				blob, err := reseal(r.user, r.blob)
				if err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, q.upd, blob, activeKey, r.id); err != nil {
					return fmt.Errorf("sqlite: resealing support blob: %w", err)
				}
				n++
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}
