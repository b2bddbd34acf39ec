package web

import (
	"net/http"

	"github.com/medcode/medcode/internal/auth"
)

func (h *Handler) accountDeleteForm(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, "account_delete", h.newPage(r, "Delete your account", "profile", nil))
}

// accountDelete deletes the account once the password and the explicit
// confirmation are given (a data-subject deletion request, audited).
func (h *Handler) accountDelete(w http.ResponseWriter, r *http.Request) {
	u := user(r)
	err := h.Rights.DeleteAccount(r.Context(), u, r.PostFormValue("current_password"), r.PostFormValue("confirm") != "")
	if err != nil {
		h.formError(w, r, err, "account_delete", h.newPage(r, "Delete your account", "profile", nil))
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
