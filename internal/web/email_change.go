package web

import "net/http"

// emailChange corrects the account's email address; the new one must be
// confirmed through the link sent to it.
func (h *Handler) emailChange(w http.ResponseWriter, r *http.Request) {
	err := h.Rights.ChangeEmail(r.Context(), user(r), r.PostFormValue("email_password"), r.PostFormValue("new_email"))
	if err != nil {
		h.renderProfile(w, r, err)
		return
	}
	msg := "Email address changed."
	if h.Accounts.MailEnabled() {
		msg += " Open the link we sent to the new address to confirm it."
	}
	h.flash(r, msg)
	redirect(w, r, "/profile")
}
