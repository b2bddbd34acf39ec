package nlp

import "sort"

// Attributes are the details around a concept that complete its code:
// the site and side, acuity, severity, type and encounter phase.
type Attributes struct {
	// Site is the anatomic site the concept names or sits next to; nil
	// when none is near.
	Site *Site
	// Side is the site's side or, failing that, a side word in the
	// concept's clause ("otitis media, right").
	Side     Side
	SideSpan Span
	// Cues are the acuity, severity, type, fracture, control, course and
	// rupture words in the concept's clause, in text order.
	Cues []Cue
	// Phase is the encounter-phase cue nearest the concept (same sentence,
	// then item, section, note); nil when the note has none.
	Phase *Cue
}

// Cue returns the value of the first cue of kind k, or "".
func (at Attributes) Cue(k CueKind) string {
	for _, c := range at.Cues {
		if c.Kind == k {
			return c.Value
		}
	}
	return ""
}

// attributeWindow is the farthest (in tokens) an attribute word may sit
// from its concept.
const attributeWindow = 16

// Distances (in tokens) within which a site after or before a concept is
// taken as its site: "laceration right forearm", "knee pain".
const (
	siteAfter  = 6
	siteBefore = 4
)

// Attributes collects the attributes of the concept spanning
// text[start:end].
func (d *Doc) Attributes(start, end int) Attributes {
	first, last := d.tokenRange(start, end)
	var at Attributes
	if first >= len(d.Tokens) || first >= last || d.Tokens[first].Sentence < 0 {
		return at
	}
	si := d.Tokens[first].Sentence
	cf, ce := d.clause(si, first, last)

	if st := d.siteFor(si, first, last, cf, ce); st != nil {
		at.Site = st
		at.Side, at.SideSpan = st.Side, st.SideSpan
	}
	for k := d.cueAt(cf); k < len(d.Cues) && d.Cues[k].FirstToken < ce; k++ {
		c := &d.Cues[k]
		switch c.Kind {
		case CueSide:
			if at.Side == NoSide {
				at.Side, at.SideSpan = sideFromName(c.Value), Span{c.Start, c.End}
			}
		case CuePhase:
		default:
			at.Cues = append(at.Cues, *c)
		}
	}
	at.Phase = d.phaseFor(si)
	return at
}

func sideFromName(n string) Side {
	s, _ := sideByName(n)
	return s
}

// clause returns the token range of the part of sentence si holding the
// concept: its list element when the sentence is a list, else the stretch
// between semicolons; never more than attributeWindow tokens either side
// (attribute words sit next to their concept, and the bound keeps run-on
// sentences cheap).
func (d *Doc) clause(si, first, last int) (int, int) {
	s := &d.Sentences[si]
	cf, ce := s.FirstToken, s.EndToken
	for k, el := range s.Elements {
		if el.Start <= d.Tokens[first].Start && d.Tokens[first].Start < el.End {
			ef, ee := d.tokenRange(el.Start, el.End)
			// Following elements that only qualify ("otitis media, right,
			// without rupture") belong to the concept's clause.
			for _, next := range s.Elements[k+1 : min(len(s.Elements), k+1+maxQualifierElements)] {
				nf, ne := d.tokenRange(next.Start, next.End)
				if !d.onlyQualifiers(si, nf, ne) {
					break
				}
				ee = ne
			}
			return max(min(ef, first), first-attributeWindow), min(max(ee, last), last+attributeWindow)
		}
	}
	cf, ce = max(cf, first-attributeWindow), min(ce, last+attributeWindow)
	for k := first - 1; k >= cf; k-- {
		if d.Tokens[k].IsPunct(";") {
			cf = k + 1
			break
		}
	}
	for k := last; k < ce; k++ {
		if d.Tokens[k].IsPunct(";") {
			ce = k
			break
		}
	}
	return cf, ce
}

// maxQualifierElements bounds how many list elements after a concept
// may qualify it.
const maxQualifierElements = 3

// cueAt returns the index of the first cue that ends after token k (cues
// are in text order).
func (d *Doc) cueAt(k int) int {
	return sort.Search(len(d.Cues), func(i int) bool { return d.Cues[i].EndToken > k })
}

// onlyQualifiers reports whether tokens [first, end) hold nothing but
// attribute words (side, acuity, rupture...) and function words.
func (d *Doc) onlyQualifiers(si, first, end int) bool {
	ci := d.cueAt(first)
	for j := first; j < end; j++ {
		t := &d.Tokens[j]
		for ci < len(d.Cues) && d.Cues[ci].EndToken <= j {
			ci++
		}
		if t.Kind != Word || ci < len(d.Cues) && d.Cues[ci].FirstToken <= j {
			continue
		}
		switch t.Lower {
		case "with", "without", "and", "or", "of", "the", "a", "an", "on", "in", "no":
			continue
		}
		return false
	}
	return true
}

// siteFor picks the concept's site: one inside the concept (the one with a
// side first), else the nearest after it, else the nearest before it,
// within the clause.
func (d *Doc) siteFor(si, first, last, cf, ce int) *Site {
	var inside, after, before *Site
	start := sort.Search(len(d.Sites), func(i int) bool { return d.Sites[i].EndToken > cf })
	for k := start; k < len(d.Sites) && d.Sites[k].FirstToken < ce; k++ {
		st := &d.Sites[k]
		switch {
		case st.FirstToken < last && st.EndToken > first:
			if inside == nil || inside.Side == NoSide && st.Side != NoSide {
				inside = st
			}
		case st.FirstToken >= last && st.FirstToken-last <= siteAfter:
			if after == nil {
				after = st
			}
		case st.EndToken <= first && first-st.EndToken <= siteBefore:
			before = st
		}
	}
	switch {
	case inside != nil:
		return inside
	case after != nil:
		return after
	}
	return before
}

// phaseFor finds the encounter-phase cue closest to sentence si: in it,
// then in its item, its section, the whole note.
func (d *Doc) phaseFor(si int) *Cue {
	s := &d.Sentences[si]
	var inItem, inSection, anywhere *Cue
	for _, k := range d.phases {
		c := &d.Cues[k]
		cs := &d.Sentences[c.Sentence]
		// A phase planned ("suture removal in 10 days") or denied is not
		// this encounter's.
		if st := d.Assert(c.Start, c.End, 0).Status; st == Hypothetical || st == Negated {
			continue
		}
		switch {
		case c.Sentence == si:
			return c
		case s.Item >= 0 && cs.Item == s.Item:
			if inItem == nil {
				inItem = c
			}
		case cs.Section == s.Section:
			if inSection == nil {
				inSection = c
			}
		default:
			if anywhere == nil {
				anywhere = c
			}
		}
	}
	switch {
	case inItem != nil:
		return inItem
	case inSection != nil:
		return inSection
	}
	return anywhere
}

// Patient is what the note says about the patient's age and sex.
type Patient struct {
	// AgeYears is the age in years (months, weeks and days converted);
	// valid when AgeSpan is not empty.
	AgeYears float64
	AgeSpan  Span
	// Sex is "female", "male" or "" when unknown.
	Sex     string
	SexSpan Span
	// SexInferred is set when Sex comes from pronouns, not a statement.
	SexInferred bool
}

// patientOf takes the first stated age and sex, and infers the sex from
// third-person pronouns when none is stated.
func patientOf(d *Doc) Patient {
	var p Patient
	for _, m := range d.Measurements {
		switch {
		case m.Kind == Age && p.AgeSpan.End == 0:
			p.AgeYears = m.Value * map[string]float64{"year": 1, "month": 1.0 / 12, "week": 7.0 / 365.25, "day": 1.0 / 365.25}[m.Unit]
			p.AgeSpan = Span{m.Start, m.End}
		case m.Kind == Sex && p.Sex == "":
			p.Sex, p.SexSpan = m.Detail, Span{m.Start, m.End}
		}
	}
	if p.Sex == "" {
		she, he := 0, 0
		for i := range d.Tokens {
			switch d.Tokens[i].Lower {
			case "she", "her", "hers", "herself":
				she++
			case "he", "his", "him", "himself":
				he++
			}
		}
		switch {
		case she >= 2 && she >= 3*he:
			p.Sex, p.SexInferred = "female", true
		case he >= 2 && he >= 3*she:
			p.Sex, p.SexInferred = "male", true
		}
	}
	return p
}
