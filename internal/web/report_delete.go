package web

import "net/http"

func (h *Handler) reportDelete(w http.ResponseWriter, r *http.Request) {
	ws := workspace(r)
	if err := h.Reports.Delete(r.Context(), ws, r.PathValue("id")); err != nil {
		h.fail(w, r, err)
		return
	}
	h.flash(r, "Report deleted.")
	redirect(w, r, base(ws)+"/reports")
}
