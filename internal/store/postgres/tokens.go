package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/medcode/medcode/internal/store"
)

// CreateAPIToken stores a token hash.
func (db *DB) CreateAPIToken(ctx context.Context, t *store.APIToken) error {
	err := db.pool.QueryRow(ctx, "INSERT INTO api_tokens (user_id, name, hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
		t.UserID, t.Name, t.Hash, t.CreatedAt).Scan(&t.ID)
	if err != nil {
		return fmt.Errorf("postgres: inserting API token: %w", err)
	}
	return nil
}

// UserByAPIToken returns the owner of a token hash. The last-use time is
// written at most once a minute, so API reads stay reads.
func (db *DB) UserByAPIToken(ctx context.Context, hash []byte, now time.Time) (*store.User, error) {
	var tokenID int64
	var lastUsed pgtype.Timestamptz
	row := db.pool.QueryRow(ctx, "SELECT t.id, t.last_used_at, "+userCols("u.")+
		" FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = $1", hash)
	u, err := scanUser(scanFunc(func(dest ...any) error {
		return row.Scan(append([]any{&tokenID, &lastUsed}, dest...)...)
	}))
	if err != nil {
		return nil, notFound("API token", err)
	}
	if now.Sub(fromNull(lastUsed)) > time.Minute {
		if _, err := db.pool.Exec(ctx, "UPDATE api_tokens SET last_used_at = $2 WHERE id = $1", tokenID, now); err != nil {
			return nil, fmt.Errorf("postgres: recording token use: %w", err)
		}
	}
	return u, nil
}

// CreateOneTimeToken stores an emailed token hash.
func (db *DB) CreateOneTimeToken(ctx context.Context, kind store.OneTimeKind, hash []byte, userID int64, expires time.Time) error {
	_, err := db.pool.Exec(ctx, "INSERT INTO one_time_tokens (hash, kind, user_id, expires_at) VALUES ($1, $2, $3, $4)",
		hash, string(kind), userID, expires)
	if err != nil {
		return fmt.Errorf("postgres: inserting one-time token: %w", err)
	}
	return nil
}

// ConsumeOneTimeToken deletes a valid token and returns its user.
func (db *DB) ConsumeOneTimeToken(ctx context.Context, kind store.OneTimeKind, hash []byte, now time.Time) (int64, error) {
	var userID int64
	err := db.pool.QueryRow(ctx, "DELETE FROM one_time_tokens WHERE hash = $1 AND kind = $2 AND expires_at > $3 RETURNING user_id",
		hash, string(kind), now).Scan(&userID)
	if err != nil {
		return 0, notFound("link", err)
	}
	return userID, nil
}
