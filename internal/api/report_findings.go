package api

import (
	"net/http"

	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/report"
)

// findingsPage is one page of a report's findings.
type findingsPage struct {
	Filter  string           `json:"filter"` // what it selects, in words
	Total   int              `json:"total"`
	Page    int              `json:"page"`
	PerPage int              `json:"per_page"`
	Items   []report.Finding `json:"items"`
}

// reportFindings answers the line-level findings a drill-down filter
// selects (a, c, i, p, y, w, o as the report's figures use them), a page
// at a time.
func (h *Handler) reportFindings(w http.ResponseWriter, r *http.Request) {
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
	page, perPage = max(page, 1), min(max(perPage, 100), 1000)
	q := r.URL.Query()
	q.Del("page")
	q.Del("per_page")
	o, err := h.Reports.Open(r.Context(), workspace(r), r.PathValue("id"), "findings")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	rows, err := o.Body.Select(q)
	if err != nil {
		h.fail(w, r, apperr.New(apperr.Invalid, "%s", err.Error()))
		return
	}
	from := min((page-1)*perPage, len(rows))
	writeJSON(w, http.StatusOK, findingsPage{Filter: o.Body.Describe(q), Total: len(rows), Page: page, PerPage: perPage,
		Items: append([]report.Finding{}, rows[from:min(from+perPage, len(rows))]...)})
}
