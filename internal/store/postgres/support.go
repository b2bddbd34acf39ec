package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/medcode/medcode/internal/store"
)

const threadColumns = `t.id, t.user_id, t.kind, t.analysis_id, t.subject, t.key_id, t.status, t.created_at, t.updated_at,
	(SELECT count(*) FROM support_messages m WHERE m.thread_id = t.id)`

func scanThread(row pgx.Row) (*store.SupportThread, error) {
	var t store.SupportThread
	var kind, status string
	if err := row.Scan(&t.ID, &t.UserID, &kind, &t.AnalysisID, &t.Subject, &t.KeyID, &status, &t.CreatedAt, &t.UpdatedAt, &t.Messages); err != nil {
		return nil, err
	}
	t.Kind, t.Status = store.SupportKind(kind), store.SupportStatus(status)
	t.CreatedAt, t.UpdatedAt = t.CreatedAt.UTC(), t.UpdatedAt.UTC()
	return &t, nil
}

func (db *DB) queryThreads(ctx context.Context, q string, args ...any) ([]store.SupportThread, error) {
	rows, err := db.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: listing support threads: %w", err)
	}
	defer rows.Close()
	var out []store.SupportThread
	for rows.Next() {
		t, err := scanThread(rows)
		if err != nil {
			return nil, fmt.Errorf("postgres: listing support threads: %w", err)
		}
		out = append(out, *t)
	}
	return out, rows.Err()
}

func insertMessage(ctx context.Context, tx pgx.Tx, m *store.SupportMessage) error {
	err := tx.QueryRow(ctx, `INSERT INTO support_messages (thread_id, author_id, staff, body, key_id, created_at)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, m.ThreadID, nullID(m.AuthorID), m.Staff, m.Body, m.KeyID, m.CreatedAt).Scan(&m.ID)
	if err != nil {
		return fmt.Errorf("postgres: inserting support message: %w", err)
	}
	return nil
}

// CreateSupportThread inserts a thread with its first message.
func (db *DB) CreateSupportThread(ctx context.Context, t *store.SupportThread, first *store.SupportMessage) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO support_threads (user_id, kind, analysis_id, subject, key_id, status, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id`, t.UserID, string(t.Kind), t.AnalysisID, t.Subject, t.KeyID,
			string(t.Status), t.CreatedAt).Scan(&t.ID)
		if err != nil {
			return fmt.Errorf("postgres: inserting support thread: %w", err)
		}
		t.UpdatedAt, t.Messages = t.CreatedAt, 1
		first.ThreadID = t.ID
		return insertMessage(ctx, tx, first)
	})
}

// UserSupportThread returns one thread of userID.
func (db *DB) UserSupportThread(ctx context.Context, userID, id int64) (*store.SupportThread, error) {
	t, err := scanThread(db.pool.QueryRow(ctx, "SELECT "+threadColumns+" FROM support_threads t WHERE t.id = $1 AND t.user_id = $2", id, userID))
	if err != nil {
		return nil, notFound("support thread", err)
	}
	return t, nil
}

// SupportThread returns any thread.
func (db *DB) SupportThread(ctx context.Context, id int64) (*store.SupportThread, error) {
	t, err := scanThread(db.pool.QueryRow(ctx, "SELECT "+threadColumns+" FROM support_threads t WHERE t.id = $1", id))
	if err != nil {
		return nil, notFound("support thread", err)
	}
	return t, nil
}

// UserSupportThreads lists a user's threads, latest activity first.
func (db *DB) UserSupportThreads(ctx context.Context, userID int64) ([]store.SupportThread, error) {
	return db.queryThreads(ctx, "SELECT "+threadColumns+" FROM support_threads t WHERE t.user_id = $1 ORDER BY t.updated_at DESC, t.id DESC", userID)
}

// SupportQueue lists threads with status, longest waiting first.
func (db *DB) SupportQueue(ctx context.Context, status store.SupportStatus, limit int) ([]store.SupportThread, error) {
	return db.queryThreads(ctx, "SELECT "+threadColumns+" FROM support_threads t WHERE t.status = $1 ORDER BY t.updated_at, t.id LIMIT $2",
		string(status), limit)
}

// SupportMessages lists a thread's messages in order.
func (db *DB) SupportMessages(ctx context.Context, threadID int64) ([]store.SupportMessage, error) {
	rows, err := db.pool.Query(ctx, `SELECT id, thread_id, author_id, staff, body, key_id, created_at
		FROM support_messages WHERE thread_id = $1 ORDER BY id`, threadID)
	if err != nil {
		return nil, fmt.Errorf("postgres: listing support messages: %w", err)
	}
	defer rows.Close()
	var out []store.SupportMessage
	for rows.Next() {
		var m store.SupportMessage
		var author pgtype.Int8
		if err := rows.Scan(&m.ID, &m.ThreadID, &author, &m.Staff, &m.Body, &m.KeyID, &m.CreatedAt); err != nil {
			return nil, fmt.Errorf("postgres: listing support messages: %w", err)
		}
		m.AuthorID, m.CreatedAt = author.Int64, m.CreatedAt.UTC()
		out = append(out, m)
	}
	return out, rows.Err()
}

// AddSupportMessage appends a message and sets the thread's status.
func (db *DB) AddSupportMessage(ctx context.Context, m *store.SupportMessage, status store.SupportStatus) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, "UPDATE support_threads SET status = $2, updated_at = $3 WHERE id = $1", m.ThreadID, string(status), m.CreatedAt)
		if err != nil {
			return fmt.Errorf("postgres: updating support thread: %w", err)
		}
		if err := affectedOne(tag, "support thread"); err != nil {
			return err
		}
		return insertMessage(ctx, tx, m)
	})
}

// SetSupportStatus changes a thread's status.
func (db *DB) SetSupportStatus(ctx context.Context, threadID int64, status store.SupportStatus, at time.Time) error {
	tag, err := db.pool.Exec(ctx, "UPDATE support_threads SET status = $2, updated_at = $3 WHERE id = $1", threadID, string(status), at)
	if err != nil {
		return fmt.Errorf("postgres: updating support thread: %w", err)
	}
	return affectedOne(tag, "support thread")
}

// ResealSupport re-encrypts subjects and bodies not sealed with activeKey.
func (db *DB) ResealSupport(ctx context.Context, activeKey string, reseal func(userID int64, blob []byte) ([]byte, error)) (int, error) {
	n := 0
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		for _, q := range []struct{ sel, upd string }{
			{"SELECT id, user_id, subject FROM support_threads WHERE key_id <> $1 FOR UPDATE",
				"UPDATE support_threads SET subject = $2, key_id = $3 WHERE id = $1"},
			{`SELECT m.id, t.user_id, m.body FROM support_messages m JOIN support_threads t ON t.id = m.thread_id
				WHERE m.key_id <> $1 FOR UPDATE OF m`, "UPDATE support_messages SET body = $2, key_id = $3 WHERE id = $1"},
		} {
			type row struct {
				id, user int64
				blob     []byte
			}
			rows, err := tx.Query(ctx, q.sel, activeKey)
			if err != nil {
				return fmt.Errorf("postgres: reading support blobs: %w", err)
			}
			stale, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
				var x row
				err := r.Scan(&x.id, &x.user, &x.blob)
				return x, err
			})
			if err != nil {
				return fmt.Errorf("postgres: reading support blobs: %w", err)
			}
			for _, r := range stale {
				blob, err := reseal(r.user, r.blob)
				if err != nil {
					return err
				}
				if _, err := tx.Exec(ctx, q.upd, r.id, blob, activeKey); err != nil {
					return fmt.Errorf("postgres: resealing support blob: %w", err)
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
