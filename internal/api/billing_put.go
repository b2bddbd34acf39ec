package api

import (
	"net/http"

	"github.com/medcode/medcode/internal/billing"
)

func (h *Handler) billingPut(w http.ResponseWriter, r *http.Request) {
	var set billing.Settings
	if err := decode(w, r, smallBody*64, &set); err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.Billing.SaveSettings(r.Context(), workspace(r), set); err != nil {
		h.fail(w, r, err)
		return
	}
	out, err := h.Billing.Settings(r.Context(), workspace(r))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}
