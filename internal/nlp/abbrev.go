package nlp

import (
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"unicode"
)

// Abbreviation is a lexicon abbreviation found in the note, with the sense
// chosen for it.
type Abbreviation struct {
	// Start, End span the abbreviation as written ("CKD3a", "A-fib").
	Start, End int
	// FirstToken, EndToken delimit its tokens.
	FirstToken, EndToken int
	// Expansion is the chosen sense ("hypertension"); empty when an
	// ambiguous abbreviation stays unresolved.
	Expansion string
	// Codes are the default target codes of the chosen sense (lexicon data
	// for the engine); nil for shorthand that never codes.
	Codes []TargetCode
	// Ambiguous is set when the lexicon lists several senses.
	Ambiguous bool
	// Resolved is set when a sense was chosen; an unresolved abbreviation
	// must not produce a code.
	Resolved bool
	// NoExpand is set for shorthand kept out of the matcher's word stream
	// (exam findings, dosing, history cues).
	NoExpand bool
	// Candidates lists the senses of an unresolved ambiguous abbreviation.
	Candidates []string

	terms []string // normalized expansion words
}

// TargetCode is a default code of an abbreviation sense. When names the
// documented variant it applies to ("old", "right", "exacerbation"); empty
// for the plain default.
type TargetCode struct {
	Code string
	When string
}

// caseRule says which spellings of a key an entry accepts.
type caseRule uint8

const (
	anyCase   caseRule = iota // "htn", "Htn", "HTN"
	mixedCase                 // at least one capital: "Afib", "HTN"
	upperCase                 // capitals only: "AS" but not "as"
	lowerCase                 // not all capitals: "pt", "Pt" but not "PT"
)

type cueKind uint8

const (
	cuePrev cueKind = iota + 1
	cueNext
	cueNear
	cueSection
	cueNumBefore
	cueNumAfter
)

// Cue weights: an adjacent word or number says more than a word somewhere
// in the sentence or the section the abbreviation sits in.
const (
	adjacentCueWeight = 3
	nearCueWeight     = 1
	sectionCueWeight  = 1
	maxNearCues       = 3
	nearCueWindow     = 8
)

type cue struct {
	kind     cueKind
	seqs     [][]string      // prev/next: token sequences (Lower)
	words    map[string]bool // near: normalized words
	sections []SectionKind
}

type abbrevSense struct {
	expansion string
	terms     []string // normalized expansion words
	codes     []TargetCode
	rule      caseRule
	noExpand  bool
	isDefault bool
	cues      []cue
	example   string
}

type abbrevEntry struct {
	senses []*abbrevSense
}

type abbrevLexicon struct {
	table *phraseTable[*abbrevEntry]
}

func (a *Analyzer) loadAbbrevs(fsys fs.FS) (*abbrevLexicon, error) {
	rows, err := readRows(fsys, "data/abbreviations.tsv")
	if err != nil {
		return nil, err
	}
	lx := &abbrevLexicon{table: newPhraseTable[*abbrevEntry](a, lowerKeys)}
	entries := map[string]*abbrevEntry{}
	single := map[string]bool{} // keys owned by an "abbr" row
	for _, r := range rows {
		var s *abbrevSense
		switch r.kind() {
		case "abbr":
			if err := r.want(5, 6); err != nil {
				return nil, err
			}
			if s, err = a.parseSense(r); err != nil {
				return nil, err
			}
		case "sense":
			if err := r.want(8, 8); err != nil {
				return nil, err
			}
			if s, err = a.parseSense(r); err != nil {
				return nil, err
			}
			if s.cues, err = a.parseCues(r, r.field(6)); err != nil {
				return nil, err
			}
			s.example = r.field(7)
		default:
			return nil, r.errorf("unknown entry kind %q", r.kind())
		}
		for _, k := range alternatives(r.field(1)) {
			keys := a.keys(k, lowerKeys)
			id := strings.Join(keys, " ")
			e := entries[id]
			if e == nil {
				e = &abbrevEntry{}
				entries[id] = e
				lx.table.add(keys, e)
			}
			if slices.Contains(e.senses, s) {
				continue // "Fx|fx" spell one key twice
			}
			if len(e.senses) > 0 && (r.kind() == "abbr" || single[id]) {
				return nil, r.errorf("key %q is already defined", k)
			}
			if r.kind() == "abbr" {
				single[id] = true
			}
			e.senses = append(e.senses, s)
		}
	}
	for id, e := range entries {
		defaults := 0
		for _, s := range e.senses {
			if s.isDefault {
				defaults++
			}
		}
		switch {
		case len(e.senses) == 1 && e.senses[0].cues != nil:
			return nil, fmt.Errorf("nlp: data/abbreviations.tsv: %q has a single sense row; use an abbr row", id)
		case defaults > 1:
			return nil, fmt.Errorf("nlp: data/abbreviations.tsv: %q has several default senses", id)
		}
	}
	return lx, nil
}

func (a *Analyzer) parseSense(r row) (*abbrevSense, error) {
	s := &abbrevSense{}
	switch r.field(2) {
	case "any":
		s.rule = anyCase
	case "mixed":
		s.rule = mixedCase
	case "upper":
		s.rule = upperCase
	case "lower":
		s.rule = lowerCase
	default:
		return nil, r.errorf("unknown case rule %q (want any, mixed, upper or lower)", r.field(2))
	}
	if exp := r.field(3); exp != "-" {
		s.expansion = exp
		s.terms = a.NormalizePhrase(exp)
	}
	if codes := r.field(4); codes != "-" {
		for _, f := range strings.Fields(codes) {
			tc := TargetCode{Code: f}
			if when, code, ok := strings.Cut(f, "="); ok {
				tc = TargetCode{Code: code, When: when}
			}
			if !validCode(tc.Code) {
				return nil, r.errorf("%q is not an ICD-10-CM or HCPCS code", tc.Code)
			}
			s.codes = append(s.codes, tc)
		}
	}
	for _, f := range alternatives(r.field(5)) {
		switch f {
		case "-":
		case "noexpand":
			s.noExpand = true
		case "default":
			s.isDefault = true
		default:
			return nil, r.errorf("unknown flag %q", f)
		}
	}
	if s.expansion == "" && !s.noExpand {
		return nil, r.errorf("an entry without expansion must be noexpand")
	}
	return s, nil
}

// validCode checks the shape of an ICD-10-CM code (letter, digit,
// alphanumeric, optional dot and up to four more) or a HCPCS Level II code
// (letter and four digits).
func validCode(c string) bool {
	if len(c) == 5 && c[0] >= 'A' && c[0] <= 'Z' && strings.IndexFunc(c[1:], func(r rune) bool { return r < '0' || r > '9' }) < 0 {
		return true
	}
	if len(c) < 3 || c[0] < 'A' || c[0] > 'Z' || c[1] < '0' || c[1] > '9' || !isUpperAlnum(c[2]) {
		return false
	}
	if len(c) == 3 {
		return true
	}
	if c[3] != '.' || len(c) < 5 || len(c) > 8 {
		return false
	}
	for i := 4; i < len(c); i++ {
		if !isUpperAlnum(c[i]) {
			return false
		}
	}
	return true
}

func isUpperAlnum(c byte) bool { return c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' }

// parseCues reads "prev=a,b;near=c;sec=ap;num=before".
func (a *Analyzer) parseCues(r row, spec string) ([]cue, error) {
	var cues []cue
	for _, part := range strings.Split(spec, ";") {
		name, vals, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || vals == "" {
			return nil, r.errorf("cue %q needs the form name=values", part)
		}
		c := cue{}
		switch name {
		case "prev", "next":
			c.kind = cuePrev
			if name == "next" {
				c.kind = cueNext
			}
			for _, v := range strings.Split(vals, ",") {
				c.seqs = append(c.seqs, a.keys(v, lowerKeys))
			}
		case "near":
			c.kind = cueNear
			c.words = map[string]bool{}
			for _, v := range strings.Split(vals, ",") {
				c.words[a.norm.word(foldWord(strings.TrimSpace(v), false))] = true
			}
		case "sec":
			c.kind = cueSection
			for _, v := range strings.Split(vals, ",") {
				k, ok := sectionKindByName(strings.TrimSpace(v))
				if !ok {
					return nil, r.errorf("unknown section kind %q in cue", v)
				}
				c.sections = append(c.sections, k)
			}
		case "num":
			switch vals {
			case "before":
				c.kind = cueNumBefore
			case "after":
				c.kind = cueNumAfter
			default:
				return nil, r.errorf("num cue must be before or after, not %q", vals)
			}
		default:
			return nil, r.errorf("unknown cue %q", name)
		}
		cues = append(cues, c)
	}
	return cues, nil
}

// resolveAbbrevs finds lexicon abbreviations sentence by sentence and
// chooses a sense for each.
func (a *Analyzer) resolveAbbrevs(d *Doc) {
	toks := d.Tokens
	for si := range d.Sentences {
		s := &d.Sentences[si]
		for i := s.FirstToken; i < s.EndToken; i++ {
			if toks[i].Kind != Word {
				continue
			}
			e, n := a.abbrevs.table.match(toks, i, s.EndToken)
			plural := false
			if n == 0 {
				if key, ok := pluralAbbrevKey(d.Text, &toks[i]); ok {
					e, n = a.abbrevs.table.matchFirst(a.vocab.ids[key], toks, i, i+1)
					plural = true
				}
			}
			if n == 0 {
				continue
			}
			if ab, ok := a.chooseSense(d, e, si, i, i+n, plural); ok {
				d.Abbreviations = append(d.Abbreviations, ab)
				i += n - 1
			}
		}
	}
}

// pluralAbbrevKey turns "AKs" or "UTIs" (capitals and a final lower-case
// s) into the singular key "ak", "uti".
func pluralAbbrevKey(text string, t *Token) (string, bool) {
	if !isCapitalPlural(text[t.Start:t.End]) {
		return "", false
	}
	return t.Lower[:len(t.Lower)-1], true
}

// isCapitalPlural reports capitals with a final lower-case s ("PVCs").
func isCapitalPlural(w string) bool {
	if len(w) < 3 || w[len(w)-1] != 's' {
		return false
	}
	for i := 0; i < len(w)-1; i++ {
		if c := w[i]; !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// chooseSense filters an entry's senses by case and picks one by context.
func (a *Analyzer) chooseSense(d *Doc, e *abbrevEntry, si, first, end int, plural bool) (Abbreviation, bool) {
	toks := d.Tokens
	surface := d.Text[toks[first].Start:toks[end-1].End]
	if plural || isCapitalPlural(surface) {
		surface = surface[:len(surface)-1] // "AKs" is written in capitals
	}
	var cands []*abbrevSense
	for _, s := range e.senses {
		if caseMatches(surface, s.rule) {
			cands = append(cands, s)
		}
	}
	if len(cands) == 0 {
		return Abbreviation{}, false
	}
	strict := false
	for _, s := range cands {
		strict = strict || s.rule != anyCase
	}
	if strict && a.inCapitalProse(d, si, first, end) {
		return Abbreviation{}, false
	}
	ab := Abbreviation{
		Start: toks[first].Start, End: toks[end-1].End,
		FirstToken: first, EndToken: end,
		Ambiguous: len(e.senses) > 1,
	}
	chosen := cands[0]
	if ab.Ambiguous {
		chosen = a.bestSense(d, cands, si, first, end)
	}
	if chosen == nil {
		for _, s := range cands {
			ab.Candidates = append(ab.Candidates, s.expansion)
		}
		return ab, true
	}
	ab.Resolved = true
	ab.Expansion = chosen.expansion
	ab.Codes = chosen.codes
	ab.NoExpand = chosen.noExpand
	ab.terms = chosen.terms
	return ab, true
}

func caseMatches(surface string, rule caseRule) bool {
	switch rule {
	case upperCase:
		for _, r := range surface {
			if unicode.IsLower(r) {
				return false
			}
		}
	case mixedCase:
		return strings.IndexFunc(surface, unicode.IsUpper) >= 0
	case lowerCase:
		return strings.IndexFunc(surface, unicode.IsLower) >= 0
	}
	return true
}

// inCapitalProse reports whether the abbreviation sits in text written in
// capitals ("AS NEEDED", "SEEN IN ED TODAY"), where case no longer tells
// an abbreviation from a word: two or more neighbouring all-capital words
// that are not themselves abbreviations.
func (a *Analyzer) inCapitalProse(d *Doc, si, first, end int) bool {
	toks := d.Tokens
	s := &d.Sentences[si]
	words := 0
	count := func(k int) {
		t := &toks[k]
		if t.Kind == Word && t.Has(AllUpper) && t.End-t.Start >= 3 && !a.abbrevs.table.has(t) {
			words++
		}
	}
	for k, seen := first-1, 0; k >= s.FirstToken && seen < 2; k-- {
		if toks[k].Kind == Word {
			count(k)
			seen++
		}
	}
	for k, seen := end, 0; k < s.EndToken && seen < 2; k++ {
		if toks[k].Kind == Word {
			count(k)
			seen++
		}
	}
	return words >= 2
}

// bestSense scores each candidate sense by its cues. It returns the single
// best-scoring sense, else the default sense, else nil (unresolved).
func (a *Analyzer) bestSense(d *Doc, cands []*abbrevSense, si, first, end int) *abbrevSense {
	var best *abbrevSense
	bestScore, tie := 0, false
	for _, s := range cands {
		score := a.cueScore(d, s, si, first, end)
		switch {
		case score > bestScore:
			best, bestScore, tie = s, score, false
		case score == bestScore && score > 0:
			tie = true
		}
	}
	if best != nil && !tie {
		return best
	}
	for _, s := range cands {
		if s.isDefault && (best == nil || a.cueScore(d, s, si, first, end) == bestScore) {
			return s
		}
	}
	return nil
}

func (a *Analyzer) cueScore(d *Doc, s *abbrevSense, si, first, end int) int {
	toks := d.Tokens
	sent := &d.Sentences[si]
	score := 0
	for _, c := range s.cues {
		switch c.kind {
		case cuePrev:
			for _, seq := range c.seqs {
				if seqEndsAt(toks, seq, first, sent.FirstToken) {
					score += adjacentCueWeight
					break
				}
			}
		case cueNext:
			for _, seq := range c.seqs {
				if seqStartsAt(toks, seq, end, sent.EndToken) {
					score += adjacentCueWeight
					break
				}
			}
		case cueNumBefore:
			if first > sent.FirstToken && toks[first-1].Kind == Number {
				score += adjacentCueWeight
			}
		case cueNumAfter:
			k := end
			if k < sent.EndToken && toks[k].IsPunct(":") {
				k++
			}
			if k < sent.EndToken && toks[k].Kind == Number {
				score += adjacentCueWeight
			}
		case cueSection:
			kind := d.Sections[sent.Section].Kind
			for _, k := range c.sections {
				if k == kind {
					score += sectionCueWeight
					break
				}
			}
		case cueNear:
			found := 0
			lo, hi := max(sent.FirstToken, first-nearCueWindow), min(sent.EndToken, end+nearCueWindow)
			for k := lo; k < hi && found < maxNearCues; k++ {
				if k >= first && k < end {
					continue
				}
				if c.words[toks[k].Norm] || c.words[toks[k].Lower] {
					found++
				}
			}
			score += found * nearCueWeight
		}
	}
	return score
}

// seqEndsAt reports whether the tokens just before index at spell seq.
func seqEndsAt(toks []Token, seq []string, at, lo int) bool {
	start := at - len(seq)
	if start < lo {
		return false
	}
	for k, w := range seq {
		if toks[start+k].Lower != w {
			return false
		}
	}
	return true
}

// seqStartsAt reports whether the tokens from index at spell seq.
func seqStartsAt(toks []Token, seq []string, at, hi int) bool {
	if at+len(seq) > hi {
		return false
	}
	for k, w := range seq {
		if toks[at+k].Lower != w {
			return false
		}
	}
	return true
}
