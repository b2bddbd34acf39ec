package web

import (
	"net/http"

	"github.com/medcode/medcode/internal/auth"
)

func (h *Handler) signinMFAForm(w http.ResponseWriter, r *http.Request) {
	if h.Sessions.GetInt64(r.Context(), auth.SessionPendingMFA) == 0 {
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
		return
	}
	form := &signinForm{Next: localPath(r.URL.Query().Get("next"), "")}
	h.render(w, r, http.StatusOK, "signin_mfa", h.newPage(r, "Two-factor authentication", "signin", form))
}

func (h *Handler) signinMFA(w http.ResponseWriter, r *http.Request) {
	id := h.Sessions.GetInt64(r.Context(), auth.SessionPendingMFA)
	if id == 0 {
		redirect(w, r, "/signin")
		return
	}
	form := &signinForm{Next: localPath(r.PostFormValue("next"), "")}
	u, err := h.Accounts.User(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.Accounts.CheckTOTP(r.Context(), u, r.PostFormValue("code")); err != nil {
		h.formError(w, r, err, "signin_mfa", h.newPage(r, "Two-factor authentication", "signin", form))
		return
	}
	if err := h.startSession(r, u.ID); err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.Accounts.SignedIn(r.Context(), u, "web, second factor"); err != nil {
		h.fail(w, r, err)
		return
	}
	h.afterSignIn(w, r, u.ID, localPath(form.Next, "/analyze"))
}
