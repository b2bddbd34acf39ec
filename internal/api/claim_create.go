package api

import (
	"net/http"

	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/billing"
	"github.com/medcode/medcode/internal/claims"
)

// claimCreateRequest makes a claim from an analysis (analysis_id and
// encounter) or stores one given whole (claim).
type claimCreateRequest struct {
	AnalysisID string             `json:"analysis_id,omitempty"`
	Encounter  *billing.Encounter `json:"encounter,omitempty"`
	Claim      *claims.Claim      `json:"claim,omitempty"`
}

func (h *Handler) claimCreate(w http.ResponseWriter, r *http.Request) {
	var req claimCreateRequest
	if err := decode(w, r, maxClaimsBody, &req); err != nil {
		h.fail(w, r, err)
		return
	}
	var c *billing.Claim
	var err error
	switch {
	case req.Claim != nil && req.AnalysisID == "" && req.Encounter == nil:
		c, err = h.Billing.Create(r.Context(), workspace(r), req.Claim)
	case req.Claim == nil && req.AnalysisID != "" && req.Encounter != nil:
		c, err = h.Billing.FromAnalysis(r.Context(), workspace(r), req.AnalysisID, *req.Encounter)
	default:
		err = apperr.New(apperr.Invalid, "Send either claim, or analysis_id with encounter.")
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, c)
}
