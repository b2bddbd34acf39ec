package api

import (
	"net/http"
)

func (h *Handler) billingGet(w http.ResponseWriter, r *http.Request) {
	out, err := h.Billing.Settings(r.Context(), workspace(r))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}
