package web

import (
	"net/http"

	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/auth"
	"github.com/medcode/medcode/internal/policy"
)

// signupForm is the sign-up form; Terms and Privacy are the versions it
// shows and the person accepts.
type signupForm struct {
	Email   string
	Terms   string
	Privacy string
}

func (h *Handler) signupForm(w http.ResponseWriter, r *http.Request) {
	form := &signupForm{}
	if err := h.currentVersions(r, form); err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "signup", h.newPage(r, "Create an account", "signup", form))
}

// currentVersions fills the versions the form shows.
func (h *Handler) currentVersions(r *http.Request, form *signupForm) error {
	current, err := h.Policies.Current(r.Context())
	if err != nil {
		return err
	}
	form.Terms, form.Privacy = current[policy.Terms].Version, current[policy.Privacy].Version
	return nil
}

func (h *Handler) signup(w http.ResponseWriter, r *http.Request) {
	form := &signupForm{Email: r.PostFormValue("email")}
	password := r.PostFormValue("password")
	failed := func(err error) {
		if verr := h.currentVersions(r, form); verr != nil {
			h.fail(w, r, verr)
			return
		}
		h.formError(w, r, err, "signup", h.newPage(r, "Create an account", "signup", form))
	}
	if password != r.PostFormValue("password_confirm") {
		failed(apperr.New(apperr.Invalid, "The two passwords differ."))
		return
	}
	req := auth.SignUpRequest{Email: form.Email, Password: password, IP: clientIP(r), Adult: r.PostFormValue("adult") != "",
		Accepted: map[policy.Document]string{}}
	if r.PostFormValue("accept_policies") != "" {
		req.Accepted[policy.Terms] = r.PostFormValue("terms_version")
		req.Accepted[policy.Privacy] = r.PostFormValue("privacy_version")
	}
	u, err := h.Accounts.SignUp(r.Context(), req)
	if err != nil {
		failed(err)
		return
	}
	if err := h.startSession(r, u.ID); err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.Accounts.SignedIn(r.Context(), u, "sign-up"); err != nil {
		h.fail(w, r, err)
		return
	}
	msg := "Welcome to medcode."
	if h.Accounts.MailEnabled() {
		msg += " We sent a link to " + u.Email + " to confirm your address."
	}
	h.flash(r, msg)
	redirect(w, r, "/analyze")
}

// startSession signs userID in under a fresh session token, so a token
// known before sign-in (session fixation) is worthless after it.
func (h *Handler) startSession(r *http.Request, userID int64) error {
	if err := h.Sessions.RenewToken(r.Context()); err != nil {
		return err
	}
	h.Sessions.Remove(r.Context(), auth.SessionPendingMFA)
	h.Sessions.Put(r.Context(), auth.SessionUserID, userID)
	return nil
}
