package report

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// filterKeys are the keys of a drill-down filter, as the HTML report's
// figures write them: a analysis, c category, i item, p provider NPI,
// y payer class, w week (the Monday, YYYY-MM-DD), o opportunity only.
var filterKeys = map[string]func(f *Finding) string{
	"a": func(f *Finding) string { return f.Analysis },
	"c": func(f *Finding) string { return f.Category },
	"i": func(f *Finding) string { return f.Item },
	"p": func(f *Finding) string { return f.Provider },
	"y": func(f *Finding) string { return string(f.PayerClass) },
	"w": func(f *Finding) string { return f.Week.String() },
}

// Select returns the findings behind a figure: those matching every key
// of the drill-down filter q (see the figure links of WriteHTML; o, with
// any value, keeps only revenue opportunities). An unknown key is an
// error, so a mistyped filter does not silently select everything.
func (r *Report) Select(q url.Values) ([]Finding, error) {
	for k, vs := range q {
		if _, ok := filterKeys[k]; !ok && k != "o" {
			return nil, fmt.Errorf("report: unknown filter key %q (want a, c, i, p, y, w or o)", k)
		}
		if len(vs) != 1 {
			return nil, fmt.Errorf("report: filter key %q given %d times", k, len(vs))
		}
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		if k != "o" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	_, opportunity := q["o"]
	var out []Finding
	for i := range r.Findings {
		f := &r.Findings[i]
		if opportunity && !f.Opportunity {
			continue
		}
		ok := true
		for _, k := range keys {
			if filterKeys[k](f) != q.Get(k) {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, *f)
		}
	}
	return out, nil
}

// Describe says in words what a drill-down filter selects, with the
// provider's name for p.
func (r *Report) Describe(q url.Values) string {
	names := map[string]string{"a": "analysis", "c": "category", "i": "item", "p": "provider", "y": "payer class", "w": "week of"}
	var parts []string
	for _, k := range []string{"a", "c", "i", "p", "y", "w"} {
		v := q.Get(k)
		if v == "" {
			continue
		}
		if k == "p" {
			for _, sr := range r.Providers {
				if sr.Scope.Key == v {
					v = sr.Scope.Label
				}
			}
		}
		parts = append(parts, names[k]+" "+v)
	}
	if _, ok := q["o"]; ok {
		parts = append(parts, "revenue opportunities")
	}
	if len(parts) == 0 {
		return "every finding"
	}
	return strings.Join(parts, ", ")
}
