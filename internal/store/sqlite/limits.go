package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Hit counts an attempt in the fixed window containing now.
func (db *DB) Hit(ctx context.Context, key string, window time.Duration, now time.Time) (int, error) {
	w := window.Milliseconds()
	if w <= 0 {
		return 0, fmt.Errorf("sqlite: rate-limit window %v is not positive", window)
	}
	end := (now.UnixMilli()/w + 1) * w
	var n int
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO rate_limits (key, window_end, count) VALUES (?, ?, 1)
			ON CONFLICT (key, window_end) DO UPDATE SET count = count + 1 RETURNING count`, key, end).Scan(&n)
	})
	if err != nil {
		return 0, fmt.Errorf("sqlite: counting attempt: %w", err)
	}
	return n, nil
}
