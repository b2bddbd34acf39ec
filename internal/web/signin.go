package web

import (
	"net/http"
	"net/url"

	"github.com/medcode/medcode/internal/auth"
)

type signinForm struct {
	Email string
	Next  string
}

func (h *Handler) signinForm(w http.ResponseWriter, r *http.Request) {
	if h.currentUser(r) != nil {
		http.Redirect(w, r, "/analyze", http.StatusSeeOther)
		return
	}
	form := &signinForm{Next: localPath(r.URL.Query().Get("next"), "")}
	h.render(w, r, http.StatusOK, "signin", h.newPage(r, "Sign in", "signin", form))
}

func (h *Handler) signin(w http.ResponseWriter, r *http.Request) {
	form := &signinForm{Email: r.PostFormValue("email"), Next: localPath(r.PostFormValue("next"), "")}
	u, err := h.Accounts.Authenticate(r.Context(), form.Email, r.PostFormValue("password"), clientIP(r))
	if err != nil {
		h.formError(w, r, err, "signin", h.newPage(r, "Sign in", "signin", form))
		return
	}
	if u.MFAEnabled() {
		// The password step passed; the session is not signed in until the
		// TOTP code is checked.
		if err := h.Sessions.RenewToken(r.Context()); err != nil {
			h.fail(w, r, err)
			return
		}
		h.Sessions.Put(r.Context(), auth.SessionPendingMFA, u.ID)
		redirect(w, r, "/signin/mfa?"+url.Values{"next": {form.Next}}.Encode())
		return
	}
	if err := h.startSession(r, u.ID); err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.Accounts.SignedIn(r.Context(), u, "web"); err != nil {
		h.fail(w, r, err)
		return
	}
	h.afterSignIn(w, r, u.ID, localPath(form.Next, "/analyze"))
}
