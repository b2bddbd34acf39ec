package web

import "net/http"

func (h *Handler) claimDelete(w http.ResponseWriter, r *http.Request) {
	ws := workspace(r)
	if err := h.Billing.Delete(r.Context(), ws, r.PathValue("id")); err != nil {
		h.fail(w, r, err)
		return
	}
	h.flash(r, "Claim deleted.")
	redirect(w, r, base(ws)+"/claims")
}
