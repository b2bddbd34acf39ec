package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/medcode/medcode/internal/billing"
	"github.com/medcode/medcode/internal/org"
)

type remitListData struct {
	Page       *billing.RemitPage
	Pages      int
	Prev, Next string
	CanPost    bool
}

// remitList is the posted remittances with the 835 upload form.
func (h *Handler) remitList(w http.ResponseWriter, r *http.Request) {
	data, err := h.remitListData(r, workspace(r))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "remittances", h.newPage(r, "Remittances", "remittances", data))
}

func (h *Handler) remitListData(r *http.Request, ws org.Workspace) (*remitListData, error) {
	n, _ := strconv.Atoi(r.URL.Query().Get("page"))
	page, err := h.Billing.Remittances(r.Context(), ws, n, 50)
	if err != nil {
		return nil, err
	}
	d := &remitListData{Page: page, Pages: max(1, (page.Total+page.PerPage-1)/page.PerPage), CanPost: ws.Can(org.PostRemits)}
	link := func(n int) string { return base(ws) + "/remittances?" + url.Values{"page": {strconv.Itoa(n)}}.Encode() }
	if page.Page > 1 {
		d.Prev = link(page.Page - 1)
	}
	if page.Page < d.Pages {
		d.Next = link(page.Page + 1)
	}
	return d, nil
}
