package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/medcode/medcode/internal/store"
)

const auditColumns = "seq, at, org_id, actor_id, action, target, details, prev_hash, hash"

func scanAudit(row scanner) (*store.AuditEntry, error) {
	var e store.AuditEntry
	var at int64
	if err := row.Scan(&e.Seq, &at, &e.OrgID, &e.ActorID, &e.Action, &e.Target, &e.Details, &e.PrevHash, &e.Hash); err != nil {
		return nil, err
	}
	e.At = fromMillis(at)
	return &e, nil
}

// AppendAudit appends an entry after the head, in the writer's turn, so
// entries chain in commit order.
func (db *DB) AppendAudit(ctx context.Context, e *store.AuditEntry, hash func(*store.AuditEntry) []byte) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		var seq int64
		var prev []byte
		if err := tx.QueryRowContext(ctx, "SELECT seq, hash FROM audit_head WHERE id = 1").Scan(&seq, &prev); err != nil {
			return fmt.Errorf("sqlite: reading audit head: %w", err)
		}
		e.Seq, e.PrevHash = seq+1, prev
		e.Hash = hash(e)
		// The first entry has no predecessor: an empty, not NULL, hash.
		_, err := tx.ExecContext(ctx, "INSERT INTO audit_log ("+auditColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
			e.Seq, millis(e.At), e.OrgID, e.ActorID, e.Action, e.Target, e.Details, append([]byte{}, e.PrevHash...), e.Hash)
		if err != nil {
			return fmt.Errorf("sqlite: appending audit entry: %w", err)
		}
		if _, err := tx.ExecContext(ctx, "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", e.Seq, e.Hash); err != nil {
			return fmt.Errorf("sqlite: moving audit head: %w", err)
		}
		return nil
	})
}

// auditWhere turns a filter into a WHERE clause and its arguments.
func auditWhere(f store.AuditFilter) (string, []any) {
	org := "org_id = ?"
	args := []any{f.OrgID}
	if f.MemberSignIns && len(f.SignInActions) > 0 {
		org = "(org_id = ? OR (org_id = 0 AND action IN (?" + strings.Repeat(", ?", len(f.SignInActions)-1) +
			") AND actor_id IN (SELECT user_id FROM org_members WHERE org_id = ?)))"
		for _, a := range f.SignInActions {
			args = append(args, a)
		}
		args = append(args, f.OrgID)
	}
	conds := []string{org}
	if f.ActorID != 0 {
		conds = append(conds, "actor_id = ?")
		args = append(args, f.ActorID)
	}
	if prefix, ok := strings.CutSuffix(f.Action, "."); ok {
		conds = append(conds, "substr(action, 1, ?) = ?")
		args = append(args, len(prefix)+1, prefix+".")
	} else if f.Action != "" {
		conds = append(conds, "action = ?")
		args = append(args, f.Action)
	}
	if !f.From.IsZero() {
		conds = append(conds, "at >= ?")
		args = append(args, millis(f.From))
	}
	if !f.To.IsZero() {
		conds = append(conds, "at < ?")
		args = append(args, millis(f.To))
	}
	return strings.Join(conds, " AND "), args
}

// ListAudit returns a page of the filtered entries, newest first.
func (db *DB) ListAudit(ctx context.Context, f store.AuditFilter) ([]store.AuditEntry, int, error) {
	where, args := auditWhere(f)
	var total int
	if err := db.read.QueryRowContext(ctx, "SELECT count(*) FROM audit_log WHERE "+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("sqlite: counting audit entries: %w", err)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	rows, err := db.read.QueryContext(ctx, "SELECT "+auditColumns+" FROM audit_log WHERE "+where+" ORDER BY seq DESC LIMIT ? OFFSET ?",
		append(args, limit, f.Offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("sqlite: listing audit entries: %w", err)
	}
	defer rows.Close()
	var out []store.AuditEntry
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("sqlite: listing audit entries: %w", err)
		}
		out = append(out, *e)
	}
	return out, total, rows.Err()
}

// EachAudit streams every entry in sequence order.
func (db *DB) EachAudit(ctx context.Context, fn func(*store.AuditEntry) error) error {
	rows, err := db.read.QueryContext(ctx, "SELECT "+auditColumns+" FROM audit_log ORDER BY seq")
	if err != nil {
		return fmt.Errorf("sqlite: reading audit log: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return fmt.Errorf("sqlite: reading audit log: %w", err)
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
	if err := db.readRow(ctx, "SELECT seq, hash FROM audit_head WHERE id = 1").Scan(&seq, &hash); err != nil {
		return 0, nil, fmt.Errorf("sqlite: reading audit head: %w", err)
	}
	if len(hash) == 0 {
		hash = nil
	}
	return seq, hash, nil
}
