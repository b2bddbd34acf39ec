package org

import (
	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/store"
)

// Workspace is where a user works: their personal workspace, or an
// organization they belong to, with their role there.
type Workspace struct {
	User *store.User
	Org  *store.Org // nil for the personal workspace
	Role store.Role // the user's role in Org
}

// Personal is the user's own workspace.
func Personal(u *store.User) Workspace { return Workspace{User: u} }

// Scope is the store scope of the workspace.
func (w Workspace) Scope() store.Scope {
	if w.Org == nil {
		return store.Personal(w.User.ID)
	}
	return store.InOrg(w.Org.ID, w.User.ID)
}

// OrgID is the organization's id, 0 for the personal workspace.
func (w Workspace) OrgID() int64 {
	if w.Org == nil {
		return 0
	}
	return w.Org.ID
}

// Can reports whether the user may do p here. In their personal
// workspace a user may do everything that applies to it.
func (w Workspace) Can(p Permission) bool {
	return w.Org == nil || Can(w.Role, p)
}

// Require returns Forbidden unless the user may do p here.
func (w Workspace) Require(p Permission) error {
	if w.Can(p) {
		return nil
	}
	return apperr.New(apperr.Forbidden, "Your role (%s) in %s does not allow this.", w.Role, w.Org.Name)
}

// BAA reports whether the workspace works under a Business Associate
// Agreement, where notes may hold PHI.
func (w Workspace) BAA() bool { return w.Org != nil && w.Org.BAA != nil }

// RequireOrg returns NotFound in the personal workspace, for actions that
// exist only in an organization.
func (w Workspace) RequireOrg() error {
	if w.Org == nil {
		return apperr.New(apperr.NotFound, "organization not found")
	}
	return nil
}
