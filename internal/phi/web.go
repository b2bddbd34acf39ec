package phi

import (
	"strings"
)

// findWeb finds email addresses, URLs, IP addresses and embedded images.
func (d *doc) findWeb() {
	d.findEmails()
	d.findURLs()
	d.findIPv4()
	d.findIPv6()
	d.findImages()
}

func isEmailLocal(c byte) bool {
	return isASCIIAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-'
}

func isDomainByte(c byte) bool { return isASCIIAlnum(c) || c == '.' || c == '-' }

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// domainEnd returns where the domain starting at i ends, or -1 when it is
// not a domain with at least two labels and an alphabetic top-level label.
func domainEnd(text string, i int) int {
	j := i
	for j < len(text) && isDomainByte(text[j]) {
		j++
	}
	for j > i && (text[j-1] == '.' || text[j-1] == '-') {
		j--
	}
	dom := text[i:j]
	dot := strings.LastIndexByte(dom, '.')
	if dot <= 0 || len(dom)-dot-1 < 2 {
		return -1
	}
	for k := dot + 1; k < len(dom); k++ {
		if !isASCIILetter(dom[k]) {
			return -1
		}
	}
	return j
}

func (d *doc) findEmails() {
	text := d.text
	for from := 0; ; {
		at := strings.IndexByte(text[from:], '@')
		if at < 0 {
			return
		}
		at += from
		from = at + 1
		start := at
		for start > 0 && isEmailLocal(text[start-1]) {
			start--
		}
		for start < at && text[start] == '.' {
			start++
		}
		if start == at {
			continue
		}
		end := domainEnd(text, at+1)
		if end < 0 {
			continue
		}
		d.addBytes(start, end, KindEmail, 0.99)
		from = end
	}
}

// urlEnd extends a URL from i to the first space or bracket, leaving out
// trailing punctuation that belongs to the sentence.
func urlEnd(text string, i int) int {
	j := i
	for j < len(text) {
		c := text[j]
		if c <= ' ' || c == '"' || c == '<' || c == '>' || c == '\'' || c == '|' || c == '\\' || c == '`' {
			break
		}
		j++
	}
	for j > i && strings.IndexByte(".,;:!?)]}", text[j-1]) >= 0 {
		j--
	}
	return j
}

// genericTLDs are the top-level domains accepted for a bare host name
// written without a scheme ("mychart.example.org"). Country codes are left
// out on purpose: "pain.it" or "pt.is" are more often missing spaces.
var genericTLDs = map[string]bool{"com": true, "org": true, "net": true, "edu": true, "gov": true,
	"io": true, "info": true, "biz": true, "health": true, "care": true, "clinic": true}

func (d *doc) findURLs() {
	text, lower := d.text, d.foldedText()
	for from := 0; ; {
		k := strings.Index(lower[from:], "://")
		if k < 0 {
			break
		}
		k += from
		start := k
		for start > 0 && isASCIILetter(text[start-1]) {
			start--
		}
		end := urlEnd(text, k+3)
		from = k + 3
		if start < k && end > k+3 && domainEnd(text, k+3) > 0 {
			d.addBytes(start, end, KindURL, 0.99)
			from = end
		}
	}
	for from := 0; ; {
		k := strings.Index(lower[from:], "www.")
		if k < 0 {
			break
		}
		k += from
		from = k + 4
		if k > 0 && (isDomainByte(text[k-1]) || text[k-1] == '/' || text[k-1] == '@') {
			continue // inside a URL or an email already found
		}
		if domainEnd(text, k) > 0 {
			end := urlEnd(text, k)
			d.addBytes(k, end, KindURL, 0.97)
			from = end
		}
	}
	// Bare host names: label(.label)+.tld, optionally with a path.
	for i := 0; i+2 < len(d.toks); i++ {
		t := d.toks[i]
		if !t.isWord() || t.class == tokNum || (i > 0 && d.joined(i) && !d.punct(i-1, "(")) {
			continue
		}
		j := i
		for j+2 < len(d.toks) && d.punct(j+1, ".") && d.joined(j+1) && d.joined(j+2) && d.toks[j+2].isWord() {
			j += 2
		}
		if j == i || !genericTLDs[d.low[j]] || !d.toks[j].lowerAll {
			i = j
			continue
		}
		if d.toks[i].start > 0 && d.text[d.toks[i].start-1] == '@' {
			i = j
			continue
		}
		end := d.toks[j].end
		if end < len(text) && text[end] == '/' {
			end = urlEnd(text, end)
		}
		d.addBytes(t.start, end, KindURL, 0.9)
		i = j
	}
}

func (d *doc) findIPv4() {
	for i := 0; i+6 < len(d.toks); i++ {
		if d.toks[i].class != tokNum || (i > 0 && d.joined(i) && (d.punct(i-1, ".") || d.toks[i-1].isWord())) {
			continue
		}
		ok := true
		for k := 0; k < 4 && ok; k++ {
			n, isNum := d.num(i + 2*k)
			ok = isNum && n <= 255 && len(d.low[i+2*k]) <= 3 && (k == 0 || d.joined(i+2*k))
			if k < 3 {
				ok = ok && d.punct(i+2*k+1, ".") && d.joined(i+2*k+1)
			}
		}
		if !ok {
			continue
		}
		last := i + 6
		if last+1 < len(d.toks) && d.joined(last+1) && (d.punct(last+1, ".") && last+2 < len(d.toks) && d.toks[last+2].class == tokNum && d.joined(last+2)) {
			continue // five or more dotted numbers: a version or an OID
		}
		if i > 0 && (d.wordIs(i-1, "v") || d.wordIs(i-1, "version") || d.wordIs(i-1, "ver")) {
			continue
		}
		d.add(i, last, KindIP, 0.95)
		i = last
	}
}

func isHexWord(s string) bool {
	if len(s) == 0 || len(s) > 4 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// findIPv6 finds colon-separated hexadecimal groups: at least five groups,
// or a "::" abbreviation, so that times (12:30:45) never match.
func (d *doc) findIPv6() {
	for i := 0; i < len(d.toks); i++ {
		// An address has a colon within its first two tokens.
		if !(d.punct(i, ":") || d.punct(i+1, ":") && d.joined(i+1)) {
			continue
		}
		j := i
		groups, colons, letters, double := 0, 0, false, false
		for j < len(d.toks) {
			if d.punct(j, ":") {
				colons++
				if j > i && d.punct(j-1, ":") {
					double = true
				}
			} else if d.toks[j].class != tokPunct && isHexWord(d.low[j]) {
				groups++
				if d.toks[j].class != tokNum {
					letters = true
				}
			} else {
				break
			}
			if j+1 < len(d.toks) && !d.joined(j+1) {
				j++
				break
			}
			j++
		}
		if colons >= 2 && groups >= 2 && (groups >= 5 && (letters || groups >= 6) || double && letters) {
			end := j - 1
			for end > i && d.punct(end, ":") && !(end > i && d.punct(end-1, ":")) {
				end--
			}
			d.add(i, end, KindIP, 0.93)
		}
		if j > i {
			i = j - 1
		}
	}
}

// findImages marks images embedded as data URIs: a photograph of the
// patient may be one (Safe Harbor category 17).
func (d *doc) findImages() {
	lower := d.foldedText()
	for from := 0; ; {
		k := strings.Index(lower[from:], "data:image/")
		if k < 0 {
			return
		}
		k += from
		end := k
		for end < len(d.text) && d.text[end] > ' ' && d.text[end] != '"' && d.text[end] != '\'' && d.text[end] != ')' {
			end++
		}
		d.addBytes(k, end, KindPhoto, 0.9)
		from = end
		if from <= k {
			from = k + 1
		}
	}
}
