package web

import "net/http"

type profileData struct {
	NoticeEmails bool
}

func (h *Handler) profile(w http.ResponseWriter, r *http.Request) {
	h.renderProfile(w, r, nil)
}

// renderProfile shows the profile page, with err above its forms.
func (h *Handler) renderProfile(w http.ResponseWriter, r *http.Request, err error) {
	on, nerr := h.Notices.EmailsOn(r.Context(), user(r).ID)
	if nerr != nil {
		h.fail(w, r, nerr)
		return
	}
	p := h.newPage(r, "Profile", "profile", &profileData{NoticeEmails: on})
	if err != nil {
		h.formError(w, r, err, "profile", p)
		return
	}
	h.render(w, r, http.StatusOK, "profile", p)
}
