package rules

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/medcode/medcode/internal/engine"
	"github.com/medcode/medcode/internal/nlp"
)

// ruleConfidence is the confidence of a code a rule reports: the clinic
// asked for it, but a phrase may still be misread (a negation the
// assertion stage missed), so it stays below certainty.
const ruleConfidence = 0.9

// Set is a checked document ready to apply to engine results.
type Set struct {
	doc      Document
	citation string
	catalog  Catalog

	prefer    []compiledPreference
	suppress  []compiledSuppression
	alwaysAdd []compiledAlwaysAdd
}

type compiledPreference struct {
	*Preference
	from []pattern
}

type compiledSuppression struct {
	*Suppression
	pattern pattern
}

type compiledAlwaysAdd struct {
	*AlwaysAdd
	codes []pattern
}

// Compile prepares a parsed document. citation names the rules in every
// citation ("Maple Clinic coding rules, version 3"); catalog describes the
// codes the rules add (nil: no descriptions).
func Compile(d *Document, citation string, catalog Catalog) *Set {
	s := &Set{doc: *d, citation: citation, catalog: catalog}
	for i := range s.doc.Prefer {
		r := &s.doc.Prefer[i]
		c := compiledPreference{Preference: r}
		for _, p := range r.InsteadOf {
			// Parse checked the patterns.
			pp, _ := parsePattern(p)
			c.from = append(c.from, pp)
		}
		s.prefer = append(s.prefer, c)
	}
	for i := range s.doc.Suppress {
		r := &s.doc.Suppress[i]
		pp, _ := parsePattern(r.Code)
		s.suppress = append(s.suppress, compiledSuppression{Suppression: r, pattern: pp})
	}
	for i := range s.doc.AlwaysAdd {
		r := &s.doc.AlwaysAdd[i]
		c := compiledAlwaysAdd{AlwaysAdd: r}
		for _, p := range r.WhenCode {
			pp, _ := parsePattern(p)
			c.codes = append(c.codes, pp)
		}
		s.alwaysAdd = append(s.alwaysAdd, c)
	}
	return s
}

// Options fills the engine options the request left empty with the
// clinic's defaults.
func (s *Set) Options(o engine.Options) engine.Options {
	if o.Payer == "" {
		o.Payer = s.doc.Defaults.Payer
	}
	if o.PatientType == "" {
		o.PatientType = s.doc.Defaults.PatientType
	}
	return o
}

func (s *Set) rule(c Common, summary string) engine.Rule {
	if c.Note != "" {
		summary += " (" + c.Note + ")"
	}
	return engine.Rule{ID: "clinic/" + c.ID, Citation: s.citation, Summary: summary}
}

func (s *Set) describe(code string) string {
	if s.catalog == nil {
		return ""
	}
	d, _ := s.catalog.Describe(code)
	return d
}

// Apply changes r, the engine's result for text (the text the engine
// coded, with r's evidence offsets into it), for a visit billed to payer.
// Additions come first (synonyms, always_add), then replacements (prefer,
// payer_variants), then suppression; diagnoses are ranked again and the
// procedures' diagnosis pointers follow them.
func (s *Set) Apply(r *engine.Result, text, payer string) {
	a := &application{set: s, r: r, text: text, lower: lowerASCII(text)}
	for i := range r.Diagnoses {
		a.ranks = append(a.ranks, r.Diagnoses[i].Rank)
	}
	for i := range s.doc.Synonyms {
		a.synonym(&s.doc.Synonyms[i])
	}
	for i := range s.alwaysAdd {
		a.alwaysAdd(&s.alwaysAdd[i])
	}
	for i := range s.prefer {
		a.prefer(&s.prefer[i])
	}
	for i := range s.doc.PayerVariants {
		if v := &s.doc.PayerVariants[i]; v.Payer == payer {
			a.payerVariant(v)
		}
	}
	for i := range s.suppress {
		a.suppress(&s.suppress[i])
	}
	a.rerank()
}

// application is one Apply: the result being changed, and each
// diagnosis's rank before the rules (0 for one they added), to move the
// procedures' pointers.
type application struct {
	set   *Set
	r     *engine.Result
	text  string
	lower string   // text lower-cased when ASCII, for findPhrase
	doc   *nlp.Doc // analysed on the first phrase found
	ranks []int
}

// affirmed returns the evidence of every affirmed, whole-word mention of
// phrase in the text.
func (a *application) affirmed(phrase string) []engine.Evidence {
	var out []engine.Evidence
	for _, m := range findPhrase(a.text, a.lower, phrase) {
		if a.doc == nil {
			a.doc = nlp.Analyze(a.text)
		}
		if a.doc.Assert(m[0], m[1], 0).Status != nlp.Affirmed {
			continue
		}
		ev := engine.Evidence{Start: m[0], End: m[1], Text: a.text[m[0]:m[1]]}
		if si := a.doc.SectionAt(m[0]); si >= 0 && si < len(a.doc.Sections) {
			ev.Section = a.doc.Sections[si].Kind.Name()
		}
		out = append(out, ev)
	}
	return out
}

// findPhrase returns the byte ranges of the case-insensitive, whole-word
// occurrences of phrase in text. lower is text lower-cased when text is
// ASCII ("" otherwise): then an ASCII phrase is found with strings.Index.
// Any other pair compares the word starts whose first letter matches.
func findPhrase(text, lower, phrase string) [][2]int {
	var out [][2]int
	if lower != "" && isASCII(phrase) {
		p := strings.ToLower(phrase)
		for i := 0; i <= len(lower)-len(p); {
			k := strings.Index(lower[i:], p)
			if k < 0 {
				break
			}
			start, end := i+k, i+k+len(p)
			if boundary(text, start, end) {
				out = append(out, [2]int{start, end})
				i = end
			} else {
				i = start + 1
			}
		}
		return out
	}
	first, _ := utf8.DecodeRuneInString(phrase)
	n := utf8.RuneCountInString(phrase)
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if foldEqual(r, first) {
			if end := advance(text, i, n); end > 0 && strings.EqualFold(text[i:end], phrase) && boundary(text, i, end) {
				out = append(out, [2]int{i, end})
				i = end
				continue
			}
		}
		i += size
	}
	return out
}

func isASCII(s string) bool {
	for i := range len(s) {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// lowerASCII is text lower-cased when it is ASCII, else "".
func lowerASCII(text string) string {
	if !isASCII(text) {
		return ""
	}
	return strings.ToLower(text)
}

// foldEqual reports whether a and b are the same letter under case folding.
func foldEqual(a, b rune) bool {
	if a == b {
		return true
	}
	for c := unicode.SimpleFold(a); c != a; c = unicode.SimpleFold(c) {
		if c == b {
			return true
		}
	}
	return false
}

// advance returns the byte offset n runes after i, or -1 past the end.
func advance(text string, i, n int) int {
	for ; n > 0; n-- {
		if i >= len(text) {
			return -1
		}
		_, size := utf8.DecodeRuneInString(text[i:])
		i += size
	}
	return i
}

// boundary reports whether [i, end) is not inside a longer word.
func boundary(text string, i, end int) bool {
	if i > 0 {
		r, _ := utf8.DecodeLastRuneInString(text[:i])
		if isWord(r) {
			return false
		}
	}
	if end < len(text) {
		r, _ := utf8.DecodeRuneInString(text[end:])
		if isWord(r) {
			return false
		}
	}
	return true
}

func isWord(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// diagnosis returns the index of the diagnosis with code, or -1.
func (a *application) diagnosis(code string) int {
	for i := range a.r.Diagnoses {
		if a.r.Diagnoses[i].Code == code {
			return i
		}
	}
	return -1
}

// add reports code as a diagnosis with its evidence and rule, or, when the
// result already holds it, adds the evidence and cites the rule there.
func (a *application) add(code string, ev []engine.Evidence, rule engine.Rule, reasoning string) {
	if i := a.diagnosis(code); i >= 0 {
		d := &a.r.Diagnoses[i]
		d.Evidence = mergeEvidence(d.Evidence, ev)
		d.Rules = append(d.Rules, rule)
		return
	}
	a.r.Diagnoses = append(a.r.Diagnoses, engine.Diagnosis{Code: code, Description: a.set.describe(code), Confidence: ruleConfidence,
		Assertion: nlp.Affirmed.String(), Evidence: ev, Reasoning: reasoning, Rules: []engine.Rule{rule}})
	a.ranks = append(a.ranks, 0)
}

func mergeEvidence(have, more []engine.Evidence) []engine.Evidence {
	for _, e := range more {
		dup := false
		for _, h := range have {
			dup = dup || (h.Start == e.Start && h.End == e.End)
		}
		if !dup {
			have = append(have, e)
		}
	}
	return have
}

func (a *application) synonym(r *Synonym) {
	ev := a.affirmed(r.Phrase)
	if len(ev) == 0 {
		return
	}
	summary := fmt.Sprintf("clinic synonym: %q is coded %s", r.Phrase, r.Code)
	a.add(r.Code, ev, a.set.rule(r.Common, summary), fmt.Sprintf("The note says %q, which this clinic codes as %s.", r.Phrase, r.Code))
}

// codeEvidence returns the evidence of every code of the result matching
// one of patterns, and whether any matched.
func (a *application) codeEvidence(patterns []pattern) ([]engine.Evidence, []string) {
	var ev []engine.Evidence
	var codes []string
	for _, p := range patterns {
		for _, d := range a.r.Diagnoses {
			if p.match(d.Code) {
				ev, codes = mergeEvidence(ev, d.Evidence), append(codes, d.Code)
			}
		}
		for _, pr := range a.r.Procedures {
			if p.match(pr.Code) {
				ev, codes = mergeEvidence(ev, pr.Evidence), append(codes, pr.Code)
			}
		}
	}
	return ev, codes
}

func (a *application) alwaysAdd(r *compiledAlwaysAdd) {
	var ev []engine.Evidence
	var because []string
	if len(r.WhenPhrase) > 0 {
		for _, ph := range r.WhenPhrase {
			if found := a.affirmed(ph); len(found) > 0 {
				ev = mergeEvidence(ev, found)
				because = append(because, fmt.Sprintf("the note says %q", ph))
			}
		}
		if len(ev) == 0 {
			return
		}
	}
	if len(r.codes) > 0 {
		codeEv, codes := a.codeEvidence(r.codes)
		if len(codes) == 0 {
			return
		}
		ev = mergeEvidence(ev, codeEv)
		because = append(because, strings.Join(codes, ", ")+" is coded")
	}
	summary := fmt.Sprintf("clinic rule: %s is added when %s", r.Add, strings.Join(because, " and "))
	a.add(r.Add, ev, a.set.rule(r.Common, summary), fmt.Sprintf("This clinic adds %s when %s.", r.Add, strings.Join(because, " and ")))
}

func (a *application) prefer(r *compiledPreference) {
	matches := func(code string) bool {
		for _, p := range r.from {
			if p.match(code) {
				return true
			}
		}
		return false
	}
	for i := 0; i < len(a.r.Diagnoses); i++ {
		d := &a.r.Diagnoses[i]
		if !matches(d.Code) {
			continue
		}
		rule := a.set.rule(r.Common, fmt.Sprintf("clinic rule: %s is reported instead of %s", r.Code, d.Code))
		if j := a.diagnosis(r.Code); j >= 0 {
			// The preferred code is there already: it takes the replaced
			// one's evidence, and the replaced one goes.
			p := &a.r.Diagnoses[j]
			p.Evidence = mergeEvidence(p.Evidence, d.Evidence)
			p.Rules = append(p.Rules, rule)
			a.remove(i)
			i--
			continue
		}
		d.Reasoning = strings.TrimSpace(d.Reasoning + fmt.Sprintf(" This clinic reports %s instead of %s.", r.Code, d.Code))
		d.Code, d.Description = r.Code, a.set.describe(r.Code)
		d.Rules = append(d.Rules, rule)
	}
	for i := range a.r.Procedures {
		p := &a.r.Procedures[i]
		if matches(p.Code) {
			a.replaceProcedure(p, r.Code, a.set.rule(r.Common, fmt.Sprintf("clinic rule: %s is reported instead of %s", r.Code, p.Code)))
		}
	}
}

// replaceProcedure reports code on a service line instead of its own.
func (a *application) replaceProcedure(p *engine.Procedure, code string, rule engine.Rule) {
	p.Reasoning = strings.TrimSpace(p.Reasoning + fmt.Sprintf(" This clinic reports %s instead of %s.", code, p.Code))
	p.Code, p.Description = code, a.set.describe(code)
	p.System = "CPT"
	if kindOf(code) == hcpcs {
		p.System = "HCPCS"
	}
	p.Rules = append(p.Rules, rule)
}

func (a *application) payerVariant(r *PayerVariant) {
	rule := a.set.rule(r.Common, fmt.Sprintf("clinic rule for %s: %s is reported instead of %s", r.Payer, r.Use, r.Code))
	for i := range a.r.Procedures {
		if p := &a.r.Procedures[i]; p.Code == r.Code {
			a.replaceProcedure(p, r.Use, rule)
		}
	}
	for em := a.r.EM; em != nil; em = em.Problem {
		if em.Code == r.Code {
			em.Code = r.Use
			em.Reasoning = strings.TrimSpace(em.Reasoning + fmt.Sprintf(" %s: %s.", rule.ID, rule.Summary))
		}
	}
}

func (a *application) suppress(r *compiledSuppression) {
	warn := func(code string) {
		summary := fmt.Sprintf("clinic rule clinic/%s: %s is not reported", r.ID, code)
		if r.Note != "" {
			summary += " (" + r.Note + ")"
		}
		a.r.Warnings = append(a.r.Warnings, engine.Warning{Kind: "clinic_rule", Code: code, Message: summary + "; " + a.set.citation})
	}
	for i := 0; i < len(a.r.Diagnoses); i++ {
		if code := a.r.Diagnoses[i].Code; r.pattern.match(code) {
			warn(code)
			a.remove(i)
			i--
		}
	}
	kept := a.r.Procedures[:0]
	for _, p := range a.r.Procedures {
		if r.pattern.match(p.Code) {
			warn(p.Code)
			continue
		}
		kept = append(kept, p)
	}
	a.r.Procedures = kept
}

// remove drops diagnosis i.
func (a *application) remove(i int) {
	a.r.Diagnoses = append(a.r.Diagnoses[:i], a.r.Diagnoses[i+1:]...)
	a.ranks = append(a.ranks[:i], a.ranks[i+1:]...)
}

// rerank numbers the diagnoses 1..n in their order and moves the
// procedures' pointers to the new ranks, dropping pointers to diagnoses
// that went.
func (a *application) rerank() {
	moved := map[int]int{}
	for i := range a.r.Diagnoses {
		if old := a.ranks[i]; old > 0 {
			moved[old] = i + 1
		}
		a.r.Diagnoses[i].Rank = i + 1
	}
	for i := range a.r.Procedures {
		p := &a.r.Procedures[i]
		if len(p.DiagnosisPointers) == 0 {
			continue
		}
		var ptrs []int
		for _, old := range p.DiagnosisPointers {
			if n, ok := moved[old]; ok {
				ptrs = append(ptrs, n)
			}
		}
		p.DiagnosisPointers = ptrs
	}
}
