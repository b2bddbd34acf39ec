package nlp

import (
	"io/fs"
	"strings"
)

// Medication is a drug mention with what it implies for coding.
type Medication struct {
	// Start, End span the drug name as written.
	Start, End int
	// Name is the canonical (generic) name, Class the lexicon class
	// ("oral-antidiabetic").
	Name, Class string
	// StatusCode is the Z79 code long-term use implies, set only when the
	// drug is current and long-term; ImpliedCode is the class's code
	// whatever the status.
	StatusCode, ImpliedCode string
	// Suspect is the condition the drug suggests (a query flag, never a
	// code).
	Suspect string
	// Current is false when the note says the drug is stopped, held, an
	// allergy, tried before, completed, declined, negated, planned or
	// someone else's.
	Current bool
	// Status names why a drug is not current ("stopped", "allergy",
	// "negated", "hypothetical", "family"...); "current" otherwise.
	Status string
	// StatusCue spans the words that set Status; empty when none did.
	StatusCue Span
	// LongTerm is set for a current drug taken long-term (not a short
	// course, not as needed).
	LongTerm bool
	// Course is "long" or "short" when a cue or the class decides it.
	Course string
	// Dose is the amount and unit written after the name; zero when none.
	DoseValue float64
	DoseUnit  string
	// Frequency is "daily", "bid", "tid", "qid", "weekly", "monthly" or
	// "prn" when stated.
	Frequency string
	Sentence  int
}

type medClass struct {
	name    string
	status  string
	course  string // long, short or acute
	suspect string
}

type drugDef struct {
	name    string
	class   *medClass
	aliases map[string]bool // normalized names, to accept a resolved abbreviation
}

type medStatusDef struct {
	value  string
	window int
}

// medLexicon holds data/medications.tsv.
type medLexicon struct {
	drugs     *phraseTable[*drugDef]
	before    *phraseTable[medStatusDef] // status cues before the name
	after     *phraseTable[medStatusDef] // status cues after it
	course    *phraseTable[string]
	frequency *phraseTable[string]
	notDrug   *phraseTable[struct{}]
	classes   map[string]*medClass
}

// MedicationClass reports whether name is a drug class of the lexicon
// (Medication.Class values), for tables that refer to classes.
func (a *Analyzer) MedicationClass(name string) bool {
	_, ok := a.meds.classes[name]
	return ok
}

func (a *Analyzer) loadMeds(fsys fs.FS) (*medLexicon, error) {
	rows, err := readRows(fsys, "data/medications.tsv")
	if err != nil {
		return nil, err
	}
	lx := &medLexicon{
		drugs:     newPhraseTable[*drugDef](a, normKeys),
		before:    newPhraseTable[medStatusDef](a, lowerKeys),
		after:     newPhraseTable[medStatusDef](a, lowerKeys),
		course:    newPhraseTable[string](a, lowerKeys),
		frequency: newPhraseTable[string](a, lowerKeys),
		notDrug:   newPhraseTable[struct{}](a, normKeys),
	}
	classes := map[string]*medClass{}
	lx.classes = classes
	drugKeys := map[string]*drugDef{}
	for _, r := range rows {
		switch r.kind() {
		case "class":
			if err := r.want(5, 5); err != nil {
				return nil, err
			}
			c := &medClass{name: r.field(1), course: r.field(3)}
			if s := r.field(2); s != "-" {
				if !validCode(s) {
					return nil, r.errorf("%q is not an ICD-10-CM code", s)
				}
				c.status = s
			}
			if s := r.field(4); s != "-" {
				c.suspect = s
			}
			if c.course != "long" && c.course != "short" && c.course != "acute" {
				return nil, r.errorf("course must be long, short or acute, not %q", c.course)
			}
			if _, dup := classes[c.name]; dup {
				return nil, r.errorf("class %q is defined twice", c.name)
			}
			classes[c.name] = c
		case "drug":
			if err := r.want(3, 3); err != nil {
				return nil, err
			}
			c, ok := classes[r.field(1)]
			if !ok {
				return nil, r.errorf("unknown class %q (classes must be defined first)", r.field(1))
			}
			names := alternatives(r.field(2))
			def := &drugDef{name: names[0], class: c, aliases: map[string]bool{}}
			for _, n := range names {
				keys := a.keys(n, normKeys)
				id := strings.Join(keys, " ")
				if prev, dup := drugKeys[id]; dup {
					if prev == def {
						continue // "tablet|tablets" normalize alike
					}
					return nil, r.errorf("drug name %q is already listed for %s", n, prev.name)
				}
				drugKeys[id] = def
				def.aliases[id] = true
				lx.drugs.add(keys, def)
			}
		case "status":
			if err := r.want(5, 5); err != nil {
				return nil, err
			}
			def := medStatusDef{value: r.field(1)}
			table := lx.before
			switch r.field(2) {
			case "pre":
			case "post":
				table = lx.after
			default:
				return nil, r.errorf("direction must be pre or post, not %q", r.field(2))
			}
			w, err := r.number(3)
			if err != nil {
				return nil, err
			}
			def.window = int(w)
			for _, p := range alternatives(r.field(4)) {
				if err := addDistinct(r, table, a.keys(p, lowerKeys), def, p); err != nil {
					return nil, err
				}
			}
		case "course", "frequency":
			if err := r.want(3, 3); err != nil {
				return nil, err
			}
			table := lx.course
			if r.kind() == "frequency" {
				table = lx.frequency
			} else if v := r.field(1); v != "short" && v != "long" {
				return nil, r.errorf("course must be short or long, not %q", v)
			}
			for _, p := range alternatives(r.field(2)) {
				if err := addDistinct(r, table, a.keys(p, lowerKeys), r.field(1), p); err != nil {
					return nil, err
				}
			}
		case "not-drug":
			if err := r.want(2, 2); err != nil {
				return nil, err
			}
			for _, p := range alternatives(r.field(1)) {
				lx.notDrug.add(a.keys(p, normKeys), struct{}{})
			}
		default:
			return nil, r.errorf("unknown entry kind %q", r.kind())
		}
	}
	return lx, nil
}

// medCueWindow bounds the search for course and frequency words around a
// drug name.
const medCueWindow = 10

// findMedications finds drug mentions and decides whether each is current
// and long-term. It runs after triggers, so negation and hypothetical
// scopes are known.
func (a *Analyzer) findMedications(d *Doc) {
	toks := d.Tokens
	lx := a.meds
	for si := range d.Sentences {
		s := &d.Sentences[si]
		prevEnd := s.FirstToken // end of the previous drug name in the sentence
		for i := s.FirstToken; i < s.EndToken; i++ {
			if toks[i].Kind != Word {
				continue
			}
			def, n := lx.drugs.match(toks, i, s.EndToken)
			if n == 0 {
				continue
			}
			if !d.abbrevAgrees(i, i+n, def) {
				continue
			}
			if i+n < s.EndToken {
				if _, m := lx.notDrug.match(toks, i+n, s.EndToken); m > 0 {
					i += n - 1
					continue
				}
			}
			d.Medications = append(d.Medications, a.medication(d, def, si, prevEnd, i, i+n))
			prevEnd = i + n
			i += n - 1
		}
	}
}

// abbrevAgrees rejects a drug name that is an abbreviation resolved to
// another sense ("ASA class II") or left unresolved.
func (d *Doc) abbrevAgrees(first, end int, def *drugDef) bool {
	ab := d.abbrevAt(first)
	if ab == nil {
		return true
	}
	return ab.Resolved && (def.aliases[strings.Join(ab.terms, " ")] || ab.Expansion == def.name)
}

func (a *Analyzer) medication(d *Doc, def *drugDef, si, prevEnd, first, end int) Medication {
	toks := d.Tokens
	s := &d.Sentences[si]
	m := Medication{
		Start: toks[first].Start, End: toks[end-1].End,
		Name: def.name, Class: def.class.name, ImpliedCode: def.class.status,
		Suspect: def.class.suspect, Current: true, Status: "current", Sentence: si,
	}
	a.medDose(d, &m, si, end)
	lx := a.meds
	lo, hi := d.medContext(si, prevEnd, first, end)
	short, long := false, false
	for k := lo; k < hi; k++ {
		if k >= first && k < end {
			continue
		}
		if m.Frequency == "" && k >= end {
			if f, n := lx.frequency.match(toks, k, hi); n > 0 {
				m.Frequency = f
			}
		}
		if c, n := lx.course.match(toks, k, hi); n > 0 {
			if c == "short" {
				short = true
			} else {
				long = true
			}
			k += n - 1
		}
	}
	switch {
	case d.Sections[s.Section].Kind == SectionAllergies:
		m.Current, m.Status = false, "allergy"
	default:
		if st, cue, ok := a.medStatus(d, si, first, end); ok {
			m.Current, m.Status, m.StatusCue = false, st, cue
		} else if as := d.Assert(m.Start, m.End, 0); !medCurrent(as) {
			m.Current, m.Status = false, as.Status.String()
			if as.Trigger != nil {
				m.StatusCue = Span{as.Trigger.Start, as.Trigger.End}
			}
		}
	}
	switch {
	case short:
		m.Course = "short"
	case long:
		m.Course = "long"
	case def.class.course == "long":
		m.Course = "long"
	case def.class.course == "short" && d.Sections[s.Section].Kind == SectionMeds && m.Frequency != "prn" && m.Frequency != "":
		// A scheduled drug in the medication list is maintenance therapy.
		m.Course = "long"
	default:
		m.Course = "short"
	}
	if m.Frequency == "prn" && !long {
		m.Course = "short"
	}
	m.LongTerm = m.Current && m.Course == "long"
	if m.LongTerm {
		m.StatusCode = def.class.status
	}
	return m
}

// medContext bounds the words that describe a drug (course, frequency):
// its list element when the sentence is a list ("metformin 500 mg BID,
// lisinopril 20 mg daily"), else a window around it, never past another
// drug's name (the previous one ends at prevEnd).
func (d *Doc) medContext(si, prevEnd, first, end int) (int, int) {
	s := &d.Sentences[si]
	lo, hi := max(s.FirstToken, first-medCueWindow, prevEnd), min(s.EndToken, end+medCueWindow)
	for _, el := range s.Elements {
		if el.Start <= d.Tokens[first].Start && d.Tokens[first].Start < el.End {
			ef, ee := d.tokenRange(el.Start, el.End)
			lo, hi = max(lo, ef), min(hi, ee)
			break
		}
	}
	for k := end; k < hi; k++ {
		if _, n := d.a.meds.drugs.match(d.Tokens, k, hi); n > 0 {
			hi = k
			break
		}
	}
	return lo, hi
}

// medCurrent reads an assertion for a drug: negated, hypothetical, someone
// else's, or under a firm history cue ("previously on") means not current;
// a soft "history of" before a condition does not reach the drug.
func medCurrent(as Assertion) bool {
	switch as.Status {
	case Negated, Hypothetical, Family, Other:
		return false
	case Historical:
		return as.Trigger != nil && as.Trigger.Flags&Soft != 0
	}
	return true
}

// medStatus finds a not-current cue before or after a drug name, not
// reaching past another drug ("due to amoxicillin - stop amoxicillin").
func (a *Analyzer) medStatus(d *Doc, si, first, end int) (string, Span, bool) {
	toks := d.Tokens
	s := &d.Sentences[si]
	lx := a.meds
	lo := max(s.FirstToken, first-6)
	for k := first - 1; k >= lo; k-- {
		if _, n := lx.drugs.match(toks, k, first); n > 0 {
			lo = k + n
			break
		}
	}
	found := -1
	var foundDef medStatusDef
	var foundN int
	for k := lo; k < first; k++ {
		// Longest match from left to right: "hold off on" hides "off".
		if def, n := lx.before.match(toks, k, first); n > 0 {
			if d.isDiscontinue(k) {
				found, foundDef, foundN = k, def, n
			}
			k += n - 1
		}
	}
	if found >= 0 && wordsBetween(toks, found+foundN, first) <= foundDef.window && !d.scopeBroken(found+foundN, first) {
		return foundDef.value, Span{toks[found].Start, toks[found+foundN-1].End}, true
	}
	for k := end; k < s.EndToken && k < end+8; k++ {
		if _, n := lx.drugs.match(toks, k, s.EndToken); n > 0 {
			break
		}
		def, n := lx.after.match(toks, k, s.EndToken)
		if n == 0 || !d.isDiscontinue(k) {
			continue
		}
		if k+n < s.EndToken {
			if _, m := lx.drugs.match(toks, k+n, s.EndToken); m > 0 {
				break // "stop amoxicillin" is about the next drug
			}
		}
		if wordsBetween(toks, end, k) <= def.window && !d.scopeBroken(end, k) {
			return def.value, Span{toks[k].Start, toks[k+n-1].End}, true
		}
	}
	return "", Span{}, false
}

// isDiscontinue rejects "d/c" resolved as discharge ("d/c home on
// amoxicillin").
func (d *Doc) isDiscontinue(k int) bool {
	if d.Tokens[k].Lower != "d/c" {
		return true
	}
	ab := d.abbrevAt(k)
	return ab == nil || ab.Expansion == "discontinue"
}

// scopeBroken reports a terminator, semicolon or another drug's comma
// list boundary between two tokens.
func (d *Doc) scopeBroken(from, to int) bool {
	for k := from; k < to; k++ {
		if d.scopeStops[k].stop || d.Tokens[k].IsPunct(";") || d.Tokens[k].IsPunct(",") {
			return true
		}
	}
	return false
}

func wordsBetween(toks []Token, from, to int) int {
	n := 0
	for k := from; k < to; k++ {
		if toks[k].Kind != Punct {
			n++
		}
	}
	return n
}

// medDose reads the amount and unit after a drug name ("metformin 500 mg",
// "insulin glargine 20 u") and records it as a DrugDose measurement.
func (a *Analyzer) medDose(d *Doc, m *Medication, si, end int) {
	toks := d.Tokens
	s := &d.Sentences[si]
	sc := measureScan{a: a, d: d, toks: toks, si: si, end: s.EndToken}
	for k := end; k < s.EndToken && k < end+4; k++ {
		if toks[k].IsPunct(",") || toks[k].IsPunct(";") {
			return
		}
		v, unitAt, ok := sc.numberWithUnitStart(k)
		if !ok {
			continue
		}
		unit, n := "", 0
		if unitAt == k {
			_, rest := leadingDigits(toks[k].Lower)
			probe := []Token{{Kind: Word, Lower: rest, lid: a.vocab.ids[rest]}}
			a.setHeads(&probe[0])
			if _, m := a.measures.units["dose"].match(probe, 0, 1); m > 0 {
				unit, n = rest, 1
			}
		} else if _, m := sc.unit("dose", unitAt); m > 0 {
			var parts []string
			for j := unitAt; j < unitAt+m; j++ {
				parts = append(parts, toks[j].Lower)
			}
			unit, n = strings.Join(parts, ""), unitAt+m-k
		}
		if unit == "" || v <= 0 {
			continue
		}
		m.DoseValue, m.DoseUnit = v, unit
		sc.add(Measurement{Kind: DrugDose, Value: v, Unit: unit, Detail: m.Name}, k, k+n, k, k+1)
		return
	}
}
