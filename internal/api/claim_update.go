package api

import (
	"net/http"

	"github.com/medcode/medcode/internal/claims"
)

// claimUpdate replaces a claim with the body and scrubs it again.
func (h *Handler) claimUpdate(w http.ResponseWriter, r *http.Request) {
	var c claims.Claim
	if err := decode(w, r, maxClaimsBody, &c); err != nil {
		h.fail(w, r, err)
		return
	}
	out, err := h.Billing.Update(r.Context(), workspace(r), r.PathValue("id"), &c)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}
