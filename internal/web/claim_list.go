package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/medcode/medcode/internal/billing"
	"github.com/medcode/medcode/internal/org"
	"github.com/medcode/medcode/internal/store"
)

type claimListData struct {
	Page       *billing.ClaimPage
	Status     store.ClaimStatus
	Statuses   []store.ClaimStatus
	Pages      int
	Prev, Next string
	CanWrite   bool
	CanExport  bool
	CanSetUp   bool
	Imported   *billing.Imported // after an import
}

// claimList is the organization's claims, newest first, with the import
// and export forms.
func (h *Handler) claimList(w http.ResponseWriter, r *http.Request) {
	ws := workspace(r)
	data, err := h.claimListData(r, ws)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "claims", h.newPage(r, "Claims", "claims", data))
}

func (h *Handler) claimListData(r *http.Request, ws org.Workspace) (*claimListData, error) {
	q := billing.ListQuery{Status: store.ClaimStatus(r.URL.Query().Get("status")), PerPage: 50}
	q.Page, _ = strconv.Atoi(r.URL.Query().Get("page"))
	page, err := h.Billing.List(r.Context(), ws, q)
	if err != nil {
		return nil, err
	}
	d := &claimListData{Page: page, Status: q.Status, Statuses: store.ClaimStatuses, Pages: max(1, (page.Total+page.PerPage-1)/page.PerPage),
		CanWrite: ws.Can(org.WriteClaims), CanExport: ws.Can(org.ExportClaims), CanSetUp: ws.Can(org.ManageBilling)}
	link := func(n int) string {
		v := url.Values{"page": {strconv.Itoa(n)}}
		if q.Status != "" {
			v.Set("status", string(q.Status))
		}
		return base(ws) + "/claims?" + v.Encode()
	}
	if page.Page > 1 {
		d.Prev = link(page.Page - 1)
	}
	if page.Page < d.Pages {
		d.Next = link(page.Page + 1)
	}
	return d, nil
}
