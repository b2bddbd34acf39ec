package web

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/billing/revenue"
	"github.com/medcode/medcode/internal/org"
	"github.com/medcode/medcode/internal/report"
	"github.com/medcode/medcode/internal/store"
)

// reportData is a report's page: its progress while it is built, the
// reason when it failed, and the figures of one scope when done.
type reportData struct {
	Report *revenue.Report
	Path   string // the report's page
	// Done reports only.
	Body   *report.Report
	Scope  *report.ScopeReport
	Scopes []scopeOption
	Charts map[string]template.URL
	// filter is the scope's drill-down filter ("p=<npi>", "y=<class>").
	filter    string
	CanDelete bool
}

type scopeOption struct {
	Value, Label string
	Selected     bool
}

// Drill is the address of the findings behind a figure of the scope:
// the report's findings page filtered by the key-value pairs.
func (d *reportData) Drill(kv ...string) string {
	q := url.Values{}
	if k, v, ok := strings.Cut(d.filter, "="); ok {
		q.Set(k, v)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	return d.Path + "/findings?" + q.Encode()
}

// Running reports whether the report is still being built.
func (d *reportData) Running() bool {
	return d.Report.Status == store.ReportQueued || d.Report.Status == store.ReportRunning
}

// reportView shows a report. While it is built the page polls its
// progress (htmx asks for the fragment), and reloads when it is ready.
func (h *Handler) reportView(w http.ResponseWriter, r *http.Request) {
	ws := workspace(r)
	id := r.PathValue("id")
	rep, err := h.Reports.Status(r.Context(), ws, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := &reportData{Report: rep, Path: base(ws) + "/reports/" + id, CanDelete: ws.Can(org.DeleteReport)}
	if isHTMX(r) && !d.Running() {
		w.Header().Set("HX-Refresh", "true")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	switch rep.Status {
	case store.ReportDone:
		if err := h.openReport(r, ws, d); err != nil {
			h.fail(w, r, err)
			return
		}
	case store.ReportFailed:
		if err := h.Reports.MarkSeen(r.Context(), ws, id); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	h.render(w, r, http.StatusOK, "report", h.newPage(r, "60-day revenue analysis", "reports", d))
}

// openReport fills a done report's figures for the scope the page asks
// for: "" overall, "p:<npi>" a provider, "y:<class>" a payer class.
func (h *Handler) openReport(r *http.Request, ws org.Workspace, d *reportData) error {
	o, err := h.Reports.Open(r.Context(), ws, d.Report.ID, "page")
	if err != nil {
		return err
	}
	d.Body, d.Scope = o.Body, &o.Body.Overall
	want := r.URL.Query().Get("scope")
	d.Scopes = append(d.Scopes, scopeOption{Value: "", Label: "All providers and payers", Selected: want == ""})
	for _, group := range []struct {
		key    string
		scopes []report.ScopeReport
	}{{"p", o.Body.Providers}, {"y", o.Body.Payers}} {
		for i := range group.scopes {
			sr := &group.scopes[i]
			value := group.key + ":" + sr.Scope.Key
			d.Scopes = append(d.Scopes, scopeOption{Value: value, Label: sr.Scope.Label, Selected: value == want})
			if value == want {
				d.Scope, d.filter = sr, group.key+"="+sr.Scope.Key
			}
		}
	}
	if want != "" && d.filter == "" {
		return apperr.New(apperr.NotFound, "no such scope in the report")
	}
	d.Charts, err = report.ChartURLs(d.Scope)
	return err
}
