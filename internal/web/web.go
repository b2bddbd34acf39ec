// Package web is medcode's server-rendered UI: html/template views with
// htmx, one route table (Register) and one file per action. The note text
// never comes back from the server: the browser keeps it and static/app.js
// highlights the evidence offsets of the result in it.
package web

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"

	"github.com/alexedwards/scs/v2"

	"github.com/medcode/medcode/internal/analysis"
	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/auth"
	"github.com/medcode/medcode/internal/batch"
	"github.com/medcode/medcode/internal/store"
)

// Deps are what the UI needs.
type Deps struct {
	Accounts     *auth.Accounts
	Analyses     *analysis.Service
	Batches      *batch.Service
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
	public   access = iota // anyone
	signedIn               // a signed-in user; others are sent to sign in
)

// Route is one entry of the route table.
type Route struct {
	Pattern string
	handler http.HandlerFunc
	access  access
}

// SignedIn reports whether the route needs a signed-in user.
func (r Route) SignedIn() bool { return r.access == signedIn }

// Routes is the UI's route table.
func (h *Handler) Routes() []Route {
	return []Route{
		{"GET /{$}", h.landing, public},
		{"GET /privacy", h.privacy, public},
		{"GET /signup", h.signupForm, public},
		{"POST /signup", h.signup, public},
		{"GET /signin", h.signinForm, public},
		{"POST /signin", h.signin, public},
		{"GET /signin/mfa", h.signinMFAForm, public},
		{"POST /signin/mfa", h.signinMFA, public},
		{"POST /signout", h.signout, public},
		{"GET /verify-email", h.verifyEmailForm, public},
		{"POST /verify-email", h.verifyEmail, public},
		{"GET /password/forgot", h.passwordForgotForm, public},
		{"POST /password/forgot", h.passwordForgot, public},
		{"GET /password/reset", h.passwordResetForm, public},
		{"POST /password/reset", h.passwordReset, public},
		{"GET /analyze", h.analyzeForm, signedIn},
		{"POST /analyses", h.analysisCreate, signedIn},
		{"GET /history", h.history, signedIn},
		{"GET /analyses/{id}", h.analysisView, signedIn},
		{"POST /analyses/{id}/delete", h.analysisDelete, signedIn},
		{"POST /analyses/{id}/decisions", h.analysisDecide, signedIn},
		{"GET /profile", h.profile, signedIn},
		{"POST /profile", h.profileSave, signedIn},
		{"POST /profile/password", h.passwordChange, signedIn},
		{"POST /profile/verify-email", h.verifyEmailResend, signedIn},
		{"GET /profile/mfa", h.mfaSetup, signedIn},
		{"POST /profile/mfa", h.mfaEnable, signedIn},
		{"POST /profile/mfa/disable", h.mfaDisable, signedIn},
		{"GET /usage", h.usage, signedIn},
		{"GET /batches", h.batchList, signedIn},
		{"GET /batches/{id}", h.batchView, signedIn},
		{"GET /batches/{id}/results", h.batchResults, signedIn},
		{"GET /export", h.export, signedIn},
		{"GET /account/delete", h.accountDeleteForm, signedIn},
		{"POST /account/delete", h.accountDelete, signedIn},
	}
}

// maxFormBytes bounds every form post but the analyze form's, which
// carries a note and sets its own limit.
const maxFormBytes = 1 << 20

// Register mounts the UI and its static files on mux.
func (h *Handler) Register(mux *http.ServeMux) {
	for _, rt := range h.Routes() {
		next := http.Handler(rt.handler)
		if !strings.HasPrefix(rt.Pattern, "GET ") && rt.Pattern != "POST /analyses" {
			next = h.limitForm(next)
		}
		if rt.access == signedIn {
			next = h.requireUser(next)
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

// requireUser loads the signed-in user or sends the visitor to sign in.
func (h *Handler) requireUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u := h.currentUser(r)
		if u == nil {
			target := "/signin"
			if r.Method == http.MethodGet {
				target += "?next=" + r.URL.EscapedPath()
			}
			redirect(w, r, target)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userKey{}, u)))
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

// user is the signed-in user of a signedIn route.
func user(r *http.Request) *store.User { return r.Context().Value(userKey{}).(*store.User) }

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
