package em

import (
	"fmt"
	"github.com/medcode/medcode/internal/nlp"

	"github.com/medcode/medcode/internal/engine/procedure/scan"
)

// riskItem is one management decision found, with the risk level it carries.
type riskItem struct {
	level  Level
	reason string
	span   Span
}

// riskElement scores the risk of complications of the management chosen:
// the highest-risk decision documented wins. A non-nil only limits the
// reading to those sentences.
func (t *Tables) riskElement(n *scan.Note, only map[int]bool) Element {
	var items []riskItem
	for si := range n.Sentences {
		s := &n.Sentences[si]
		if !managementSections[s.Section] || only != nil && !only[si] {
			continue
		}
		items = append(items, t.riskInSentence(n, s)...)
	}
	var e Element
	for _, it := range items {
		if it.level > e.Level {
			e.Level = it.level
		}
	}
	seen := map[string]bool{}
	for lvl := e.Level; lvl >= Straightforward; lvl-- {
		for _, it := range items {
			if it.level != lvl || seen[it.reason] {
				continue
			}
			seen[it.reason] = true
			e.Reasons = append(e.Reasons, it.reason)
			if lvl == e.Level {
				e.Evidence = append(e.Evidence, it.span)
			}
		}
	}
	if len(items) == 0 {
		e.Reasons = []string{"no management with more than minimal risk documented"}
	}
	return e
}

// riskInSentence finds the management decisions of one sentence.
func (t *Tables) riskInSentence(n *scan.Note, s *scan.Sentence) []riskItem {
	var items []riskItem
	terms := scan.DropOverlaps(t.lex.risk.Find(s, 0, len(s.Tokens)))
	var rxVerb, rxExplicit bool
	var prescribed riskItem // the first explicit prescription, for a drug the lexicon lacks
	for _, m := range terms {
		c := t.clauseAt(s, m.From)
		if c.conditional || c.negates(m.Match) {
			continue
		}
		sp := Span{m.Start, m.End}
		text := n.Text[m.Start:m.End]
		switch m.Kind {
		case "high":
			if hasKindIn(terms, c, "past") {
				continue // "a recent hospitalization": not today's decision
			}
			items = append(items, riskItem{High, fmt.Sprintf("decision regarding hospitalization or escalation of care (%s)", nlp.QuoteNote(text)), sp})
		case "surgery":
			items = append(items, riskItem{Moderate, fmt.Sprintf("decision for surgery (%s)", nlp.QuoteNote(text)), sp})
		case "sdoh":
			items = append(items, riskItem{Moderate, fmt.Sprintf("diagnosis or treatment limited by social determinants of health (%s)", nlp.QuoteNote(text)), sp})
		case "low":
			items = append(items, riskItem{Low, fmt.Sprintf("low-risk management (%s)", nlp.QuoteNote(text)), sp})
		case "minimal":
			items = append(items, riskItem{Straightforward, fmt.Sprintf("minimal-risk management (%s)", nlp.QuoteNote(text)), sp})
		case "rx_verb":
			rxVerb = true
		case "rx_explicit":
			if !rxExplicit {
				prescribed = riskItem{Moderate, fmt.Sprintf("prescription drug management (%s)", nlp.QuoteNote(clauseText(n, s, c))), sp}
			}
			rxExplicit = true
		case "rx_generic":
			if hasKindIn(terms, c, "rx_verb") {
				items = append(items, riskItem{Moderate, fmt.Sprintf("prescription drug management (%s)", nlp.QuoteNote(clauseText(n, s, c))), sp})
			}
		}
	}
	inPlan := s.Section == scan.Assessment || s.Section == scan.Plan
	var drugs []scan.TermMatch
	named := false
	for _, m := range t.lex.drugs.FindAll(s) {
		drugs = append(drugs, scan.TermMatch{Kind: string(t.lex.drugClasses[m.ID]), Match: m})
	}
	for _, m := range scan.DropOverlaps(drugs) {
		c := t.clauseAt(s, m.From)
		if c.conditional || c.negates(m.Match) {
			continue
		}
		named = true
		sp := Span{m.Start, m.End}
		name := n.Text[m.Start:m.End]
		otc := hasKindIn(terms, c, "otc_cue")
		switch {
		case drugClass(m.Kind) == drugParenteralControlled:
			items = append(items, riskItem{High, fmt.Sprintf("parenteral controlled substance (%s)", nlp.QuoteNote(name)), sp})
		case rxExplicit && !otc:
			items = append(items, riskItem{Moderate, fmt.Sprintf("prescription drug management (%s prescribed)", nlp.QuoteNote(name)), sp})
		case otc || drugClass(m.Kind) == drugOTC:
			if otc || rxVerb || inPlan {
				items = append(items, riskItem{Low, fmt.Sprintf("over-the-counter drug (%s)", nlp.QuoteNote(name)), sp})
			}
		case rxVerb || inPlan:
			items = append(items, riskItem{Moderate, fmt.Sprintf("prescription drug management (%s)", nlp.QuoteNote(name)), sp})
		}
	}
	if rxExplicit && !named {
		// "I will prescribe Lortab": a prescription, whatever the drug's name
		items = append(items, prescribed)
	}
	return items
}

// clauseText returns the clause as written, for reasons.
func clauseText(n *scan.Note, s *scan.Sentence, c clauseFacts) string {
	return n.Text[s.Tokens[c.from].Start:s.Tokens[c.to-1].End]
}
