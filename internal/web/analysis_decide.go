package web

import (
	"net/http"

	"github.com/medcode/medcode/internal/analysis"
)

// decisionData feeds the accept/reject control of one code.
type decisionData struct {
	ID       string
	Code     string
	Decision string
}

func (h *Handler) analysisDecide(w http.ResponseWriter, r *http.Request) {
	d := &decisionData{ID: r.PathValue("id"), Code: r.PostFormValue("code"), Decision: r.PostFormValue("decision")}
	if err := h.Analyses.Decide(r.Context(), user(r), d.ID, d.Code, analysis.Decision(d.Decision)); err != nil {
		h.fail(w, r, err)
		return
	}
	if !isHTMX(r) {
		redirect(w, r, "/analyses/"+d.ID)
		return
	}
	h.render(w, r, http.StatusOK, "decision", h.newPage(r, "", "", d))
}
