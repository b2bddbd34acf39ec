package report

import (
	"embed"
	"encoding/base64"
	"fmt"
	"html"
	"html/template"
	"io"
	"net/url"
	"strings"
)

//go:embed templates/report.html
var templateFS embed.FS

// reportTemplate is parsed once; its functions format figures and build
// the drill-down links.
var reportTemplate = template.Must(template.New("report.html").Funcs(template.FuncMap{
	"usd": usd, "usd0": usd0, "pct": pct, "signal": signalText,
	"q":   func(kv ...string) string { return query("", kv...) },
	"q2":  query,
	"fig": figure,
}).ParseFS(templateFS, "templates/report.html"))

// query builds a drill-down filter ("a=denial&c=CO&i=97") from key-value
// pairs, after a scope filter ("p=<npi>") when one is given. Keys: a
// analysis, c category, i item, p provider NPI, y payer class, w week, o
// opportunity.
func query(scope string, kv ...string) string {
	parts := make([]string, 0, len(kv)/2+1)
	if scope != "" {
		parts = append(parts, scope)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		parts = append(parts, kv[i]+"="+url.QueryEscape(kv[i+1]))
	}
	return strings.Join(parts, "&")
}

// Measures say how a figure aggregates the findings its filter selects.
var measures = map[string]bool{
	"rows": true, "claims": true, "charge": true, "paid": true, "amount": true, "estimate": true,
	"pct": true, // a share, computed against another figure
}

// figure is a figure that opens the findings behind it: q filters them,
// m says how they add up to the figure.
func figure(q, m, text string) (template.HTML, error) {
	if !measures[m] {
		return "", fmt.Errorf("figure %q: unknown measure %q", text, m)
	}
	return template.HTML(`<a class="f" href="#lines" data-q="` + html.EscapeString(q) + `" data-m="` + m + `">` + html.EscapeString(text) + `</a>`), nil
}

// scopeView is a scope with its drill-down filter.
type scopeView struct {
	SR     *ScopeReport
	Filter string
}

type htmlView struct {
	R            *Report
	Charts       map[string]template.URL
	PatientTypes []patientTypeView
	Overall      scopeView
	Scopes       []scopeView
	// Rows are the findings as arrays (layout in the template's script),
	// Providers the provider names by NPI.
	Rows      [][]any
	Providers map[string]string
}

type patientTypeView struct {
	Title string
	Codes []string
}

// WriteHTML writes the report as one self-contained HTML page: charts are
// inline images, and every figure lists the findings behind it.
func (r *Report) WriteHTML(w io.Writer) error {
	urls, err := ChartURLs(&r.Overall)
	if err != nil {
		return err
	}
	v := htmlView{
		R: r, Charts: urls, Overall: scopeView{SR: &r.Overall},
		PatientTypes: []patientTypeView{{"Established patients", establishedCodes}, {"New patients", newCodes}},
		Providers:    map[string]string{},
	}
	for _, sr := range r.scopes() {
		f := ""
		switch sr.Scope.Kind {
		case "provider":
			f = "p=" + url.QueryEscape(sr.Scope.Key)
			v.Providers[sr.Scope.Key] = sr.Scope.Label
		case "payer":
			f = "y=" + url.QueryEscape(sr.Scope.Key)
		}
		v.Scopes = append(v.Scopes, scopeView{SR: sr, Filter: f})
	}
	v.Rows = make([][]any, len(r.Findings))
	for i, f := range r.Findings {
		opp := 0
		if f.Opportunity {
			opp = 1
		}
		v.Rows[i] = []any{f.ID, f.Analysis, f.Category, f.Item, f.ClaimID, f.Line, f.DOS.String(), f.Week.String(), f.Provider,
			string(f.PayerClass), f.Payer, f.Code, int64(f.Charge), int64(f.Paid), int64(f.Amount), int64(f.Estimate), opp,
			rowDetail(f), f.Fix}
	}
	if err := reportTemplate.Execute(w, v); err != nil {
		return fmt.Errorf("report: html: %w", err)
	}
	return nil
}

// ChartURLs draws the charts of one scope as SVG data: URLs, by name:
// em-established, em-new (E/M levels against the benchmark),
// denial-pareto, weekly-trend and weekly-opportunity; a chart without
// data is left out.
func ChartURLs(sr *ScopeReport) (map[string]template.URL, error) {
	cs, err := charts(sr)
	if err != nil {
		return nil, err
	}
	out := make(map[string]template.URL, len(cs))
	for name, c := range cs {
		svg, err := c.svg()
		if err != nil {
			return nil, err
		}
		out[name] = template.URL("data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString(svg))
	}
	return out, nil
}

// rowDetail joins a finding's detail with what is expected.
func rowDetail(f Finding) string {
	if f.Expected == "" || strings.Contains(f.Detail, f.Expected) {
		return f.Detail
	}
	return f.Detail + " (" + f.Expected + ")"
}
