package phi

import "strings"

// phoneFiller are the words allowed between a phone cue and the number:
// "call me at", "Phone:", "fax to", "reach her on".
var phoneFiller = map[string]bool{
	":": true, "#": true, "-": true, "(": true, "is": true, "at": true, "on": true, "to": true,
	"number": true, "no": true, "me": true, "him": true, "her": true, "them": true, "us": true, "/": true, ",": true,
}

// phoneLabels after a number name its line: "416 60 039 office".
var phoneLabels = map[string]Kind{
	"office": KindPhone, "mobile": KindPhone, "cell": KindPhone, "home": KindPhone, "work": KindPhone,
	"desk": KindPhone, "phone": KindPhone, "tel": KindPhone, "direct": KindPhone, "pager": KindPhone, "fax": KindFax,
}

// phoneNumber is a run of digit groups that may be a telephone number.
type phoneNumber struct {
	first, last int // tokens
	digits      int
	groups      []int // digits per group
	plus        bool  // starts with "+"
	paren       bool  // area code in parentheses
	seps        string
}

// findPhones finds telephone and fax numbers. A North American number, a
// number with a "+" country code, or a long grouped number is one by its
// shape; shorter digit groups need a cue such as "Phone:" or "fax".
func (d *doc) findPhones() {
	for i := 0; i < len(d.toks); i++ {
		if d.claimed[i] {
			continue
		}
		p, ok := d.phoneAt(i)
		if !ok {
			continue
		}
		kind, cued := d.phoneCue(p.first, p.last)
		conf := 0.0
		switch {
		case p.plus && p.digits >= 8 && p.digits <= 15:
			conf = 0.9
		case p.isNANP():
			conf = 0.93
		case p.digits >= 10 && p.digits <= 15 && len(p.groups) >= 2 && !strings.Contains(p.seps, "."):
			conf = 0.8
		case p.digits == 7 && len(p.groups) == 2 && p.groups[0] == 3 && p.seps == "-" && d.text[d.toks[p.first].start] >= '2' && !d.unitFollows(p.last):
			conf = 0.7
		}
		if cued && p.digits >= 7 && p.digits <= 15 {
			conf = max(conf, 0.9)
		}
		if conf == 0 {
			continue
		}
		d.add(p.first, p.last, kind, conf)
		i = p.last
	}
}

// isNANP reports a North American shape: (312) 555-0199, 312-555-0199,
// 312.555.0199, 312 555 0199, optionally after +1 or 1.
func (p phoneNumber) isNANP() bool {
	g := p.groups
	if len(g) == 4 && g[0] == 1 {
		g = g[1:]
	}
	if len(g) != 3 || g[0] != 3 || g[1] != 3 || g[2] != 4 {
		return false
	}
	return p.paren || p.seps == "--" || p.seps == ".." || p.seps == "  " || p.plus
}

// phoneAt reads digit groups starting at token i.
func (d *doc) phoneAt(i int) (phoneNumber, bool) {
	p := phoneNumber{first: i}
	k := i
	if d.punct(k, "+") && k+1 < len(d.toks) && d.joined(k+1) {
		p.plus = true
		k++
	}
	if d.punct(k, "(") && k+2 < len(d.toks) && d.toks[k+1].class == tokNum && d.joined(k+1) && d.punct(k+2, ")") && d.joined(k+2) {
		p.paren = true
		p.groups = append(p.groups, len(d.low[k+1]))
		p.digits += len(d.low[k+1])
		k += 3
		if k >= len(d.toks) || d.toks[k].newlines > 0 {
			return p, false
		}
	} else if k < len(d.toks) && d.toks[k].class == tokNum {
		if !p.plus && d.gluedToNumber(i) {
			return p, false
		}
		p.groups = append(p.groups, len(d.low[k]))
		p.digits += len(d.low[k])
		p.last = k
		k++
	} else {
		return p, false
	}
	afterParen := p.paren
	for k < len(d.toks) && p.digits <= 15 {
		t := d.toks[k]
		if t.newlines > 0 {
			break
		}
		wasAfterParen := afterParen
		afterParen = false
		switch {
		case t.class == tokNum && t.space && d.gapIsOneSpace(k):
			p.seps += " "
		case t.class == tokNum && !t.space && wasAfterParen:
			// "(0)8 928": the group right after a parenthesis
		case t.class == tokPunct && !t.space && (d.low[k] == "-" || d.low[k] == ".") && k+1 < len(d.toks) && d.toks[k+1].class == tokNum && d.joined(k+1):
			p.seps += d.low[k]
			k++
			t = d.toks[k]
		case t.class == tokPunct && !t.space && (d.low[k] == "-" || d.low[k] == ".") && k+1 < len(d.toks) && d.toks[k+1].class == tokAlnum && d.joined(k+1) && isExtension(d.low[k+1]):
			// "463-612-6138x036": the last group carries the extension
			p.seps += d.low[k]
			x := strings.IndexByte(d.low[k+1], 'x')
			p.groups = append(p.groups, x)
			p.digits += x
			p.last = k + 1
			k = len(d.toks)
			continue
		case t.class == tokPunct && d.low[k] == "(" && k+2 < len(d.toks) && d.toks[k+1].class == tokNum && d.punct(k+2, ")") && d.joined(k+1) && d.joined(k+2):
			// "+46 (0)8": a trunk prefix in parentheses
			p.groups = append(p.groups, len(d.low[k+1]))
			p.digits += len(d.low[k+1])
			p.last = k + 2
			k += 3
			afterParen = true
			continue
		case t.class == tokAlnum && !t.space && isExtension(d.low[k]):
			// "3560x4587"
			p.groups = append(p.groups, strings.IndexByte(d.low[k], 'x'))
			p.digits += strings.IndexByte(d.low[k], 'x')
			p.last = k
			k = len(d.toks)
			continue
		default:
			k = len(d.toks)
			continue
		}
		if t.class != tokNum || len(d.low[k]) > 5 && !(len(p.groups) == 1 && len(d.low[k]) <= 8) {
			break
		}
		p.groups = append(p.groups, len(d.low[k]))
		p.digits += len(d.low[k])
		p.last = k
		k++
	}
	if p.last < p.first || p.digits < 6 || p.digits > 15 {
		return p, false
	}
	// A decimal, a ratio or a time glued after the last group is not a phone number.
	if n := p.last + 1; n < len(d.toks) && d.joined(n) && (d.punct(n, ".") || d.punct(n, "/") || d.punct(n, ",") || d.punct(n, ":")) && n+1 < len(d.toks) && d.toks[n+1].class == tokNum && d.joined(n+1) {
		return p, false
	}
	return p, true
}

// gluedToNumber reports whether token i continues a word or a number
// written before it: "E11", "1.5", "3/4", "12-".
func (d *doc) gluedToNumber(i int) bool {
	if i == 0 || !d.joined(i) {
		return false
	}
	if d.toks[i-1].class != tokPunct {
		return true
	}
	if !strings.Contains(".,/-:", d.low[i-1]) {
		return false
	}
	return i >= 2 && d.joined(i-1) && d.toks[i-2].class != tokPunct
}

// isExtension matches digits, "x", digits ("3560x4587").
func isExtension(s string) bool {
	x := strings.IndexByte(s, 'x')
	return x > 0 && x < len(s)-1 && countDigits(s) == len(s)-1
}

// gapIsOneSpace reports whether token k follows the previous token after
// exactly one space: digit groups further apart are separate numbers.
func (d *doc) gapIsOneSpace(k int) bool {
	return d.toks[k].start-d.toks[k-1].end == 1 && d.text[d.toks[k].start-1] == ' '
}

// phoneCue looks for a phone or fax cue before the number (within a few
// filler words, or as the label of the previous line) or a label after it.
func (d *doc) phoneCue(first, last int) (Kind, bool) {
	// The cue may stand a few words before: "fax records to 555-222-3333".
	j := first
	for steps := 0; j > 0 && steps < 4; steps++ {
		if p, ok := d.matchBefore(d.lx.idCues, j); ok && (p.kind == KindPhone || p.kind == KindFax) {
			return p.kind, true
		}
		prev := d.toks[j-1]
		if !phoneFiller[d.low[j-1]] && !(prev.class == tokAlpha && prev.lowerAll) || d.toks[j].newlines > 0 && !d.punct(j-1, ":") {
			break
		}
		j--
	}
	n := last + 1
	if n < len(d.toks) && d.toks[n].newlines == 0 && (d.punct(n, "-") || d.punct(n, ",") || d.punct(n, "(")) {
		n++
	}
	if n < len(d.toks) && d.toks[n].newlines == 0 && d.punct(n, "-") {
		n++
	}
	if n < len(d.toks) && d.toks[n].newlines == 0 {
		if k, ok := phoneLabels[d.low[n]]; ok {
			return k, true
		}
	}
	return KindPhone, false
}

// unitFollows reports whether a unit follows token i ("150-4000 mg",
// "250-1000 units", "2 tabs").
func (d *doc) unitFollows(i int) bool {
	n := i + 1
	if d.punct(n, "%") {
		return true
	}
	return n < len(d.toks) && d.toks[n].newlines == 0 && d.flags[n]&wMeasure != 0 && d.toks[n].isWord()
}
