package api

import (
	"net/http"

	"github.com/medcode/medcode/internal/analysis"
)

func (h *Handler) analysisList(w http.ResponseWriter, r *http.Request) {
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
	out, err := h.Analyses.List(r.Context(), workspace(r), analysis.ListQuery{Page: page, PerPage: perPage, Code: r.URL.Query().Get("code")})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}
