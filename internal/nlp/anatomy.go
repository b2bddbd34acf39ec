package nlp

import (
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
)

// Side is a laterality.
type Side uint8

// Sides.
const (
	NoSide Side = iota
	Right
	Left
	Bilateral
)

var sideNames = [...]string{"", "right", "left", "bilateral"}

// String returns "right", "left", "bilateral" or "".
func (s Side) String() string {
	if int(s) < len(sideNames) {
		return sideNames[s]
	}
	return fmt.Sprintf("side(%d)", s)
}

func sideByName(n string) (Side, bool) {
	for k, name := range sideNames {
		if name == n && k > 0 {
			return Side(k), true
		}
	}
	return NoSide, false
}

// Site is an anatomic head noun with the side attached to it.
type Site struct {
	Start, End int
	// Name is the canonical site ("knee", "forearm", "finger").
	Name   string
	Region string
	// Paired is set for sites that have a side.
	Paired bool
	Side   Side
	// SideSpan spans the side word; empty when the site has none.
	SideSpan Span
	// Digit is 1-5 for a named finger (1 = thumb) or toe (1 = great toe).
	Digit int
	// SimpleRepair and IntermediateRepair are the laceration-repair groups
	// of the site's skin ("trunk", "face", "distal"); empty for organs.
	SimpleRepair, IntermediateRepair string
	Sentence                         int
	FirstToken, EndToken             int
}

// CueKind is the kind of an attribute cue.
type CueKind string

// Attribute cue kinds (data/attributes.tsv).
const (
	CueAcuity   CueKind = "acuity"
	CueSeverity CueKind = "severity"
	CuePhase    CueKind = "phase"
	CueType     CueKind = "type"
	CueFracture CueKind = "fracture"
	CueHealing  CueKind = "healing"
	CueControl  CueKind = "control"
	CueCourse   CueKind = "course"
	CueRupture  CueKind = "rupture"
	// CueSide is a side word attached to no site ("sciatica, right"); it
	// comes from data/anatomy.tsv, not attributes.tsv.
	CueSide CueKind = "side"
)

var cueKinds = []CueKind{CueAcuity, CueSeverity, CuePhase, CueType, CueFracture, CueHealing, CueControl, CueCourse, CueRupture}

// Cue is an attribute word: acuity, severity, encounter phase, type.
type Cue struct {
	Kind  CueKind
	Value string
	// Start, End span the words as written.
	Start, End           int
	Sentence             int
	FirstToken, EndToken int
}

type siteDef struct {
	name, region         string
	paired               bool
	simple, intermediate string
}

type sideDef struct {
	side      Side
	upper     bool // written as a single capital
	needsSite bool // counts only next to a site
}

type sidedDef struct {
	side Side
	site *siteDef
}

type digitDef struct {
	site    *siteDef
	ordinal int
}

type cueDef struct {
	kind  CueKind
	value string
}

// anatomyLexicon holds data/anatomy.tsv and data/attributes.tsv.
type anatomyLexicon struct {
	sites  *phraseTable[*siteDef]
	sides  *phraseTable[sideDef]
	sided  *phraseTable[sidedDef]
	digits *phraseTable[digitDef]
	cues   *phraseTable[[]cueDef] // a phrase may cue two kinds ("routine healing")
}

func (a *Analyzer) loadAnatomy(fsys fs.FS) (*anatomyLexicon, error) {
	lx := &anatomyLexicon{
		sites:  newPhraseTable[*siteDef](a, normKeys),
		sides:  newPhraseTable[sideDef](a, lowerKeys),
		sided:  newPhraseTable[sidedDef](a, lowerKeys),
		digits: newPhraseTable[digitDef](a, normKeys),
		cues:   newPhraseTable[[]cueDef](a, normKeys),
	}
	rows, err := readRows(fsys, "data/anatomy.tsv")
	if err != nil {
		return nil, err
	}
	sites := map[string]*siteDef{}
	for _, r := range rows {
		switch r.kind() {
		case "site":
			if err := r.want(7, 7); err != nil {
				return nil, err
			}
			def := &siteDef{name: r.field(1), region: r.field(2), paired: r.field(3) == "yes"}
			if r.field(3) != "yes" && r.field(3) != "no" {
				return nil, r.errorf("paired must be yes or no, not %q", r.field(3))
			}
			if s := r.field(4); s != "-" {
				if s != "trunk" && s != "face" {
					return nil, r.errorf("simple repair group must be trunk or face, not %q", s)
				}
				def.simple = s
			}
			if s := r.field(5); s != "-" {
				if s != "trunk" && s != "distal" && s != "face" {
					return nil, r.errorf("intermediate repair group must be trunk, distal or face, not %q", s)
				}
				def.intermediate = s
			}
			if _, dup := sites[def.name]; dup {
				return nil, r.errorf("site %q is defined twice", def.name)
			}
			sites[def.name] = def
			for _, p := range alternatives(r.field(6)) {
				if err := addDistinct(r, lx.sites, a.keys(p, normKeys), def, p); err != nil {
					return nil, err
				}
			}
		case "side":
			if err := r.want(3, 4); err != nil {
				return nil, err
			}
			s, ok := sideByName(r.field(1))
			if !ok {
				return nil, r.errorf("unknown side %q", r.field(1))
			}
			def := sideDef{side: s}
			switch r.field(3) {
			case "":
			case "upper":
				def.upper, def.needsSite = true, true
			case "site":
				def.needsSite = true
			default:
				return nil, r.errorf("unknown side flag %q", r.field(3))
			}
			for _, p := range alternatives(r.field(2)) {
				if err := addDistinct(r, lx.sides, a.keys(p, lowerKeys), def, p); err != nil {
					return nil, err
				}
			}
		case "sided":
			if err := r.want(4, 4); err != nil {
				return nil, err
			}
			s, ok := sideByName(r.field(1))
			site := sites[r.field(2)]
			if !ok || site == nil {
				return nil, r.errorf("unknown side %q or site %q (sites must be defined first)", r.field(1), r.field(2))
			}
			for _, p := range alternatives(r.field(3)) {
				if err := addDistinct(r, lx.sided, a.keys(p, lowerKeys), sidedDef{side: s, site: site}, p); err != nil {
					return nil, err
				}
			}
		case "digit":
			if err := r.want(4, 4); err != nil {
				return nil, err
			}
			ord, err := strconv.Atoi(r.field(2))
			if err != nil || ord < 1 || ord > 5 {
				return nil, r.errorf("digit ordinal must be 1 to 5, not %q", r.field(2))
			}
			name := r.field(1)
			if name == "finger" && ord == 1 {
				name = "thumb"
			}
			site := sites[name]
			if site == nil {
				return nil, r.errorf("digit of unknown site %q", name)
			}
			for _, p := range alternatives(r.field(3)) {
				if err := addDistinct(r, lx.digits, a.keys(p, normKeys), digitDef{site: site, ordinal: ord}, p); err != nil {
					return nil, err
				}
			}
		default:
			return nil, r.errorf("unknown entry kind %q", r.kind())
		}
	}
	if rows, err = readRows(fsys, "data/attributes.tsv"); err != nil {
		return nil, err
	}
	byPhrase := map[string][]cueDef{}
	var order []string
	for _, r := range rows {
		if r.kind() != "cue" {
			return nil, r.errorf("unknown entry kind %q", r.kind())
		}
		if err := r.want(4, 4); err != nil {
			return nil, err
		}
		def := cueDef{kind: CueKind(r.field(1)), value: r.field(2)}
		if !slices.Contains(cueKinds, def.kind) {
			return nil, r.errorf("unknown cue kind %q", r.field(1))
		}
		for _, p := range alternatives(r.field(3)) {
			id := strings.Join(a.keys(p, normKeys), " ")
			defs := byPhrase[id]
			if defs == nil {
				order = append(order, id)
			}
			dup := false
			for _, prev := range defs {
				if prev.kind == def.kind && prev.value != def.value {
					return nil, r.errorf("%q is already a %s cue (%s)", p, prev.kind, prev.value)
				}
				dup = dup || prev == def // "type 1" and "type i" normalize alike
			}
			if !dup {
				byPhrase[id] = append(defs, def)
			}
		}
	}
	for _, id := range order {
		lx.cues.add(strings.Split(id, " "), byPhrase[id])
	}
	return lx, nil
}

// Window sizes for attaching a side word to a site: forward through the
// noun phrase ("right index finger"), backward past a comma ("knee, right").
const (
	sideForward  = 4
	sideBackward = 3
)

// findSites finds anatomic sites and attaches side words to them.
func (a *Analyzer) findSites(d *Doc) {
	toks := d.Tokens
	lx := a.anatomy
	for si := range d.Sentences {
		s := &d.Sentences[si]
		firstSite := len(d.Sites)
		type sideWord struct {
			side       Side
			first, end int
			needsSite  bool
			attached   bool
		}
		var sides []sideWord
		for i := s.FirstToken; i < s.EndToken; i++ {
			if def, n := lx.sided.match(toks, i, s.EndToken); n > 0 && allUpperTokens(toks, i, i+n) && d.abbrevIsSided(i, i+n) {
				d.Sites = append(d.Sites, siteFrom(def.site, toks, i, i+n, si, def.side, Span{toks[i].Start, toks[i+n-1].End}))
				i += n - 1
				continue
			}
			if def, n := lx.digits.match(toks, i, s.EndToken); n > 0 {
				site := siteFrom(def.site, toks, i, i+n, si, NoSide, Span{})
				site.Digit = def.ordinal
				d.Sites = append(d.Sites, site)
				i += n - 1
				continue
			}
			if def, n := lx.sites.match(toks, i, s.EndToken); n > 0 && !d.insideAbbrev(i, i+n) {
				d.Sites = append(d.Sites, siteFrom(def, toks, i, i+n, si, NoSide, Span{}))
				i += n - 1
				continue
			}
			if def, n := lx.sides.match(toks, i, s.EndToken); n > 0 {
				if def.upper && !allUpperTokens(toks, i, i+n) {
					continue
				}
				sides = append(sides, sideWord{side: def.side, first: i, end: i + n, needsSite: def.needsSite})
				i += n - 1
			}
		}
		sentSites := d.Sites[firstSite:]
		for _, sw := range sides {
			// Forward: every site of the noun phrase that follows.
			for k := range sentSites {
				st := &sentSites[k]
				if st.FirstToken < sw.end || st.Side != NoSide {
					continue
				}
				if st.FirstToken-sw.end > sideForward || phraseBreak(toks, sw.end, st.FirstToken) {
					break
				}
				st.Side, st.SideSpan = sw.side, Span{toks[sw.first].Start, toks[sw.end-1].End}
				sw.attached = true
			}
			if sw.attached {
				continue
			}
			// Backward: "knee, right", "knee (R)".
			for k := len(sentSites) - 1; k >= 0; k-- {
				st := &sentSites[k]
				if st.EndToken > sw.first || st.Side != NoSide {
					continue
				}
				if sw.first-st.EndToken <= sideBackward && !sentenceBreak(toks, st.EndToken, sw.first) {
					st.Side, st.SideSpan = sw.side, Span{toks[sw.first].Start, toks[sw.end-1].End}
					sw.attached = true
				}
				break
			}
			if !sw.attached && !sw.needsSite {
				// A side without a site qualifies the condition ("sciatica, right").
				d.Cues = append(d.Cues, Cue{Kind: CueSide, Value: sw.side.String(),
					Start: toks[sw.first].Start, End: toks[sw.end-1].End,
					Sentence: si, FirstToken: sw.first, EndToken: sw.end})
			}
		}
	}
}

func siteFrom(def *siteDef, toks []Token, first, end, si int, side Side, sideSpan Span) Site {
	return Site{
		Start: toks[first].Start, End: toks[end-1].End,
		Name: def.name, Region: def.region, Paired: def.paired, Side: side, SideSpan: sideSpan,
		SimpleRepair: def.simple, IntermediateRepair: def.intermediate,
		Sentence: toks[first].Sentence, FirstToken: first, EndToken: end,
	}
}

func allUpperTokens(toks []Token, first, end int) bool {
	for k := first; k < end; k++ {
		if toks[k].Kind == Word && !toks[k].Has(AllUpper) {
			return false
		}
	}
	return true
}

// phraseBreak reports punctuation or a conjunction between a side word and
// a site that ends the noun phrase.
func phraseBreak(toks []Token, from, to int) bool {
	for k := from; k < to; k++ {
		t := &toks[k]
		if t.Kind == Punct && t.Lower != "-" && t.Lower != "'" {
			return true
		}
		if t.Kind == Word && (t.Lower == "and" || t.Lower == "or" || t.Lower == "with" || t.Lower == "to") {
			return true
		}
	}
	return false
}

// sentenceBreak reports a mark between a site and a following side word
// that separates them more than a comma or bracket does.
func sentenceBreak(toks []Token, from, to int) bool {
	for k := from; k < to; k++ {
		t := &toks[k]
		if t.Kind == Punct && t.Lower != "," && t.Lower != "(" && t.Lower != ")" && t.Lower != "-" {
			return true
		}
		if t.Kind == Word && (t.Lower == "and" || t.Lower == "or") {
			return true
		}
	}
	return false
}

// abbrevIsSided accepts a side-and-site abbreviation (RLE, OD, AS) unless
// it is an ambiguous abbreviation resolved to another sense.
func (d *Doc) abbrevIsSided(first, end int) bool {
	ab := d.abbrevAt(first)
	if ab == nil {
		return true
	}
	e := ab.Expansion
	return ab.Resolved && (strings.HasPrefix(e, "right") || strings.HasPrefix(e, "left") || strings.HasPrefix(e, "both") || strings.HasPrefix(e, "bilateral"))
}

// insideAbbrev reports a site word that is part of an abbreviation with
// another meaning ("TM" is fine, "ED" is not a site anyway).
func (d *Doc) insideAbbrev(first, end int) bool {
	ab := d.abbrevAt(first)
	return ab != nil && (!ab.Resolved || ab.EndToken > end)
}

// abbrevAt returns the abbreviation covering token k, or nil.
func (d *Doc) abbrevAt(k int) *Abbreviation {
	lo, hi := 0, len(d.Abbreviations)
	for lo < hi {
		m := (lo + hi) / 2
		if d.Abbreviations[m].EndToken <= k {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(d.Abbreviations) && d.Abbreviations[lo].FirstToken <= k {
		return &d.Abbreviations[lo]
	}
	return nil
}

// findCues finds acuity, severity, phase and type words.
func (a *Analyzer) findCues(d *Doc) {
	toks := d.Tokens
	for si := range d.Sentences {
		s := &d.Sentences[si]
		for i := s.FirstToken; i < s.EndToken; i++ {
			defs, n := a.anatomy.cues.match(toks, i, s.EndToken)
			for _, def := range defs {
				d.Cues = append(d.Cues, Cue{Kind: def.kind, Value: def.value,
					Start: toks[i].Start, End: toks[i+n-1].End, Sentence: si, FirstToken: i, EndToken: i + n})
			}
			if n == 0 {
				continue
			}
			i += n - 1
		}
	}
}
