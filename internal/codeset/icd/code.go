package icd

import "strings"

// maxKeyLen is the longest ICD-10-CM code without its dot.
const maxKeyLen = 7

// Key returns code in the form used as a map key: upper case, without the
// dot, and ok=false when it cannot be an ICD-10-CM code (a letter, a digit,
// an alphanumeric character, then up to four more alphanumerics).
func Key(code string) (string, bool) {
	var buf [maxKeyLen]byte
	n, ok := keyBytes(code, &buf)
	if !ok {
		return "", false
	}
	return string(buf[:n]), true
}

// keyBytes writes code's key into buf without allocating.
func keyBytes(code string, buf *[maxKeyLen]byte) (int, bool) {
	code = strings.TrimSpace(code)
	n, dot := 0, false
	for i := 0; i < len(code); i++ {
		c := code[i]
		if c == '.' {
			if n != 3 || dot {
				return 0, false
			}
			dot = true
			continue
		}
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		if !isAlnum(c) || n == maxKeyLen {
			return 0, false
		}
		buf[n] = c
		n++
	}
	if n < 3 || dot && n == 3 || !isUpper(buf[0]) || !isDigit(buf[1]) {
		return 0, false
	}
	return n, true
}

// canonical returns code in its canonical form (upper case, dotted),
// reusing code itself when it already is (no allocation).
func canonical(code string) (string, bool) {
	var key [maxKeyLen]byte
	n, ok := keyBytes(code, &key)
	if !ok {
		return "", false
	}
	var buf [maxKeyLen + 1]byte
	d := dotted(key[:n], &buf)
	if string(buf[:d]) == code {
		return code, true
	}
	return string(buf[:d]), true
}

// dotted writes key (a code without its dot) with its dot into buf.
func dotted(key []byte, buf *[maxKeyLen + 1]byte) int {
	n := copy(buf[:], key[:min(3, len(key))])
	if len(key) > 3 {
		buf[3] = '.'
		n = 4 + copy(buf[4:], key[3:])
	}
	return n
}

// Format returns a key with its dot restored ("E119" → "E11.9").
func Format(key string) string {
	if len(key) <= 3 {
		return key
	}
	return key[:3] + "." + key[3:]
}

func isAlnum(c byte) bool { return isUpper(c) || isDigit(c) }
func isUpper(c byte) bool { return 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// CodeRef is a code or a range of codes cited in a note, such as "E11.22",
// "I12.-" or "N18.1-N18.6".
type CodeRef struct {
	First string // first (or only) code, with its dot, as cited
	Last  string // last code of a range; "" for a single code
	// Dash is set when the citation ends in "-" (e.g. "I12.-"): the code is
	// incomplete and any code below it is meant.
	Dash bool
}

func (r CodeRef) String() string {
	s := r.First
	if r.Dash {
		if len(r.First) == 3 {
			s += ".-"
		} else {
			s += "-"
		}
	}
	if r.Last != "" {
		s += "-" + r.Last
	}
	return s
}

// Contains reports whether code falls under the reference: at or below the
// cited code, or, for a range, at or below a code between First and Last.
func (r CodeRef) Contains(code string) bool {
	k, ok := Key(code)
	if !ok {
		return false
	}
	first, _ := Key(r.First)
	if r.Last == "" {
		return strings.HasPrefix(k, first)
	}
	last, _ := Key(r.Last)
	return truncate(k, len(first)) >= first && truncate(k, len(last)) <= last
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// ParseRefs finds the code citations in a note's text: "(E11.22)",
// "I12.-", "N18.1-N18.6", "D37-D44, D48", "S32.1--S32.9". It reads the
// text's form only; callers check the codes against a tabular.
func ParseRefs(text string) []CodeRef {
	var refs []CodeRef
	for i := 0; i < len(text); {
		code, end := scanCode(text, i)
		if code == "" {
			i++
			continue
		}
		ref := CodeRef{First: code}
		i = end
		// A trailing "-" or ".-" marks an incomplete code.
		if strings.HasPrefix(text[i:], ".-") {
			ref.Dash = true
			i += 2
		} else if strings.HasPrefix(text[i:], "-") {
			if last, e := scanCode(text, i+1); last != "" {
				ref.Last, i = last, e
			} else {
				ref.Dash = true
				i++
			}
		}
		if ref.Dash && ref.Last == "" && strings.HasPrefix(text[i:], "-") {
			if last, e := scanCode(text, i+1); last != "" {
				ref.Last, i = last, e
			}
		}
		refs = append(refs, ref)
	}
	return refs
}

// scanCode reads a code written with its dot (or a bare category) starting
// at text[i], returning it and the index after it, or "" when none starts
// there.
func scanCode(text string, i int) (string, int) {
	if i > 0 && isWordByte(text[i-1]) {
		return "", i
	}
	if i+3 > len(text) || !isUpper(text[i]) || !isDigit(text[i+1]) || !isAlnum(text[i+2]) {
		return "", i
	}
	j := i + 3
	if j+1 < len(text) && text[j] == '.' && isAlnum(text[j+1]) {
		j++
		for j < len(text) && isAlnum(text[j]) && j-i < 8 {
			j++
		}
	}
	if j < len(text) && isWordByte(text[j]) {
		return "", i
	}
	return text[i:j], j
}

func isWordByte(c byte) bool {
	return isAlnum(c) || ('a' <= c && c <= 'z') || c >= 0x80
}
