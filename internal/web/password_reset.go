package web

import "net/http"

func (h *Handler) passwordResetForm(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, "password_reset", h.newPage(r, "Choose a new password", "signin", &tokenForm{Token: r.URL.Query().Get("token")}))
}

func (h *Handler) passwordReset(w http.ResponseWriter, r *http.Request) {
	form := &tokenForm{Token: r.PostFormValue("token")}
	password := r.PostFormValue("password")
	if password != r.PostFormValue("password_confirm") {
		p := h.newPage(r, "Choose a new password", "signin", form)
		p.Error = "The two passwords differ."
		h.render(w, r, http.StatusBadRequest, "password_reset", p)
		return
	}
	if err := h.Accounts.ResetPassword(r.Context(), form.Token, password); err != nil {
		h.formError(w, r, err, "password_reset", h.newPage(r, "Choose a new password", "signin", form))
		return
	}
	h.flash(r, "Your password is changed. Sign in with the new one.")
	redirect(w, r, "/signin")
}
