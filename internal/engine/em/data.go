package em

import (
	"fmt"
	"sort"
	"strings"

	"github.com/medcode/medcode/internal/engine/procedure/scan"
)

// dataSections are where tests are ordered or their results reviewed.
var dataSections = map[scan.Kind]bool{
	scan.Results: true, scan.Assessment: true, scan.Plan: true, scan.Other: true, scan.Procedure: true,
}

// testCount is one unique test counted as data.
type testCount struct {
	id, name string
	ordered  bool
	inOffice bool // performed and billed in the office
	span     Span
}

// dataElement scores the amount and complexity of data reviewed and
// analyzed: category 1 (each unique test ordered or reviewed, each unique
// source of external notes, and, for moderate, an independent historian),
// category 2 (independent interpretation of a test), category 3
// (discussion of management with an external physician or source). A
// non-nil only limits the reading to those sentences.
func (t *Tables) dataElement(n *scan.Note, services []Service, only map[int]bool) Element {
	interpreted := map[string]bool{}
	for _, s := range services {
		if s.Test != "" && s.Interpreted {
			interpreted[s.Test] = true
		}
	}
	tests := map[string]*testCount{}
	var order []string
	add := func(tc testCount) {
		if interpreted[tc.id] || interpreted[strings.SplitN(tc.id, ":", 2)[0]] {
			return
		}
		if prev, ok := tests[tc.id]; ok {
			prev.ordered = prev.ordered || tc.ordered
			return
		}
		tests[tc.id] = &tc
		order = append(order, tc.id)
	}
	external := map[string]Span{}
	var historian, interpretation, discussion []Span

	for si := range n.Sentences {
		s := &n.Sentences[si]
		if !dataSections[s.Section] || only != nil && !only[si] {
			continue
		}
		cues := scan.DropOverlaps(t.lex.data.Find(s, 0, len(s.Tokens)))
		for _, m := range t.testMentions(s) {
			c := t.clauseAt(s, m.From)
			if c.negates(m.Match) || c.conditional {
				continue
			}
			ordered := hasKindIn(cues, c, "order")
			reviewed := hasKindIn(cues, c, "review") || s.Section == scan.Results
			if !ordered && !reviewed {
				if s.Section != scan.Plan {
					continue
				}
				ordered = true // a test listed in the plan is ordered
			}
			add(testCount{id: m.Kind, name: n.Text[m.Start:m.End], ordered: ordered, span: Span{m.Start, m.End}})
		}
		for _, m := range cues {
			c := t.clauseAt(s, m.From)
			if c.negates(m.Match) {
				continue
			}
			sp := Span{m.Start, m.End}
			switch m.Kind {
			case "external_notes":
				key := s.Words(m.From, m.To)
				if _, ok := external[key]; !ok {
					external[key] = sp
				}
			case "historian":
				historian = append(historian, sp)
			case "independent_interpretation":
				interpretation = append(interpretation, sp)
			case "discussion":
				if !c.conditional {
					discussion = append(discussion, sp)
				}
			}
		}
	}
	for _, s := range services {
		if s.Test != "" && !s.Interpreted {
			add(testCount{id: s.Test, name: s.Code, ordered: true, inOffice: true})
		}
	}

	var e Element
	for _, id := range order {
		tc := tests[id]
		verb := "reviewed"
		switch {
		case tc.inOffice:
			verb = "performed in the office"
		case tc.ordered:
			verb = "ordered"
		}
		e.Reasons = append(e.Reasons, fmt.Sprintf("unique test %s: %s", verb, tc.name))
		if tc.span != (Span{}) {
			e.Evidence = append(e.Evidence, tc.span)
		}
	}
	for _, key := range sortedSpanKeys(external) {
		e.Reasons = append(e.Reasons, "external notes reviewed: "+key)
		e.Evidence = append(e.Evidence, external[key])
	}
	if len(historian) > 0 {
		e.Reasons = append(e.Reasons, "assessment requiring an independent historian")
		e.Evidence = append(e.Evidence, historian[0])
	}
	if len(interpretation) > 0 {
		e.Reasons = append(e.Reasons, "independent interpretation of a test performed by another physician")
		e.Evidence = append(e.Evidence, interpretation[0])
	}
	if len(discussion) > 0 {
		e.Reasons = append(e.Reasons, "discussion of management or test interpretation with an external physician or source")
		e.Evidence = append(e.Evidence, discussion[0])
	}

	cat1 := len(tests) + len(external)
	withHistorian := cat1
	if len(historian) > 0 {
		withHistorian++
	}
	met := 0
	for _, ok := range []bool{withHistorian >= 3, len(interpretation) > 0, len(discussion) > 0} {
		if ok {
			met++
		}
	}
	switch {
	case met >= 2:
		e.Level = High
	case met == 1:
		e.Level = Moderate
	case cat1 >= 2 || len(historian) > 0:
		e.Level = Low
	}
	return e
}

// testMentions returns the tests named in s, each as a match whose Kind is
// the test id; an imaging test carries the body site named with it.
func (t *Tables) testMentions(s *scan.Sentence) []scan.TermMatch {
	var ms []scan.TermMatch
	for _, m := range t.lex.tests.FindAll(s) {
		ms = append(ms, scan.TermMatch{Kind: t.lex.testEntries[m.ID].id, Match: m})
	}
	ms = scan.DropOverlaps(ms)
	for i := range ms {
		entry := t.lex.testEntries[ms[i].ID]
		if entry.kind != "imaging" {
			continue
		}
		if site, ok := t.siteOf(s, ms[i].Match); ok {
			ms[i].Kind += ":" + site
		}
	}
	return ms
}

// siteOf returns the body site named with an imaging test: right after it
// ("x-ray of the left knee") or right before it ("knee x-ray"), not across
// "and" or another clause.
func (t *Tables) siteOf(s *scan.Sentence, m scan.Match) (string, bool) {
	from, to := s.Clause(m.From)
	after := min(to, m.To+4)
	for k := m.To; k < after; k++ {
		if s.Tokens[k].Norm == "and" || s.Tokens[k].Punct {
			after = k
			break
		}
	}
	if sites := t.lex.sites.Find(s, m.To, after); len(sites) > 0 {
		return s.Words(sites[0].From, sites[0].To), true
	}
	if sites := t.lex.sites.Find(s, max(from, m.From-2), m.From); len(sites) > 0 {
		return s.Words(sites[len(sites)-1].From, sites[len(sites)-1].To), true
	}
	return "", false
}

func sortedSpanKeys(m map[string]Span) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return m[keys[i]].Start < m[keys[j]].Start })
	return keys
}
