package web

import "net/http"

func (h *Handler) baaEnd(w http.ResponseWriter, r *http.Request) {
	ws := workspace(r)
	if err := h.Orgs.EndBAA(r.Context(), ws); err != nil {
		h.orgFormError(w, r, err)
		return
	}
	h.flash(r, "The BAA is ended: notes with PHI are blocked again, and the retained notes are deleted.")
	redirect(w, r, base(ws))
}
