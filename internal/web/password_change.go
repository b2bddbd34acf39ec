package web

import (
	"net/http"

	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/auth"
)

func (h *Handler) passwordChange(w http.ResponseWriter, r *http.Request) {
	next := r.PostFormValue("password")
	if next != r.PostFormValue("password_confirm") {
		h.renderProfile(w, r, apperr.New(apperr.Invalid, "The two new passwords differ."))
		return
	}
	keep := auth.HashToken(h.Sessions.Token(r.Context()))
	if err := h.Accounts.ChangePassword(r.Context(), user(r), r.PostFormValue("current_password"), next, keep); err != nil {
		h.renderProfile(w, r, err)
		return
	}
	h.flash(r, "Password changed. Your other sessions are signed out.")
	redirect(w, r, "/profile")
}
