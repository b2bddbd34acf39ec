package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/store"
)

// SetSiteAdmin grants or revokes the site administrator role.
func (db *DB) SetSiteAdmin(ctx context.Context, userID int64, admin bool, at time.Time) error {
	if _, err := db.UserByID(ctx, userID); err != nil {
		return err
	}
	var err error
	if admin {
		_, err = db.pool.Exec(ctx, "INSERT INTO site_admins (user_id, granted_at) VALUES ($1, $2) ON CONFLICT DO NOTHING", userID, at)
	} else {
		_, err = db.pool.Exec(ctx, "DELETE FROM site_admins WHERE user_id = $1", userID)
	}
	if err != nil {
		return fmt.Errorf("postgres: setting site administrator: %w", err)
	}
	return nil
}

// IsSiteAdmin reports whether the user administers the site.
func (db *DB) IsSiteAdmin(ctx context.Context, userID int64) (bool, error) {
	var is bool
	if err := db.pool.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM site_admins WHERE user_id = $1)", userID).Scan(&is); err != nil {
		return false, fmt.Errorf("postgres: reading site administrators: %w", err)
	}
	return is, nil
}

// SiteAdmins lists the administrators by id.
func (db *DB) SiteAdmins(ctx context.Context) ([]store.User, error) {
	rows, err := db.pool.Query(ctx, "SELECT "+userCols("u.")+" FROM users u JOIN site_admins a ON a.user_id = u.id ORDER BY u.id")
	if err != nil {
		return nil, fmt.Errorf("postgres: listing site administrators: %w", err)
	}
	defer rows.Close()
	var out []store.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("postgres: listing site administrators: %w", err)
		}
		out = append(out, *u)
	}
	return out, rows.Err()
}

// ChangeEmail sets a new, unconfirmed address.
func (db *DB) ChangeEmail(ctx context.Context, userID int64, email string) error {
	tag, err := db.pool.Exec(ctx, "UPDATE users SET email = $2, email_verified_at = NULL WHERE id = $1", userID, email)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return apperr.New(apperr.Conflict, "another account uses this email address")
	}
	if err != nil {
		return fmt.Errorf("postgres: changing email: %w", err)
	}
	return affectedOne(tag, "user")
}
