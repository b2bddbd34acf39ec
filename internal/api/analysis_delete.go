package api

import "net/http"

func (h *Handler) analysisDelete(w http.ResponseWriter, r *http.Request) {
	if err := h.Analyses.Delete(r.Context(), workspace(r), r.PathValue("id")); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
