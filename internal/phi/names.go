package phi

import (
	"strings"
	"unicode"
)

// nameEvidence is what a word says by itself about being part of a name.
type nameEvidence uint8

const (
	evNone    nameEvidence = iota // not a name
	evWeak                        // a name only with support: "White", "Will", a lower-case surname
	evUnknown                     // a capitalised word in no list: a proper noun
	evLexicon                     // in a name list and not a common English word
)

// nameParticles join the parts of a name: "Ludwig van Beethoven".
var nameParticles = map[string]bool{
	"van": true, "von": true, "de": true, "der": true, "den": true, "del": true, "della": true, "di": true,
	"da": true, "dos": true, "du": true, "la": true, "le": true, "bin": true, "ibn": true, "al": true, "el": true,
	"ben": true, "ter": true, "ten": true, "mac": true, "st": true,
}

// nameSuffixes follow a name and belong to it: "John Smith Jr.".
var nameSuffixes = map[string]bool{"jr": true, "sr": true, "ii": true, "iii": true, "iv": true}

// placePreps before a proper noun make it a place rather than a person:
// "flew to Loeches", "arrived at Hasle".
var placePreps = map[string]bool{
	"in": true, "at": true, "to": true, "from": true, "near": true, "into": true, "via": true,
	"toward": true, "towards": true, "outside": true, "across": true,
}

// ageAfterVerbs introduce an age after a name: "Martha is a 50-year-old".
var ageAfterVerbs = map[string]bool{"is": true, "was": true, "a": true, "an": true, ",": true}

// chunk is a run of tokens that may form one name.
type chunk struct {
	first, last int
	lex, unk    int // tokens with lexicon and unknown evidence
	weak        int
	forced      bool // a title or a strong cue stands before it
	clinician   bool
	conf        float64
}

// findNames finds personal names from name lists, capitalisation, titles
// and cue phrases, then spreads what it found: to the other items of a
// list of names, to the other mentions of the same name in the text, and
// to the name line above an address.
func (d *doc) findNames() {
	n := len(d.toks)
	d.ev = grow(d.ev, n)
	ev := d.ev
	for i := range d.toks {
		ev[i] = d.nameEvidence(i)
	}
	// "New Zealand", "Sierra Leone", "New York": state-level geography.
	for i := 0; i < n; i++ {
		if !d.toks[i].capInitial {
			continue
		}
		if p, ok := d.matchAfter(d.lx.multiGeo, i); ok {
			for k := i; k < i+len(p.words); k++ {
				ev[k] = evNone
			}
			i += len(p.words) - 1
		}
	}
	d.forced = grow(d.forced, n) // 1: strong cue, 2: clinician cue
	forced := d.forced
	d.forceAfterCues(ev, forced)
	d.inName = grow(d.inName, n)
	inName := d.inName
	chunks := d.chunks[:0]
	for i := 0; i < n; i++ {
		if ev[i] == evNone && forced[i] == 0 && !d.initialStartsName(i, ev) {
			continue
		}
		if d.punct(i-1, "-") && d.joined(i-1) && d.joined(i) && forced[i] == 0 {
			continue // the second part of a compound: "x-ray"
		}
		if ev[i] == evWeak && forced[i] == 0 && d.singleWordCue(i) && i+1 < len(d.toks) && ev[i+1] != evNone && d.toks[i+1].newlines == 0 {
			continue // "Patient Maria Lopez": the cue word is not part of the name
		}
		c := d.buildChunk(i, ev, forced)
		d.scoreChunk(&c, ev, forced)
		chunks = append(chunks, c)
		i = c.last
	}
	d.chunks = chunks // keep the grown array for the next scan
	d.promoteLists(chunks, ev)
	for _, c := range chunks {
		if c.conf >= 0.5 {
			d.addName(c, inName)
		}
	}
	d.propagateNames(chunks, ev, inName)
	d.findHeaderNames(ev, inName)
}

// nameEvidence classifies token i by itself.
func (d *doc) nameEvidence(i int) nameEvidence {
	t := d.toks[i]
	if t.class != tokAlpha || d.claimed[i] || len(d.low[i]) < 2 {
		return evNone
	}
	f := d.flags[i]
	if f&wState != 0 && f&wGiven != 0 && f&(wClinical|wFunction) == 0 && !t.allCaps {
		return evWeak // "Virginia Phillips", "hi virginia"
	}
	if f&wStreetSuffix != 0 && f&wAnyName != 0 && f&(wClinical|wFunction|wTitle|wOrgSuffix) == 0 && !streetOnly[d.low[i]] && (t.capInitial || d.lowercase) && !t.allCaps {
		return evWeak // "Glen", "Brooks", "Ford": street words that are names too
	}
	if f&(wClinical|wFunction|wCountry|wState|wTitle|wCredential|wOrgSuffix|wStreetSuffix|wProper|wWeekday|wIDCueEnd) != 0 || contraction(d.low[i]) {
		return evNone
	}
	lex := f&wAnyName != 0
	eng := f&wEnglish != 0
	switch {
	case t.allCaps:
		if lex && !eng && len(d.low[i]) >= 3 && f&(wMonth|wWeekday) == 0 {
			return evWeak
		}
		return evNone
	case t.capInitial:
		switch {
		case f&wWeekday != 0:
			return evNone
		case f&wMonth != 0:
			if f&wGiven != 0 {
				return evWeak // "April", "June"
			}
			return evNone
		case lex && !eng:
			return evLexicon
		case lex || eng:
			if lex {
				return evWeak
			}
			return evNone
		case f&wRareWord != 0 || d.clinicalShape(i) || d.acronymShape(i) || len(d.low[i]) < 4:
			return evNone // "Hgb", "Gy": abbreviations
		}
		return evUnknown
	case t.lowerAll:
		// Lower-case names are the rule in speech transcripts and an
		// accident elsewhere, where they need a cue (see cueTarget).
		if !d.lowercase || f&wMonth != 0 || eng && f&wGiven == 0 {
			return evNone
		}
		if f&wGiven != 0 && d.lowercase {
			if eng {
				return evWeak // "john", "roger", "billy": a name only where addressed or introduced
			}
			return evLexicon
		}
		if lex {
			return evWeak
		}
	}
	return evNone
}

// contraction reports "you're", "i'd", "don't": an apostrophe followed by
// a verb ending, unlike the apostrophe of O'Brien.
func contraction(w string) bool {
	if strings.IndexByte(w, '\'') < 0 && !strings.Contains(w, "\u2019") {
		return false
	}
	k := strings.LastIndexAny(w, "'\u2019")
	switch strings.TrimLeft(w[k:], "'\u2019") {
	case "re", "d", "m", "ll", "ve", "t", "s":
		return true
	}
	return false
}

// acronymShape reports a capital inside a word that no name list knows:
// "IgA", "NSAIDs", "eGFR" are abbreviations, not names.
func (d *doc) acronymShape(i int) bool {
	s := d.text[d.toks[i].start:d.toks[i].end]
	for _, p := range namePrefixes {
		// "McConnan", "LeBatelier", "DeShawn", "MacArthur"
		if len(s) > len(p)+1 && strings.HasPrefix(s, p) && unicode.IsUpper(rune(s[len(p)])) && strings.ToLower(s[len(p)+1:]) == s[len(p)+1:] {
			return false
		}
	}
	uppers := 0
	for _, r := range s {
		if unicode.IsUpper(r) {
			uppers++
		}
	}
	return uppers >= 2
}

// namePrefixes begin names that carry a second capital.
var namePrefixes = []string{"Mc", "Mac", "Le", "La", "De", "Di", "Da", "Du", "Van", "Von", "St", "Fitz"}

// clinicalShape reports a word ending like a drug or a clinical term.
func (d *doc) clinicalShape(i int) bool {
	w := d.low[i]
	for _, e := range d.lx.clinicalEnd {
		if len(w) > len(e)+1 && strings.HasSuffix(w, e) {
			return true
		}
	}
	return false
}

// forceAfterCues marks the words a title or a strong cue makes a name:
// "Mr. White", "mrs . peterson", "my name is Rubija", "Name: Ana Dias".
func (d *doc) forceAfterCues(ev []nameEvidence, forced []uint8) {
	for i := 0; i < len(d.toks); i++ {
		start, mark := -1, uint8(0)
		if d.is(i, wTitle) && (d.toks[i].capInitial || d.lowercase || d.toks[i].allCaps && len(d.low[i]) <= 4 || d.nextCapitalised(i)) {
			k := i + 1
			if d.punct(k, ".") {
				k++
			}
			start, mark = k, 1
			if d.is(i, wClinicianTitle) {
				mark = 2
			}
		} else if p, ok := d.matchBefore(d.lx.nameBefore, i+1); ok && p.strong {
			start, mark = i+1, 1
			if p.staff {
				mark = 2
			}
		}
		if start < 0 || start >= len(d.toks) || d.toks[start].newlines > 1 {
			continue
		}
		if d.toks[start].newlines > 0 && !d.punct(i, ":") && !d.punct(start-1, ":") {
			continue
		}
		if !d.cueTarget(start, ev, mark != 0 && d.is(i, wTitle)) {
			continue
		}
		// In lower-case text only "mr", "mrs", "ms", "dr", "miss" make a common word a
		// name ("mr . ward"); after "the doctor" or a cue phrase a common word
		// stays a word ("the doctor said").
		if d.lowercase && ev[start] < evUnknown && d.is(i, wTitle) && !abbreviatedTitles[d.low[i]] {
			continue
		}
		if d.lowercase && ev[start] == evNone && !d.is(i, wTitle) && d.flags[start]&(wEnglish|wRareWord|wAnyName) != 0 {
			continue // "call me višeslav" yes, "this is good" no
		}
		forced[start] = max(forced[start], mark)
		// Following name words on the same line: "Dr. Garðar Matthíasson".
		for k := start + 1; k < len(d.toks) && k <= start+3 && d.toks[k].newlines == 0; k++ {
			if d.initialAt(k) {
				if d.punct(k+1, ".") {
					k++
				}
				continue
			}
			lowerName := d.lowercase && d.toks[k].class == tokAlpha && d.flags[k]&(wEnglish|wRareWord|wFunction|wClinical|wMeasure) == 0
			if !(ev[k] != evNone || d.toks[k].capInitial && d.cueTarget(k, ev, false) && d.flags[k]&wEnglish == 0 || lowerName) {
				break
			}
			forced[k] = max(forced[k], mark)
		}
	}
}

// singleWordCue reports a one-word name cue: "Patient", "Daughter".
func (d *doc) singleWordCue(i int) bool {
	for _, p := range d.lx.nameBefore[d.low[i]] {
		if len(p.words) == 1 {
			return true
		}
	}
	return false
}

// abbreviatedTitles are the titles that only ever stand before a name.
var abbreviatedTitles = map[string]bool{"mr": true, "mrs": true, "ms": true, "mx": true, "dr": true, "miss": true}

// nextCapitalised reports a lower-case title before a capitalised word:
// "with ms. Quinzia".
func (d *doc) nextCapitalised(i int) bool {
	k := i + 1
	if d.punct(k, ".") {
		k++
	}
	return k < len(d.toks) && d.toks[k].capInitial && !d.toks[k].allCaps && d.toks[k].newlines == 0
}

// cueTarget reports whether token k can be the name a cue announces: a
// word that is not a function word, a clinical word or a place. After a
// title ("Dr. Parkinson") an eponym is a name too.
func (d *doc) cueTarget(k int, ev []nameEvidence, afterTitle bool) bool {
	t := d.toks[k]
	if t.class != tokAlpha || d.claimed[k] || d.flags[k]&(wFunction|wClinical|wTitle|wCountry|wState|wMonth|wWeekday) != 0 {
		return false
	}
	if d.flags[k]&(wEponymDisease|wEponymSign) != 0 && afterTitle {
		return true
	}
	if d.flags[k]&(wEponymDisease|wProper) != 0 {
		return false
	}
	if ev[k] != evNone {
		return true
	}
	// A lower-case name in mixed-case text, after a cue: "seen by smith".
	if t.lowerAll && d.flags[k]&wAnyName != 0 && d.flags[k]&wEnglish == 0 {
		return true
	}
	if t.capInitial && !t.allCaps {
		return d.flags[k]&(wEponymHead|wEnglish|wRareWord) == 0 && !d.acronymShape(k)
	}
	// Lower-case text: a lower-case word after a title is a name ("mr . ward").
	return d.lowercase && len(d.low[k]) >= 2
}

// initialAt reports a single capital letter, optionally with a period.
func (d *doc) initialAt(k int) bool {
	if k >= len(d.toks) || d.toks[k].class != tokAlpha || len(d.low[k]) != 1 || d.toks[k].newlines > 0 {
		return false
	}
	if d.toks[k].capInitial {
		return true
	}
	// Lower-case text: "eric g. samoylova", "leidy t muris", not "sophia i see".
	n := k + 1
	if d.punct(n, ".") && d.joined(n) {
		return true
	}
	return d.lowercase && n < len(d.toks) && d.toks[n].class == tokAlpha && d.flags[n]&(wEnglish|wFunction|wRareWord) == 0
}

// initialStartsName reports "J. Smith": an initial followed by a name word.
func (d *doc) initialStartsName(i int, ev []nameEvidence) bool {
	if !d.initialAt(i) {
		return false
	}
	k := i + 1
	if d.punct(k, ".") && d.joined(k) {
		k++
	}
	return k < len(d.toks) && d.toks[k].newlines == 0 && ev[k] >= evUnknown
}

// buildChunk collects the name words that start at token i.
func (d *doc) buildChunk(i int, ev []nameEvidence, forced []uint8) chunk {
	c := chunk{first: i, last: i}
	words := 0
	for k := i; k < len(d.toks) && words < 5; {
		if k > i && d.toks[k].newlines > 0 {
			break
		}
		switch {
		case ev[k] != evNone || forced[k] > 0:
			c.last = k
			words++
			if d.toks[k].possessive {
				return c
			}
			k++
		case d.initialAt(k) && (k > i || d.initialStartsName(k, ev)):
			c.last = k
			if d.punct(k+1, ".") && d.joined(k+1) {
				c.last = k + 1
			}
			k = c.last + 1
			continue
		case k > i && nameParticles[d.low[k]] && d.toks[k].lowerAll && k+1 < len(d.toks) && ev[k+1] >= evUnknown && d.toks[k+1].newlines == 0:
			k++
			continue
		case k > i && d.surnameAfterGiven(k):
			c.last = k
			words++
			k++
		case k > i && d.lowercaseSurnameAfterGiven(k, ev):
			c.last = k
			words++
			k++
		default:
			return c
		}
		// Hyphenated parts: "Jean-Pierre", "Smith-Jones".
		if k+1 < len(d.toks) && d.punct(k, "-") && d.joined(k) && d.joined(k+1) && (ev[k+1] != evNone || d.toks[k+1].capInitial && d.flags[k+1]&(wClinical|wEponymHead) == 0) {
			k++
			continue
		}
		if k < len(d.toks) && !d.toks[k].space && d.toks[k].class != tokPunct {
			return c
		}
		if k < len(d.toks) && d.toks[k].class == tokPunct {
			return c
		}
	}
	return c
}

// surnameAfterGiven accepts a capitalised family name that is also a
// street word or a title after a given name: "Betty Hill", "Fletcher Hill".
func (d *doc) surnameAfterGiven(k int) bool {
	t := d.toks[k]
	return t.capInitial && !t.allCaps && t.newlines == 0 && d.is(k, wSurname) && d.is(k-1, wGiven) &&
		d.flags[k]&(wStreetSuffix|wOrgSuffix) != 0 && !streetOnly[d.low[k]] && !d.houseNumberAt(k-2) && !d.is(k+1, wStreetSuffix)
}

// streetOnly are the street words that are not also common family names.
var streetOnly = map[string]bool{
	"street": true, "st": true, "avenue": true, "ave": true, "road": true, "rd": true, "boulevard": true,
	"blvd": true, "drive": true, "dr": true, "lane": true, "ln": true, "court": true, "ct": true,
	"terrace": true, "highway": true, "parkway": true, "place": true, "circle": true, "square": true,
}

// lowercaseSurnameAfterGiven accepts a lower-case family name that is also
// an English word right after a given name at the end of a phrase:
// "sharon brooks is a 48 year old", "patient , bruce ward ."
func (d *doc) lowercaseSurnameAfterGiven(k int, ev []nameEvidence) bool {
	if !d.lowercase || d.toks[k].class != tokAlpha || d.flags[k]&(wFunction|wClinical|wMeasure) != 0 || len(d.low[k]) < 2 {
		return false
	}
	prev := k - 1
	if prev > 0 && d.punct(prev, ".") && d.initialAt(prev-1) {
		prev -= 2 // "eric g. samoylova"
	} else if d.initialAt(prev) {
		prev-- // "leidy t muris"
	}
	if prev < 0 || ev[prev] != evLexicon || d.flags[prev]&wGiven == 0 {
		return false
	}
	// A word in no list at all reads as the family name: "monika žilková".
	if d.flags[k]&(wAnyName|wEnglish|wProper|wRareWord) == 0 && !contraction(d.low[k]) {
		return true
	}
	if d.flags[k]&wSurname == 0 {
		return false
	}
	n := k + 1
	return n >= len(d.toks) || d.toks[n].newlines > 0 || d.toks[n].class == tokPunct ||
		d.wordIs(n, "is") || d.wordIs(n, "was") || d.wordIs(n, "has") || d.wordIs(n, "and") || d.toks[k].possessive
}

// scoreChunk sets the chunk's confidence from its words and their context.
func (d *doc) scoreChunk(c *chunk, ev []nameEvidence, forced []uint8) {
	nameWords := 0
	for k := c.first; k <= c.last; k++ {
		if forced[k] > 0 {
			c.forced = true
			c.clinician = c.clinician || forced[k] == 2
		}
		switch ev[k] {
		case evLexicon:
			c.lex++
		case evUnknown:
			c.unk++
		case evWeak:
			c.weak++
		}
		if ev[k] != evNone || forced[k] > 0 {
			nameWords++
		}
	}
	if d.credentialAfter(c.last) {
		c.clinician = true
	}
	// Eponyms: "Parkinson's disease", "positive Murphy sign", "Bell palsy".
	if !c.forced && d.eponymChunk(c, ev) {
		c.conf = 0
		return
	}
	if c.forced {
		c.conf = 0.95
		if c.lex == 0 && c.unk == 0 {
			c.conf = 0.85
		}
		return
	}
	if d.orgOrPlace(c) {
		c.conf = 0
		return
	}
	first := c.first
	sentenceStart := d.sentenceStart(first)
	conf := 0.0
	switch {
	case c.lex >= 2 || c.lex == 1 && nameWords >= 2:
		conf = 0.85
	case c.lex == 1:
		conf = 0.8
		if d.lowercase || !d.toks[first].capInitial {
			conf = 0.72
		}
		if sentenceStart && d.flags[first]&wGiven == 0 && c.unk+c.weak == 0 && d.toks[first].capInitial {
			conf = 0.65 // a surname alone at the start of a sentence
		}
	case c.unk >= 2 || c.unk == 1 && c.weak >= 1:
		conf = 0.7
	case c.unk == 1:
		conf = 0.6
		if sentenceStart {
			conf = 0.45
		}
		if d.toks[first].nonASCII {
			conf += 0.1 // "Järvilehto", "Aristóteles": accents mark foreign names, not drugs
		}
	case c.weak >= 2 && d.flags[first]&wGiven != 0 && d.flags[c.last]&wSurname != 0 && d.toks[first].capInitial && d.toks[c.last].capInitial:
		conf = 0.6 // "John Brooks", "Mason Ward": a given name and a family name
	default:
		conf = 0.3 // only words that are also common English words: "Labor Day"
	}
	// Context.
	cueEnd := first
	if d.punct(first-1, ",") {
		cueEnd = first - 1 // "hi , john"
	}
	// A weak cue supports a proper noun; only a greeting lifts a name that
	// is also a common word ("hi , john", not "i'm happy").
	onlyCommon := c.lex+c.unk == 0
	if p, ok := d.matchBefore(d.lx.nameBefore, first); ok && (!onlyCommon || p.greet || p.strong) {
		conf += 0.2
		if p.staff {
			c.clinician = true
		}
	} else if p, ok := d.matchBefore(d.lx.nameBefore, cueEnd); ok && !p.strong && (!onlyCommon || p.greet) {
		conf += 0.2
	}
	if d.ageAfter(c.last) && (!onlyCommon || d.is(c.first, wGiven)) {
		conf += 0.3
	} else if p, ok := d.matchAfter(d.lx.nameAfter, c.last+1); ok {
		switch {
		case p.poss && d.toks[c.last].possessive && (!onlyCommon || d.is(c.first, wGiven)):
			conf += 0.3 // "Misty's daughter"
		case !p.poss && !onlyCommon:
			conf += 0.15
		}
	}
	if d.toks[c.last].possessive && c.unk > 0 {
		conf += 0.05
	}
	if d.speakerLabel(c) {
		conf += 0.3
	}
	if d.vocative(c) && (!onlyCommon || d.is(c.first, wGiven)) {
		conf += 0.3
	}
	// "Ta 37.8": a two-letter word before a number is an abbreviation.
	if c.last == first && len(d.low[first]) <= 2 && first+1 < len(d.toks) && d.toks[first+1].class == tokNum {
		conf = 0
	}
	if c.lex == 0 {
		if c.last == first && d.drugContext(c) {
			conf = 0
		} else if first > 0 && placePreps[d.low[first-1]] {
			if c.last == first {
				conf = 0
			} else {
				conf -= 0.2
			}
		}
	}
	c.conf = round2(min(conf, 0.95))
}

// vocative reports a name addressed to someone: "Remember me, Maria?",
// "Don't go to town, Mark!", "Warrane, can I please speak to your boss?".
func (d *doc) vocative(c *chunk) bool {
	comma := c.first > 0 && d.punct(c.first-1, ",")
	opener := d.sentenceStart(c.first) || comma || d.wordIs(c.first-1, "so") || d.wordIs(c.first-1, "okay") || d.wordIs(c.first-1, "alright")
	n := c.last + 1
	switch {
	case d.punct(n, "?") || d.punct(n, "!"):
		return comma
	case d.punct(n, ","):
		return opener && n+1 < len(d.toks) && addressedWords[d.low[n+1]] && d.toks[n+1].newlines == 0
	}
	return false
}

// addressedWords open what is said to someone after a vocative comma:
// "Warrane, can I please ...", "John, you ...".
var addressedWords = map[string]bool{
	"can": true, "could": true, "would": true, "will": true, "i": true, "i'm": true, "you": true, "please": true,
	"do": true, "are": true, "have": true, "how": true, "what": true, "where": true, "why": true, "did": true,
	"let's": true, "we": true, "thank": true, "thanks": true, "listen": true, "look": true, "come": true,
	"it's": true, "what's": true, "how's": true, "um": true, "uh": true, "tell": true,
}

// eponymChunk reports a chunk that is an eponym rather than a person.
func (d *doc) eponymChunk(c *chunk, ev []nameEvidence) bool {
	if d.headWordAfter(c.last) {
		return true
	}
	// "Thomas's daughter": a possessive before a kinship word is a person.
	if d.toks[c.last].possessive {
		if p, ok := d.matchAfter(d.lx.nameAfter, c.last+1); ok && p.poss {
			return false
		}
	}
	for i := c.first; i <= c.last; i++ {
		f := d.flags[i]
		if f&(wEponymDisease|wEponymSign) == 0 {
			continue
		}
		// "James Parkinson", "Patrick Allen's": a given name before it makes it a person.
		if i > c.first && ev[i-1] == evLexicon && d.flags[i-1]&wGiven != 0 && d.flags[i-1]&(wEponymDisease|wEponymSign) == 0 {
			continue
		}
		if f&wEponymDisease != 0 {
			return true
		}
		if d.toks[i].possessive || d.signContext(i) {
			return true
		}
	}
	return false
}

// headWordAfter reports a clinical head word within the next few words:
// "Baker's cyst", "Smith-Magenis syndrome", "Glasgow Coma Scale", "Hawkins
// and Neer impingement tests". The look-ahead stops at punctuation, a line
// break and function words other than "and".
func (d *doc) headWordAfter(last int) bool {
	k := last + 1
	if d.punct(k, "'") || d.punct(k, "\u2019") {
		k++
	}
	for steps := 0; steps < 4 && k < len(d.toks) && d.toks[k].newlines == 0; steps, k = steps+1, k+1 {
		switch {
		case d.is(k, wEponymHead):
			return true
		case d.punct(k, "-") || d.wordIs(k, "and"):
		case d.toks[k].class != tokAlpha || d.flags[k]&wFunction != 0:
			return false
		}
	}
	return false
}

// signContext reports "positive Tinel", "Lachman negative", "Murphy +".
func (d *doc) signContext(i int) bool {
	for _, k := range []int{i - 1, i + 1} {
		if k < 0 || k >= len(d.toks) {
			continue
		}
		switch d.low[k] {
		case "positive", "negative", "pos", "neg", "+", "-", "equivocal", "bilateral", "bilaterally", "intact":
			return true
		}
	}
	return false
}

// credentialAfter reports a clinician credential after the name: "Jane
// Doe, NP", "John Smith MD".
func (d *doc) credentialAfter(last int) bool {
	k := last + 1
	if d.punct(k, ",") {
		k++
	}
	return k < len(d.toks) && d.toks[k].newlines == 0 && d.is(k, wCredential) && d.toks[k].allCaps
}

// orgOrPlace reports a chunk that names an organisation, a street or a
// medication: "Careset Systems", "Clarke Avenue", "the Guidestar".
func (d *doc) orgOrPlace(c *chunk) bool {
	next := c.last + 1
	if next < len(d.toks) && d.toks[next].newlines == 0 && d.toks[next].capInitial {
		if d.is(next, wOrgSuffix) {
			return true
		}
		// "Clarke Avenue" is a street, "Betty Hill" a woman: a street word that
		// is also a family name, after a given name, stays a name.
		if d.is(next, wStreetSuffix) && (streetOnly[d.low[next]] || d.houseNumberAt(c.first-1) || c.lex+c.unk == 0) {
			return true
		}
	}
	// "the Guidestar", "The Princess Royal": names rarely take an article.
	if c.lex == 0 && c.first > 0 && d.wordIs(c.first-1, "the") && (c.last == c.first && !d.toks[c.first].nonASCII || c.unk == 0) {
		return true
	}
	// "Columbus, Georgia", "Springfield, IL": a city. "Jane Doe, MD" is a doctor.
	if n := c.last + 2; d.punct(c.last+1, ",") && n < len(d.toks) && d.toks[n].newlines == 0 && !d.is(n, wCredential) &&
		(d.is(n, wState) || d.startsMultiGeo(n) || d.toks[n].allCaps && d.lx.stateCodes[strings.ToUpper(d.low[n])]) {
		return true
	}
	return false
}

// drugContext reports a proper noun used as a medication: after "started",
// "continue", "on", or before a dose.
func (d *doc) drugContext(c *chunk) bool {
	p := c.first - 1
	if p >= 0 && d.flags[p]&wDrugContext != 0 {
		return true
	}
	// "an Aircast": a person's name takes no indefinite article.
	if d.wordIs(p, "a") || d.wordIs(p, "an") {
		return true
	}
	// "1.0 cc of Celestone".
	if d.wordIs(p, "of") && d.is(p-1, wMeasure) {
		return true
	}
	// "Indole-3-carbinol": a chemical name.
	if n := c.last + 1; d.punct(n, "-") && d.joined(n) && n+1 < len(d.toks) && d.toks[n+1].class == tokNum {
		return true
	}
	// "Cisplatin and etoposide", "Finasteride and Cialis": listed with a drug.
	for _, pair := range [][2]int{{c.last + 1, c.last + 2}, {c.first - 1, c.first - 2}} {
		sep, k := pair[0], pair[1]
		if !(d.wordIs(sep, "and") || d.wordIs(sep, "or") || d.punct(sep, ",") || d.wordIs(sep, "with") || d.wordIs(sep, "plus")) {
			continue
		}
		if k >= 0 && k < len(d.toks) && d.toks[k].isWord() && (d.flags[k]&wClinical != 0 || d.clinicalShape(k) ||
			d.toks[k].lowerAll && d.flags[k]&wRareWord != 0 && d.flags[k]&wAnyName == 0) {
			return true
		}
	}
	n := c.last + 1
	if n < len(d.toks) && d.toks[n].newlines == 0 && d.toks[n].class == tokNum {
		return !d.ageAfter(c.last)
	}
	return false
}

// ageAfter reports "Martha is a 50-year-old", "John, 45, ...", "Mr. X, a
// 61 y.o.".
func (d *doc) ageAfter(last int) bool {
	k := last + 1
	for steps := 0; steps < 3 && k < len(d.toks) && ageAfterVerbs[d.low[k]]; steps++ {
		k++
	}
	if d.wordIs(k, "pleasant") || d.wordIs(k, "very") {
		k++
		if d.wordIs(k, "pleasant") {
			k++
		}
	}
	if k == last+1 || k >= len(d.toks) {
		return false
	}
	if _, ok := d.num(k); !ok {
		return false
	}
	n := k + 1
	if d.punct(n, "-") {
		n++
	}
	return n < len(d.toks) && (ageWords[d.low[n]] || d.wordIs(n, "month") || d.wordIs(n, "months"))
}

// speakerLabel reports a name that opens a line and is followed by a
// colon: the speaker in a transcript ("Halldór: What a wife.").
func (d *doc) speakerLabel(c *chunk) bool {
	if !(c.first == 0 || d.toks[c.first].newlines > 0 || d.punct(c.first-1, ">")) || !d.punct(c.last+1, ":") || c.last-c.first >= 3 {
		return false
	}
	// A field label is followed by a value ("Pulse: 67"); a speaker by words.
	if n := c.last + 2; n < len(d.toks) && (d.toks[n].class == tokNum || d.toks[n].newlines > 0) {
		return false
	}
	return c.lex+c.unk > 0 || c.weak > 0 && d.flags[c.first]&wGiven != 0
}

// sentenceStart reports whether token i opens a sentence or a line, where
// capitalisation says nothing about proper nouns.
func (d *doc) sentenceStart(i int) bool {
	if i == 0 || d.toks[i].newlines > 0 {
		return true
	}
	switch d.low[i-1] {
	case ".", "!", "?", ":", ";", "\"", "\u201c", ">", "\u2022", "*", "(", "[", "]", "-", "\u2013", "\u2014":
		return true
	}
	return false
}

// addName records a chunk as a name span, without a trailing possessive.
func (d *doc) addName(c chunk, inName []bool) {
	last := c.last
	for last > c.first && d.toks[last].class == tokPunct {
		last--
	}
	d.cands = append(d.cands, cand{start: d.toks[c.first].start, end: d.toks[last].end, kind: KindName, conf: round2(c.conf), clinician: c.clinician})
	for k := c.first; k <= last; k++ {
		inName[k] = true
	}
}

// promoteLists accepts the proper nouns in a list of names: "They had 6:
// Efimiya, Mary, Ariana and Jodi", "Usamov and Bowers were ...". Every item
// must look like a name, one must be a proper noun or come from the name
// lists, and a second must be a name too; eponyms in the list stay eponyms.
func (d *doc) promoteLists(chunks []chunk, ev []nameEvidence) {
	for a := 0; a < len(chunks); {
		b := a
		for b+1 < len(chunks) && d.listSeparated(chunks[b].last, chunks[b+1].first) {
			b++
		}
		if b == a {
			a++
			continue
		}
		strong, names, ok := 0, 0, true
		var members []int
		for k := a; k <= b && ok; k++ {
			c := chunks[k]
			if d.eponymChunk(&chunks[k], ev) {
				continue
			}
			ok = c.lex+c.unk+c.weak > 0 && (d.toks[c.first].capInitial || d.lowercase) && !d.is(c.first, wState|wCountry)
			if c.lex+c.unk > 0 || c.conf >= 0.7 {
				strong++
			}
			if c.lex+c.unk > 0 || c.conf >= 0.7 || d.is(c.last, wSurname|wGiven) {
				names++
			}
			members = append(members, k)
		}
		if ok && strong >= 1 && names >= 2 {
			for _, k := range members {
				chunks[k].conf = max(chunks[k].conf, 0.7)
			}
		}
		a = b + 1
	}
}

// listSeparated reports whether only ", ", " and ", " or " or " & "
// separate token a from token b.
func (d *doc) listSeparated(a, b int) bool {
	k := a + 1
	if d.punct(k, ",") {
		k++
	}
	if d.wordIs(k, "and") || d.wordIs(k, "or") || d.punct(k, "&") {
		k++
	}
	return k == b && b > a+1 && d.toks[b].newlines == 0
}

// propagateNames marks the other mentions of a name found with good
// confidence: "Wacława Adamska ... starring Adamska", "karen ... karen".
func (d *doc) propagateNames(chunks []chunk, ev []nameEvidence, inName []bool) {
	found := map[string]float64{}
	for _, c := range chunks {
		if c.conf < 0.5 {
			continue
		}
		for k := c.first; k <= c.last; k++ {
			// Below 0.7 only words in no English list spread: "Alvir D. Pušaver ... Alvir".
			if d.toks[k].class == tokAlpha && len(d.low[k]) >= 2 && d.flags[k]&(wFunction|wClinical|wEponymDisease) == 0 && (c.conf >= 0.7 || d.flags[k]&wEnglish == 0) {
				found[d.low[k]] = max(found[d.low[k]], c.conf)
			}
		}
	}
	if len(found) == 0 {
		return
	}
	for i := 0; i < len(d.toks); i++ {
		if inName[i] || d.claimed[i] || d.toks[i].class != tokAlpha {
			continue
		}
		conf, ok := found[d.low[i]]
		if !ok {
			continue
		}
		t := d.toks[i]
		// An English word ("white", "ward") is a name again only where it is
		// capitalised inside a sentence; in mixed-case text a lower-case
		// mention is not a name either ("Acne Vulgaris" ... "acne vulgaris").
		if d.flags[i]&wEnglish != 0 && (!t.capInitial || t.allCaps || d.sentenceStart(i)) || t.lowerAll && !d.lowercase {
			continue
		}
		c := chunk{first: i, last: i}
		if d.eponymChunk(&c, ev) {
			continue
		}
		d.cands = append(d.cands, cand{start: t.start, end: t.end, kind: KindName, conf: round2(min(conf, 0.8))})
		inName[i] = true
	}
}

// findHeaderNames marks the name line at the head of an address block:
// "Satu Elomo\n\n45818 P.O. Box 242 ...", with an organisation line
// possibly between them.
func (d *doc) findHeaderNames(ev []nameEvidence, inName []bool) {
	var starts []int
	for _, c := range d.cands {
		if c.kind == KindAddress {
			starts = append(starts, c.start)
		}
	}
	for _, start := range starts {
		i := d.tokenAt(start)
		if i < 0 || d.toks[i].newlines == 0 && !d.lineStartAfterPunct(i) {
			continue
		}
		// Walk up to three lines above the address.
		for line, k := 0, d.lineStart(i-1); line < 3 && k >= 0; line, k = line+1, d.lineStart(k-1) {
			first, last, ok := d.nameLine(k, ev)
			if ok && !inName[first] {
				c := chunk{first: first, last: last, conf: 0.75}
				d.addName(c, inName)
			}
			if k == 0 {
				break
			}
		}
	}
}

// tokenAt returns the token starting at byte offset off, or -1.
func (d *doc) tokenAt(off int) int {
	lo, hi := 0, len(d.toks)
	for lo < hi {
		m := (lo + hi) / 2
		if d.toks[m].start < off {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(d.toks) && d.toks[lo].start == off {
		return lo
	}
	return -1
}

// lineStartAfterPunct reports a token preceded on its line only by quote
// marks: "> 45 Elm St".
func (d *doc) lineStartAfterPunct(i int) bool {
	k := i - 1
	for k >= 0 && d.toks[k].class == tokPunct && d.toks[k+1].newlines == 0 {
		if d.toks[k].newlines > 0 || k == 0 {
			return true
		}
		k--
	}
	return false
}

// lineStart returns the first token of the line holding token i, or -1.
func (d *doc) lineStart(i int) int {
	if i < 0 {
		return -1
	}
	for i > 0 && d.toks[i].newlines == 0 {
		i--
	}
	return i
}

// nameLine reports whether the line starting at token k is a name alone
// (after any quote marks): one to four name words, at least one of them
// from the name lists or two unknown ones, and nothing else.
func (d *doc) nameLine(k int, ev []nameEvidence) (int, int, bool) {
	for k < len(d.toks) && d.toks[k].class == tokPunct && (d.toks[k].newlines > 0 || k == 0 || d.toks[k-1].class == tokPunct) {
		k++
		if k < len(d.toks) && d.toks[k].newlines > 0 {
			return 0, 0, false
		}
	}
	first, last := k, -1
	lex, unk, words := 0, 0, 0
	for n := k; n < len(d.toks) && (n == k || d.toks[n].newlines == 0); n++ {
		switch {
		case ev[n] == evLexicon:
			lex++
		case ev[n] == evUnknown:
			unk++
		case ev[n] == evWeak:
		case d.initialAt(n), d.punct(n, ".") && n > k && d.initialAt(n-1):
			continue
		default:
			return 0, 0, false
		}
		words++
		last = n
	}
	if last < first || words > 4 || d.is(last, wOrgSuffix) {
		return 0, 0, false
	}
	return first, last, lex >= 1 || unk >= 2
}
