package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/medcode/medcode/internal/analysis"
	"github.com/medcode/medcode/internal/org"
)

type historyData struct {
	Page      *analysis.Page
	Prev      string // link to the previous page, "" on the first
	Next      string
	CanDelete bool
}

func (h *Handler) history(w http.ResponseWriter, r *http.Request) {
	ws := workspace(r)
	q := r.URL.Query()
	n, _ := strconv.Atoi(q.Get("page"))
	pg, err := h.Analyses.List(r.Context(), ws, analysis.ListQuery{Page: n, PerPage: 20, Code: q.Get("code")})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	link := func(p int) string {
		v := url.Values{"page": {strconv.Itoa(p)}}
		if pg.Code != "" {
			v.Set("code", pg.Code)
		}
		return base(ws) + "/history?" + v.Encode()
	}
	data := &historyData{Page: pg, CanDelete: ws.Can(org.DeleteAnalysis)}
	if pg.Page > 1 {
		data.Prev = link(pg.Page - 1)
	}
	if pg.Page < pg.Pages() {
		data.Next = link(pg.Page + 1)
	}
	h.render(w, r, http.StatusOK, "history", h.newPage(r, "History", "history", data))
}
