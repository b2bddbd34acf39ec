package postgres

import (
	"context"
	"fmt"
	"time"
)

// Hit counts an attempt in the fixed window containing now. Windows are
// aligned to the Unix epoch, as on SQLite, so every instance agrees on them.
func (db *DB) Hit(ctx context.Context, key string, window time.Duration, now time.Time) (int, error) {
	w := window.Milliseconds()
	if w <= 0 {
		return 0, fmt.Errorf("postgres: rate-limit window %v is not positive", window)
	}
	end := time.UnixMilli((now.UnixMilli()/w + 1) * w)
	var n int
	err := db.pool.QueryRow(ctx, `INSERT INTO rate_limits (key, window_end, count) VALUES ($1, $2, 1)
		ON CONFLICT (key, window_end) DO UPDATE SET count = rate_limits.count + 1 RETURNING count`, key, end).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("postgres: counting attempt: %w", err)
	}
	return n, nil
}
