package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/medcode/medcode/internal/store"
)

// CreateAPIToken stores a token hash.
func (db *DB) CreateAPIToken(ctx context.Context, t *store.APIToken) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "INSERT INTO api_tokens (user_id, name, hash, created_at) VALUES (?, ?, ?, ?)",
			t.UserID, t.Name, t.Hash, millis(t.CreatedAt))
		if err != nil {
			return fmt.Errorf("sqlite: inserting API token: %w", err)
		}
		t.ID, err = res.LastInsertId()
		return err
	})
}

// UserByAPIToken returns the owner of a token hash. The last-use time is
// written at most once a minute so that API reads stay off the write pool.
func (db *DB) UserByAPIToken(ctx context.Context, hash []byte, now time.Time) (*store.User, error) {
	var tokenID, lastUsed int64
	row := db.readRow(ctx, "SELECT t.id, t.last_used_at, "+userCols("u.")+
		" FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = ?", hash)
	u, err := scanUser(scanFunc(func(dest ...any) error {
		return row.Scan(append([]any{&tokenID, &lastUsed}, dest...)...)
	}))
	if err != nil {
		return nil, notFound("API token", err)
	}
	if now.Sub(fromMillis(lastUsed)) > time.Minute {
		err := db.inTx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, "UPDATE api_tokens SET last_used_at = ? WHERE id = ?", millis(now), tokenID)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("sqlite: recording token use: %w", err)
		}
	}
	return u, nil
}

// CreateOneTimeToken stores an emailed token hash.
func (db *DB) CreateOneTimeToken(ctx context.Context, kind store.OneTimeKind, hash []byte, userID int64, expires time.Time) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO one_time_tokens (hash, kind, user_id, expires_at) VALUES (?, ?, ?, ?)",
			hash, string(kind), userID, millis(expires))
		if err != nil {
			return fmt.Errorf("sqlite: inserting one-time token: %w", err)
		}
		return nil
	})
}

// ConsumeOneTimeToken deletes a valid token and returns its user.
func (db *DB) ConsumeOneTimeToken(ctx context.Context, kind store.OneTimeKind, hash []byte, now time.Time) (int64, error) {
	var userID int64
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, "DELETE FROM one_time_tokens WHERE hash = ? AND kind = ? AND expires_at > ? RETURNING user_id",
			hash, string(kind), millis(now)).Scan(&userID)
		if err != nil {
			return notFound("link", err)
		}
		return nil
	})
	return userID, err
}
