package web

import "net/http"

func (h *Handler) analysisView(w http.ResponseWriter, r *http.Request) {
	rec, err := h.Analyses.Get(r.Context(), user(r), r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "analysis", h.newPage(r, "Analysis", "history", &analyzeData{Record: rec}))
}
