package api

import (
	"net/http"
)

func (h *Handler) remitList(w http.ResponseWriter, r *http.Request) {
	page, err := queryInt(r, "page")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	perPage, err := queryInt(r, "per_page")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out, err := h.Billing.Remittances(r.Context(), workspace(r), page, perPage)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}
