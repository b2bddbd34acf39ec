package web

import (
	"net/http"

	"github.com/medcode/medcode/internal/analysis"
	"github.com/medcode/medcode/internal/engine"
	"github.com/medcode/medcode/internal/org"
	"github.com/medcode/medcode/internal/phi"
)

// analyzeData feeds the analyze view and its result fragment.
type analyzeData struct {
	Profiles     []string
	Payers       []string
	PatientTypes []string
	BAA          bool            // the workspace works under a BAA: no attestation, PHI allowed
	Usage        *analysis.Usage // the usage line of the form, on a full page
	// RefreshUsage replaces that line out of band in an htmx response.
	RefreshUsage *analysis.Usage
	Record       *recordView
	PHISpans     []phi.Span // set when the guard blocked the note
	// AttachNote offers to attach the note to feedback (BAA mode only).
	AttachNote bool
}

func newAnalyzeData(ws org.Workspace) *analyzeData {
	return &analyzeData{Profiles: analysis.Profiles, Payers: engine.Payers, PatientTypes: engine.PatientTypes, BAA: ws.BAA()}
}

func (h *Handler) analyzeForm(w http.ResponseWriter, r *http.Request) {
	ws := workspace(r)
	usage, err := h.Analyses.Usage(r.Context(), ws)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	data := newAnalyzeData(ws)
	data.Usage = usage
	h.render(w, r, http.StatusOK, "analyze", h.newPage(r, "Analyze a note", "analyze", data))
}

// recordView is a record with what the viewer may do with it.
type recordView struct {
	*analysis.Record
	Base                   string // the workspace's path prefix
	CanDecide, CanDelete   bool
	CanReadNote, CanRecode bool
	Note                   string // the retained note, when shown
}

func newRecordView(ws org.Workspace, rec *analysis.Record) *recordView {
	return &recordView{Record: rec, Base: base(ws), CanDecide: ws.Can(org.WriteFeedback), CanDelete: ws.Can(org.DeleteAnalysis),
		CanReadNote: ws.Org != nil && ws.Can(org.ReadNote), CanRecode: ws.Org != nil && ws.Can(org.CreateAnalysis) && ws.Can(org.ReadNote)}
}
