package web

import (
	"net/http"

	"github.com/medcode/medcode/internal/auth"
)

type signupForm struct {
	Email string
}

func (h *Handler) signupForm(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, "signup", h.newPage(r, "Create an account", "signup", &signupForm{}))
}

func (h *Handler) signup(w http.ResponseWriter, r *http.Request) {
	form := &signupForm{Email: r.PostFormValue("email")}
	password := r.PostFormValue("password")
	if password != r.PostFormValue("password_confirm") {
		p := h.newPage(r, "Create an account", "signup", form)
		p.Error = "The two passwords differ."
		h.render(w, r, http.StatusBadRequest, "signup", p)
		return
	}
	u, err := h.Accounts.SignUp(r.Context(), form.Email, password, clientIP(r))
	if err != nil {
		h.formError(w, r, err, "signup", h.newPage(r, "Create an account", "signup", form))
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
