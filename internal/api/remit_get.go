package api

import (
	"net/http"
)

func (h *Handler) remitGet(w http.ResponseWriter, r *http.Request) {
	out, err := h.Billing.Remittance(r.Context(), workspace(r), r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}
