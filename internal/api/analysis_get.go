package api

import "net/http"

func (h *Handler) analysisGet(w http.ResponseWriter, r *http.Request) {
	rec, err := h.Analyses.Get(r.Context(), workspace(r), r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rec)
}
