package nlp

import (
	"fmt"
	"io/fs"
	"sort"
)

// SectionKind is the canonical kind of a note section (coding-domain.md
// §3.2).
type SectionKind uint8

// The section kinds. SectionNone is text before the first header (all of a
// note without headers); SectionUnknown is a header the lexicon does not
// know ("BIRTH HISTORY").
const (
	SectionNone SectionKind = iota
	SectionUnknown
	SectionCC
	SectionHPI
	SectionROS
	SectionPMH
	SectionPSH
	SectionMeds
	SectionAllergies
	SectionFH
	SectionSH
	SectionVitals
	SectionExam
	SectionResults
	SectionProcedure
	SectionAP
	SectionTime
	SectionInstructions
	numSectionKinds
)

// sectionNames are the kind names used in data/sections.tsv.
var sectionNames = [numSectionKinds]string{
	"none", "unknown", "cc", "hpi", "ros", "pmh", "psh", "meds", "allergies", "fh", "sh",
	"vitals", "exam", "results", "procedure", "ap", "time", "instructions",
}

// Name is the kind's lexicon name ("ap", "hpi").
func (k SectionKind) Name() string {
	if k < numSectionKinds {
		return sectionNames[k]
	}
	return fmt.Sprintf("section(%d)", k)
}

// Section is a stretch of the note under one header.
type Section struct {
	Kind SectionKind
	// Label is the display name of the kind ("A/P", "HPI"); empty for
	// SectionNone. It is the evidence "section" of the CLI contract.
	Label string
	// HeaderStart, HeaderEnd span the header words as written ("Assessment
	// and Plan"); both equal Start when the section has no header.
	HeaderStart, HeaderEnd int
	// Start, End span the content, from after the header to the next one.
	Start, End int
	// Weight is how strongly a mention in this section supports coding.
	Weight float64
	// FirstToken, EndToken delimit the content tokens in Doc.Tokens.
	FirstToken, EndToken int
}

type headerEntry struct {
	kind  SectionKind
	upper bool // written in capitals only
	colon bool // needs a colon
}

// sectionLexicon holds data/sections.tsv.
type sectionLexicon struct {
	label         [numSectionKinds]string
	weight        [numSectionKinds]float64
	headers       *phraseTable[headerEntry]
	sub           *phraseTable[struct{}]
	nobreak       map[string]bool
	lineContinues map[string]bool
}

func (a *Analyzer) loadSections(fsys fs.FS) (*sectionLexicon, error) {
	rows, err := readRows(fsys, "data/sections.tsv")
	if err != nil {
		return nil, err
	}
	lx := &sectionLexicon{
		headers:       newPhraseTable[headerEntry](a, lowerKeys),
		sub:           newPhraseTable[struct{}](a, lowerKeys),
		nobreak:       map[string]bool{},
		lineContinues: map[string]bool{},
	}
	var seen [numSectionKinds]bool
	for _, r := range rows {
		switch r.kind() {
		case "kind":
			if err := r.want(4, 4); err != nil {
				return nil, err
			}
			k, ok := sectionKindByName(r.field(1))
			if !ok {
				return nil, r.errorf("unknown section kind %q", r.field(1))
			}
			w, err := r.number(3)
			if err != nil {
				return nil, err
			}
			if r.field(2) != "-" {
				lx.label[k] = r.field(2)
			}
			lx.weight[k], seen[k] = w, true
		case "header":
			if err := r.want(3, 4); err != nil {
				return nil, err
			}
			k, ok := sectionKindByName(r.field(1))
			if !ok || k <= SectionUnknown {
				return nil, r.errorf("header for unknown section kind %q", r.field(1))
			}
			e := headerEntry{kind: k}
			for _, f := range alternatives(r.field(3)) {
				switch f {
				case "upper":
					e.upper = true
				case "colon":
					e.colon = true
				default:
					return nil, r.errorf("unknown header flag %q", f)
				}
			}
			for _, p := range alternatives(r.field(2)) {
				if err := addDistinct(r, lx.headers, a.keys(p, lowerKeys), e, p); err != nil {
					return nil, err
				}
			}
		case "subheading":
			if err := r.want(2, 2); err != nil {
				return nil, err
			}
			for _, p := range alternatives(r.field(1)) {
				lx.sub.add(a.keys(p, lowerKeys), struct{}{})
			}
		case "nobreak", "continue":
			if err := r.want(2, 2); err != nil {
				return nil, err
			}
			set := lx.nobreak
			if r.kind() == "continue" {
				set = lx.lineContinues
			}
			for _, w := range alternatives(r.field(1)) {
				set[w] = true
			}
		default:
			return nil, r.errorf("unknown entry kind %q", r.kind())
		}
	}
	for k, ok := range seen {
		if !ok {
			return nil, fmt.Errorf("nlp: data/sections.tsv: no kind entry for section %q", sectionNames[k])
		}
	}
	return lx, nil
}

func sectionKindByName(name string) (SectionKind, bool) {
	for k, n := range sectionNames {
		if n == name {
			return SectionKind(k), true
		}
	}
	return 0, false
}

// detectSections finds the headers, flags their tokens and fills
// d.Sections. Headers count at the start of a line and, followed by a
// colon, after the end of a sentence on the same line.
func (a *Analyzer) detectSections(d *Doc) {
	toks := d.Tokens
	cur := Section{Kind: SectionNone}
	for i := 0; i < len(toks); i++ {
		atLine := toks[i].Has(LineStart)
		if !atLine && !(toks[i].Has(SpaceBefore) && followsSentenceEnd(toks, i)) {
			continue
		}
		kind, phraseStart, phraseEnd, contentStart, ok := a.header(d, i, atLine)
		if !ok {
			continue
		}
		a.closeSection(d, &cur, i)
		for k := i; k < contentStart; k++ {
			toks[k].Flags |= Header
		}
		cur = Section{
			Kind:        kind,
			HeaderStart: toks[phraseStart].Start,
			HeaderEnd:   toks[phraseEnd-1].End,
			FirstToken:  contentStart,
		}
		i = contentStart - 1
	}
	a.closeSection(d, &cur, len(toks))
}

// closeSection ends cur before token end and appends it unless it is an
// empty untitled section.
func (a *Analyzer) closeSection(d *Doc, cur *Section, end int) {
	cur.EndToken = end
	if cur.FirstToken < end {
		cur.Start = d.Tokens[cur.FirstToken].Start
	} else if end < len(d.Tokens) {
		cur.Start = d.Tokens[end].Start
	} else {
		cur.Start = len(d.Text)
	}
	if end < len(d.Tokens) {
		cur.End = d.Tokens[end].Start
	} else {
		cur.End = len(d.Text)
	}
	if cur.Kind == SectionNone {
		if cur.FirstToken >= end {
			return
		}
		cur.HeaderStart, cur.HeaderEnd = cur.Start, cur.Start
	}
	if cur.Start < cur.HeaderEnd {
		cur.Start = cur.HeaderEnd
	}
	if cur.End < cur.Start {
		cur.End = cur.Start
	}
	cur.Label = a.sections.label[cur.Kind]
	cur.Weight = a.sections.weight[cur.Kind]
	d.Sections = append(d.Sections, *cur)
}

func isSentenceEnd(t *Token) bool {
	return t.Kind == Punct && (t.Lower == "." || t.Lower == "!" || t.Lower == "?")
}

// isCloser reports a closing quote or bracket, which may follow the mark
// that ends a sentence: ...headaches." BP ...
func isCloser(t *Token) bool {
	if t.Kind != Punct {
		return false
	}
	switch t.Lower {
	case "\"", "'", ")", "]":
		return true
	}
	return false
}

// followsSentenceEnd reports whether token i comes right after a
// sentence-final mark, possibly followed by closing quotes or brackets.
func followsSentenceEnd(toks []Token, i int) bool {
	k := i - 1
	for k >= 0 && isCloser(&toks[k]) && !toks[k].Has(SpaceBefore) {
		k--
	}
	return k >= 0 && isSentenceEnd(&toks[k])
}

// maxHeaderTokens bounds the look-ahead for a header: no header line is
// longer, and a bound keeps header detection linear on long lines.
const maxHeaderTokens = 24

// lineEnd returns the index of the first token after toks[i]'s line, or
// i+maxHeaderTokens when the line is longer than that.
func lineEnd(toks []Token, i int) int {
	limit := min(len(toks), i+maxHeaderTokens)
	for i++; i < limit && !toks[i].Has(LineStart); i++ {
	}
	return i
}

// atLineEnd reports whether token k starts a new line or is past the end.
func atLineEnd(toks []Token, k int) bool {
	return k >= len(toks) || toks[k].Has(LineStart)
}

// header recognises a section header starting at token i. It returns the
// kind, the header words [phraseStart, phraseEnd) and the first content
// token.
func (a *Analyzer) header(d *Doc, i int, atLine bool) (kind SectionKind, phraseStart, phraseEnd, content int, ok bool) {
	toks := d.Tokens
	end := lineEnd(toks, i)
	j := i
	for atLine && j < end && (toks[j].IsPunct("#") || toks[j].IsPunct("*") || toks[j].IsPunct("_")) {
		j++
	}
	if j >= end || toks[j].Kind != Word {
		return 0, 0, 0, 0, false
	}
	e, n := a.sections.headers.match(toks, j, end)
	if n == 0 {
		if atLine {
			return a.unknownHeader(d, j, end)
		}
		return 0, 0, 0, 0, false
	}
	if e.upper {
		for k := j; k < j+n; k++ {
			if toks[k].Kind == Word && !toks[k].Has(AllUpper) {
				return 0, 0, 0, 0, false
			}
		}
	}
	k := j + n
	if k < end && toks[k].IsPunct("(") {
		// "Vitals (entered by MA):"
		for p := k + 1; p < end && p < k+10; p++ {
			if toks[p].IsPunct(")") {
				k = p + 1
				break
			}
		}
	}
	k = skipStars(toks, k, end)
	colon := k < end && toks[k].IsPunct(":")
	dash := k < end && toks[k].IsPunct("-") && atLine && k+1 < end && toks[k+1].Has(SpaceBefore)
	switch {
	case colon || dash:
		k = skipStars(toks, k+1, end)
	case k == end && atLine && atLineEnd(toks, k):
		// The header is the whole line.
	default:
		return 0, 0, 0, 0, false
	}
	if e.colon && !colon || !atLine && (!colon || e.colon) {
		return 0, 0, 0, 0, false
	}
	if e.colon && k < len(toks) && toks[k].Kind == Number {
		// "P: 72" is a pulse, not the plan.
		return 0, 0, 0, 0, false
	}
	return e.kind, j, j + n, k, true
}

func skipStars(toks []Token, k, end int) int {
	for k < end && (toks[k].IsPunct("*") || toks[k].IsPunct("_")) {
		k++
	}
	return k
}

// unknownHeader accepts a line the lexicon does not know as a header when
// it looks like one: two to six capitalised words alone on the line
// ("BIRTH HISTORY"), or one to four words ending in a colon with nothing
// after it. Body-system labels ("Cardiovascular:") and lines made of
// clinical abbreviations ("HIV", "CHF EXACERBATION") are not headers.
func (a *Analyzer) unknownHeader(d *Doc, j, end int) (kind SectionKind, phraseStart, phraseEnd, content int, ok bool) {
	toks := d.Tokens
	if !atLineEnd(toks, end) {
		return 0, 0, 0, 0, false // longer than any header
	}
	if _, n := a.sections.sub.match(toks, j, end); n > 0 {
		return 0, 0, 0, 0, false
	}
	last := skipTrailingStars(toks, j, end)
	colon := toks[last-1].IsPunct(":")
	wordsEnd := last
	if colon {
		wordsEnd--
	}
	words, upper := 0, true
	for k := j; k < wordsEnd; k++ {
		t := &toks[k]
		switch {
		case t.Kind == Word:
			words++
			upper = upper && t.Has(AllUpper)
			if a.abbrevs.table.has(t) || t.Has(HasDigit) {
				return 0, 0, 0, 0, false
			}
		case t.IsPunct("/") || t.IsPunct("&") || t.IsPunct("-"):
		default:
			return 0, 0, 0, 0, false
		}
	}
	if words == 0 || wordsEnd <= j {
		return 0, 0, 0, 0, false
	}
	if upper && words >= 2 && words <= 6 || colon && words <= 4 {
		return SectionUnknown, j, wordsEnd, end, true
	}
	return 0, 0, 0, 0, false
}

func skipTrailingStars(toks []Token, j, end int) int {
	for end > j+1 && (toks[end-1].IsPunct("*") || toks[end-1].IsPunct("_")) {
		end--
	}
	return end
}

// SectionAt returns the index in d.Sections of the section holding byte
// offset off (a header belongs to the section it opens), or -1 when the
// note is empty.
func (d *Doc) SectionAt(off int) int {
	if len(d.Sections) == 0 {
		return -1
	}
	i := sort.Search(len(d.Sections), func(m int) bool { return d.Sections[m].End > off })
	return min(i, len(d.Sections)-1)
}
