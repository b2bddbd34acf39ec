package web

import "net/http"

func (h *Handler) analysisView(w http.ResponseWriter, r *http.Request) {
	h.renderAnalysis(w, r, nil)
}

// renderAnalysis shows one analysis, with err beside its feedback form.
func (h *Handler) renderAnalysis(w http.ResponseWriter, r *http.Request, err error) {
	rec, gerr := h.Analyses.Get(r.Context(), user(r), r.PathValue("id"))
	if gerr != nil {
		h.fail(w, r, gerr)
		return
	}
	p := h.newPage(r, "Analysis", "history", &analyzeData{Record: rec, AttachNote: h.Support.BAAMode(r.Context(), user(r))})
	if err != nil {
		h.formError(w, r, err, "analysis", p)
		return
	}
	h.render(w, r, http.StatusOK, "analysis", p)
}
