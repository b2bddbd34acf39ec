package web

import "net/http"

func (h *Handler) analysisView(w http.ResponseWriter, r *http.Request) {
	ws := workspace(r)
	rec, err := h.Analyses.Get(r.Context(), ws, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "analysis", h.newPage(r, "Analysis", "history", &analyzeData{Record: newRecordView(ws, rec)}))
}
