package api

import (
	"net/http"
)

func (h *Handler) claimGet(w http.ResponseWriter, r *http.Request) {
	c, err := h.Billing.Get(r.Context(), workspace(r), r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}
