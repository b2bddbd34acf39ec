package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/medcode/medcode/internal/store"
)

const noticeColumns = "id, kind, title, body, essential, email, starts_at, ends_at, created_by, created_at, emailed_through, emailed_at"

func scanNotice(row scanner) (*store.Notice, error) {
	var n store.Notice
	var starts, ends, created, emailed int64
	var by sql.NullInt64
	if err := row.Scan(&n.ID, &n.Kind, &n.Title, &n.Body, &n.Essential, &n.Email, &starts, &ends, &by, &created,
		&n.EmailedThrough, &emailed); err != nil {
		return nil, err
	}
	n.StartsAt, n.EndsAt, n.CreatedAt, n.EmailedAt = fromMillis(starts), fromMillis(ends), fromMillis(created), fromMillis(emailed)
	n.CreatedBy = by.Int64
	return &n, nil
}

func (db *DB) queryNotices(ctx context.Context, q string, args ...any) ([]store.Notice, error) {
	rows, err := db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: listing notices: %w", err)
	}
	defer rows.Close()
	var out []store.Notice
	for rows.Next() {
		n, err := scanNotice(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: listing notices: %w", err)
		}
		out = append(out, *n)
	}
	return out, rows.Err()
}

// nullID stores user id 0 (medcode itself, or a deleted account) as NULL.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// CreateNotice inserts n and sets n.ID.
func (db *DB) CreateNotice(ctx context.Context, n *store.Notice) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO notices (kind, title, body, essential, email, starts_at, ends_at, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, n.Kind, n.Title, n.Body, n.Essential, n.Email, millis(n.StartsAt), millis(n.EndsAt),
			nullID(n.CreatedBy), millis(n.CreatedAt))
		if err != nil {
			return fmt.Errorf("sqlite: inserting notice: %w", err)
		}
		n.ID, err = res.LastInsertId()
		return err
	})
}

// Notice returns one notice.
func (db *DB) Notice(ctx context.Context, id int64) (*store.Notice, error) {
	n, err := scanNotice(db.read.QueryRowContext(ctx, "SELECT "+noticeColumns+" FROM notices WHERE id = ?", id))
	if err != nil {
		return nil, notFound("notice", err)
	}
	return n, nil
}

// ListNotices returns the newest notices first.
func (db *DB) ListNotices(ctx context.Context, limit int) ([]store.Notice, error) {
	return db.queryNotices(ctx, "SELECT "+noticeColumns+" FROM notices ORDER BY id DESC LIMIT ?", limit)
}

// ActiveNotices returns the notices shown at now that userID has not
// dismissed.
func (db *DB) ActiveNotices(ctx context.Context, userID int64, now time.Time) ([]store.Notice, error) {
	ms := millis(now)
	return db.queryNotices(ctx, "SELECT "+noticeColumns+` FROM notices
		WHERE starts_at <= ? AND (ends_at = 0 OR ends_at > ?)
		AND id NOT IN (SELECT notice_id FROM notice_dismissals WHERE user_id = ?)
		ORDER BY starts_at, id`, ms, ms, userID)
}

// EndNotice stops showing a notice from at on.
func (db *DB) EndNotice(ctx context.Context, id int64, at time.Time) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE notices SET ends_at = ? WHERE id = ?", millis(at), id)
		if err != nil {
			return fmt.Errorf("sqlite: ending notice: %w", err)
		}
		return affectedOne(res, "notice")
	})
}

// DismissNotice hides a notice from one user.
func (db *DB) DismissNotice(ctx context.Context, userID, noticeID int64) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		var one int
		if err := tx.QueryRowContext(ctx, "SELECT 1 FROM notices WHERE id = ?", noticeID).Scan(&one); err != nil {
			return notFound("notice", err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO notice_dismissals (user_id, notice_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
			userID, noticeID); err != nil {
			return fmt.Errorf("sqlite: dismissing notice: %w", err)
		}
		return nil
	})
}

// RecordNoticeEmails records how far a notice's emails are queued.
func (db *DB) RecordNoticeEmails(ctx context.Context, id, through int64, done time.Time) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE notices SET emailed_through = ?, emailed_at = ? WHERE id = ?", through, millis(done), id)
		if err != nil {
			return fmt.Errorf("sqlite: recording notice emails: %w", err)
		}
		return affectedOne(res, "notice")
	})
}

// NoticeRecipients returns the next recipients in user-id order.
func (db *DB) NoticeRecipients(ctx context.Context, after int64, limit int, essential bool) ([]store.Recipient, error) {
	q := "SELECT id, email FROM users WHERE id > ?"
	if !essential {
		q += " AND email_verified_at != 0 AND id NOT IN (SELECT user_id FROM notice_opt_outs)"
	}
	rows, err := db.read.QueryContext(ctx, q+" ORDER BY id LIMIT ?", after, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: listing recipients: %w", err)
	}
	defer rows.Close()
	var out []store.Recipient
	for rows.Next() {
		var r store.Recipient
		if err := rows.Scan(&r.UserID, &r.Email); err != nil {
			return nil, fmt.Errorf("sqlite: listing recipients: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// SetNoticeOptOut turns a user's non-essential notice emails off or on.
func (db *DB) SetNoticeOptOut(ctx context.Context, userID int64, optOut bool, at time.Time) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if optOut {
			_, err = tx.ExecContext(ctx, "INSERT INTO notice_opt_outs (user_id, at) VALUES (?, ?) ON CONFLICT DO NOTHING", userID, millis(at))
		} else {
			_, err = tx.ExecContext(ctx, "DELETE FROM notice_opt_outs WHERE user_id = ?", userID)
		}
		if err != nil {
			return fmt.Errorf("sqlite: setting notice opt-out: %w", err)
		}
		return nil
	})
}

// NoticeOptOut is when the user opted out of notice emails, zero if not.
func (db *DB) NoticeOptOut(ctx context.Context, userID int64) (time.Time, error) {
	var at int64
	err := db.read.QueryRowContext(ctx, "SELECT at FROM notice_opt_outs WHERE user_id = ?", userID).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("sqlite: reading notice opt-out: %w", err)
	}
	return fromMillis(at), nil
}
