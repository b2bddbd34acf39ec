package api

import (
	"net/http"

	"github.com/medcode/medcode/internal/analysis"
)

// AnalysisRequest is the body of POST /api/v1/analyses.
type AnalysisRequest struct {
	Note          string `json:"note"`
	NoPHIAttested bool   `json:"no_phi_attested"`
	SavePreview   bool   `json:"save_preview"`
	Profile       string `json:"profile,omitempty"`
	Payer         string `json:"payer,omitempty"`
	PatientType   string `json:"patient_type,omitempty"`
}

// jsonOverhead is room for escaping and the other fields around the note.
const jsonOverhead = 64 << 10

func (h *Handler) analysisCreate(w http.ResponseWriter, r *http.Request) {
	var in AnalysisRequest
	// A note escaped in JSON can double in size (\n, \", \u00e9...).
	if err := decode(w, r, 2*int64(h.MaxNoteBytes)+jsonOverhead, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	rec, err := h.Analyses.Analyze(r.Context(), workspace(r), analysis.Request{
		Note: in.Note, Attested: in.NoPHIAttested, SavePreview: in.SavePreview, Profile: in.Profile,
		Payer: in.Payer, PatientType: in.PatientType,
	})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, rec)
}
