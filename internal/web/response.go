package web

import (
	"bytes"
	"net/http"

	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/auth"
	"github.com/medcode/medcode/internal/notice"
	"github.com/medcode/medcode/internal/org"
	"github.com/medcode/medcode/internal/store"
)

// page is what every view receives.
type page struct {
	Title string
	Nav   string // the active navigation entry
	Path  string // the page's own path, for forms that come back to it
	User  *store.User
	Admin bool // the user administers the site
	// Workspace is where the user is working (zero when signed out), Base
	// the path prefix of its pages, Orgs the organizations to switch to.
	Workspace   org.Workspace
	Base        string
	Orgs        []store.Membership
	Flash       string
	Error       string // the message of a failed form submission
	MailEnabled bool
	// Banners are the active service notices; PolicyPending says the user
	// has a changed policy to accept.
	Banners       []notice.Banner
	PolicyPending bool
	Data          any
}

// newPage fills the common fields for r. The banners and the user's
// standing are shown best effort: a failure to read them is logged and the
// page still renders.
func (h *Handler) newPage(r *http.Request, title, nav string, data any) *page {
	ctx := r.Context()
	p := &page{Title: title, Nav: nav, Path: r.URL.Path, User: h.currentUser(r), Data: data, MailEnabled: h.Accounts.MailEnabled(),
		Flash: h.Sessions.PopString(ctx, auth.SessionFlash)}
	var userID int64
	if p.User != nil {
		userID = p.User.ID
		p.Workspace = org.Personal(p.User)
		if ws, ok := ctx.Value(workspaceKey{}).(org.Workspace); ok {
			p.Workspace = ws
		}
		p.Base = base(p.Workspace)
		var err error
		if p.Orgs, err = h.Orgs.Memberships(ctx, p.User); err != nil {
			// The page still works without the workspace menu.
			h.Log.Warn("listing organizations for the menu", "user", userID, "err", err)
		}
		if p.Admin, err = h.Accounts.IsSiteAdmin(ctx, userID); err != nil {
			h.Log.Warn("reading the site administrator role", "user", userID, "err", err)
		}
		pending, err := h.Policies.Pending(ctx, userID)
		if err != nil {
			h.Log.Warn("reading pending policies", "user", userID, "err", err)
		}
		p.PolicyPending = len(pending) > 0
	}
	banners, err := h.Notices.Active(ctx, userID)
	if err != nil {
		h.Log.Warn("reading service notices", "err", err)
	}
	p.Banners = banners
	return p
}

// render writes a full page, or only the view's "fragment" template when
// htmx asks and the view has one.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, view string, p *page) {
	name := "layout"
	if isHTMX(r) && h.tpl.has(view, "fragment") {
		name = "fragment"
	}
	var buf bytes.Buffer
	if err := h.tpl.execute(&buf, view, name, p); err != nil {
		h.Log.Error("rendering page", "view", view, "err", err)
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// formError re-renders a form view with the error's message and status.
func (h *Handler) formError(w http.ResponseWriter, r *http.Request, err error, view string, p *page) {
	if apperr.CodeOf(err) == apperr.Internal {
		h.fail(w, r, err)
		return
	}
	p.Error = apperr.MessageOf(err)
	h.render(w, r, apperr.Status(err), view, p)
}

// fail renders an error page; only internal errors are logged, by cause.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := apperr.Status(err)
	if apperr.CodeOf(err) == apperr.Internal {
		h.Log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	p := h.newPage(r, http.StatusText(status), "", nil)
	p.Error = apperr.MessageOf(err)
	if status == http.StatusNotFound {
		p.Error = "There is nothing here, or it is not yours to see."
	}
	h.render(w, r, status, "error", p)
}

// redirect sends the browser to target after a POST (or htmx to load it).
func redirect(w http.ResponseWriter, r *http.Request, target string) {
	if isHTMX(r) {
		w.Header().Set("HX-Redirect", target)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// flash stores a notice for the next page.
func (h *Handler) flash(r *http.Request, msg string) {
	h.Sessions.Put(r.Context(), auth.SessionFlash, msg)
}
