package procedure

import (
	"fmt"
	"github.com/medcode/medcode/internal/nlp"
	"math"

	"github.com/medcode/medcode/internal/engine/em"
	"github.com/medcode/medcode/internal/engine/procedure/scan"
)

// Span is a byte range of the note.
type Span struct{ Start, End int }

// found is one service the note documents, before payer modifiers and
// diagnosis pointers are applied.
type found struct {
	service  string // catalog service name, "" for vaccines, drugs and repairs
	code     *CodeInfo
	units    int
	side     string // "", "right", "left" or "bilateral"
	evidence []Span
	sites    []string // anatomic regions the service was done on
	// sentences the service is documented in, to link diagnoses
	sentences []int
	reasoning string
	rules     []Rule
	// distinct is set on a line for a separate site that a payer's bundling
	// edit would otherwise fold into another line (repairs of two groups).
	distinct   bool
	singleDose bool // a single-dose drug for a payer that wants JZ/JW
	confidence float64
}

// Rule is a coding rule applied, with its citation.
type Rule struct {
	ID, Citation, Summary string
}

// sentenceCues are the status cue words of one sentence, found once.
type sentenceCues struct {
	s    *scan.Sentence
	cues []scan.TermMatch
}

// reader holds one note while the families read it.
type reader struct {
	cat   *Catalog
	note  *scan.Note
	sents []sentenceCues
	// triggered[service] lists the trigger phrases of that service found in
	// the note, by sentence.
	triggered map[int][]sentMatch
	payer     *Payer
	em        *em.Tables
	opt       Options
	age       int // completed years, -1 unknown
	hcpcs     func(code string) (string, bool)
	warn      []string
}

func newReader(cat *Catalog, n *scan.Note) *reader {
	r := &reader{cat: cat, note: n, sents: make([]sentenceCues, len(n.Sentences)), triggered: map[int][]sentMatch{}}
	for i := range n.Sentences {
		s := &n.Sentences[i]
		r.sents[i] = sentenceCues{s: s, cues: dropOverlapsByKind(cat.cues.Find(s, 0, len(s.Tokens)))}
		if mentionOnly[s.Section] {
			continue
		}
		for _, m := range cat.triggers.FindAll(s) {
			svc := cat.triggerOf[m.ID]
			r.triggered[svc] = append(r.triggered[svc], sentMatch{si: i, m: m})
		}
	}
	return r
}

// mentionOnly are sections that list facts rather than document today's
// work.
var mentionOnly = map[scan.Kind]bool{scan.History: true, scan.Medications: true, scan.Allergies: true, scan.ROS: true}

// dropOverlapsByKind drops overlaps among the matches of each kind, so a
// word listed under two kinds ("deferred" before or after a service) is
// read as both.
func dropOverlapsByKind(ms []scan.TermMatch) []scan.TermMatch {
	byKind := map[string][]scan.TermMatch{}
	var kinds []string
	for _, m := range ms {
		if byKind[m.Kind] == nil {
			kinds = append(kinds, m.Kind)
		}
		byKind[m.Kind] = append(byKind[m.Kind], m)
	}
	var out []scan.TermMatch
	for _, k := range kinds {
		out = append(out, scan.DropOverlaps(byKind[k])...)
	}
	return out
}

// plain drops overlapping plain matches the same way.
func plain(ms []scan.Match) []scan.Match {
	tm := make([]scan.TermMatch, len(ms))
	for i, m := range ms {
		tm[i] = scan.TermMatch{Match: m}
	}
	tm = scan.DropOverlaps(tm)
	out := make([]scan.Match, len(tm))
	for i, m := range tm {
		out[i] = m.Match
	}
	return out
}

// status is how a mention reads: whether the service was done at this
// encounter, and whether a word says so explicitly.
type status struct {
	done       bool // done at this encounter
	explicit   bool // a word says it was done or resulted
	resultOnly bool // only a result is stated (the test may have been done elsewhere)
	external   bool // done elsewhere or before
}

// performed reads whether the service mentioned at m of sentence si was
// done at this encounter. needsDone services also need a word saying so
// (or to sit in a procedure section).
func (r *reader) performed(si int, m scan.Match, needsDone bool) status {
	sc := r.sents[si]
	s := sc.s
	if mentionOnly[s.Section] {
		return status{}
	}
	from, to := s.Clause(m.From)
	var neg, cond, planned, external, done, result, weak, today bool
	for _, q := range sc.cues {
		in := q.From >= from && q.To <= to
		switch q.Kind {
		case "negation":
			neg = neg || in && q.To <= m.From && m.From-q.To <= 3
		case "negation_after":
			neg = neg || in && q.From >= m.To && q.From-m.To <= 4
		case "conditional":
			cond = cond || in
		case "planned":
			planned = planned || in
		case "external":
			external = external || in
		case "done":
			done = true
		case "result":
			result = true
		case "done_weak":
			weak = true
		case "today":
			today = true
		}
	}
	// a value right after a test ("PHQ-9: 12", "fingerstick glucose 142")
	// is its result; after a drug it is the dose, not a result
	for k := m.To; needsDone && k < to && k < m.To+3; k++ {
		if s.Tokens[k].Num {
			result = true
			break
		}
	}
	switch {
	case external && !neg && !cond:
		return status{external: true}
	case neg, cond:
		return status{}
	case planned && !done && !result && !today:
		return status{}
	case (s.Section == scan.HPI || s.Section == scan.Complaint) && !today:
		return status{}
	case needsDone && !done && !result && !weak && !today && s.Section != scan.Procedure:
		return status{}
	}
	explicit := done || today || s.Section == scan.Procedure
	return status{done: true, explicit: explicit || result, resultOnly: result && !explicit}
}

// confidenceOf turns how a service was read into a confidence: an explicit
// word that it was done is worth more than a bare mention.
func confidenceOf(st status) float64 {
	if st.explicit {
		return 0.9
	}
	return 0.75
}

// has reports whether any phrase of m occurs in tokens [from, to) of s.
func has(m *scan.Matcher, s *scan.Sentence, from, to int) bool {
	return m != nil && len(m.Find(s, from, to)) > 0
}

// spanOf returns the bytes of a match.
func spanOf(m scan.Match) Span { return Span{m.Start, m.End} }

// detectCatalog reads every catalog service of the simple families.
func (r *reader) detectCatalog() []found {
	var out []found
	for i, svc := range r.cat.services {
		if len(svc.Triggers) > 0 && len(r.triggered[i]) == 0 {
			continue // no trigger phrase of this service in the note
		}
		var fs []found
		switch svc.Family {
		case "single", "count_band", "count_first_each", "count_first_block", "time_band", "time_first_each":
			fs = r.detectTriggered(svc)
		case "instrument":
			fs = r.detectInstruments(svc)
		case "joint":
			fs = r.detectJoints(svc)
		case "biopsy":
			fs = r.detectBiopsies(svc)
		}
		out = append(out, fs...)
	}
	return supersede(r.cat, out)
}

// supersede drops services another documented service replaces (94060
// includes the bronchodilator of 94640; 81003 replaces 81002 ...).
func supersede(cat *Catalog, fs []found) []found {
	present := map[string]bool{}
	for _, f := range fs {
		present[f.service] = true
	}
	dropped := map[string]bool{}
	for name := range present {
		if svc := cat.byName[name]; svc != nil {
			for _, s := range svc.Supersedes {
				dropped[s] = true
			}
		}
	}
	out := fs[:0]
	for _, f := range fs {
		if !dropped[f.service] {
			out = append(out, f)
		}
	}
	return out
}

// mentionsOf finds the performed trigger mentions of a service: trigger
// phrases not excluded in their clause, with the required companions in
// their sentence. When the note says the service was done elsewhere,
// mentions that only state a result are taken as that outside service.
func (r *reader) mentionsOf(svc *service) []sentMatch {
	var ms []sentMatch
	elsewhere := false
	found := r.triggered[svc.index]
	for lo := 0; lo < len(found); {
		si := found[lo].si
		hi := lo
		var trig []scan.Match
		for ; hi < len(found) && found[hi].si == si; hi++ {
			trig = append(trig, found[hi].m)
		}
		lo = hi
		s := r.sents[si].s
		if svc.requires != nil && !has(svc.requires, s, 0, len(s.Tokens)) {
			continue
		}
		for _, m := range plain(trig) {
			from, to := s.Clause(m.From)
			if has(svc.excludes, s, from, to) || svc.clauseRequires != nil && !has(svc.clauseRequires, s, from, to) {
				continue
			}
			st := r.performed(si, m, svc.NeedsDone)
			elsewhere = elsewhere || st.external
			if !st.done {
				continue
			}
			if svc.alsoRequires != nil && !has(svc.alsoRequires, s, 0, len(s.Tokens)) {
				r.warn = append(r.warn, fmt.Sprintf("%s documented: %s", svc.Name, svc.AlsoRequiresWarning))
				continue
			}
			ms = append(ms, sentMatch{si: si, m: m, st: st})
		}
	}
	if !elsewhere {
		return ms
	}
	out := ms[:0]
	for _, sm := range ms {
		if !sm.st.resultOnly {
			out = append(out, sm)
		}
	}
	return out
}

// sentMatch is a match in sentence si with how it reads.
type sentMatch struct {
	si int
	m  scan.Match
	st status
}

// detectTriggered handles the families chosen by a trigger phrase, with
// units or code by count or minutes.
func (r *reader) detectTriggered(svc *service) []found {
	ms := r.mentionsOf(svc)
	if len(ms) == 0 {
		return nil
	}
	base := found{service: svc.Name, confidence: 0}
	side := ""
	for _, sm := range ms {
		base.evidence = append(base.evidence, spanOf(sm.m))
		base.sentences = append(base.sentences, sm.si)
		base.confidence = math.Max(base.confidence, confidenceOf(sm.st))
		s := r.sents[sm.si].s
		base.sites = append(base.sites, r.regionsNear(s, sm.m.From, sm.m.To, 6)...)
		if svc.Codes[0].Sided {
			side = mergeSide(side, r.sideNear(s, sm.m.From, sm.m.To))
		}
	}
	base.side = side
	one := func(ci *CodeInfo, units int, why string) found {
		f := base
		f.code, f.units, f.reasoning = ci, units, why
		f.evidence = append([]Span(nil), base.evidence...)
		return f
	}
	switch svc.Family {
	case "single":
		ci := &svc.Codes[0]
		return []found{one(ci, 1, fmt.Sprintf("%s documented as done at this encounter.", ci.Description))}
	case "count_band":
		n, ev := r.countOf(svc, ms)
		for i := range svc.Codes {
			ci := &svc.Codes[i]
			if n >= ci.Min && n <= ci.Max {
				f := one(ci, 1, fmt.Sprintf("%d documented → %s (%s).", n, ci.Code, bandText(ci)))
				f.evidence = append(f.evidence, ev...)
				return []found{f}
			}
		}
	case "count_first_each":
		n, ev := r.countOf(svc, ms)
		var first, addon, whole *CodeInfo
		for i := range svc.Codes {
			switch ci := &svc.Codes[i]; {
			case ci.Whole:
				whole = ci
			case ci.Addon:
				addon = ci
			default:
				first = ci
			}
		}
		if whole != nil && n >= svc.WholeFrom {
			f := one(whole, 1, fmt.Sprintf("%d lesions (%d or more) → %s once, never with the per-lesion codes.", n, svc.WholeFrom, whole.Code))
			f.evidence = append(f.evidence, ev...)
			return []found{f}
		}
		f := one(first, 1, fmt.Sprintf("%d documented: the first → %s.", n, first.Code))
		f.evidence = append(f.evidence, ev...)
		out := []found{f}
		if extra := min(n, svc.Max) - 1; extra > 0 && addon != nil {
			a := one(addon, extra, fmt.Sprintf("%d documented: each one after the first → %s × %d.", n, addon.Code, extra))
			out = append(out, a)
		}
		return out
	case "count_first_block":
		n, ev := r.countOf(svc, ms)
		f := one(&svc.Codes[0], 1, fmt.Sprintf("%d documented: up to %d → %s.", n, svc.Block, svc.Codes[0].Code))
		f.evidence = append(f.evidence, ev...)
		out := []found{f}
		if n > svc.Block {
			units := (n - svc.Block + svc.AddonBlock - 1) / svc.AddonBlock
			a := one(&svc.Codes[1], units, fmt.Sprintf("%d beyond the first %d, each further %d or part → %s × %d.", n-svc.Block, svc.Block, svc.AddonBlock, svc.Codes[1].Code, units))
			out = append(out, a)
		}
		return out
	case "time_band", "time_first_each":
		minutes, ev := r.minutesOf(ms)
		if minutes == 0 {
			r.warn = append(r.warn, fmt.Sprintf("%s documented without its minutes: a time-based code needs the time spent", svc.Name))
			return nil
		}
		if svc.Family == "time_band" {
			for i := range svc.Codes {
				ci := &svc.Codes[i]
				if minutes >= ci.Min && minutes <= ci.Max {
					f := one(ci, 1, fmt.Sprintf("%d minutes documented → %s (%s).", minutes, ci.Code, bandText(ci)))
					f.evidence = append(f.evidence, ev...)
					f.rules = append(f.rules, Rule{ID: "time-based", Summary: "code chosen by the documented minutes"})
					return []found{f}
				}
			}
			r.warn = append(r.warn, fmt.Sprintf("%s: %d minutes documented is below the minimum for a code", svc.Name, minutes))
			return nil
		}
		first, addon := &svc.Codes[0], &svc.Codes[1]
		if minutes < first.Min {
			r.warn = append(r.warn, fmt.Sprintf("%s: %d minutes documented, %s needs at least %d", svc.Name, minutes, first.Code, first.Min))
			return nil
		}
		f := one(first, 1, fmt.Sprintf("%d minutes documented → %s.", minutes, first.Code))
		f.evidence = append(f.evidence, ev...)
		out := []found{f}
		if units := addonUnits(minutes-svc.FirstMinutes, svc.AddonMinutes); units > 0 {
			a := one(addon, units, fmt.Sprintf("%d minutes beyond the first %d → %s × %d (a unit counts once past its midpoint).", minutes-svc.FirstMinutes, svc.FirstMinutes, addon.Code, units))
			out = append(out, a)
		}
		return out
	}
	return nil
}

// addonUnits counts add-on time units: each full unit, and a last partial
// one once it passes its midpoint (CPT time rule).
func addonUnits(extra, unit int) int {
	if extra <= 0 {
		return 0
	}
	units := extra / unit
	if extra%unit > unit/2 {
		units++
	}
	return units
}

func bandText(ci *CodeInfo) string {
	if ci.Max >= 100000 {
		return fmt.Sprintf("%d or more", ci.Min)
	}
	if ci.Min == ci.Max {
		return fmt.Sprintf("%d", ci.Min)
	}
	return fmt.Sprintf("%d to %d", ci.Min, ci.Max)
}

// countOf reads how many lesions (nails, muscles ...) the mentions
// document: a number or number word just before a count word ("12 actinic
// keratoses", "six warts") or after it ("AKs x 12"). Counts from different
// clauses add up; none found is one.
func (r *reader) countOf(svc *service, ms []sentMatch) (int, []Span) {
	total := 0
	var ev []Span
	seen := map[[2]int]bool{}
	for _, sm := range ms {
		s := r.sents[sm.si].s
		from, to := s.Clause(sm.m.From)
		key := [2]int{sm.si, from}
		if seen[key] {
			continue
		}
		seen[key] = true
		if n, sp, ok := countInClause(s, svc.counts, from, to); ok {
			total += n
			ev = append(ev, sp)
		}
	}
	if total == 0 {
		return 1, nil
	}
	return total, ev
}

// countInClause finds the count of the first count word of the clause
// that has one.
func countInClause(s *scan.Sentence, words *scan.Matcher, from, to int) (int, Span, bool) {
	if words == nil {
		return 0, Span{}, false
	}
	for _, m := range plain(words.Find(s, from, to)) {
		// before: "12 actinic keratoses", "6 common warts"
		for k := m.From - 1; k >= from && k >= m.From-3; k-- {
			t := s.Tokens[k]
			if t.Punct {
				break
			}
			if n, ok := scan.Count(t.Norm); ok && n > 0 && !isUnitAfter(s, k) {
				return n, Span{t.Start, m.End}, true
			}
		}
		// after: "AKs x 12", "warts x6", "lesions (12)"
		for k := m.To; k < to && k <= m.To+2; k++ {
			t := s.Tokens[k]
			if t.Norm == "x" && k+1 < to {
				if n, ok := scan.Count(s.Tokens[k+1].Norm); ok && n > 0 {
					return n, Span{m.Start, s.Tokens[k+1].End}, true
				}
			}
			if len(t.Norm) > 1 && t.Norm[0] == 'x' {
				if n, ok := scan.Count(t.Norm[1:]); ok && n > 0 {
					return n, Span{m.Start, t.End}, true
				}
			}
		}
	}
	return 0, Span{}, false
}

// isUnitAfter reports whether token k is a measurement ("6 mm lesion").
func isUnitAfter(s *scan.Sentence, k int) bool {
	if k+1 >= len(s.Tokens) {
		return false
	}
	switch s.Tokens[k+1].Norm {
	case "mm", "cm", "mg", "ml", "cc", "mcg", "g", "minute", "min", "day", "week", "month", "year", "hour":
		return true
	}
	return false
}

// minutesOf reads the minutes documented with the mentions: a number
// before "minutes" (or "hours") in the same sentence.
func (r *reader) minutesOf(ms []sentMatch) (int, []Span) {
	best, ev := 0, []Span(nil)
	for _, sm := range ms {
		s := r.sents[sm.si].s
		if n, sp := durationIn(s); n > best {
			best, ev = n, []Span{sp}
		}
	}
	return best, ev
}

// durationIn finds the longest "N minutes" or "N hours" of a sentence, in
// minutes.
func durationIn(s *scan.Sentence) (int, Span) {
	best, sp := 0, Span{}
	for k := 0; k+1 < len(s.Tokens); k++ {
		v, ok := scan.Number(s.Tokens[k].Norm)
		if !ok {
			continue
		}
		var minutes float64
		switch s.Tokens[k+1].Norm {
		case "minute", "min", "mins", "minutes":
			minutes = v
		case "hour", "hr", "h", "hrs":
			minutes = v * 60
		default:
			continue
		}
		if m := int(minutes); m > best && m < 24*60 {
			best, sp = m, Span{s.Tokens[k].Start, s.Tokens[k+1].End}
		}
	}
	return best, sp
}

// detectInstruments counts the distinct standardized instruments
// documented as administered and scored (96127: one unit each).
func (r *reader) detectInstruments(svc *service) []found {
	seen := map[string]bool{}
	var names []string
	f := found{service: svc.Name, code: &svc.Codes[0]}
	for si := range r.sents {
		s := r.sents[si].s
		if mentionOnly[s.Section] {
			continue
		}
		for _, m := range scan.DropOverlaps(svc.variants.Find(s, 0, len(s.Tokens))) {
			st := r.performed(si, m.Match, svc.NeedsDone)
			if !st.done {
				continue
			}
			f.evidence = append(f.evidence, spanOf(m.Match))
			f.sentences = append(f.sentences, si)
			f.confidence = math.Max(f.confidence, confidenceOf(st))
			if !seen[m.Kind] {
				seen[m.Kind] = true
				names = append(names, r.note.Text[m.Start:m.End])
			}
		}
	}
	if len(names) == 0 {
		return nil
	}
	f.units = len(names)
	f.reasoning = fmt.Sprintf("%d standardized instrument(s) administered and scored (%s): one unit each.", len(names), joinQuoted(names))
	f.rules = []Rule{{ID: "per-instrument", Summary: "one unit per standardized instrument"}}
	return []found{f}
}

func joinQuoted(xs []string) string {
	out := ""
	for i, x := range xs {
		if i > 0 {
			out += ", "
		}
		out += nlp.QuoteNote(x)
	}
	return out
}
