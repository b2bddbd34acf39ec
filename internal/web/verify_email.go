package web

import "net/http"

type tokenForm struct {
	Token string
}

// verifyEmailForm shows a button rather than verifying on GET, so that mail
// scanners that open links do not use them up.
func (h *Handler) verifyEmailForm(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, "verify_email", h.newPage(r, "Confirm your email", "", &tokenForm{Token: r.URL.Query().Get("token")}))
}

func (h *Handler) verifyEmail(w http.ResponseWriter, r *http.Request) {
	form := &tokenForm{Token: r.PostFormValue("token")}
	if err := h.Accounts.VerifyEmail(r.Context(), form.Token); err != nil {
		h.formError(w, r, err, "verify_email", h.newPage(r, "Confirm your email", "", form))
		return
	}
	h.flash(r, "Your email address is confirmed.")
	if h.currentUser(r) != nil {
		redirect(w, r, "/profile")
		return
	}
	redirect(w, r, "/signin")
}

func (h *Handler) verifyEmailResend(w http.ResponseWriter, r *http.Request) {
	if err := h.Accounts.SendVerification(r.Context(), user(r)); err != nil {
		h.fail(w, r, err)
		return
	}
	h.flash(r, "We sent a new confirmation link to "+user(r).Email+".")
	redirect(w, r, "/profile")
}
