package web

import (
	"net/http"

	"github.com/medcode/medcode/internal/dsr"
)

// profileSave corrects the profile (a data-subject correction, audited).
func (h *Handler) profileSave(w http.ResponseWriter, r *http.Request) {
	err := h.Rights.CorrectProfile(r.Context(), user(r), dsr.Profile{DisplayName: r.PostFormValue("display_name"),
		Organization: r.PostFormValue("organization"), Role: r.PostFormValue("role")})
	if err != nil {
		h.renderProfile(w, r, err)
		return
	}
	h.flash(r, "Profile saved.")
	redirect(w, r, "/profile")
}
