package em

import (
	"github.com/medcode/medcode/internal/engine/procedure/scan"
)

// mentionOnly are sections that list facts rather than document today's
// work: a phrase there neither describes the visit nor addresses a problem.
var mentionOnly = map[scan.Kind]bool{scan.History: true, scan.Medications: true, scan.Allergies: true, scan.ROS: true}

// managementSections are where decisions about management are written.
var managementSections = map[scan.Kind]bool{
	scan.Assessment: true, scan.Plan: true, scan.Other: true, scan.Procedure: true, scan.Instructions: true,
}

// clauseFacts are the negation and condition words of one clause.
type clauseFacts struct {
	from, to    int
	negations   []scan.TermMatch // written before what they negate
	postNegs    []scan.TermMatch // written after it
	conditional bool
}

// clauseAt reads the clause of sentence s around token i.
func (t *Tables) clauseAt(s *scan.Sentence, i int) clauseFacts {
	from, to := s.Clause(i)
	c := clauseFacts{from: from, to: to}
	ms := t.lex.status.Find(s, from, to)
	for _, m := range ms {
		if m.Kind == "negation_after" {
			c.postNegs = append(c.postNegs, m)
		}
	}
	for _, m := range scan.DropOverlaps(ms) {
		switch m.Kind {
		case "negation":
			c.negations = append(c.negations, m)
		case "conditional":
			c.conditional = true
		}
	}
	return c
}

// negates reports whether a negation word stands in the clause before m,
// at most four words ahead of it ("denies fever", "no increased dyspnea"),
// or at the clause's start ("denies chest pain, SOB, fever"), or right
// after it ("amoxicillin not indicated").
func (c clauseFacts) negates(m scan.Match) bool {
	for _, n := range c.negations {
		if n.To <= m.From && (m.From-n.To <= 4 || n.From == c.from) {
			return true
		}
	}
	for _, n := range c.postNegs {
		if n.From >= m.To && n.From-m.To <= 2 {
			return true
		}
	}
	return false
}

// visitCues returns the visit phrases of the note by kind, leaving out
// those negated and, for the kind of visit, those about another visit.
func (t *Tables) visitCues(n *scan.Note) map[string][]scan.TermMatch {
	out := map[string][]scan.TermMatch{}
	for si := range n.Sentences {
		s := &n.Sentences[si]
		if mentionOnly[s.Section] {
			continue
		}
		ms := scan.DropOverlaps(t.lex.visit.Find(s, 0, len(s.Tokens)))
		for _, m := range ms {
			switch m.Kind {
			case "future", "past":
				continue
			}
			c := t.clauseAt(s, m.From)
			if c.negates(m.Match) {
				continue
			}
			switch m.Kind {
			case "preventive", "awv_initial", "awv_subsequent", "ippe", "nurse":
				// the visit documented, not one planned or past
				if hasKindIn(ms, c, "future") || hasKindIn(ms, c, "past") {
					continue
				}
			}
			out[m.Kind] = append(out[m.Kind], m)
		}
	}
	return out
}

// hasKindIn reports whether a match of kind lies inside clause c.
func hasKindIn(ms []scan.TermMatch, c clauseFacts, kind string) bool {
	for _, m := range ms {
		if m.Kind == kind && m.From >= c.from && m.To <= c.to {
			return true
		}
	}
	return false
}

// totalMinutes reads the practitioner's total time on the date of the
// encounter: a number of minutes in a sentence that states total or spent
// time, not the time of a separately reported service.
func (t *Tables) totalMinutes(n *scan.Note) (int, []Span) {
	best, evidence := 0, []Span(nil)
	for si := range n.Sentences {
		s := &n.Sentences[si]
		if mentionOnly[s.Section] {
			continue
		}
		var total, separate bool
		var ev Span
		ms := scan.DropOverlaps(t.lex.timeTerms.Find(s, 0, len(s.Tokens)))
		for _, m := range ms {
			switch m.Kind {
			case "total":
				total = true
				ev = Span{m.Start, m.End}
			case "separate":
				separate = true
			}
		}
		if !total || separate && !saysTotal(s, ms) {
			continue
		}
		for _, m := range ms {
			if m.Kind != "minutes" || m.From == 0 {
				continue
			}
			v, ok := scan.Count(s.Tokens[m.From-1].Norm)
			if ok && v > best && v < 24*60 {
				best = v
				evidence = []Span{{ev.Start, ev.End}, {s.Tokens[m.From-1].Start, m.End}}
			}
		}
	}
	return best, evidence
}

// saysTotal reports whether a time phrase of the sentence contains the word
// "total", which makes it the visit's time even when a separately reported
// service is mentioned beside it.
func saysTotal(s *scan.Sentence, ms []scan.TermMatch) bool {
	for _, m := range ms {
		if m.Kind != "total" {
			continue
		}
		for _, tok := range s.Tokens[m.From:m.To] {
			if tok.Norm == "total" {
				return true
			}
		}
	}
	return false
}
