package engine

import (
	"fmt"
	"sort"
	"strings"

	"github.com/medcode/medcode/internal/codeset/icd"
	"github.com/medcode/medcode/internal/nlp"
	"github.com/medcode/medcode/internal/phi"
)

// Sequencing tiers (R3, R20, CODE-FIRST, ADVERSE-EFFECT, POISONING,
// UNDERDOSING): encounter reasons first, then poisonings, the conditions
// in the order the assessment takes them, the drug effects that follow
// their manifestation, noncompliance, status codes, external causes.
const (
	tierEncounter = iota
	tierPoisoning
	tierCondition
	tierDrugEffect
	tierNoncompliance
	tierStatus
	tierExternal
)

func (c *noteCoder) tier(cd *candidate) int {
	code := cd.code.Code
	switch {
	case c.isEncounterReason(code):
		return tierEncounter
	case strings.HasPrefix(code, "T") && len(code) >= 7 && code >= "T36" && code < "T66":
		switch code[6] {
		case '1', '2', '3', '4':
			return tierPoisoning
		case '5', '6':
			return tierDrugEffect
		}
	case strings.HasPrefix(code, "Z91.1"):
		return tierNoncompliance
	case strings.HasPrefix(code, "Z") && !strings.HasPrefix(code, "Z00") && !strings.HasPrefix(code, "Z01"):
		return tierStatus
	case code[0] == 'V' || code[0] == 'W' || code[0] == 'X' || code[0] == 'Y':
		return tierExternal
	}
	return tierCondition
}

// isEncounterReason reports the Z codes listed first for the encounter:
// routine exams and pre-operative evaluations.
func (c *noteCoder) isEncounterReason(code string) bool {
	if _, ok := c.e.tables.examPair(code); ok {
		return true
	}
	return strings.HasPrefix(code, "Z00.") || strings.HasPrefix(code, "Z01.81")
}

// firstSeen is where the note first documents the candidate: a mention in
// the assessment counts before any other.
func (c *noteCoder) firstSeen(cd *candidate) int {
	best := -1
	for _, m := range cd.mentions {
		pos := m.start
		if !c.inAssessment(m) {
			pos += len(c.doc.Text) + 1
		}
		if best < 0 || pos < best {
			best = pos
		}
	}
	if best < 0 {
		return 2 * (len(c.doc.Text) + 1)
	}
	return best
}

// sequence orders the kept codes (R3) and then moves any code a tabular
// "code first" note names ahead of the code that carries the note.
func (c *noteCoder) sequence() {
	c.mergeSameCode()
	live := c.live()
	sort.SliceStable(live, func(i, j int) bool {
		a, b := live[i], live[j]
		if ta, tb := c.tier(a), c.tier(b); ta != tb {
			return ta < tb
		}
		if fa, fb := c.firstSeen(a), c.firstSeen(b); fa != fb {
			return fa < fb
		}
		return a.code.Code < b.code.Code
	})
	for pass := 0; pass < len(live); pass++ {
		moved := false
		for i := 0; i < len(live) && !moved; i++ {
			for j := i + 1; j < len(live); j++ {
				if c.mustPrecede(live[j], live[i]) {
					x := live[j]
					copy(live[i+1:j+1], live[i:j])
					live[i] = x
					live[i+1].addRule(c.precedeRule(live[i+1]))
					moved = true
					break
				}
			}
		}
		if !moved {
			break
		}
	}
	for i, cd := range live {
		cd.order = i + 1
	}
}

// mustPrecede reports whether a must come before b: b's notes say code
// first a's condition, or b is a manifestation of a.
func (c *noteCoder) mustPrecede(a, b *candidate) bool {
	if b.code.Manifestation && !a.code.Manifestation && c.tier(a) == tierCondition {
		for _, m := range b.mentions {
			if containsMention(a.mentions, m) {
				return true
			}
		}
	}
	for _, n := range c.rc.notes(b.code.Code) {
		if n.Kind == icd.CodeFirst && refsContain(n.Refs, a.code.Code) {
			return true
		}
	}
	return false
}

func (c *noteCoder) precedeRule(cd *candidate) string {
	if cd.code.Manifestation {
		return "MANIFESTATION"
	}
	return "CODE-FIRST"
}

// sourceConfidence is the prior confidence of a code by how it was found,
// before calibration.
var sourceConfidence = map[sourceKind]float64{
	srcIndex:   0.9,
	srcLexicon: 0.9,
	srcSkip:    0.75,
	srcTabular: 0.75,
	srcLearned: 0.7,
}

// score gives each kept code its confidence: the prior of its source, the
// weight of the best section that documents it, its support in the note,
// whether navigation had to fall back to an unspecified code, then the
// calibration table learned on held-out notes.
func (c *noteCoder) score() {
	for _, cd := range c.live() {
		f := c.features(cd)
		if c.opts.Profile == ProfileAbstract {
			cd.conf = c.e.learned.calibrate(f)
		} else {
			cd.conf = f.heuristic()
		}
	}
}

// features are what the confidence of a code rests on.
type features struct {
	code       string
	prior      float64
	section    float64 // best section weight
	mentions   int
	words      int // most words of one matching mention
	unspecDflt bool
	derived    bool
	inAP       bool
}

func (c *noteCoder) features(cd *candidate) features {
	f := features{code: cd.code.Code, prior: sourceConfidence[cd.via], mentions: len(cd.mentions), derived: cd.derived}
	learnedPrior := 0.0
	for _, m := range cd.mentions {
		f.section = max(f.section, c.sectionWeight(m.section))
		f.words = max(f.words, m.words)
		f.inAP = f.inAP || c.inAssessment(m)
		learnedPrior = max(learnedPrior, m.prior)
	}
	if cd.via == srcLearned && learnedPrior > 0 {
		f.prior = learnedPrior // what the training notes measured for the phrase
	}
	for _, s := range cd.steps {
		f.unspecDflt = f.unspecDflt || s.rule == "DEFAULT-UNSPECIFIED"
	}
	return f
}

// heuristic is the uncalibrated confidence.
func (f features) heuristic() float64 {
	conf := f.prior
	conf *= 0.7 + 0.3*f.section
	if f.mentions > 1 {
		conf += (1 - conf) * 0.3
	}
	if f.words >= 2 {
		conf += (1 - conf) * 0.2
	}
	if f.unspecDflt {
		conf *= 0.9
	}
	if f.derived {
		conf *= 0.95
	}
	return conf
}

// result assembles the contract object.
func (c *noteCoder) result() *Result {
	r := &Result{
		Codeset:    c.rc.codesetName(),
		Profile:    c.opts.Profile,
		Diagnoses:  []Diagnosis{},
		Procedures: []Procedure{},
		PHI:        PHIReport{Spans: []phi.Span{}},
		Warnings:   []Warning{},
	}
	live := c.live()
	sort.SliceStable(live, func(i, j int) bool { return live[i].order < live[j].order })
	for _, cd := range live {
		r.Diagnoses = append(r.Diagnoses, c.diagnosis(cd))
		c.dxSupport = append(c.dxSupport, c.support(cd))
	}
	r.Warnings = append(r.Warnings, c.warnings...)
	r.Warnings = append(r.Warnings, c.ruleWarnings()...)
	return r
}

// codesetName names the release used, and the Index's when it came from
// another release.
func (rc *releaseCoder) codesetName() string {
	name := "ICD-10-CM " + rc.release.Name
	if rc.indexFrom != rc.release {
		name += " (Alphabetic Index of " + rc.indexFrom.Name + ")"
	}
	return name
}

func (c *noteCoder) diagnosis(cd *candidate) Diagnosis {
	d := Diagnosis{
		Code:        cd.code.Code,
		Description: cd.code.Title,
		Confidence:  roundConf(cd.conf),
		Rank:        cd.order,
		Assertion:   cd.status.String(),
		Evidence:    c.evidence(cd),
		Rules:       []Rule{},
	}
	for _, id := range cd.rules {
		d.Rules = append(d.Rules, c.e.tables.rules.rule(id))
	}
	d.Reasoning = c.reasoning(cd)
	return d
}

func roundConf(v float64) float64 {
	return float64(int(v*100+0.5)) / 100
}

// maxEvidence is how many spans a code shows: the strongest, so a coder
// sees where the diagnosis is stated without every repetition of a word.
const maxEvidence = 3

// maxJoinedSpan is the longest span (bytes) that shows a condition with
// the linked words of its sentence as one phrase ("type 2 diabetes with
// stage 3a chronic kidney disease").
const maxJoinedSpan = 100

// evidence lists the strongest spans of the note that support the code,
// strongest first: the assessment before other sections, a phrase with
// more words before a lone word, one span per distinct wording.
func (c *noteCoder) evidence(cd *candidate) []Evidence {
	type ranked struct {
		ev     Evidence
		weight float64
	}
	var all []ranked
	seen := map[[2]int]bool{}
	addSpan := func(start, end, sec int) {
		k := [2]int{start, end}
		if seen[k] || start < 0 || end > len(c.doc.Text) || start >= end {
			return
		}
		seen[k] = true
		w := c.sectionWeight(sec) + 0.02*float64(min(len(c.e.words(c.text(start, end))), 8))
		all = append(all, ranked{Evidence{Start: start, End: end, Text: c.text(start, end), Section: c.sectionLabel(sec)}, w})
	}
	for _, m := range cd.mentions {
		start, end := m.start, m.end
		var apart [][2]int
		for _, w := range m.wide {
			if lo, hi := min(start, w[0]), max(end, w[1]); hi-lo <= maxJoinedSpan {
				start, end = lo, hi
			} else {
				apart = append(apart, w)
			}
		}
		addSpan(start, end, m.section)
		for _, w := range apart {
			addSpan(w[0], w[1], m.section)
		}
	}
	sort.SliceStable(all, func(i, j int) bool {
		if all[i].weight != all[j].weight {
			return all[i].weight > all[j].weight
		}
		return all[i].ev.Start < all[j].ev.Start
	})
	out := []Evidence{}
	wordings := map[string]bool{}
	for _, r := range all {
		if len(out) == maxEvidence {
			break
		}
		key := strings.ToLower(strings.Join(strings.Fields(r.ev.Text), " "))
		if wordings[key] || c.within(r.ev, out) {
			continue
		}
		wordings[key] = true
		out = append(out, r.ev)
	}
	return out
}

// strongest is the mention a code's reasoning quotes: the one in the
// weightiest section, then with the most words, then the first.
func (c *noteCoder) strongest(cd *candidate) *mention {
	var best *mention
	for _, m := range cd.mentions {
		if best == nil || c.sectionWeight(m.section) > c.sectionWeight(best.section) ||
			c.sectionWeight(m.section) == c.sectionWeight(best.section) && m.words > best.words {
			best = m
		}
	}
	return best
}

// within reports whether ev lies inside a span already chosen.
func (c *noteCoder) within(ev Evidence, chosen []Evidence) bool {
	for _, o := range chosen {
		if ev.Start >= o.Start && ev.End <= o.End {
			return true
		}
	}
	return false
}

// support lists every span of the note behind the code (the procedure
// stage links services to diagnoses by them).
func (c *noteCoder) support(cd *candidate) [][2]int {
	var out [][2]int
	for _, m := range cd.mentions {
		out = append(out, [2]int{m.start, m.end})
		out = append(out, m.wide...)
	}
	return out
}

// reasoning writes the code's explanation in plain sentences.
func (c *noteCoder) reasoning(cd *candidate) string {
	var b strings.Builder
	quote := ""
	m := cd.originMention
	if m == nil {
		m = c.strongest(cd)
	}
	if m != nil {
		quote = nlp.QuoteNote(c.text(m.start, m.end))
		if sec := c.sectionLabel(m.section); sec != "" {
			quote += " (" + sec + ")"
		}
	}
	switch {
	case cd.derived:
		fmt.Fprintf(&b, "%s %s: %s.", cd.code.Code, cd.code.Title, strings.Join(cd.notes, "; "))
		return b.String()
	case cd.via == srcIndex || cd.via == srcSkip:
		fmt.Fprintf(&b, "%s is indexed at %s", quote, cd.origin)
	case cd.via == srcTabular:
		fmt.Fprintf(&b, "%s matches the tabular wording of %s", quote, strings.TrimPrefix(cd.origin, "tabular "))
	case cd.via == srcLearned:
		fmt.Fprintf(&b, "%s is a phrase coders assign %s to (learned from coded case reports)", quote, cd.code.Code)
	default:
		fmt.Fprintf(&b, "%s: %s", quote, cd.origin)
	}
	fmt.Fprintf(&b, "; %s %s", cd.code.Code, cd.code.Title)
	for _, s := range cd.steps {
		switch s.rule {
		case "LATERALITY":
			b.WriteString("; the documented side selects " + s.detail)
		case "SEVENTH", "PLACEHOLDER":
			b.WriteString("; " + s.detail)
		case "DEFAULT-UNSPECIFIED":
			b.WriteString("; no further detail documented, so " + s.detail)
		case "NEOPLASM":
			b.WriteString("; " + s.detail)
		default:
			b.WriteString("; completed to " + s.detail)
		}
	}
	for _, n := range cd.notes {
		b.WriteString("; " + n)
	}
	for _, r := range cd.rules {
		if r == "WITH" && !cd.derived && len(cd.notes) == 0 {
			b.WriteString("; the Index entry's \"with\" links the conditions without the provider writing \"due to\"")
		}
	}
	if cd.status != nlp.Affirmed {
		b.WriteString("; reported as " + cd.status.String())
	}
	b.WriteString(".")
	return b.String()
}

// ruleWarnings tells the coder what the rules left out that a provider
// query could settle.
func (c *noteCoder) ruleWarnings() []Warning {
	var out []Warning
	for _, cd := range c.cands {
		var w Warning
		switch cd.dropped {
		case "R1":
			if c.find(cd.code.Code) != nil {
				continue // another mention codes it after all
			}
			w = Warning{Kind: "uncertain", Message: fmt.Sprintf("%s (%s) is documented as uncertain and is not coded in the outpatient setting; its signs and symptoms are coded instead", cd.code.Code, cd.code.Title)}
		case "R12":
			w = Warning{Kind: "query", Message: fmt.Sprintf("BMI recorded (%s) without a provider-documented weight diagnosis; query the provider before reporting it", cd.code.Code)}
		default:
			if cd.dropped == "" && c.hasStep(cd, "DEFAULT-UNSPECIFIED") {
				w = Warning{Kind: "specificity", Message: fmt.Sprintf("%s is an unspecified code; the note lacks the detail for a more specific one", cd.code.Code)}
			}
		}
		if w.Kind == "" {
			continue
		}
		w.Code = cd.code.Code
		if m := c.strongest(cd); m != nil {
			w.Span = &Evidence{Start: m.start, End: m.end, Text: c.text(m.start, m.end), Section: c.sectionLabel(m.section)}
		}
		out = append(out, w)
	}
	return out
}

func (c *noteCoder) hasStep(cd *candidate, rule string) bool {
	for _, s := range cd.steps {
		if s.rule == rule {
			return true
		}
	}
	return false
}
