package web

import (
	"net/http"

	"github.com/medcode/medcode/internal/auth"
)

func (h *Handler) passwordChange(w http.ResponseWriter, r *http.Request) {
	next := r.PostFormValue("password")
	p := h.newPage(r, "Profile", "profile", nil)
	if next != r.PostFormValue("password_confirm") {
		p.Error = "The two new passwords differ."
		h.render(w, r, http.StatusBadRequest, "profile", p)
		return
	}
	keep := auth.HashToken(h.Sessions.Token(r.Context()))
	if err := h.Accounts.ChangePassword(r.Context(), user(r), r.PostFormValue("current_password"), next, keep); err != nil {
		h.formError(w, r, err, "profile", p)
		return
	}
	h.flash(r, "Password changed. Your other sessions are signed out.")
	redirect(w, r, "/profile")
}
