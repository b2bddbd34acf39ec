package em

import (
	"fmt"
	"github.com/medcode/medcode/internal/nlp"
	"sort"
	"strings"

	"github.com/medcode/medcode/internal/engine/procedure/scan"
)

// category is the MDM problem category a problem addressed falls in.
type category int

const (
	catMinor category = iota
	catStableChronic
	catAcute
	catUndiagnosed
	catSystemic
	catComplicated
	catProgression
	catSevere
	catThreat
)

var categories = map[category]struct {
	label string
	level Level
}{
	catMinor:         {"self-limited or minor problem", Straightforward},
	catStableChronic: {"stable chronic illness", Low},
	catAcute:         {"acute uncomplicated illness or injury", Low},
	catUndiagnosed:   {"undiagnosed new problem with uncertain prognosis", Moderate},
	catSystemic:      {"acute illness with systemic symptoms", Moderate},
	catComplicated:   {"acute complicated injury", Moderate},
	catProgression:   {"chronic illness with exacerbation, progression or side effects of treatment", Moderate},
	catSevere:        {"chronic illness with severe exacerbation, progression or side effects of treatment", High},
	catThreat:        {"illness or injury posing a threat to life or bodily function", High},
}

// problem is one problem addressed: the diagnoses of one ICD-10-CM
// category, scored together.
type problem struct {
	key      string
	codes    []string
	cat      category
	why      string
	evidence []Span
}

// evalProblems scores each diagnosis addressed at the visit and merges the
// diagnoses of one three-character category into one problem.
func (t *Tables) evalProblems(n *scan.Note, dx []Diagnosis) []problem {
	evidenceSentences := map[int]bool{}
	for _, d := range dx {
		for _, sp := range d.Evidence {
			if si := n.SentenceAt(sp.Start); si >= 0 {
				evidenceSentences[si] = true
			}
		}
	}
	byKey := map[string]*problem{}
	var order []string
	for _, d := range dx {
		class := t.classOf(d.Code)
		if class == classNone || !addressed(n, d) {
			continue
		}
		cat, why, cue := t.categorize(n, d, class, evidenceSentences)
		key := strings.ToUpper(strings.ReplaceAll(d.Code, ".", ""))
		if len(key) > 3 {
			key = key[:3]
		}
		p, ok := byKey[key]
		if !ok {
			p = &problem{key: key, cat: cat, why: why}
			byKey[key] = p
			order = append(order, key)
		} else if categories[cat].level > categories[p.cat].level || categories[cat].level == categories[p.cat].level && cat > p.cat {
			p.cat, p.why = cat, why
		}
		p.codes = append(p.codes, d.Code)
		p.evidence = append(p.evidence, d.Evidence...)
		p.evidence = append(p.evidence, cue...)
	}
	out := make([]problem, 0, len(order))
	for _, k := range order {
		out = append(out, *byKey[k])
	}
	return out
}

// addressed reports whether a diagnosis is documented somewhere other than
// a list of history, medications or systems; one without evidence is taken
// as addressed, since the diagnosis coder chose it.
func addressed(n *scan.Note, d Diagnosis) bool {
	if len(d.Evidence) == 0 {
		return true
	}
	for _, sp := range d.Evidence {
		if si := n.SentenceAt(sp.Start); si >= 0 && !mentionOnly[n.Sentences[si].Section] {
			return true
		}
	}
	return false
}

// subsequentEncounter reports an injury code whose 7th character marks a
// subsequent encounter or a sequela: healing, not acute.
func subsequentEncounter(code string) bool {
	c := strings.ReplaceAll(code, ".", "")
	if len(c) != 7 || (c[0] != 'S' && c[0] != 'T') {
		return false
	}
	return strings.ContainsRune("DGKPS", rune(c[6]))
}

// categorize places one diagnosis in its MDM problem category from its code
// class and the status words documented with it.
func (t *Tables) categorize(n *scan.Note, d Diagnosis, class problemClass, evidenceSentences map[int]bool) (category, string, []Span) {
	if subsequentEncounter(d.Code) && (class == classComplicated || class == classAcute) {
		return catAcute, d.Code + ": injury in its healing phase", nil
	}
	switch class {
	case classThreat:
		return catThreat, d.Code + ": a condition of this kind threatens life or bodily function", nil
	case classSevere:
		return catSevere, d.Code + ": the code states a severe exacerbation", nil
	case classComplicated:
		return catComplicated, d.Code + ": an injury of this kind is complicated", nil
	case classSelfLimited:
		return catMinor, d.Code, nil
	case classChronic, classActive, classExacerbation:
		st, cue := t.status(n, d, evidenceSentences)
		switch {
		case st == "severe":
			return catSevere, fmt.Sprintf("%s: chronic illness documented as %s", d.Code, nlp.QuoteNote(cue.text)), cue.spans
		case st == "progression":
			return catProgression, fmt.Sprintf("%s: chronic illness documented as %s", d.Code, nlp.QuoteNote(cue.text)), cue.spans
		case class == classExacerbation:
			return catProgression, d.Code + ": the code states an exacerbation or poor control", nil
		case st == "stable":
			return catStableChronic, fmt.Sprintf("%s: chronic illness documented as %s", d.Code, nlp.QuoteNote(cue.text)), cue.spans
		case class == classActive:
			return catProgression, d.Code + ": under active work-up or treatment, not documented as stable", nil
		}
		return catStableChronic, d.Code + ": no worsening documented", nil
	case classSystemic:
		if cue, ok := t.systemicSymptom(n, d); ok {
			return catSystemic, fmt.Sprintf("%s: acute illness with systemic symptoms (%s)", d.Code, nlp.QuoteNote(cue.text)), cue.spans
		}
	}
	if cue, ok := t.uncertainty(n, d); ok {
		return catUndiagnosed, fmt.Sprintf("%s: undiagnosed problem, the assessment says %s", d.Code, nlp.QuoteNote(cue.text)), cue.spans
	}
	return catAcute, d.Code, nil
}

// cueFound is a status phrase found for a problem.
type cueFound struct {
	text  string
	spans []Span
}

// status reads how a chronic problem stands: "severe", "progression",
// "stable" or "". It looks first in the clauses of the diagnosis's
// evidence, then in their whole sentences, then in the sentences that
// follow them in the assessment and plan until the next problem; at the
// first of these that says anything, the most severe status wins.
func (t *Tables) status(n *scan.Note, d Diagnosis, evidenceSentences map[int]bool) (string, cueFound) {
	type clauseRef struct{ si, from, to int }
	var clauses, sents, blocks []clauseRef
	for _, sp := range d.Evidence {
		si := n.SentenceAt(sp.Start)
		if si < 0 || mentionOnly[n.Sentences[si].Section] {
			continue
		}
		s := &n.Sentences[si]
		first, _ := s.TokenRange(sp.Start, sp.End)
		from, to := s.Clause(first)
		clauses = append(clauses, clauseRef{si, from, to})
		sents = append(sents, clauseRef{si, 0, len(s.Tokens)})
		if s.Section != scan.Assessment && s.Section != scan.Plan {
			continue
		}
		for next := si + 1; next < len(n.Sentences) && next <= si+4 && n.Sentences[next].Section == s.Section && !evidenceSentences[next]; next++ {
			blocks = append(blocks, clauseRef{next, 0, len(n.Sentences[next].Tokens)})
		}
	}
	rank := map[string]int{"": 0, "stable": 1, "progression": 2, "severe": 3}
	for _, level := range [][]clauseRef{clauses, sents, blocks} {
		best, bestCue := "", cueFound{}
		for _, c := range level {
			if st, cue := t.statusIn(n, &n.Sentences[c.si], c.from, c.to); rank[st] > rank[best] {
				best, bestCue = st, cue
			}
		}
		if best != "" {
			return best, bestCue
		}
	}
	return "", cueFound{}
}

// statusIn reads the status words of tokens [from, to) of s; the most
// severe one wins. A dose change of a drug counts as "not at goal".
func (t *Tables) statusIn(n *scan.Note, s *scan.Sentence, from, to int) (string, cueFound) {
	rank := map[string]int{"stable": 1, "progression": 2, "severe": 3}
	best, bestCue := "", cueFound{}
	for _, m := range scan.DropOverlaps(t.lex.status.Find(s, from, to)) {
		kind := m.Kind
		if kind == "dose_change" {
			if !t.drugInClause(s, m.From) {
				continue
			}
			kind = "progression"
		}
		if rank[kind] == 0 || rank[kind] <= rank[best] {
			continue
		}
		c := t.clauseAt(s, m.From)
		if c.negates(m.Match) {
			continue
		}
		best = kind
		bestCue = cueFound{text: n.Text[m.Start:m.End], spans: []Span{{m.Start, m.End}}}
	}
	return best, bestCue
}

// drugInClause reports whether a drug or a word for drug therapy is named
// in the clause around token i.
func (t *Tables) drugInClause(s *scan.Sentence, i int) bool {
	from, to := s.Clause(i)
	if len(t.lex.drugs.Find(s, from, to)) > 0 {
		return true
	}
	_, ok := t.lex.risk.First(s, from, to, "rx_generic")
	return ok
}

// systemicSymptom finds a systemic symptom (fever, chills ...) documented
// with the diagnosis or in the history of the illness and not negated.
func (t *Tables) systemicSymptom(n *scan.Note, d Diagnosis) (cueFound, bool) {
	near := map[int]bool{}
	for _, sp := range d.Evidence {
		if si := n.SentenceAt(sp.Start); si >= 0 {
			near[si] = true
		}
	}
	for si := range n.Sentences {
		s := &n.Sentences[si]
		switch {
		case near[si], s.Section == scan.Complaint, s.Section == scan.HPI, s.Section == scan.Vitals, s.Section == scan.Exam:
		default:
			continue
		}
		for _, m := range scan.DropOverlaps(t.lex.status.Find(s, 0, len(s.Tokens))) {
			if m.Kind != "systemic" {
				continue
			}
			if t.clauseAt(s, m.From).negates(m.Match) {
				continue
			}
			return cueFound{text: n.Text[m.Start:m.End], spans: []Span{{m.Start, m.End}}}, true
		}
	}
	return cueFound{}, false
}

// uncertainty finds an uncertain diagnosis stated in the sentence of the
// problem's evidence ("cough and fever - r/o pneumonia"), not conditional
// and not negated: the problem is undiagnosed with an uncertain prognosis.
func (t *Tables) uncertainty(n *scan.Note, d Diagnosis) (cueFound, bool) {
	for _, sp := range d.Evidence {
		si := n.SentenceAt(sp.Start)
		if si < 0 {
			continue
		}
		s := &n.Sentences[si]
		if s.Section != scan.Assessment && s.Section != scan.Plan && s.Section != scan.Other {
			continue
		}
		for _, m := range scan.DropOverlaps(t.lex.status.Find(s, 0, len(s.Tokens))) {
			if m.Kind != "uncertain" {
				continue
			}
			c := t.clauseAt(s, m.From)
			if c.conditional || c.negates(m.Match) {
				continue
			}
			return cueFound{text: n.Text[m.Start:m.End], spans: []Span{{m.Start, m.End}}}, true
		}
	}
	return cueFound{}, false
}

// assessmentSentence returns the first sentence of the assessment or plan,
// or -1.
func assessmentSentence(n *scan.Note) int {
	for i, s := range n.Sentences {
		if s.Section == scan.Assessment || s.Section == scan.Plan {
			return i
		}
	}
	return -1
}

// uncodedProblem stands for a problem the note addresses in sentence si
// that no diagnosis codes: an acute uncomplicated problem (the least a
// documented assessment supports), or a problem not at its goal or
// severely worse when the sentence says so.
func (t *Tables) uncodedProblem(n *scan.Note, si int) (problem, bool) {
	if si < 0 {
		return problem{}, false
	}
	s := &n.Sentences[si]
	p := problem{key: "uncoded", cat: catAcute, why: "a problem assessed in the note, not coded", evidence: []Span{{s.Start, s.End}}}
	switch st, cue := t.statusIn(n, s, 0, len(s.Tokens)); st {
	case "severe":
		p.cat, p.why = catSevere, fmt.Sprintf("a problem assessed in the note, not coded, documented as %s", nlp.QuoteNote(cue.text))
	case "progression":
		p.cat, p.why = catProgression, fmt.Sprintf("a problem assessed in the note, not coded, documented as %s", nlp.QuoteNote(cue.text))
	}
	return p, true
}

// problemSentences returns the sentences that document the problems: those
// holding their evidence and the sentences that follow in the same section
// until another problem's (at most three).
func problemSentences(n *scan.Note, ps []problem) map[int]bool {
	own := map[int]bool{}
	for _, p := range ps {
		for _, sp := range p.evidence {
			if si := n.SentenceAt(sp.Start); si >= 0 {
				own[si] = true
			}
		}
	}
	out := map[int]bool{}
	for si := range own {
		out[si] = true
		for next := si + 1; next < len(n.Sentences) && next <= si+3 && n.Sentences[next].Section == n.Sentences[si].Section && !own[next]; next++ {
			out[next] = true
		}
	}
	return out
}

// significant keeps, at a preventive visit, the problems that need work
// beyond the preventive service: new problems and worsening chronic ones.
func significant(ps []problem) []problem {
	var out []problem
	for _, p := range ps {
		if p.cat != catMinor && p.cat != catStableChronic {
			out = append(out, p)
		}
	}
	return out
}

// problemsElement scores the number and complexity of problems addressed.
func problemsElement(ps []problem) Element {
	var e Element
	counts := map[category]int{}
	top := catMinor
	for _, p := range ps {
		counts[p.cat]++
		if categories[p.cat].level > categories[top].level {
			top = p.cat
		}
	}
	sorted := append([]problem(nil), ps...)
	sort.SliceStable(sorted, func(i, j int) bool { return categories[sorted[i].cat].level > categories[sorted[j].cat].level })
	for _, p := range sorted {
		e.Reasons = append(e.Reasons, fmt.Sprintf("%s (%s)", categories[p.cat].label, p.why))
		e.Evidence = append(e.Evidence, p.evidence...)
	}
	e.Level = categories[top].level
	switch {
	case e.Level < Moderate && counts[catStableChronic] >= 2:
		e.Level = Moderate
		e.Reasons = append([]string{fmt.Sprintf("%d stable chronic illnesses", counts[catStableChronic])}, e.Reasons...)
	case e.Level < Low && counts[catMinor] >= 2:
		e.Level = Low
		e.Reasons = append([]string{fmt.Sprintf("%d self-limited or minor problems", counts[catMinor])}, e.Reasons...)
	}
	return e
}
