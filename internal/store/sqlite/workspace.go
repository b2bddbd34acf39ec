package sqlite

import (
	"context"
	"database/sql"

	"github.com/medcode/medcode/internal/store"
)

// The workspace of a scope, as a subquery yielding its id: the user's
// personal workspace, or the organization's when the user is a member, and
// no row otherwise, so a query filtered on it finds nothing.
const (
	personalWorkspace = "SELECT id FROM workspaces WHERE user_id = ?"
	orgWorkspace      = `SELECT w.id FROM workspaces w JOIN org_members m ON m.org_id = w.org_id
		WHERE w.org_id = ? AND m.user_id = ?`
)

// workspaceSQL returns the subquery selecting the scope's workspace and its
// arguments.
func workspaceSQL(s store.Scope) (string, []any) {
	if s.OrgID == 0 {
		return personalWorkspace, []any{s.UserID}
	}
	return orgWorkspace, []any{s.OrgID, s.UserID}
}

// inScope returns "workspace_id = (subquery)" for s, with its arguments
// followed by rest.
func inScope(s store.Scope, rest ...any) (string, []any) {
	q, args := workspaceSQL(s)
	return "workspace_id = (" + q + ")", append(args, rest...)
}

// workspaceID resolves the scope's workspace inside tx; NotFound when the
// user may not act in it.
func (db *DB) workspaceID(ctx context.Context, tx *sql.Tx, s store.Scope) (int64, error) {
	q, args := workspaceSQL(s)
	var id int64
	if err := db.txRow(ctx, tx, q, args...).Scan(&id); err != nil {
		return 0, notFound("workspace", err)
	}
	return id, nil
}
