package api

import (
	"net/http"

	"github.com/medcode/medcode/internal/analysis"
)

// FeedbackRequest is the body of POST .../analyses/{id}/feedback.
type FeedbackRequest struct {
	Code        string `json:"code"`
	Decision    string `json:"decision"` // accepted, rejected, changed, or "" to clear
	Replacement string `json:"replacement,omitempty"`
}

func (h *Handler) analysisFeedback(w http.ResponseWriter, r *http.Request) {
	var in FeedbackRequest
	if err := decode(w, r, smallBody, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.Analyses.Decide(r.Context(), workspace(r), r.PathValue("id"), in.Code, analysis.Decision(in.Decision), in.Replacement); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
