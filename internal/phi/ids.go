package phi

import (
	"strings"
)

// cueFiller are the words and marks allowed between an identifier cue and
// its value: "MRN: 123", "member ID # W123", "account number is 77".
var cueFiller = map[string]bool{
	":": true, "#": true, "-": true, "=": true, ".": true, "(": true, ",": true,
	"number": true, "num": true, "no": true, "nbr": true, "nr": true, "is": true,
	"id": true, "of": true, "was": true, "the": true, "his": true, "her": true, "my": true, "#:": true,
}

// findIdentifiers finds numbers that identify a person or a record: by a
// cue ("MRN", "member ID", "serial") or by their own shape (SSN, payment
// card with a valid check digit, IBAN, Medicare MBI, VIN, UDI, long numbers).
func (d *doc) findIdentifiers() {
	d.findCuedIdentifiers()
	for i := 0; i < len(d.toks); i++ {
		if d.claimed[i] {
			continue
		}
		if j, ok := d.ssnAt(i); ok {
			d.add(i, j, KindSSN, 0.95)
			i = j
			continue
		}
		if j, ok := d.udiAt(i); ok {
			d.add(i, j, KindDevice, 0.9)
			i = j
			continue
		}
		if j, ok := d.mbiAt(i); ok {
			d.add(i, j, KindHealthPlan, 0.9)
			i = j
			continue
		}
		if j, ok := d.cardAt(i); ok {
			d.add(i, j, KindAccount, 0.9)
			i = j
			continue
		}
		t := d.toks[i]
		s := d.low[i]
		switch {
		case t.class == tokAlnum && isIBAN(s):
			d.add(i, i, KindAccount, 0.95)
		case t.class == tokAlnum && isVIN(s):
			d.add(i, i, KindVehicle, 0.85)
		}
	}
}

// findOtherNumbers marks long numbers and codes that no other detector
// claimed: Safe Harbor's "any other unique identifying number".
func (d *doc) findOtherNumbers() {
	for i, t := range d.toks {
		if d.claimed[i] {
			continue
		}
		s := d.low[i]
		switch {
		case t.class == tokNum && len(s) >= 8 && !d.partOfNumber(i):
			d.add(i, i, KindOtherID, 0.6)
		case t.class == tokAlnum && countDigits(s) >= 5 && len(s) >= 7 && !isExtension(s) && !isObstetric(s) && !isDimension(s):
			d.add(i, i, KindOtherID, 0.55)
		}
	}
}

// isDimension matches sizes written as one word: "16x10x13mm", "3x4cm".
func isDimension(s string) bool {
	parts := strings.Split(strings.TrimRight(s, "abcdefghijklmnopqrstuvwyz"), "x")
	if len(parts) < 2 {
		return false
	}
	for _, p := range parts {
		if p == "" || countDigits(p) != len(p) {
			return false
		}
	}
	return true
}

// isObstetric matches gravida/para notation: "g2p1011".
func isObstetric(s string) bool {
	if len(s) < 4 || s[0] != 'g' {
		return false
	}
	p := strings.IndexByte(s, 'p')
	return p > 1 && countDigits(s[1:p]) == p-1 && countDigits(s[p+1:]) == len(s)-p-1 && len(s) > p+1
}

// partOfNumber reports whether a digit token is glued to a decimal point
// or a thousands separator (a measurement, not an identifier).
func (d *doc) partOfNumber(i int) bool {
	return (i > 0 && d.joined(i) && (d.punct(i-1, ".") || d.punct(i-1, ","))) ||
		(i+1 < len(d.toks) && d.joined(i+1) && (d.punct(i+1, ".") || d.punct(i+1, ",")) && i+2 < len(d.toks) && d.toks[i+2].class == tokNum && d.joined(i+2))
}

func countDigits(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			n++
		}
	}
	return n
}

// findCuedIdentifiers finds the value after each identifier cue.
func (d *doc) findCuedIdentifiers() {
	for i := 0; i < len(d.toks); i++ {
		// A cue glued to its value: "mrnr472348", "MRN123456".
		if d.toks[i].class == tokAlnum && !d.claimed[i] {
			if k := gluedCueKind(d, i); k != "" {
				d.add(i, i, k, 0.9)
				continue
			}
		}
		p, ok := d.matchBefore(d.lx.idCues, i+1)
		if !ok || p.kind == KindPhone || p.kind == KindFax {
			continue
		}
		// A short cue ("DL", "SN", "MR") must be written in capitals or
		// be followed by "#" or ":": "ng/dL" is a unit.
		if len(p.words) == 1 && len(p.words[0]) <= 3 && !d.toks[i].allCaps && !(d.punct(i+1, "#") || d.punct(i+1, ":")) &&
			!(i+1 < len(d.toks) && d.toks[i+1].class == tokNum && len(d.low[i+1]) >= 8) {
			continue
		}
		// One common word ("card", "chart", "member") is a weak cue and
		// needs a longer value than "MRN" does.
		weak := len(p.words) == 1 && d.flags[i]&wEnglish != 0
		j := i + 1
		for skipped := 0; j < len(d.toks) && skipped < 4 && cueFiller[d.low[j]] && d.toks[j].newlines == 0; skipped++ {
			j++
		}
		if j >= len(d.toks) || d.toks[j].newlines > 0 && j > i+1 {
			continue
		}
		end, digits := d.identifierValue(j)
		minDigits := 4
		if weak {
			minDigits = 5
		}
		plate := p.kind == KindVehicle && digits >= 1 && d.toks[end].end-d.toks[j].start >= 5
		if end < j || digits < minDigits && !plate {
			continue
		}
		conf := 0.9
		if weak {
			conf = 0.8
		}
		d.add(j, end, p.kind, conf)
		i = end
	}
}

// gluedCueKind returns the kind of an alphanumeric token that starts with
// an identifier cue and ends in digits ("MRN483921"), or "".
func gluedCueKind(d *doc, i int) Kind {
	s := d.low[i]
	k := 0
	for k < len(s) && s[k] >= 'a' && s[k] <= 'z' {
		k++
	}
	if k < 2 || len(s)-k < 4 || countDigits(s[k:]) != len(s)-k {
		return ""
	}
	for _, p := range d.lx.idCues[s[:k]] {
		if len(p.words) == 1 && p.kind != KindPhone && p.kind != KindFax {
			return p.kind
		}
	}
	return ""
}

// identifierValue reads an identifier starting at token j: tokens holding
// digits or capital letters, joined by "-", "/" or "." without spaces, or
// digit groups separated by single spaces ("4030 8743 9774 0603"). It
// returns the last token and the number of digits, or end < j.
func (d *doc) identifierValue(j int) (end, digits int) {
	end = j - 1
	for k := j; k < len(d.toks); k++ {
		t := d.toks[k]
		if k > j {
			if t.newlines > 0 {
				break
			}
			prev := d.toks[k-1]
			switch {
			case t.class == tokPunct:
				if !(d.low[k] == "-" || d.low[k] == "/" || d.low[k] == ".") || t.space || k+1 >= len(d.toks) || !d.joined(k+1) || d.toks[k+1].class == tokPunct {
					return end, digits
				}
				continue
			case t.space && !(t.class == tokNum && (prev.class == tokNum || prev.class == tokAlnum)):
				return end, digits
			}
		}
		if t.class == tokPunct {
			return end, digits
		}
		if t.class == tokAlpha && !(t.allCaps || len(d.low[k]) <= 3 && k > j) {
			return end, digits
		}
		digits += countDigits(d.low[k])
		end = k
	}
	return end, digits
}

// ssnAt matches NNN-NN-NNNN with the ranges the SSA issues.
func (d *doc) ssnAt(i int) (int, bool) {
	if i+4 >= len(d.toks) || (i > 0 && d.joined(i) && (d.toks[i-1].class != tokPunct || d.punct(i-1, "-"))) {
		return 0, false
	}
	parts := [3]int{}
	lens := [3]int{3, 2, 4}
	for k := 0; k < 3; k++ {
		idx := i + 2*k
		n, ok := d.num(idx)
		if !ok || len(d.low[idx]) != lens[k] || (k > 0 && !d.joined(idx)) {
			return 0, false
		}
		if k < 2 && !(d.punct(idx+1, "-") && d.joined(idx+1)) {
			return 0, false
		}
		parts[k] = n
	}
	if j := i + 5; j < len(d.toks) && d.joined(j) && (d.punct(j, "-") || d.toks[j].class != tokPunct) {
		return 0, false
	}
	if parts[0] == 0 || parts[0] == 666 || parts[0] >= 900 || parts[1] == 0 || parts[2] == 0 {
		return 0, false
	}
	return i + 4, true
}

// cardAt matches a payment card number: 13-19 digits, whole or in groups
// of four separated by spaces or dashes, with a valid Luhn check digit.
func (d *doc) cardAt(i int) (int, bool) {
	if d.toks[i].class != tokNum || (i > 0 && d.joined(i) && d.toks[i-1].class != tokPunct) {
		return 0, false
	}
	n, j := len(d.low[i]), i
	if n == 4 {
		for {
			k := j + 1
			if d.punct(k, "-") && d.joined(k) && d.joined(k+1) {
				k++
			} else if !(k < len(d.toks) && d.toks[k].space && d.toks[k].newlines == 0) {
				break
			}
			if k >= len(d.toks) || d.toks[k].class != tokNum || len(d.low[k]) > 4 || n+len(d.low[k]) > 19 {
				break
			}
			n += len(d.low[k])
			j = k
		}
	}
	if n < 13 || n > 19 {
		return 0, false
	}
	var digits strings.Builder
	for k := i; k <= j; k++ {
		if d.toks[k].class == tokNum {
			digits.WriteString(d.low[k])
		}
	}
	if !luhn(digits.String()) {
		return 0, false
	}
	return j, true
}

func luhn(s string) bool {
	sum := 0
	double := false
	for i := len(s) - 1; i >= 0; i-- {
		n := int(s[i] - '0')
		if double {
			n *= 2
			if n > 9 {
				n -= 9
			}
		}
		sum += n
		double = !double
	}
	return sum%10 == 0
}

// isIBAN checks the shape and the ISO 13616 mod-97 check of a lower-case
// token such as "gb59nawv77136867049356".
func isIBAN(s string) bool {
	if len(s) < 15 || len(s) > 34 || !isASCIILetter(s[0]) || !isASCIILetter(s[1]) || s[2] < '0' || s[2] > '9' || s[3] < '0' || s[3] > '9' {
		return false
	}
	rem := 0
	rearranged := s[4:] + s[:4]
	for i := 0; i < len(rearranged); i++ {
		c := rearranged[i]
		switch {
		case c >= '0' && c <= '9':
			rem = (rem*10 + int(c-'0')) % 97
		case c >= 'a' && c <= 'z':
			rem = (rem*100 + int(c-'a') + 10) % 97
		default:
			return false
		}
	}
	return rem == 1
}

// isVIN checks a 17-character vehicle identification number: letters
// other than I, O and Q, and digits, with both present.
func isVIN(s string) bool {
	if len(s) != 17 {
		return false
	}
	digits := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == 'i' || c == 'o' || c == 'q' || c < 'a' || c > 'z':
			return false
		}
	}
	return digits >= 3 && digits < 17
}

// mbiAt matches a Medicare Beneficiary Identifier, 11 characters written
// whole or as 4-3-4 with dashes: C A AN N A AN N A A N N.
func (d *doc) mbiAt(i int) (int, bool) {
	t := d.toks[i]
	if t.class != tokAlnum || !t.allCaps && !d.lowercase {
		return 0, false
	}
	s := d.low[i]
	j := i
	if len(s) == 4 && i+4 < len(d.toks) && d.punct(i+1, "-") && d.joined(i+1) && d.joined(i+2) && d.punct(i+3, "-") && d.joined(i+3) && d.joined(i+4) {
		s += d.low[i+2] + d.low[i+4]
		j = i + 4
	}
	if len(s) != 11 {
		return 0, false
	}
	const (
		num   = 'n'
		alpha = 'a'
		any   = 'x'
	)
	pattern := "naxnaxnaann"
	for k := 0; k < 11; k++ {
		c := s[k]
		isDigit := c >= '0' && c <= '9'
		isAlpha := c >= 'a' && c <= 'z' && !strings.ContainsRune("sloibz", rune(c))
		switch pattern[k] {
		case num:
			if !isDigit || k == 0 && c == '0' {
				return 0, false
			}
		case alpha:
			if !isAlpha {
				return 0, false
			}
		case any:
			if !isDigit && !isAlpha {
				return 0, false
			}
		}
	}
	return j, true
}

// udiAt matches a GS1 unique device identifier: "(01)" and a 14-digit GTIN,
// with any further "(NN)value" application identifiers.
func (d *doc) udiAt(i int) (int, bool) {
	if !(d.punct(i, "(") && d.wordIs(i+1, "01") && d.punct(i+2, ")") && i+3 < len(d.toks) && d.toks[i+3].class == tokNum && len(d.low[i+3]) == 14 && d.joined(i+3)) {
		return 0, false
	}
	j := i + 3
	for j+3 < len(d.toks) && d.punct(j+1, "(") && d.joined(j+1) && d.toks[j+2].class == tokNum && d.punct(j+3, ")") && j+4 < len(d.toks) && d.joined(j+4) && d.toks[j+4].class != tokPunct {
		j += 4
	}
	return j, true
}
