package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/medcode/medcode/internal/store"
)

const noticeColumns = "id, kind, title, body, essential, email, starts_at, ends_at, created_by, created_at, emailed_through, emailed_at"

func scanNotice(row pgx.Row) (*store.Notice, error) {
	var n store.Notice
	var ends, emailed pgtype.Timestamptz
	var by pgtype.Int8
	if err := row.Scan(&n.ID, &n.Kind, &n.Title, &n.Body, &n.Essential, &n.Email, &n.StartsAt, &ends, &by, &n.CreatedAt,
		&n.EmailedThrough, &emailed); err != nil {
		return nil, err
	}
	n.StartsAt, n.CreatedAt = n.StartsAt.UTC(), n.CreatedAt.UTC()
	n.EndsAt, n.EmailedAt = fromNull(ends), fromNull(emailed)
	n.CreatedBy = by.Int64
	return &n, nil
}

func (db *DB) queryNotices(ctx context.Context, q string, args ...any) ([]store.Notice, error) {
	rows, err := db.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: listing notices: %w", err)
	}
	defer rows.Close()
	var out []store.Notice
	for rows.Next() {
		n, err := scanNotice(rows)
		if err != nil {
			return nil, fmt.Errorf("postgres: listing notices: %w", err)
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
	err := db.pool.QueryRow(ctx, `INSERT INTO notices (kind, title, body, essential, email, starts_at, ends_at, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`, n.Kind, n.Title, n.Body, n.Essential, n.Email, n.StartsAt,
		nullTime(n.EndsAt), nullID(n.CreatedBy), n.CreatedAt).Scan(&n.ID)
	if err != nil {
		return fmt.Errorf("postgres: inserting notice: %w", err)
	}
	return nil
}

// Notice returns one notice.
func (db *DB) Notice(ctx context.Context, id int64) (*store.Notice, error) {
	n, err := scanNotice(db.pool.QueryRow(ctx, "SELECT "+noticeColumns+" FROM notices WHERE id = $1", id))
	if err != nil {
		return nil, notFound("notice", err)
	}
	return n, nil
}

// ListNotices returns the newest notices first.
func (db *DB) ListNotices(ctx context.Context, limit int) ([]store.Notice, error) {
	return db.queryNotices(ctx, "SELECT "+noticeColumns+" FROM notices ORDER BY id DESC LIMIT $1", limit)
}

// ActiveNotices returns the notices shown at now that userID has not
// dismissed.
func (db *DB) ActiveNotices(ctx context.Context, userID int64, now time.Time) ([]store.Notice, error) {
	return db.queryNotices(ctx, "SELECT "+noticeColumns+` FROM notices n
		WHERE starts_at <= $1 AND (ends_at IS NULL OR ends_at > $1)
		AND NOT EXISTS (SELECT 1 FROM notice_dismissals d WHERE d.notice_id = n.id AND d.user_id = $2)
		ORDER BY starts_at, id`, now, userID)
}

// EndNotice stops showing a notice from at on.
func (db *DB) EndNotice(ctx context.Context, id int64, at time.Time) error {
	tag, err := db.pool.Exec(ctx, "UPDATE notices SET ends_at = $2 WHERE id = $1", id, at)
	if err != nil {
		return fmt.Errorf("postgres: ending notice: %w", err)
	}
	return affectedOne(tag, "notice")
}

// DismissNotice hides a notice from one user.
func (db *DB) DismissNotice(ctx context.Context, userID, noticeID int64) error {
	tag, err := db.pool.Exec(ctx, `INSERT INTO notice_dismissals (user_id, notice_id)
		SELECT $1, id FROM notices WHERE id = $2 ON CONFLICT DO NOTHING`, userID, noticeID)
	if err != nil {
		return fmt.Errorf("postgres: dismissing notice: %w", err)
	}
	if tag.RowsAffected() == 0 {
		// Already dismissed, or no such notice.
		if _, err := db.Notice(ctx, noticeID); err != nil {
			return err
		}
	}
	return nil
}

// RecordNoticeEmails records how far a notice's emails are queued.
func (db *DB) RecordNoticeEmails(ctx context.Context, id, through int64, done time.Time) error {
	tag, err := db.pool.Exec(ctx, "UPDATE notices SET emailed_through = $2, emailed_at = $3 WHERE id = $1", id, through, nullTime(done))
	if err != nil {
		return fmt.Errorf("postgres: recording notice emails: %w", err)
	}
	return affectedOne(tag, "notice")
}

// NoticeRecipients returns the next recipients in user-id order.
func (db *DB) NoticeRecipients(ctx context.Context, after int64, limit int, essential bool) ([]store.Recipient, error) {
	q := "SELECT id, email FROM users u WHERE id > $1"
	if !essential {
		q += " AND email_verified_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM notice_opt_outs o WHERE o.user_id = u.id)"
	}
	rows, err := db.pool.Query(ctx, q+" ORDER BY id LIMIT $2", after, limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: listing recipients: %w", err)
	}
	defer rows.Close()
	var out []store.Recipient
	for rows.Next() {
		var r store.Recipient
		if err := rows.Scan(&r.UserID, &r.Email); err != nil {
			return nil, fmt.Errorf("postgres: listing recipients: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// SetNoticeOptOut turns a user's non-essential notice emails off or on.
func (db *DB) SetNoticeOptOut(ctx context.Context, userID int64, optOut bool, at time.Time) error {
	var err error
	if optOut {
		_, err = db.pool.Exec(ctx, "INSERT INTO notice_opt_outs (user_id, at) VALUES ($1, $2) ON CONFLICT DO NOTHING", userID, at)
	} else {
		_, err = db.pool.Exec(ctx, "DELETE FROM notice_opt_outs WHERE user_id = $1", userID)
	}
	if err != nil {
		return fmt.Errorf("postgres: setting notice opt-out: %w", err)
	}
	return nil
}

// NoticeOptOut is when the user opted out of notice emails, zero if not.
func (db *DB) NoticeOptOut(ctx context.Context, userID int64) (time.Time, error) {
	var at time.Time
	err := db.pool.QueryRow(ctx, "SELECT at FROM notice_opt_outs WHERE user_id = $1", userID).Scan(&at)
	if errors.Is(err, pgx.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("postgres: reading notice opt-out: %w", err)
	}
	return at.UTC(), nil
}
