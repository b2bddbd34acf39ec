package nlp

import (
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"sync"
)

// Analyzer holds the lexicons. It is immutable after New and safe for
// concurrent use.
type Analyzer struct {
	vocab    *vocab
	tables   []freezer
	ready    bool   // lexicons loaded and frozen
	stopID   []bool // stop words, by vocabulary id
	norm     *normalizer
	sections *sectionLexicon
	context  *contextLexicon
	abbrevs  *abbrevLexicon
	measures *measureLexicon
	meds     *medLexicon
	anatomy  *anatomyLexicon
}

// New loads the lexicons embedded in the package.
func New() (*Analyzer, error) { return newAnalyzer(dataFS) }

// newAnalyzer loads the lexicons from fsys (tests pass broken copies).
func newAnalyzer(fsys fs.FS) (*Analyzer, error) {
	a := &Analyzer{vocab: newVocab()}
	var err error
	if a.norm, err = loadNormalizer(fsys); err != nil {
		return nil, err
	}
	if a.abbrevs, err = a.loadAbbrevs(fsys); err != nil {
		return nil, err
	}
	if a.sections, err = a.loadSections(fsys); err != nil {
		return nil, err
	}
	if a.context, err = a.loadContext(fsys); err != nil {
		return nil, err
	}
	if a.measures, err = a.loadMeasures(fsys); err != nil {
		return nil, err
	}
	if a.meds, err = a.loadMeds(fsys); err != nil {
		return nil, err
	}
	if a.anatomy, err = a.loadAnatomy(fsys); err != nil {
		return nil, err
	}
	if len(a.tables) > maxTables {
		return nil, fmt.Errorf("nlp: %d phrase tables, more than the %d a token can mark", len(a.tables), maxTables)
	}
	for w := range a.norm.stop {
		a.vocab.intern(w)
	}
	a.vocab.finish(a.norm)
	a.stopID = make([]bool, len(a.vocab.words))
	for w := range a.norm.stop {
		a.stopID[a.vocab.ids[w]] = true
	}
	for _, t := range a.tables {
		t.freeze(a.vocab)
	}
	a.ready = true
	return a, nil
}

// defaultAnalyzer loads the embedded lexicons once. They are part of the
// binary and every entry is covered by tests, so a load failure is a build
// defect and panics, as template.Must does for embedded templates.
var defaultAnalyzer = sync.OnceValue(func() *Analyzer {
	a, err := New()
	if err != nil {
		panic(fmt.Sprintf("nlp: embedded lexicons: %v", err))
	}
	return a
})

// Default returns the analyzer built from the embedded lexicons, loading
// it on first use.
func Default() *Analyzer { return defaultAnalyzer() }

// Analyze runs the default analyzer on text.
func Analyze(text string) *Doc { return Default().Analyze(text) }

// Doc is the analysis of one note. Every span in it is a byte range of
// Text, so text[Start:End] is what the note says there.
type Doc struct {
	Text          string
	Tokens        []Token
	Sections      []Section
	Items         []Item
	Sentences     []Sentence
	Terms         []Term
	Abbreviations []Abbreviation
	Triggers      []Trigger
	Measurements  []Measurement
	Medications   []Medication
	Sites         []Site
	Cues          []Cue
	Patient       Patient

	a *Analyzer
	// sentTriggers[s] is the range of d.Triggers inside sentence s.
	sentTriggers []span32
	// scopeStops marks tokens that close assertion scopes; scope indexes
	// them for constant-time checks.
	scopeStops []scopeStop
	scope      scopeIndex
	// careCues are the current-care cues (token ranges), sentCare[s] the
	// range of them inside sentence s, sentActive[s] whether sentence s
	// holds a current medication or a measurement (rule R8).
	careCues   []span32
	sentCare   []span32
	sentActive []bool
	// phases indexes the encounter-phase cues in Cues.
	phases []int
}

type span32 struct{ first, end int32 }

// Analyze tokenizes text and runs every stage: sections, items and
// sentences, normalization and abbreviations, assertion triggers,
// measurements, medications, anatomy and attribute cues.
func (a *Analyzer) Analyze(text string) *Doc {
	d := &Doc{Text: text, a: a}
	d.Tokens = tokenize(text, make([]Token, 0, len(text)/4+8))
	a.normalizeTokens(d.Tokens)
	a.detectSections(d)
	a.segment(d)
	a.resolveAbbrevs(d)
	a.buildTerms(d)
	a.findTriggers(d)
	a.findMeasurements(d)
	a.findMedications(d)
	a.findSites(d)
	a.findCues(d)
	// Doses are found with their drugs and side cues with the sites, after
	// the other measurements and cues: restore text order.
	slices.SortStableFunc(d.Measurements, func(x, y Measurement) int { return x.Start - y.Start })
	slices.SortStableFunc(d.Cues, func(x, y Cue) int { return x.Start - y.Start })
	d.markActive()
	for k := range d.Cues {
		if d.Cues[k].Kind == CuePhase {
			d.phases = append(d.phases, k)
		}
	}
	d.Patient = patientOf(d)
	return d
}

// normalizeTokens fills Norm and the vocabulary ids of every token. A
// word the lexicons know costs one map lookup; another word is normalized
// by the rules.
func (a *Analyzer) normalizeTokens(toks []Token) {
	v := a.vocab
	for i := range toks {
		t := &toks[i]
		id := v.ids[t.Lower]
		switch {
		case t.Kind != Word:
			t.Norm, t.lid, t.nid = t.Lower, id, id
		case id != unknownID && a.ready:
			w := &v.words[id]
			t.Norm, t.lid, t.nid = w.norm, id, w.normID
		default:
			t.Norm, t.lid = a.norm.word(t.Lower), id
			t.nid = v.ids[t.Norm]
		}
		if t.Kind == Word && i > 0 && toks[i-1].Kind == Word && isRomanStart(t.Lower) && a.norm.romanAfter[toks[i-1].Norm] {
			if r, ok := roman(t.Lower); ok {
				t.Norm, t.nid = r, v.ids[r]
			}
		}
		a.setHeads(t)
	}
}

// setHeads marks the tables that have a phrase starting at the token.
func (a *Analyzer) setHeads(t *Token) {
	v := a.vocab
	t.heads = v.words[t.lid].lowerHead | v.words[t.nid].normHead
	if t.Kind == Number {
		t.heads |= v.numberHead
	}
}

// isRomanStart is a cheap filter before the roman-numeral check.
func isRomanStart(w string) bool {
	return w != "" && (w[0] == 'i' || w[0] == 'v' || w[0] == 'x')
}

// keys tokenizes a lexicon phrase like note text and returns each token's
// key, so lexicon entries and notes are compared in the same form. The
// placeholders {num} and {year} stay whole.
func (a *Analyzer) keys(phrase string, space keySpace) []string {
	toks := tokenize(phrase, nil)
	a.normalizeTokens(toks)
	out := make([]string, 0, len(toks))
	for i := 0; i < len(toks); i++ {
		if i+2 < len(toks) && toks[i].IsPunct("{") && toks[i+2].IsPunct("}") {
			if p := "{" + toks[i+1].Lower + "}"; p == anyNumber || p == anyYear {
				out = append(out, p)
				i += 2
				continue
			}
		}
		out = append(out, space.of(&toks[i]))
	}
	return out
}

// TokenAt returns the index of the first token that ends after byte offset
// off, or len(d.Tokens) when none does.
func (d *Doc) TokenAt(off int) int {
	return sort.Search(len(d.Tokens), func(i int) bool { return d.Tokens[i].End > off })
}

// tokenRange converts a byte span into the token range [first, end) it
// covers.
func (d *Doc) tokenRange(start, end int) (int, int) {
	first := d.TokenAt(start)
	last := sort.Search(len(d.Tokens), func(i int) bool { return d.Tokens[i].Start >= end })
	if last < first {
		last = first
	}
	return first, last
}

// SentenceAt returns the index of the sentence holding byte offset off, or
// -1 when off lies outside every sentence (a header, a bullet, space).
func (d *Doc) SentenceAt(off int) int {
	i := sort.Search(len(d.Sentences), func(m int) bool { return d.Sentences[m].End > off })
	if i < len(d.Sentences) && d.Sentences[i].Start <= off {
		return i
	}
	return -1
}
