package web

import "net/http"

func (h *Handler) profileSave(w http.ResponseWriter, r *http.Request) {
	err := h.Accounts.UpdateProfile(r.Context(), user(r), r.PostFormValue("display_name"), r.PostFormValue("organization"), r.PostFormValue("role"))
	if err != nil {
		h.formError(w, r, err, "profile", h.newPage(r, "Profile", "profile", nil))
		return
	}
	h.flash(r, "Profile saved.")
	redirect(w, r, "/profile")
}
