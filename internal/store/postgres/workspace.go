package postgres

import (
	"strconv"

	"github.com/medcode/medcode/internal/store"
)

// workspaceSQL returns a subquery yielding the id of the scope's
// workspace, its parameters numbered from $first, and their values: the
// user's personal workspace, or the organization's when the user is a
// member, and no row otherwise, so a query filtered on it finds nothing.
func workspaceSQL(s store.Scope, first int) (string, []any) {
	p := func(i int) string { return "$" + strconv.Itoa(first+i) }
	if s.OrgID == 0 {
		return "SELECT id FROM workspaces WHERE user_id = " + p(0), []any{s.UserID}
	}
	return "SELECT w.id FROM workspaces w JOIN org_members m ON m.org_id = w.org_id WHERE w.org_id = " + p(0) +
		" AND m.user_id = " + p(1), []any{s.OrgID, s.UserID}
}

// inScope returns "workspace_id = (subquery)" for s with its parameters
// numbered from $first, followed by rest (which the caller numbers after
// them: see next).
func inScope(s store.Scope, first int, rest ...any) (string, []any) {
	q, args := workspaceSQL(s, first)
	return "workspace_id = (" + q + ")", append(args, rest...)
}

// next is the number of the first parameter after those of inScope(s, 1).
func next(s store.Scope) int {
	if s.OrgID == 0 {
		return 2
	}
	return 3
}

// param formats parameter number n.
func param(n int) string { return "$" + strconv.Itoa(n) }
