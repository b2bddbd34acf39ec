package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/claims"
	"github.com/medcode/medcode/internal/report"
)

// findingsPerPage is the page of the drill-down.
const findingsPerPage = 100

// findingsData is the lines behind one figure.
type findingsData struct {
	Path     string // the report's page
	Title    string // what the filter selects, in words
	Rows     []report.Finding
	Total    int
	Claims   int
	Charge   claims.Money
	Paid     claims.Money
	Amount   claims.Money
	Estimate claims.Money
	More     string // the next page's address
	Page     int
}

// reportFindings lists the findings behind a figure: a fragment for the
// report page (htmx), or a page of its own.
func (h *Handler) reportFindings(w http.ResponseWriter, r *http.Request) {
	ws := workspace(r)
	id := r.PathValue("id")
	o, err := h.Reports.Open(r.Context(), ws, id, "findings")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	page = max(page, 1)
	q.Del("page")
	rows, err := o.Body.Select(q)
	if err != nil {
		h.fail(w, r, apperr.New(apperr.Invalid, "%s", err.Error()))
		return
	}
	d := &findingsData{Path: base(ws) + "/reports/" + id, Title: o.Body.Describe(q), Total: len(rows), Page: page}
	claimSet := map[string]bool{}
	for _, f := range rows {
		claimSet[f.ClaimID] = true
		d.Charge += f.Charge
		d.Paid += f.Paid
		d.Amount += f.Amount
		d.Estimate += f.Estimate
	}
	d.Claims = len(claimSet)
	from := min((page-1)*findingsPerPage, len(rows))
	d.Rows = rows[from:min(from+findingsPerPage, len(rows))]
	if from+findingsPerPage < len(rows) {
		next := url.Values{}
		for k, v := range q {
			next[k] = v
		}
		next.Set("page", strconv.Itoa(page+1))
		d.More = d.Path + "/findings?" + next.Encode()
	}
	h.render(w, r, http.StatusOK, "report_findings", h.newPage(r, "Findings", "reports", d))
}
