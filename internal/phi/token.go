package phi

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// tokenClass is what a token is made of.
type tokenClass uint8

const (
	tokAlpha tokenClass = iota // letters (with inner apostrophes: O'Brien, don't)
	tokNum                     // ASCII digits only
	tokAlnum                   // letters and digits: E11.65 gives "E11", MRN12345
	tokPunct                   // one other rune
)

// token is one unit of the text. The detectors work on tokens rather than
// running regular expressions over the whole note: one pass of the
// tokenizer is what keeps Scan fast.
type token struct {
	start, end int
	class      tokenClass
	// gap describes the characters between the previous token and this one.
	space    bool  // some whitespace
	newlines uint8 // number of line breaks (capped at 255)
	// Word shape.
	capInitial bool // first rune upper case
	allCaps    bool // every letter upper case (and at least two letters)
	lowerAll   bool // no upper-case letter
	nonASCII   bool
	possessive bool // followed by 's / ’s, which is not part of the token
}

// tokenize splits text into tokens. It never fails: any byte sequence,
// valid UTF-8 or not, yields in-bounds, increasing tokens.
func tokenize(text string) []token { return tokenizeInto(nil, text) }

// tokenizeInto appends the tokens of text to toks.
func tokenizeInto(toks []token, text string) []token {
	if toks == nil {
		toks = make([]token, 0, len(text)/5+4)
	}
	var space bool
	var newlines int
	i := 0
	for i < len(text) {
		c := text[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '\n':
				newlines++
				space = true
				i++
				continue
			case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
				space = true
				i++
				continue
			case isASCIIAlnum(c):
				t := scanWord(text, i)
				t.space, t.newlines = space, uint8(min(newlines, 255))
				toks = append(toks, t)
				i = t.end
				if t.possessive {
					i += possessiveLen(text, t.end)
				}
				space, newlines = false, 0
				continue
			}
			toks = append(toks, token{start: i, end: i + 1, class: tokPunct, space: space, newlines: uint8(min(newlines, 255))})
			i++
			space, newlines = false, 0
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r):
			t := scanWord(text, i)
			t.space, t.newlines = space, uint8(min(newlines, 255))
			toks = append(toks, t)
			i = t.end
			if t.possessive {
				i += possessiveLen(text, t.end)
			}
			space, newlines = false, 0
		case unicode.IsSpace(r):
			if r == '\u2028' || r == '\u2029' || r == '\u0085' {
				newlines++
			}
			space = true
			i += size
		default:
			toks = append(toks, token{start: i, end: i + size, class: tokPunct, space: space, newlines: uint8(min(newlines, 255))})
			i += size
			space, newlines = false, 0
		}
	}
	return toks
}

func isASCIIAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// isWordRune reports whether r continues a word.
func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return isASCIIAlnum(byte(r))
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// apostropheAt returns the byte length of an apostrophe (' or ’) at i, or 0.
func apostropheAt(text string, i int) int {
	if i < len(text) && text[i] == '\'' {
		return 1
	}
	if strings.HasPrefix(text[i:], "\u2019") {
		return len("\u2019")
	}
	return 0
}

// possessiveLen is the length of the "'s" that follows a possessive word.
func possessiveLen(text string, i int) int {
	return apostropheAt(text, i) + 1
}

// scanWord reads the word starting at i and classifies its shape.
func scanWord(text string, i int) token {
	t := token{start: i}
	var letters, uppers, digits int
	first := true
	j := i
	for j < len(text) {
		// ASCII fast path: most clinical text is plain ASCII.
		if c := text[j]; c < utf8.RuneSelf {
			switch {
			case c >= 'a' && c <= 'z':
				letters++
			case c >= 'A' && c <= 'Z':
				letters++
				uppers++
				if first {
					t.capInitial = true
				}
			case c >= '0' && c <= '9':
				digits++
			default:
				goto notWord
			}
			first = false
			j++
			continue
		}
	notWord:
		r, size := rune(text[j]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(text[j:])
		}
		if !isWordRune(r) {
			// An inner apostrophe joins letters (O'Brien, don't); "'s" at the
			// end of a word marks a possessive and is left out of the token.
			if a := apostropheAt(text, j); a > 0 && letters > 0 && j+a < len(text) {
				next, _ := utf8.DecodeRuneInString(text[j+a:])
				if !unicode.IsLetter(next) {
					break
				}
				if (next == 's' || next == 'S') && !nextIsWordRune(text, j+a+1) {
					t.possessive = true
					break
				}
				j += a
				continue
			}
			break
		}
		switch {
		case r >= '0' && r <= '9':
			digits++
		case unicode.IsLetter(r):
			letters++
			if unicode.IsUpper(r) {
				uppers++
				if first {
					t.capInitial = true
				}
			}
			if r >= utf8.RuneSelf {
				t.nonASCII = true
			}
		default:
			if r >= utf8.RuneSelf {
				t.nonASCII = true
			}
		}
		first = false
		j += size
	}
	t.end = j
	switch {
	case letters == 0 && digits > 0 && !t.nonASCII:
		t.class = tokNum
	case digits > 0:
		t.class = tokAlnum
	default:
		t.class = tokAlpha
	}
	t.allCaps = letters >= 2 && uppers == letters
	t.lowerAll = uppers == 0
	return t
}

func nextIsWordRune(text string, i int) bool {
	if i >= len(text) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(text[i:])
	return isWordRune(r)
}

// text returns the token's text.
func (t token) text(src string) string { return src[t.start:t.end] }

// isWord reports whether the token holds letters.
func (t token) isWord() bool { return t.class == tokAlpha || t.class == tokAlnum }
