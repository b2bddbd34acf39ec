// Package web is medcode's server-rendered UI: html/template views with
// htmx, one route table (Register) and one file per action. The note text
// never comes back from the server (except a note an organization retains
// under its BAA, on request and audited): the browser keeps it and
// static/app.js highlights the evidence offsets of the result in it.
//
// A user works in a workspace: their personal one (the routes without
// {org}) or an organization's (/orgs/{org}/...). Each organization route
// names the permission it needs; a non-member gets 404 and a member
// without the permission 403, both from requireMember.
package web

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/alexedwards/scs/v2"

	"github.com/medcode/medcode/internal/analysis"
	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/audit"
	"github.com/medcode/medcode/internal/auth"
	"github.com/medcode/medcode/internal/batch"
	"github.com/medcode/medcode/internal/billing"
	"github.com/medcode/medcode/internal/billing/revenue"
	"github.com/medcode/medcode/internal/dsr"
	"github.com/medcode/medcode/internal/notice"
	"github.com/medcode/medcode/internal/org"
	"github.com/medcode/medcode/internal/policy"
	"github.com/medcode/medcode/internal/store"
	"github.com/medcode/medcode/internal/support"
)

// Deps are what the UI needs.
type Deps struct {
	Accounts     *auth.Accounts
	Analyses     *analysis.Service
	Orgs         *org.Service
	Audit        *audit.Log
	Batches      *batch.Service
	Billing      *billing.Service
	Reports      *revenue.Service
	Policies     *policy.Service
	Notices      *notice.Service
	Support      *support.Service
	Rights       *dsr.Service
	Sessions     *scs.SessionManager
	Log          *slog.Logger
	MaxNoteBytes int
}

// Handler serves the UI.
type Handler struct {
	Deps
	tpl *templates
}

// New parses the templates; it fails if a view is missing or undeclared.
func New(d Deps) (*Handler, error) {
	tpl, err := parseTemplates()
	if err != nil {
		return nil, err
	}
	return &Handler{Deps: d, tpl: tpl}, nil
}

// access says who may use a route.
type access int

const (
	public    access = iota // anyone
	signedIn                // a signed-in user, in their personal workspace; others are sent to sign in
	member                  // a member of the {org} holding the route's permission
	siteAdmin               // a site administrator; others get 404
)

// Route is one entry of the route table.
type Route struct {
	Pattern    string
	handler    http.HandlerFunc
	access     access
	permission org.Permission // for member routes
}

// SignedIn reports whether the route needs a signed-in user.
func (r Route) SignedIn() bool { return r.access != public }

// AdminOnly reports whether the route is for site administrators only.
func (r Route) AdminOnly() bool { return r.access == siteAdmin }

// Permission is what a member needs on an organization route ("" on the
// others).
func (r Route) Permission() org.Permission { return r.permission }

// Routes is the UI's route table.
func (h *Handler) Routes() []Route {
	routes := []Route{
		{"GET /{$}", h.landing, public, ""},
		{"GET /terms", h.policyPage(policy.Terms), public, ""},
		{"GET /privacy", h.policyPage(policy.Privacy), public, ""},
		{"GET /free-analysis", h.freeAnalysis, public, ""},
		{"GET /unsubscribe", h.unsubscribeForm, public, ""},
		{"POST /unsubscribe", h.unsubscribe, public, ""},
		{"GET /signup", h.signupForm, public, ""},
		{"POST /signup", h.signup, public, ""},
		{"GET /signin", h.signinForm, public, ""},
		{"POST /signin", h.signin, public, ""},
		{"GET /signin/mfa", h.signinMFAForm, public, ""},
		{"POST /signin/mfa", h.signinMFA, public, ""},
		{"POST /signout", h.signout, public, ""},
		{"GET /verify-email", h.verifyEmailForm, public, ""},
		{"POST /verify-email", h.verifyEmail, public, ""},
		{"GET /password/forgot", h.passwordForgotForm, public, ""},
		{"POST /password/forgot", h.passwordForgot, public, ""},
		{"GET /password/reset", h.passwordResetForm, public, ""},
		{"POST /password/reset", h.passwordReset, public, ""},
		{"GET /analyze", h.analyzeForm, signedIn, ""},
		{"POST /analyses", h.analysisCreate, signedIn, ""},
		{"GET /history", h.history, signedIn, ""},
		{"GET /analyses/{id}", h.analysisView, signedIn, ""},
		{"POST /analyses/{id}/delete", h.analysisDelete, signedIn, ""},
		{"POST /analyses/{id}/decisions", h.analysisDecide, signedIn, ""},
		{"GET /profile", h.profile, signedIn, ""},
		{"POST /profile", h.profileSave, signedIn, ""},
		{"POST /profile/password", h.passwordChange, signedIn, ""},
		{"POST /profile/verify-email", h.verifyEmailResend, signedIn, ""},
		{"GET /profile/mfa", h.mfaSetup, signedIn, ""},
		{"POST /profile/mfa", h.mfaEnable, signedIn, ""},
		{"POST /profile/mfa/disable", h.mfaDisable, signedIn, ""},
		{"GET /usage", h.usage, signedIn, ""},
		{"GET /batches", h.batchList, signedIn, ""},
		{"GET /batches/{id}", h.batchView, signedIn, ""},
		{"GET /batches/{id}/results", h.batchResults, signedIn, ""},
		{"GET /export", h.export, signedIn, ""},
		{"GET /export/history.csv", h.exportHistoryCSV, signedIn, ""},
		{"GET /account/delete", h.accountDeleteForm, signedIn, ""},
		{"POST /account/delete", h.accountDelete, signedIn, ""},
		{"POST /profile/email", h.emailChange, signedIn, ""},
		{"POST /profile/notices", h.noticeEmails, signedIn, ""},
		{"GET /policies/review", h.policyReview, signedIn, ""},
		{"POST /policies/accept", h.policyAccept, signedIn, ""},
		{"POST /notices/{id}/dismiss", h.noticeDismiss, signedIn, ""},
		{"GET /support", h.supportList, signedIn, ""},
		{"POST /support", h.supportCreate, signedIn, ""},
		{"GET /support/{id}", h.supportThread, signedIn, ""},
		{"POST /support/{id}/reply", h.supportReply, signedIn, ""},
		{"POST /support/{id}/close", h.supportClose, signedIn, ""},
		{"POST /analyses/{id}/feedback", h.analysisFeedback, signedIn, ""},
		{"GET /admin/support", h.adminSupport, siteAdmin, ""},
		{"GET /admin/support/{id}", h.adminSupportThread, siteAdmin, ""},
		{"POST /admin/support/{id}/reply", h.adminSupportReply, siteAdmin, ""},
		{"POST /admin/support/{id}/close", h.adminSupportClose, siteAdmin, ""},
		{"GET /admin/notices", h.adminNotices, siteAdmin, ""},
		{"POST /admin/notices", h.adminNoticeCreate, siteAdmin, ""},
		{"POST /admin/notices/{id}/end", h.adminNoticeEnd, siteAdmin, ""},
		{"POST /admin/notices/{id}/emails", h.adminNoticeEmails, siteAdmin, ""},
		{"GET /orgs", h.orgList, signedIn, ""},
		{"POST /orgs", h.orgCreate, signedIn, ""},
		{"GET /invite", h.inviteForm, signedIn, ""},
		{"POST /invite", h.inviteAccept, signedIn, ""},
		{"GET /reports", h.reportList, signedIn, ""},
		{"POST /reports", h.reportCreate, signedIn, ""},
		{"GET /reports/{id}", h.reportView, signedIn, ""},
		{"GET /reports/{id}/findings", h.reportFindings, signedIn, ""},
		{"GET /reports/{id}/report.pdf", h.reportPDF, signedIn, ""},
		{"GET /reports/{id}/findings.csv", h.reportCSV, signedIn, ""},
		{"GET /reports/{id}/report.html", h.reportHTML, signedIn, ""},
		{"POST /reports/{id}/delete", h.reportDelete, signedIn, ""},
	}
	// The organization's workspace: the same analysis and batch pages as
	// the personal one, and the clinic's own.
	for _, rt := range []struct {
		pattern string
		handler http.HandlerFunc
		perm    org.Permission
	}{
		{"GET /orgs/{org}", h.orgView, org.ViewOrg},
		{"GET /orgs/{org}/analyze", h.analyzeForm, org.CreateAnalysis},
		{"POST /orgs/{org}/analyses", h.analysisCreate, org.CreateAnalysis},
		{"GET /orgs/{org}/history", h.history, org.ReadAnalysis},
		{"GET /orgs/{org}/analyses/{id}", h.analysisView, org.ReadAnalysis},
		{"POST /orgs/{org}/analyses/{id}/delete", h.analysisDelete, org.DeleteAnalysis},
		{"POST /orgs/{org}/analyses/{id}/decisions", h.analysisDecide, org.WriteFeedback},
		{"POST /orgs/{org}/analyses/{id}/feedback", h.analysisFeedback, org.ReadAnalysis},
		{"GET /orgs/{org}/analyses/{id}/note", h.analysisNote, org.ReadNote},
		{"POST /orgs/{org}/analyses/{id}/recode", h.analysisRecode, org.CreateAnalysis},
		{"GET /orgs/{org}/batches", h.batchList, org.ReadAnalysis},
		{"GET /orgs/{org}/batches/{id}", h.batchView, org.ReadAnalysis},
		{"GET /orgs/{org}/batches/{id}/results", h.batchResults, org.ReadAnalysis},
		{"GET /orgs/{org}/members", h.members, org.ViewOrg},
		{"POST /orgs/{org}/invites", h.memberInvite, org.ManageMembers},
		{"POST /orgs/{org}/invites/{invite}/delete", h.memberInviteRevoke, org.ManageMembers},
		{"POST /orgs/{org}/members/{user}/role", h.memberRole, org.ManageMembers},
		{"POST /orgs/{org}/members/{user}/remove", h.memberRemove, org.ManageMembers},
		{"POST /orgs/{org}/baa", h.baaRecord, org.ManageBAA},
		{"POST /orgs/{org}/baa/end", h.baaEnd, org.ManageBAA},
		{"POST /orgs/{org}/retention", h.retentionSave, org.ManageRetention},
		{"GET /orgs/{org}/rules", h.rulesView, org.ReadRules},
		{"POST /orgs/{org}/rules", h.rulesSave, org.WriteRules},
		{"GET /orgs/{org}/feedback", h.feedbackView, org.ReadFeedback},
		{"POST /orgs/{org}/feedback/adopt", h.feedbackAdopt, org.WriteRules},
		{"GET /orgs/{org}/audit", h.auditView, org.ReadAudit},
		{"GET /orgs/{org}/audit.csv", h.auditCSV, org.ReadAudit},
		{"GET /orgs/{org}/export", h.orgExport, org.ExportOrg},
		{"GET /orgs/{org}/delete", h.orgDeleteForm, org.DeleteOrg},
		{"POST /orgs/{org}/delete", h.orgDelete, org.DeleteOrg},
		{"GET /orgs/{org}/claims", h.claimList, org.ReadClaims},
		{"POST /orgs/{org}/claims/import", h.claimImport, org.WriteClaims},
		{"POST /orgs/{org}/claims/export", h.claimExport, org.ExportClaims},
		{"GET /orgs/{org}/claims/{id}", h.claimView, org.ReadClaims},
		{"POST /orgs/{org}/claims/{id}", h.claimSave, org.WriteClaims},
		{"POST /orgs/{org}/claims/{id}/delete", h.claimDelete, org.WriteClaims},
		{"GET /orgs/{org}/analyses/{id}/claim", h.claimNewForm, org.WriteClaims},
		{"POST /orgs/{org}/analyses/{id}/claim", h.claimFromAnalysis, org.WriteClaims},
		{"GET /orgs/{org}/remittances", h.remitList, org.ReadClaims},
		{"POST /orgs/{org}/remittances", h.remitPost, org.PostRemits},
		{"GET /orgs/{org}/remittances/{id}", h.remitView, org.ReadClaims},
		{"GET /orgs/{org}/billing", h.billingView, org.ReadClaims},
		{"POST /orgs/{org}/billing", h.billingSave, org.ManageBilling},
		{"GET /orgs/{org}/reports", h.reportList, org.ReadReports},
		{"POST /orgs/{org}/reports", h.reportCreate, org.CreateReport},
		{"GET /orgs/{org}/reports/{id}", h.reportView, org.ReadReports},
		{"GET /orgs/{org}/reports/{id}/findings", h.reportFindings, org.ReadReports},
		{"GET /orgs/{org}/reports/{id}/report.pdf", h.reportPDF, org.ReadReports},
		{"GET /orgs/{org}/reports/{id}/findings.csv", h.reportCSV, org.ReadReports},
		{"GET /orgs/{org}/reports/{id}/report.html", h.reportHTML, org.ReadReports},
		{"POST /orgs/{org}/reports/{id}/delete", h.reportDelete, org.DeleteReport},
	} {
		routes = append(routes, Route{rt.pattern, rt.handler, member, rt.perm})
	}
	return routes
}

// maxFormBytes bounds every form post but the analyze forms' (POST
// .../analyses), which carry a note and set their own limit.
const maxFormBytes = 1 << 20

// Register mounts the UI and its static files on mux.
func (h *Handler) Register(mux *http.ServeMux) {
	for _, rt := range h.Routes() {
		next := http.Handler(rt.handler)
		if !strings.HasPrefix(rt.Pattern, "GET ") && !strings.HasSuffix(rt.Pattern, "/analyses") {
			next = h.limitForm(next)
		}
		switch rt.access {
		case signedIn:
			next = h.requireUser(next)
		case member:
			next = h.requireUser(h.requireMember(rt.permission, next))
		case siteAdmin:
			next = h.requireUser(h.requireAdmin(next))
		}
		mux.Handle(rt.Pattern, h.Sessions.LoadAndSave(next))
	}
	mux.Handle("GET /static/", staticHandler())
}

// limitForm reads the form of a post before its handler runs, so that an
// oversized or unreadable form is refused (413, 400) instead of reaching
// the handler as an empty one: Request.PostFormValue drops parse errors.
func (h *Handler) limitForm(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		if err := r.ParseForm(); err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				h.fail(w, r, apperr.New(apperr.TooLarge, "The form is larger than %d bytes.", maxFormBytes))
				return
			}
			h.fail(w, r, apperr.New(apperr.Invalid, "The form could not be read."))
			return
		}
		next.ServeHTTP(w, r)
	})
}

type userKey struct{}

type workspaceKey struct{}

// requireUser loads the signed-in user, in their personal workspace, or
// sends the visitor to sign in and come back.
func (h *Handler) requireUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u := h.currentUser(r)
		if u == nil {
			target := "/signin"
			if r.Method == http.MethodGet {
				back := r.URL.EscapedPath()
				if r.URL.RawQuery != "" {
					back += "?" + r.URL.RawQuery
				}
				target += "?" + url.Values{"next": {back}}.Encode()
			}
			redirect(w, r, target)
			return
		}
		ctx := context.WithValue(r.Context(), userKey{}, u)
		ctx = context.WithValue(ctx, workspaceKey{}, org.Personal(u))
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// requireMember puts the user in the {org} workspace: 404 unless they are
// a member (an outsider cannot tell the organization exists), 403 unless
// their role holds perm.
func (h *Handler) requireMember(perm org.Permission, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := h.Orgs.WorkspaceAt(r.Context(), user(r), r.PathValue("org"))
		if err != nil {
			h.fail(w, r, err)
			return
		}
		ctx := context.WithValue(r.Context(), workspaceKey{}, ws)
		if err := ws.Require(perm); err != nil {
			h.fail(w, r.WithContext(ctx), err)
			return
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// requireAdmin lets site administrators through; to anyone else the
// route does not exist.
func (h *Handler) requireAdmin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ok, err := h.Accounts.IsSiteAdmin(r.Context(), user(r).ID)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if !ok {
			h.fail(w, r, apperr.New(apperr.NotFound, "not found"))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// currentUser returns the signed-in user, or nil.
func (h *Handler) currentUser(r *http.Request) *store.User {
	if u, ok := r.Context().Value(userKey{}).(*store.User); ok {
		return u
	}
	id := h.Sessions.GetInt64(r.Context(), auth.SessionUserID)
	if id == 0 {
		return nil
	}
	u, err := h.Accounts.User(r.Context(), id)
	if err != nil {
		// The account is gone (deleted elsewhere): forget the session.
		h.Sessions.Remove(r.Context(), auth.SessionUserID)
		return nil
	}
	return u
}

// user is the signed-in user of a signedIn or member route.
func user(r *http.Request) *store.User { return r.Context().Value(userKey{}).(*store.User) }

// workspace is the workspace of a signedIn or member route.
func workspace(r *http.Request) org.Workspace {
	return r.Context().Value(workspaceKey{}).(org.Workspace)
}

// base is the path prefix of the workspace's pages: "" for the personal
// workspace, "/orgs/{id}" for an organization's.
func base(ws org.Workspace) string {
	if ws.Org == nil {
		return ""
	}
	return "/orgs/" + strconv.FormatInt(ws.Org.ID, 10)
}

// clientIP is the peer address, used only as a rate-limit key.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// isHTMX reports whether htmx made the request (it wants a fragment).
func isHTMX(r *http.Request) bool { return r.Header.Get("HX-Request") == "true" }

// localPath accepts only same-site paths as redirect targets.
func localPath(p, fallback string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") {
		return fallback
	}
	return p
}
