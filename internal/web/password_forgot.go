package web

import "net/http"

func (h *Handler) passwordForgotForm(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, "password_forgot", h.newPage(r, "Reset your password", "signin", &signupForm{}))
}

func (h *Handler) passwordForgot(w http.ResponseWriter, r *http.Request) {
	form := &signupForm{Email: r.PostFormValue("email")}
	if err := h.Accounts.RequestPasswordReset(r.Context(), form.Email, clientIP(r)); err != nil {
		h.formError(w, r, err, "password_forgot", h.newPage(r, "Reset your password", "signin", form))
		return
	}
	h.flash(r, "If an account uses that address, we sent it a link to reset the password.")
	redirect(w, r, "/signin")
}
