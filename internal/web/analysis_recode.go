package web

import "net/http"

// analysisRecode codes a retained note again with today's engine and
// rules, as a new record.
func (h *Handler) analysisRecode(w http.ResponseWriter, r *http.Request) {
	ws := workspace(r)
	rec, err := h.Analyses.Recode(r.Context(), ws, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.flash(r, "The retained note was coded again.")
	redirect(w, r, base(ws)+"/analyses/"+rec.ID)
}
