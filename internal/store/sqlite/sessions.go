package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// FindSession returns the data of an unexpired session.
func (db *DB) FindSession(ctx context.Context, tokenHash []byte, now time.Time) ([]byte, bool, error) {
	var data []byte
	err := db.readRow(ctx, "SELECT data FROM sessions WHERE token_hash = ? AND expiry > ?", tokenHash, millis(now)).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("sqlite: finding session: %w", err)
	}
	return data, true, nil
}

// CommitSession upserts a session.
func (db *DB) CommitSession(ctx context.Context, tokenHash []byte, userID int64, data []byte, expiry time.Time) error {
	var owner any
	if userID != 0 {
		owner = userID
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, data, expiry) VALUES (?, ?, ?, ?)
			ON CONFLICT (token_hash) DO UPDATE SET user_id = excluded.user_id, data = excluded.data, expiry = excluded.expiry`,
			tokenHash, owner, data, millis(expiry))
		if err != nil {
			return fmt.Errorf("sqlite: saving session: %w", err)
		}
		return nil
	})
}

// DeleteSession removes one session; a missing one is not an error.
func (db *DB) DeleteSession(ctx context.Context, tokenHash []byte) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE token_hash = ?", tokenHash); err != nil {
			return fmt.Errorf("sqlite: deleting session: %w", err)
		}
		return nil
	})
}

// DeleteUserSessions removes all of a user's sessions except keep.
func (db *DB) DeleteUserSessions(ctx context.Context, userID int64, keep []byte) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE user_id = ? AND token_hash IS NOT ?", userID, keep); err != nil {
			return fmt.Errorf("sqlite: deleting sessions: %w", err)
		}
		return nil
	})
}
