package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/medcode/medcode/internal/store"
)

const auditColumns = "seq, at, org_id, actor_id, action, target, details, prev_hash, hash"

func scanAudit(row pgx.Row) (*store.AuditEntry, error) {
	var e store.AuditEntry
	if err := row.Scan(&e.Seq, &e.At, &e.OrgID, &e.ActorID, &e.Action, &e.Target, &e.Details, &e.PrevHash, &e.Hash); err != nil {
		return nil, err
	}
	e.At = e.At.UTC()
	return &e, nil
}

// AppendAudit appends an entry after the head. The head row's lock orders
// appends from every instance, so entries chain in commit order.
func (db *DB) AppendAudit(ctx context.Context, e *store.AuditEntry, hash func(*store.AuditEntry) []byte) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		var seq int64
		var prev []byte
		if err := tx.QueryRow(ctx, "SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE").Scan(&seq, &prev); err != nil {
			return fmt.Errorf("postgres: reading audit head: %w", err)
		}
		if len(prev) == 0 {
			prev = nil
		}
		e.Seq, e.PrevHash = seq+1, prev
		e.Hash = hash(e)
		// The first entry has no predecessor: an empty, not NULL, hash.
		_, err := tx.Exec(ctx, "INSERT INTO audit_log ("+auditColumns+") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
			e.Seq, e.At, e.OrgID, e.ActorID, e.Action, e.Target, e.Details, append([]byte{}, e.PrevHash...), e.Hash)
		if err != nil {
			return fmt.Errorf("postgres: appending audit entry: %w", err)
		}
		if _, err := tx.Exec(ctx, "UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1", e.Seq, e.Hash); err != nil {
			return fmt.Errorf("postgres: moving audit head: %w", err)
		}
		return nil
	})
}

// auditWhere turns a filter into a WHERE clause and its arguments.
func auditWhere(f store.AuditFilter) (string, []any) {
	var args []any
	p := func(v any) string {
		args = append(args, v)
		return param(len(args))
	}
	org := "org_id = " + p(f.OrgID)
	if f.MemberSignIns && len(f.SignInActions) > 0 {
		org = "(" + org + " OR (org_id = 0 AND action = ANY(" + p(f.SignInActions) + ")" +
			" AND actor_id IN (SELECT user_id FROM org_members WHERE org_id = " + p(f.OrgID) + ")))"
	}
	conds := []string{org}
	if f.ActorID != 0 {
		conds = append(conds, "actor_id = "+p(f.ActorID))
	}
	if _, ok := strings.CutSuffix(f.Action, "."); ok {
		conds = append(conds, "starts_with(action, "+p(f.Action)+")")
	} else if f.Action != "" {
		conds = append(conds, "action = "+p(f.Action))
	}
	if !f.From.IsZero() {
		conds = append(conds, "at >= "+p(f.From))
	}
	if !f.To.IsZero() {
		conds = append(conds, "at < "+p(f.To))
	}
	return strings.Join(conds, " AND "), args
}

// ListAudit returns a page of the filtered entries, newest first.
func (db *DB) ListAudit(ctx context.Context, f store.AuditFilter) ([]store.AuditEntry, int, error) {
	where, args := auditWhere(f)
	var total int
	if err := db.pool.QueryRow(ctx, "SELECT count(*) FROM audit_log WHERE "+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("postgres: counting audit entries: %w", err)
	}
	var limit any // NULL: no limit
	if f.Limit > 0 {
		limit = f.Limit
	}
	n := len(args)
	rows, err := db.pool.Query(ctx, "SELECT "+auditColumns+" FROM audit_log WHERE "+where+" ORDER BY seq DESC LIMIT "+param(n+1)+"::bigint OFFSET "+param(n+2),
		append(args, limit, f.Offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("postgres: listing audit entries: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.AuditEntry, error) {
		e, err := scanAudit(r)
		if err != nil {
			return store.AuditEntry{}, err
		}
		return *e, nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("postgres: listing audit entries: %w", err)
	}
	return out, total, nil
}

// EachAudit streams every entry in sequence order.
func (db *DB) EachAudit(ctx context.Context, fn func(*store.AuditEntry) error) error {
	rows, err := db.pool.Query(ctx, "SELECT "+auditColumns+" FROM audit_log ORDER BY seq")
	if err != nil {
		return fmt.Errorf("postgres: reading audit log: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return fmt.Errorf("postgres: reading audit log: %w", err)
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return rows.Err()
}

// AuditHead returns the last appended entry's sequence number and hash.
func (db *DB) AuditHead(ctx context.Context) (int64, []byte, error) {
	var seq int64
	var hash []byte
	if err := db.pool.QueryRow(ctx, "SELECT seq, hash FROM audit_head WHERE id = 1").Scan(&seq, &hash); err != nil {
		return 0, nil, fmt.Errorf("postgres: reading audit head: %w", err)
	}
	if len(hash) == 0 {
		hash = nil
	}
	return seq, hash, nil
}
