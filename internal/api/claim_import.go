package api

import (
	"net/http"
)

// maxClaimsBody bounds an imported claims file, an 835 and a claim.
const maxClaimsBody = 32 << 20

// claimImport stores the claims of a CSV or 837P body.
func (h *Handler) claimImport(w http.ResponseWriter, r *http.Request) {
	data, err := readBody(w, r, maxClaimsBody)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out, err := h.Billing.Import(r.Context(), workspace(r), "the body", data)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, out)
}
