package web

import (
	"net/http"

	"github.com/medcode/medcode/internal/analysis"
	"github.com/medcode/medcode/internal/phi"
)

// analyzeData feeds the analyze view and its result fragment.
type analyzeData struct {
	Profiles []string
	Usage    *analysis.Usage // the usage line of the form, on a full page
	// RefreshUsage replaces that line out of band in an htmx response.
	RefreshUsage *analysis.Usage
	Record       *analysis.Record
	PHISpans     []phi.Span // set when the guard blocked the note
	// AttachNote offers to attach the note to feedback (BAA mode only).
	AttachNote bool
}

func (h *Handler) analyzeForm(w http.ResponseWriter, r *http.Request) {
	usage, err := h.Analyses.Usage(r.Context(), user(r))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "analyze", h.newPage(r, "Analyze a note", "analyze", &analyzeData{Profiles: analysis.Profiles, Usage: usage}))
}
