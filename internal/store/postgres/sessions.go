package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// FindSession returns the data of an unexpired session.
func (db *DB) FindSession(ctx context.Context, tokenHash []byte, now time.Time) ([]byte, bool, error) {
	var data []byte
	err := db.pool.QueryRow(ctx, "SELECT data FROM sessions WHERE token_hash = $1 AND expiry > $2", tokenHash, now).Scan(&data)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("postgres: finding session: %w", err)
	}
	return data, true, nil
}

// CommitSession upserts a session.
func (db *DB) CommitSession(ctx context.Context, tokenHash []byte, userID int64, data []byte, expiry time.Time) error {
	var owner *int64
	if userID != 0 {
		owner = &userID
	}
	_, err := db.pool.Exec(ctx, `INSERT INTO sessions (token_hash, user_id, data, expiry) VALUES ($1, $2, $3, $4)
		ON CONFLICT (token_hash) DO UPDATE SET user_id = excluded.user_id, data = excluded.data, expiry = excluded.expiry`,
		tokenHash, owner, data, expiry)
	if err != nil {
		return fmt.Errorf("postgres: saving session: %w", err)
	}
	return nil
}

// DeleteSession removes one session; a missing one is not an error.
func (db *DB) DeleteSession(ctx context.Context, tokenHash []byte) error {
	if _, err := db.pool.Exec(ctx, "DELETE FROM sessions WHERE token_hash = $1", tokenHash); err != nil {
		return fmt.Errorf("postgres: deleting session: %w", err)
	}
	return nil
}

// DeleteUserSessions removes all of a user's sessions except keep.
func (db *DB) DeleteUserSessions(ctx context.Context, userID int64, keep []byte) error {
	if _, err := db.pool.Exec(ctx, "DELETE FROM sessions WHERE user_id = $1 AND token_hash IS DISTINCT FROM $2", userID, keep); err != nil {
		return fmt.Errorf("postgres: deleting sessions: %w", err)
	}
	return nil
}
