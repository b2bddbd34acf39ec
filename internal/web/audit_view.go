package web

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/audit"
	"github.com/medcode/medcode/internal/store"
)

type auditData struct {
	Lines   []audit.Line
	Total   int
	Page    int
	Pages   int
	Prev    string
	Next    string
	CSV     string // the CSV export of the same filter
	Filter  auditFilter
	Members []store.Member
	Actions any // audit.Actions, for the filter
}

// auditFilter is the viewer's filter as the form holds it.
type auditFilter struct {
	Actor  string // a member's user id
	Action string
	From   string // YYYY-MM-DD, inclusive
	To     string // YYYY-MM-DD, inclusive
}

const auditPerPage = 50

// auditQuery reads the filter of r into a query.
func auditQuery(r *http.Request) (audit.Query, auditFilter, error) {
	q := r.URL.Query()
	f := auditFilter{Actor: q.Get("actor"), Action: q.Get("action"), From: q.Get("from"), To: q.Get("to")}
	var aq audit.Query
	if f.Actor != "" {
		id, err := strconv.ParseInt(f.Actor, 10, 64)
		if err != nil {
			return aq, f, apperr.New(apperr.Invalid, "Pick a member to filter by.")
		}
		aq.ActorID = id
	}
	aq.Action = f.Action
	for _, d := range []struct {
		text string
		dst  *time.Time
		next bool // the end of the period includes its day
	}{{f.From, &aq.From, false}, {f.To, &aq.To, true}} {
		if d.text == "" {
			continue
		}
		t, err := time.Parse("2006-01-02", d.text)
		if err != nil {
			return aq, f, apperr.New(apperr.Invalid, "Give dates as YYYY-MM-DD.")
		}
		if d.next {
			t = t.AddDate(0, 0, 1)
		}
		*d.dst = t
	}
	return aq, f, nil
}

func (h *Handler) auditView(w http.ResponseWriter, r *http.Request) {
	ws := workspace(r)
	q, f, err := auditQuery(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	q.Page, q.PerPage = max(1, page), auditPerPage
	lines, total, err := h.Audit.List(r.Context(), ws.Org.ID, q)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	members, err := h.Orgs.Roster(r.Context(), ws)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	link := func(path string, p int) string {
		v := url.Values{}
		for k, s := range map[string]string{"actor": f.Actor, "action": f.Action, "from": f.From, "to": f.To} {
			if s != "" {
				v.Set(k, s)
			}
		}
		if p > 0 {
			v.Set("page", strconv.Itoa(p))
		}
		if len(v) == 0 {
			return base(ws) + path
		}
		return base(ws) + path + "?" + v.Encode()
	}
	data := &auditData{Lines: lines, Total: total, Page: q.Page, Pages: max(1, (total+auditPerPage-1)/auditPerPage),
		Filter: f, Members: members.Members, Actions: audit.Actions, CSV: link("/audit.csv", 0)}
	if data.Page > 1 {
		data.Prev = link("/audit", data.Page-1)
	}
	if data.Page < data.Pages {
		data.Next = link("/audit", data.Page+1)
	}
	h.render(w, r, http.StatusOK, "audit", h.newPage(r, "Audit log", "audit", data))
}
