package web

import "net/http"

func (h *Handler) analysisView(w http.ResponseWriter, r *http.Request) {
	h.renderAnalysis(w, r, nil)
}

// renderAnalysis shows one analysis of the workspace, with err beside its
// feedback form.
func (h *Handler) renderAnalysis(w http.ResponseWriter, r *http.Request, err error) {
	ws := workspace(r)
	rec, gerr := h.Analyses.Get(r.Context(), ws, r.PathValue("id"))
	if gerr != nil {
		h.fail(w, r, gerr)
		return
	}
	data := &analyzeData{Record: newRecordView(ws, rec), AttachNote: h.baaMode(r)}
	p := h.newPage(r, "Analysis", "history", data)
	if err != nil {
		h.formError(w, r, err, "analysis", p)
		return
	}
	h.render(w, r, http.StatusOK, "analysis", p)
}

// baaMode reports whether the request works under a BAA: the
// organization's, or the whole deployment's.
func (h *Handler) baaMode(r *http.Request) bool {
	return workspace(r).BAA() || h.Support.BAAMode(r.Context(), user(r))
}
