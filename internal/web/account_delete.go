package web

import (
	"net/http"

	"github.com/medcode/medcode/internal/auth"
)

func (h *Handler) accountDeleteForm(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, "account_delete", h.newPage(r, "Delete your account", "profile", nil))
}

func (h *Handler) accountDelete(w http.ResponseWriter, r *http.Request) {
	u := user(r)
	if err := h.Accounts.ConfirmPassword(u, r.PostFormValue("current_password")); err != nil {
		h.formError(w, r, err, "account_delete", h.newPage(r, "Delete your account", "profile", nil))
		return
	}
	if err := h.Accounts.DeleteAccount(r.Context(), u); err != nil {
		h.fail(w, r, err)
		return
	}
	// The session row went with the account; start a clean anonymous one
	// to carry the notice.
	if err := h.Sessions.RenewToken(r.Context()); err != nil {
		h.fail(w, r, err)
		return
	}
	h.Sessions.Remove(r.Context(), auth.SessionUserID)
	h.flash(r, "Your account and all its data are deleted.")
	redirect(w, r, "/")
}
