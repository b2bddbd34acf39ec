package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/store"
)

// SetSiteAdmin grants or revokes the site administrator role.
func (db *DB) SetSiteAdmin(ctx context.Context, userID int64, admin bool, at time.Time) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		var one int
		if err := tx.QueryRowContext(ctx, "SELECT 1 FROM users WHERE id = ?", userID).Scan(&one); err != nil {
			return notFound("user", err)
		}
		var err error
		if admin {
			_, err = tx.ExecContext(ctx, "INSERT INTO site_admins (user_id, granted_at) VALUES (?, ?) ON CONFLICT DO NOTHING", userID, millis(at))
		} else {
			_, err = tx.ExecContext(ctx, "DELETE FROM site_admins WHERE user_id = ?", userID)
		}
		if err != nil {
			return fmt.Errorf("sqlite: setting site administrator: %w", err)
		}
		return nil
	})
}

// IsSiteAdmin reports whether the user administers the site.
func (db *DB) IsSiteAdmin(ctx context.Context, userID int64) (bool, error) {
	var n int
	if err := db.read.QueryRowContext(ctx, "SELECT count(*) FROM site_admins WHERE user_id = ?", userID).Scan(&n); err != nil {
		return false, fmt.Errorf("sqlite: reading site administrators: %w", err)
	}
	return n > 0, nil
}

// SiteAdmins lists the administrators by id.
func (db *DB) SiteAdmins(ctx context.Context) ([]store.User, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT "+userCols("u.")+" FROM users u JOIN site_admins a ON a.user_id = u.id ORDER BY u.id")
	if err != nil {
		return nil, fmt.Errorf("sqlite: listing site administrators: %w", err)
	}
	defer rows.Close()
	var out []store.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: listing site administrators: %w", err)
		}
		out = append(out, *u)
	}
	return out, rows.Err()
}

// ChangeEmail sets a new, unconfirmed address.
func (db *DB) ChangeEmail(ctx context.Context, userID int64, email string) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		var other int64
		err := tx.QueryRowContext(ctx, "SELECT id FROM users WHERE email = ?", email).Scan(&other)
		if err == nil && other != userID {
			return apperr.New(apperr.Conflict, "another account uses this email address")
		}
		if err != nil && err != sql.ErrNoRows {
			return fmt.Errorf("sqlite: checking email: %w", err)
		}
		res, err := tx.ExecContext(ctx, "UPDATE users SET email = ?, email_verified_at = 0 WHERE id = ?", email, userID)
		if err != nil {
			return fmt.Errorf("sqlite: changing email: %w", err)
		}
		return affectedOne(res, "user")
	})
}
