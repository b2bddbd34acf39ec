package api

import "net/http"

// analysisRecode codes a retained note again, as a new analysis.
func (h *Handler) analysisRecode(w http.ResponseWriter, r *http.Request) {
	rec, err := h.Analyses.Recode(r.Context(), workspace(r), r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, rec)
}
