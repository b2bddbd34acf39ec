package web

import "net/http"

// remitView is the posting view of one remittance: each claim's
// adjudication with the reasons in our words and the fixes, and the
// balancing checks.
func (h *Handler) remitView(w http.ResponseWriter, r *http.Request) {
	rm, err := h.Billing.Remittance(r.Context(), workspace(r), r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "remittance", h.newPage(r, "Remittance "+rm.TraceNumber, "remittances", rm))
}
