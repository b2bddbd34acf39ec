package auth

import (
	"context"
	"strconv"
	"strings"

	"github.com/medcode/medcode/internal/audit"
	"github.com/medcode/medcode/internal/store"
)

// IsSiteAdmin reports whether the user administers the site: writes
// service notices and answers support. The role is granted on the command
// line (medcode admin grant-admin EMAIL), never through the web.
func (a *Accounts) IsSiteAdmin(ctx context.Context, userID int64) (bool, error) {
	return a.db.IsSiteAdmin(ctx, userID)
}

// SetSiteAdmin grants (admin) or revokes the site administrator role of
// the account with email.
func (a *Accounts) SetSiteAdmin(ctx context.Context, email string, admin bool) (*store.User, error) {
	u, err := a.db.UserByEmail(ctx, strings.TrimSpace(email))
	if err != nil {
		return nil, err
	}
	if err := a.db.SetSiteAdmin(ctx, u.ID, admin, a.Now()); err != nil {
		return nil, err
	}
	a.log.Info("site administrator role changed", "user", u.ID, "admin", admin)
	action := audit.SiteAdminGrant
	if !admin {
		action = audit.SiteAdminRevoke
	}
	// The command line acts as medcode itself (actor 0).
	return u, a.audit.Record(ctx, audit.Event{Action: action, Target: strconv.FormatInt(u.ID, 10)})
}

// SiteAdmins lists the site administrators.
func (a *Accounts) SiteAdmins(ctx context.Context) ([]store.User, error) {
	return a.db.SiteAdmins(ctx)
}
