package api

import (
	"net/http"

	"github.com/medcode/medcode/internal/billing"
	"github.com/medcode/medcode/internal/store"
)

func (h *Handler) claimList(w http.ResponseWriter, r *http.Request) {
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
	out, err := h.Billing.List(r.Context(), workspace(r), billing.ListQuery{Status: store.ClaimStatus(r.URL.Query().Get("status")), Page: page, PerPage: perPage})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}
