package web

import (
	"net/http"
	"strings"

	"github.com/medcode/medcode/internal/analysis"
)

// decisionData feeds the accept/reject/change control of one code.
type decisionData struct {
	Base        string
	ID          string
	Code        string
	Decision    string
	Replacement string
	Editable    bool
}

func (h *Handler) analysisDecide(w http.ResponseWriter, r *http.Request) {
	ws := workspace(r)
	d := &decisionData{Base: base(ws), ID: r.PathValue("id"), Code: r.PostFormValue("code"), Decision: r.PostFormValue("decision"), Editable: true}
	replacement := ""
	if d.Decision == string(analysis.Changed) {
		replacement = r.PostFormValue("replacement")
	}
	if err := h.Analyses.Decide(r.Context(), ws, d.ID, d.Code, analysis.Decision(d.Decision), replacement); err != nil {
		h.fail(w, r, err)
		return
	}
	if !isHTMX(r) {
		redirect(w, r, d.Base+"/analyses/"+d.ID)
		return
	}
	d.Replacement = strings.ToUpper(strings.TrimSpace(replacement))
	h.render(w, r, http.StatusOK, "decision", h.newPage(r, "", "", d))
}
