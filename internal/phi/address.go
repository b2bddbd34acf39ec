package phi

import "strings"

// streetParticles may stand between the capitalised words of a street or
// city name: "Rue de la Hulotais", "Via delle Coste", "Jiřího z Poděbrad".
var streetParticles = map[string]bool{
	"de": true, "del": true, "della": true, "delle": true, "dei": true, "degli": true, "di": true, "da": true,
	"do": true, "dos": true, "das": true, "du": true, "des": true, "la": true, "le": true, "les": true,
	"el": true, "los": true, "las": true, "van": true, "von": true, "der": true, "den": true, "het": true,
	"z": true, "u": true, "na": true, "am": true, "an": true, "im": true, "of": true, "st": true, "saint": true,
	"nad": true, "pod": true, "pri": true, "v": true, "ob": true, "bei": true, "sur": true, "sous": true, "e": true,
	"y": true, "i": true, "aan": true, "op": true, "ter": true,
}

// directions may precede or follow a street name: "1200 N Main St NW".
var directions = map[string]bool{
	"n": true, "s": true, "e": true, "w": true, "ne": true, "nw": true, "se": true, "sw": true,
	"north": true, "south": true, "east": true, "west": true,
}

// addressCues announce an address: "lives at", "Address:", "located at".
var addressCues = [][]string{
	{"address", ":"}, {"address", "is"}, {"addresses", ":"}, {"lives", "at"}, {"lives", "on"}, {"live", "at"},
	{"living", "at"}, {"resides", "at"}, {"located", "at"}, {"moved", "to"}, {"sent", "to"}, {"send", "to"},
	{"mail", "to"}, {"meet", "me", "at"}, {"meet", "you", "at"}, {"return", "to"}, {"it", "is"}, {"is", "at"},
	{"it's", "in"}, {"live", "in"}, {"lived", "in"}, {"corner", "of"}, {"off", "at"}, {"is", "on"}, {"arrived", "at"},
}

// addressCueBefore reports an address cue ending just before token i.
func (d *doc) addressCueBefore(i int) bool {
	for _, cue := range addressCues {
		n := len(cue)
		if i-n < 0 {
			continue
		}
		ok := true
		for k, w := range cue {
			if d.low[i-n+k] != w {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// findAddresses finds street addresses with what follows them (unit, city,
// state, ZIP, country lines), postal boxes, ZIP codes and cities of
// residence.
func (d *doc) findAddresses() {
	d.markStreetHints()
	for i := 0; i < len(d.toks); i++ {
		if d.claimed[i] {
			continue
		}
		j, conf, ok := d.streetAt(i)
		if !ok {
			j, conf, ok = d.boxAt(i)
		}
		if !ok {
			continue
		}
		d.add(i, d.extendAddress(j), KindAddress, conf)
		i = j
	}
	d.findZIPs()
	d.findCities()
}

// placeWord reports whether token i can be part of a street or city name:
// a capitalised word (any word in a lower-case text), not a clinical word.
func (d *doc) placeWord(i int) bool {
	if i < 0 || i >= len(d.toks) {
		return false
	}
	t := d.toks[i]
	if t.class != tokAlpha || d.claimed[i] {
		return false
	}
	if t.allCaps && len(d.low[i]) == 2 {
		return true // a region code: "NO", "CO", "IL"
	}
	if d.flags[i]&(wClinical|wFunction|wMeasure|wEponymDisease) != 0 {
		return false
	}
	if t.capInitial || t.allCaps || d.lowercase {
		return true
	}
	a := strings.IndexByte(d.low[i], '\'')
	if a < 0 {
		a = strings.Index(d.low[i], "\u2019")
	}
	return a > 0 && a < 3 // "d'Ouchy", "l'Église"
}

// linePlaceWord is placeWord for a word on the same line as the one before.
func (d *doc) linePlaceWord(i int) bool {
	return d.placeWord(i) && d.toks[i].newlines == 0
}

// houseNumberAt reports a building number: digits, or digits and one
// letter ("12B"), not glued to a preceding word or decimal.
func (d *doc) houseNumberAt(i int) bool {
	if i < 0 || i >= len(d.toks) {
		return false
	}
	t := d.toks[i]
	s := d.low[i]
	switch t.class {
	case tokNum:
		if len(s) > 6 {
			return false
		}
	case tokAlnum:
		if len(s) < 2 || len(s) > 6 || countDigits(s) != len(s)-1 || s[0] < '0' || s[0] > '9' {
			return false
		}
	default:
		return false
	}
	return !(i > 0 && d.joined(i) && d.toks[i-1].class != tokPunct) && !d.partOfNumber(i)
}

// streetEnds reports whether a word ends like a street name ("Koskikatu").
func (d *doc) streetEnds(i int) bool {
	if d.toks[i].class != tokAlpha {
		return false
	}
	w := d.low[i]
	for _, e := range d.lx.streetEnding {
		if len(w) > len(e)+2 && strings.HasSuffix(w, e) {
			return true
		}
	}
	return false
}

// streetAt matches a street address starting at token i and returns its
// last token and a confidence. It accepts a leading unit ("Apt. 675 62314
// Mellemvej 32"), a building number, a direction, up to six name words
// ending in a street type ("Elm St", "Erzsébet tér") or starting with one
// ("Via Roma", "ul. Narewska"), and a trailing street number.
func (d *doc) streetAt(i int) (int, float64, bool) {
	if !d.mayStartStreet(i) {
		return 0, 0, false
	}
	k := i
	unitFirst := false
	if u := d.unitAt(k); u >= k {
		k, unitFirst = u+1, true
	}
	numbered := false
	if d.houseNumberAt(k) && (k == i || d.toks[k].newlines == 0) {
		numbered = true
		k++
		if d.houseNumberAt(k) && d.toks[k].newlines == 0 {
			k++ // "704 1436 Redbud Drive": building and street numbers
		}
		if k < len(d.toks) && d.toks[k].newlines > 0 {
			return 0, 0, false
		}
	}
	if unitFirst && !numbered {
		return 0, 0, false
	}
	if k < len(d.toks) && directions[d.low[k]] && d.linePlaceWord(k+1) && d.toks[k].capInitial {
		k++
	}
	first := k
	prefix := k < len(d.toks) && d.is(k, wStreetPrefix) && d.toks[k].class == tokAlpha
	last := -1
	suffix, ending, unknown := false, false, false
	for n := 0; n < 6 && k < len(d.toks); n++ {
		if k > first && d.toks[k].newlines > 0 {
			break
		}
		if k > first && d.is(k, wUnit) && !d.lowercase && d.toks[k].capInitial {
			break // "Apt." ends the street name
		}
		isSuffix := k > first && d.is(k, wStreetSuffix) && d.toks[k].class == tokAlpha
		// After a street type word a lower-case name is still the street's: "Rue tachkent".
		lowerAfterPrefix := prefix && k > first && d.toks[k].class == tokAlpha && d.toks[k].lowerAll && d.flags[k]&(wFunction|wMeasure) == 0
		if !(d.placeWord(k) || k == first && prefix || isSuffix || lowerAfterPrefix || k > first && streetParticles[d.low[k]] && d.linePlaceWord(k+1) || k > first && isOrdinal(d.low[k])) {
			break
		}
		last = k
		// A lower-case street word that is also an English word ("course",
		// "view") counts only in lower-case text or before a house number.
		if isSuffix && d.toks[k].lowerAll && !d.lowercase && d.flags[k]&wEnglish != 0 && len(d.low[k]) > 1 &&
			!d.houseNumberAt(k+1) && !(d.punct(k+1, ".") && d.houseNumberAt(k+2)) {
			break
		}
		if isSuffix {
			suffix = true
			if d.punct(k+1, ".") && d.joined(k+1) {
				last = k + 1
			}
			break
		}
		if d.streetEnds(k) {
			ending = true
		}
		if d.flags[k]&wEnglish == 0 || d.toks[k].nonASCII {
			unknown = true
		}
		k++
		// An abbreviation inside the name: "Λ. Αλεξάνδρας", "Avda. Rio Nalon";
		// a hyphenated name: "Langeskov-Centret", "El-Jazzar".
		if (d.punct(k, ".") || d.punct(k, "-") && d.joined(k) && d.joined(k+1)) && d.linePlaceWord(k+1) {
			k++
		}
	}
	if last < first {
		return 0, 0, false
	}
	// A street number after the name: "Via Roma 131", "Erzsébet tér 19.".
	trailing := -1
	if n := last + 1; d.houseNumberAt(n) && d.toks[n].newlines == 0 && !d.unitFollows(n) {
		trailing = n
	}
	end := last
	if trailing >= 0 {
		end = trailing
	}
	if !suffix && d.unitFollows(end) {
		return 0, 0, false
	}
	named := last > first || suffix && last == first+1 && d.punct(last, ".")
	cue := (numbered || trailing >= 0 || suffix) && d.addressCueBefore(i)
	conf := 0.0
	switch {
	case numbered && suffix && last > first:
		conf = 0.9
	case (prefix && named || ending) && (numbered || trailing >= 0):
		conf = 0.85
	case suffix && trailing >= 0 && last > first:
		conf = 0.85
	case numbered && trailing >= 0 && unknown && !d.lowercase:
		conf = 0.75
	case cue && (numbered || trailing >= 0) && (unknown || suffix):
		conf = 0.7
	case cue && suffix && last > first:
		conf = 0.7
	default:
		return 0, 0, false
	}
	return d.cornerOf(i, end), conf, true
}

// mayStartStreet is a cheap test before streetAt: a street starts with a
// number, a unit, a street-type word, or a place word followed on its line
// by a number or a street-type word.
func (d *doc) mayStartStreet(i int) bool {
	t := d.toks[i]
	switch {
	case t.class == tokNum || t.class == tokAlnum:
		return d.houseNumberAt(i)
	case t.class != tokAlpha:
		return false
	case d.flags[i]&(wUnit|wStreetPrefix) != 0:
		return true
	case !d.placeWord(i):
		return false
	}
	return d.streetHint[i] > 0 && d.streetHint[i] <= 7
}

// markStreetHints records, for each token, how many tokens ahead on its
// line the next number or street word stands (0: none within 255), so that
// mayStartStreet does not look ahead from every capitalised word.
func (d *doc) markStreetHints() {
	d.streetHint = grow(d.streetHint, len(d.toks))
	next := -1 // index of the next number or street word on the line
	for i := len(d.toks) - 1; i >= 0; i-- {
		if next > i && next-i <= 255 {
			d.streetHint[i] = uint8(next - i)
		}
		if d.toks[i].class == tokNum || d.flags[i]&wStreetSuffix != 0 {
			next = i
		}
		if d.toks[i].newlines > 0 {
			next = -1 // the line starts here; nothing after it counts for earlier tokens
		}
	}
}

// unitAt matches a secondary unit at token k ("Apt. 864", "Suite 12B") and
// returns its last token, or k-1.
func (d *doc) unitAt(k int) int {
	if !(d.is(k, wUnit) && (d.toks[k].capInitial || d.lowercase || d.toks[k].allCaps)) {
		return k - 1
	}
	n := k + 1
	if d.punct(n, ".") && d.joined(n) {
		n++
	}
	if n < len(d.toks) && d.toks[n].newlines == 0 && (d.toks[n].class == tokNum || d.toks[n].class == tokAlnum && len(d.low[n]) <= 5) {
		return n
	}
	return k - 1
}

// cornerOf extends "the corner of <street> and <street>" over the second
// street, which often has neither a number nor a known street type.
func (d *doc) cornerOf(i, end int) int {
	if !(d.wordIs(i-1, "of") && d.wordIs(i-2, "corner")) {
		return end
	}
	k := end + 1
	if d.is(k, wStreetSuffix) && d.toks[k].newlines == 0 {
		k++
		if d.punct(k, ".") {
			k++
		}
	}
	if !d.wordIs(k, "and") || d.toks[k].newlines > 0 {
		return end
	}
	n := k + 1
	last := -1
	for w := 0; w < 5 && d.linePlaceWord(n) || w < 5 && d.houseNumberAt(n) && d.toks[n].newlines == 0; w++ {
		last = n
		n++
		if d.punct(n, ".") && d.joined(n) {
			n++
		}
	}
	if last < 0 {
		return end
	}
	return last
}

func isOrdinal(s string) bool {
	if len(s) < 3 {
		return false
	}
	suf := s[len(s)-2:]
	return (suf == "st" || suf == "nd" || suf == "rd" || suf == "th") && countDigits(s[:len(s)-2]) == len(s)-2
}

// boxAt matches postal and military boxes: "P.O. Box 242", "PSC 3294, Box
// 9168", "Unit 4719 Box 7394", "USNS Saibara", "APO AA 61487".
func (d *doc) boxAt(i int) (int, float64, bool) {
	if w := d.low[i]; !(d.toks[i].class == tokNum || d.flags[i]&wBox != 0 ||
		len(w) <= 3 && (w == "p" || w == "po" || w == "apo" || w == "fpo" || w == "dpo")) {
		return 0, 0, false
	}
	k := i
	if d.houseNumberAt(k) && (d.wordIs(k+1, "p") || d.wordIs(k+1, "po") || d.wordIs(k+1, "postbox")) {
		k++ // "45818 P.O. Box 242", "7167 Postbox 53"
	}
	start := k
	// P.O. / PO
	if d.wordIs(k, "p") && d.punct(k+1, ".") && d.wordIs(k+2, "o") {
		k += 3
		if d.punct(k, ".") {
			k++
		}
	} else if d.wordIs(k, "po") {
		k++
	} else if d.wordIs(k, "pob") {
		if _, ok := d.num(k + 1); ok {
			return k + 1, 0.9, true // "POB 4821"
		}
	}
	switch {
	case d.wordIs(k, "postbox"):
		if _, ok := d.num(k + 1); ok {
			return k + 1, 0.85, true
		}
	case d.wordIs(k, "box") && k+1 < len(d.toks):
		if _, ok := d.num(k + 1); ok && (k > start || d.addressCueBefore(i)) {
			return k + 1, 0.9, true
		}
	case k == i && (d.wordIs(k, "psc") || d.wordIs(k, "cmr") || d.wordIs(k, "unit")) && (d.toks[k].capInitial || d.lowercase):
		if _, ok := d.num(k + 1); ok {
			j := k + 1
			if d.punct(j+1, ",") {
				j++
			}
			if d.wordIs(j+1, "box") {
				if _, ok := d.num(j + 2); ok {
					return j + 2, 0.9, true
				}
			}
		}
	case k == i && (d.wordIs(k, "usns") || d.wordIs(k, "uss") || d.wordIs(k, "usnv") || d.wordIs(k, "uscgc")) && (d.toks[k].allCaps || d.lowercase) && d.linePlaceWord(k+1):
		return k + 1, 0.85, true
	case k == i && (d.wordIs(k, "apo") || d.wordIs(k, "fpo") || d.wordIs(k, "dpo")) && (d.toks[k].allCaps || d.lowercase):
		if k+2 < len(d.toks) && (d.toks[k+1].allCaps || d.lowercase) && len(d.low[k+1]) == 2 {
			if _, ok := d.num(k + 2); ok {
				return k + 2, 0.9, true
			}
		}
	}
	return 0, 0, false
}

// extendAddress extends an address ending at token j over a unit, city,
// state, ZIP and country on the same line and over the short lines that
// follow it in an address block.
func (d *doc) extendAddress(j int) int {
	for {
		k := d.extendLine(j)
		if k > j {
			j = k
			continue
		}
		k = d.nextAddressLine(j)
		if k <= j {
			return j
		}
		j = k
	}
}

// extendLine extends over what follows on the same line: ", Apt. 864",
// " Suite 12", ", Springfield, IL 62704", " BODØ", " Italy 95787".
func (d *doc) extendLine(j int) int {
	k := j + 1
	if k < len(d.toks) && d.toks[k].newlines > 0 {
		return j
	}
	// "Rákóczi út 66. Apt. 268": a period after a house number, then more.
	if d.punct(k, ".") && d.toks[j].class == tokNum && k+1 < len(d.toks) && d.toks[k+1].newlines == 0 &&
		(d.is(k+1, wUnit) || d.punct(k+1, ",") || d.placeWord(k+1) && d.toks[k+1].capInitial) {
		k++
	}
	if d.punct(k, ",") && k+1 < len(d.toks) && d.toks[k+1].newlines == 0 {
		k++
	}
	if k >= len(d.toks) || d.toks[k].newlines > 0 {
		return j
	}
	// Unit: "Apt. 864", "Suite 12B", "# 4".
	if u := d.unitAt(k); u >= k {
		return u
	}
	if d.punct(k, "#") && k+1 < len(d.toks) && (d.toks[k+1].class == tokNum || d.toks[k+1].class == tokAlnum) && d.toks[k+1].newlines == 0 {
		return k + 1
	}
	// Place words (city, region, country), then an optional postcode.
	n := k
	words := 0
	region := false // a state or a country closes the address
	for n < len(d.toks) && words < 8 && d.toks[n].newlines == 0 && (d.placeWord(n) || d.wordIs(n, "nan") || words > 0 && (streetParticles[d.low[n]] || d.punct(n, "-") && d.joined(n)) || d.punct(n, ",") && words > 0) {
		if d.toks[n].isWord() {
			words++
		}
		if d.is(n, wCountry|wState) || d.startsMultiGeo(n) || d.toks[n].allCaps && d.lx.stateCodes[strings.ToUpper(d.low[n])] {
			region = true
		}
		n++
	}
	for n > k && (d.punct(n-1, ",") || d.punct(n-1, "-")) {
		n--
	}
	if n < len(d.toks) && d.toks[n].newlines == 0 {
		if post := d.postcodeAt(n); post >= n {
			return post
		}
	}
	if n > k && (d.lineEndsAt(n) || region || d.sentenceEndsAt(n)) {
		return n - 1
	}
	return j
}

// sentenceEndsAt reports sentence punctuation at token n followed by a
// space: "... CHARLEROI Victoria? I am in ...".
func (d *doc) sentenceEndsAt(n int) bool {
	return (d.punct(n, "?") || d.punct(n, "!") || d.punct(n, ".")) && (n+1 >= len(d.toks) || d.toks[n+1].space)
}

// lineEndsAt reports whether token n starts a new line, ends the text, or
// is sentence punctuation ending the line.
func (d *doc) lineEndsAt(n int) bool {
	for n < len(d.toks) && d.toks[n].newlines == 0 && d.toks[n].class == tokPunct && strings.Contains(".,;!?)", d.low[n]) {
		n++
	}
	return n >= len(d.toks) || d.toks[n].newlines > 0
}

// postcodeAt matches a postal code at token n: "62704", "62704-1234",
// "53-320", "B0J 2H0", "1021". Returns its last token, or n-1.
func (d *doc) postcodeAt(n int) int {
	if n >= len(d.toks) {
		return n - 1
	}
	if d.toks[n].class == tokNum && len(d.low[n]) >= 3 && len(d.low[n]) <= 6 {
		if d.punct(n+1, "-") && d.joined(n+1) && d.joined(n+2) && n+2 < len(d.toks) && d.toks[n+2].class == tokNum && len(d.low[n+2]) <= 4 {
			return n + 2
		}
		if len(d.low[n]) == 3 && n+1 < len(d.toks) && d.toks[n+1].class == tokNum && len(d.low[n+1]) == 2 && d.gapIsOneSpace(n+1) {
			return n + 1 // Swedish "340 12"
		}
		return n
	}
	if d.toks[n].class == tokAlnum && len(d.low[n]) == 3 && n+1 < len(d.toks) && d.toks[n+1].class == tokAlnum && len(d.low[n+1]) == 3 && d.toks[n+1].newlines == 0 {
		return n + 1 // Canadian "B0J 2H0"
	}
	return n - 1
}

// nextAddressLine extends an address over the next line when that line
// reads like the rest of an address: a unit, a city, a region, a country,
// a postcode. One blank line may separate them ("KOKKOLA\n\n Finland").
func (d *doc) nextAddressLine(j int) int {
	k := j + 1
	for steps := 0; steps < 2 && (d.punct(k, ".") || d.punct(k, ",") || d.punct(k, ")")) && k+1 < len(d.toks) && d.toks[k].newlines == 0; steps++ {
		k++ // "Piroska u. 97.\nPorto Alegre", "ΑΣΚΕΙΑ (ΑΣΣΕΙΑ)\n Cyprus"
	}
	if k >= len(d.toks) || d.toks[k].newlines == 0 || d.toks[k].newlines > 2 {
		return j
	}
	// Quote marks and bullets at the start of a line (">", "???") are skipped.
	for k < len(d.toks) && d.toks[k].class == tokPunct && !d.punct(k, "+") && !d.punct(k, "(") && (k == j+1 || d.toks[k].newlines == 0) {
		k++
	}
	end := -1
	words, numbers := 0, 0
	postcode := false
	// stop ends the line early: after a postcode the rest of a sentence may
	// follow ("..., RS 24893, and ..."); otherwise the line is not an address.
	stop := func() int {
		if postcode {
			return end
		}
		return j
	}
	for n := k; n < len(d.toks) && (n == k || d.toks[n].newlines == 0); n++ {
		t := d.toks[n]
		switch {
		case d.claimed[n] && t.class != tokPunct:
			return stop()
		case t.class == tokPunct:
			if !strings.Contains(",.-'()", d.low[n]) {
				return stop()
			}
			continue
		case t.class == tokNum:
			numbers++
			if numbers > 1 {
				return j // two numbers on a line: a phone number, not a postcode
			}
			if p := d.postcodeAt(n); p >= n {
				end = p
				n = p
				postcode = true
				continue
			}
			if len(d.low[n]) > 2 {
				return stop()
			}
		case d.is(n, wUnit) && d.toks[n].capInitial:
		case d.placeWord(n) || d.wordIs(n, "nan") || streetParticles[d.low[n]] && words > 0:
			if d.phoneLabelWord(n) {
				return j
			}
			words++
		case t.class == tokAlnum && len(d.low[n]) <= 4:
		default:
			return stop()
		}
		end = n
		if words > 6 {
			return stop()
		}
	}
	if end < k || end+1 < len(d.toks) && d.punct(end+1, ":") {
		return j
	}
	return end
}

// phoneLabelWord reports words that label a contact line, not a place.
func (d *doc) phoneLabelWord(n int) bool {
	_, label := phoneLabels[d.low[n]]
	return label || d.wordIs(n, "email") || d.wordIs(n, "e") || d.wordIs(n, "website") || d.wordIs(n, "phone")
}

// zipCues announce a postal code.
var zipCues = map[string]bool{"zip": true, "zipcode": true, "postcode": true, "postal": true}

// findZIPs finds postal codes after a cue ("ZIP: 60614", "my zip code is
// 610") and after a state code ("IL 60614"), with the city before it.
func (d *doc) findZIPs() {
	for i := 0; i < len(d.toks); i++ {
		if d.claimed[i] {
			continue
		}
		if d.toks[i].class == tokAlpha && (d.low[i][0] == 'z' || d.low[i][0] == 'p') && zipCues[d.low[i]] {
			k := i + 1
			for steps := 0; steps < 3 && k < len(d.toks) && (d.wordIs(k, "code") || d.wordIs(k, "is") || d.punct(k, ":") || d.punct(k, "#")); steps++ {
				k++
			}
			if p := d.postcodeAt(k); p >= k && !d.claimed[k] {
				d.add(k, p, KindAddress, 0.9)
				i = p
			}
			continue
		}
		t := d.toks[i]
		if t.class != tokAlpha || !t.allCaps || len(d.low[i]) != 2 || !d.lx.stateCodes[strings.ToUpper(d.low[i])] {
			continue
		}
		n, ok := d.num(i + 1)
		if !ok || len(d.low[i+1]) != 5 || n == 0 || d.toks[i+1].newlines > 0 {
			continue
		}
		end := i + 1
		if d.punct(end+1, "-") && d.joined(end+1) && d.joined(end+2) && end+2 < len(d.toks) && len(d.low[end+2]) == 4 && d.toks[end+2].class == tokNum {
			end += 2
		}
		start := i
		k := i - 1
		if d.punct(k, ",") {
			k--
		}
		for words := 0; k >= 0 && words < 3 && d.placeWord(k) && d.flags[k]&wTitle == 0 && d.toks[k+1].newlines == 0; words++ {
			start = k
			k--
		}
		d.add(start, end, KindAddress, 0.85)
		i = end
	}
}

// residenceVerbs introduce the place someone lives: "lives in Springfield".
var residenceVerbs = map[string]bool{"lives": true, "living": true, "lived": true, "resides": true, "residing": true, "live": true}

// findCities finds a place with its postcode after "in" ("in Bjert 6091")
// and the city of residence after "lives in".
func (d *doc) findCities() {
	for i := 2; i < len(d.toks); i++ {
		if d.claimed[i] || !d.placeWord(i) || !d.toks[i].capInitial || d.flags[i]&(wCountry|wState) != 0 {
			continue
		}
		// "in Bjert 6091", "in ÖVERTURINGEN 840 24": a place with its postcode.
		if d.wordIs(i-1, "in") {
			j := i
			foreign := d.flags[i]&wEnglish == 0
			for j+1 < len(d.toks) && j-i < 4 && (d.linePlaceWord(j+1) || streetParticles[d.low[j+1]] && d.linePlaceWord(j+2)) {
				j++
				foreign = foreign || d.flags[j]&wEnglish == 0
			}
			if n := j + 1; foreign && n < len(d.toks) && d.toks[n].newlines == 0 && !d.claimed[n] {
				if y, isNum := d.num(n); !(isNum && len(d.low[n]) == 4 && validYear(y)) {
					if p := d.postcodeAt(n); p >= n && d.toks[n].class == tokNum {
						d.add(i, p, KindAddress, 0.7)
						i = p
						continue
					}
				}
			}
		}
		if d.wordIs(i-1, "in") && residenceVerbs[d.low[i-2]] && !d.startsMultiGeo(i) {
			j := i
			for j+1 < len(d.toks) && j-i < 3 && d.linePlaceWord(j+1) && d.toks[j+1].capInitial {
				j++
			}
			d.add(i, j, KindAddress, 0.65)
			i = j
		}
	}
}

// startsMultiGeo reports a multi-word country or state at token i ("New
// York", "United Kingdom"): state-level geography, not PHI.
func (d *doc) startsMultiGeo(i int) bool {
	_, ok := d.matchAfter(d.lx.multiGeo, i)
	return ok
}
