package nlp

import (
	"unicode"
	"unicode/utf8"
)

// TokenKind classifies a token.
type TokenKind uint8

const (
	// Word is a run of letters and digits with at least one letter ("HTN",
	// "T2DM", "Crohn's", "s/p", "b.i.d").
	Word TokenKind = iota + 1
	// Number is a run of digits with an optional decimal part ("7.2",
	// "1,000").
	Number
	// Punct is any other single character ("/", "-", "°", "•").
	Punct
)

// TokenFlags describe a token's surroundings and shape.
type TokenFlags uint16

const (
	// SpaceBefore: whitespace separates the token from the previous one.
	SpaceBefore TokenFlags = 1 << iota
	// LineStart: the token is the first of its line.
	LineStart
	// BlankBefore: an empty line precedes the token.
	BlankBefore
	// AllUpper: every letter is upper case ("HTN", "T2DM").
	AllUpper
	// Capitalized: the first letter is upper case, the others lower.
	Capitalized
	// HasDigit: the token contains a digit.
	HasDigit
	// Header: the token belongs to a section header.
	Header
	// ItemMarker: the token is a list bullet or enumerator ("•", "1", ")").
	ItemMarker
)

// Token is one word, number or punctuation mark of the note. Start and End
// are byte offsets into the original text: text[Start:End] is the token as
// written.
type Token struct {
	Start, End int
	Kind       TokenKind
	Flags      TokenFlags
	// Lower is the surface form folded to lower case ASCII where possible:
	// accents dropped, curly apostrophes straightened, dashes turned into
	// "-", the dots of "b.i.d" removed.
	Lower string
	// Norm is the matching form shared with dictionary terms (see
	// Normalize): possessive dropped, misspelling fixed, number word turned
	// into digits, light stem applied.
	Norm string
	// Sentence is the index in Doc.Sentences of the sentence holding the
	// token, or -1 for header and bullet tokens outside any sentence.
	Sentence int

	lid, nid uint32 // vocabulary ids of Lower and Norm (0 when unknown)
	heads    uint64 // phrase tables with a phrase starting here
}

// Has reports whether all of f are set.
func (t *Token) Has(f TokenFlags) bool { return t.Flags&f == f }

// IsPunct reports whether the token is the punctuation character s.
func (t *Token) IsPunct(s string) bool { return t.Kind == Punct && t.Lower == s }

// tokenize splits text into tokens, appending to toks. It never fails: any
// byte sequence, including invalid UTF-8, yields tokens whose offsets lie
// within text.
func tokenize(text string, toks []Token) []Token {
	var flags TokenFlags = LineStart
	newlines := 0
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '\n':
				newlines++
				flags |= LineStart | SpaceBefore
				if newlines >= 2 {
					flags |= BlankBefore
				}
				i++
				continue
			case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v' || c < 0x20 || c == 0x7f:
				flags |= SpaceBefore
				i++
				continue
			case isASCIIAlnum(c):
				t := scanWord(text, i)
				t.Flags |= flags
				toks = append(toks, t)
				i = t.End
			default:
				toks = append(toks, Token{Start: i, End: i + 1, Kind: Punct, Flags: flags, Lower: text[i : i+1]})
				i++
			}
			flags, newlines = 0, 0
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case r == '\u2028' || r == '\u2029' || r == '\u0085':
			newlines++
			flags |= LineStart | SpaceBefore
			if newlines >= 2 || r == '\u2029' {
				flags |= BlankBefore
			}
			i += size
			continue
		case r != utf8.RuneError && (unicode.IsSpace(r) || isInvisible(r)):
			flags |= SpaceBefore
			i += size
			continue
		case r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			t := scanWord(text, i)
			t.Flags |= flags
			toks = append(toks, t)
			i = t.End
		default:
			toks = append(toks, Token{Start: i, End: i + size, Kind: Punct, Flags: flags, Lower: foldPunct(text[i:i+size], r)})
			i += size
		}
		flags, newlines = 0, 0
	}
	return toks
}

// isInvisible reports format characters that render as nothing (zero-width
// space, joiners, byte-order mark, soft hyphen).
func isInvisible(r rune) bool {
	return r == '\u200b' || r == '\u200c' || r == '\u200d' || r == '\u2060' || r == '\ufeff' || r == '\u00ad'
}

func isASCIIAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func isASCIIDigit(c byte) bool { return c >= '0' && c <= '9' }

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// runAt returns the rune at text[i] and its size, classifying it as letter
// or digit; invalid UTF-8 counts as neither.
func runAt(text string, i int) (r rune, size int, letter, digit bool) {
	c := text[i]
	if c < utf8.RuneSelf {
		return rune(c), 1, isASCIILetter(c), isASCIIDigit(c)
	}
	r, size = utf8.DecodeRuneInString(text[i:])
	if r == utf8.RuneError {
		return r, size, false, false
	}
	// Combining marks continue a word ("e" + U+0301).
	return r, size, unicode.IsLetter(r) || unicode.Is(unicode.Mn, r), unicode.IsDigit(r)
}

// alnumRun returns the end of the run of letters and digits starting at i
// and what it contains.
func alnumRun(text string, i int) (end int, letters, digits, upper, lower int) {
	for end = i; end < len(text); {
		if c := text[end]; c < utf8.RuneSelf {
			switch {
			case c >= 'a' && c <= 'z':
				letters++
				lower++
			case c >= 'A' && c <= 'Z':
				letters++
				upper++
			case c >= '0' && c <= '9':
				digits++
			default:
				return end, letters, digits, upper, lower
			}
			end++
			continue
		}
		r, size, letter, digit := runAt(text, end)
		if !letter && !digit {
			break
		}
		if digit {
			digits++
		} else {
			letters++
			if unicode.IsUpper(r) {
				upper++
			} else if unicode.IsLower(r) {
				lower++
			}
		}
		end += size
	}
	return end, letters, digits, upper, lower
}

// scanWord scans the word or number starting at i.
func scanWord(text string, i int) Token {
	end, letters, digits, upper, lower := alnumRun(text, i)
	firstUpper := false
	if r, _, letter, _ := runAt(text, i); letter && unicode.IsUpper(r) {
		firstUpper = true
	}
	dotted := false
	switch {
	case letters == 0:
		end = extendNumber(text, i, end)
	case letters == 1 && digits == 0 && end-i == 1:
		// Dotted abbreviations written letter by letter: "e.g", "b.i.d", "y.o".
		if e := extendDotted(text, end); e > end {
			end, dotted = e, true
			for k := i; k < end; k++ {
				if c := text[k]; c >= 'A' && c <= 'Z' {
					upper++
				} else if c >= 'a' && c <= 'z' {
					lower++
				}
			}
		}
	}
	if letters > 0 && !dotted {
		runEnd := end
		end = extendApostrophe(text, end)
		end = extendCompound(text, i, end, letters, digits)
		// Count the case of what the extensions added ("S/P", "Crohn's").
		for k := runEnd; k < end; {
			r, size, letter, _ := runAt(text, k)
			if letter {
				if unicode.IsUpper(r) {
					upper++
				} else if unicode.IsLower(r) {
					lower++
				}
			}
			k += size
		}
	}
	t := Token{Start: i, End: end, Kind: Word}
	if letters == 0 {
		t.Kind = Number
	}
	if digits > 0 {
		t.Flags |= HasDigit
	}
	if upper > 0 && lower == 0 {
		t.Flags |= AllUpper
	} else if firstUpper && upper == 1 {
		t.Flags |= Capitalized
	}
	t.Lower = foldWord(text[i:end], dotted)
	return t
}

// extendNumber extends a digit run over a decimal part ("7.2") or
// thousands groups ("1,000"); a trailing period stays punctuation.
func extendNumber(text string, i, end int) int {
	if end+1 < len(text) && text[end] == '.' && isASCIIDigit(text[end+1]) {
		end++
		for end < len(text) && isASCIIDigit(text[end]) {
			end++
		}
		return end
	}
	for end-i <= 3 && end+3 < len(text)+1 && end < len(text) && text[end] == ',' {
		k := end + 1
		for k < len(text) && isASCIIDigit(text[k]) {
			k++
		}
		if k-end-1 != 3 || k < len(text) && (isASCIIAlnum(text[k]) || text[k] == '.' && k+1 < len(text) && isASCIIDigit(text[k+1])) {
			break
		}
		end = k
	}
	return end
}

// extendDotted extends a single letter over ".x" pairs: "e.g", "b.i.d".
// It needs at least one pair and leaves the final period as punctuation.
func extendDotted(text string, end int) int {
	start := end
	for end+1 < len(text) && text[end] == '.' && isASCIILetter(text[end+1]) && (end+2 == len(text) || !isASCIIAlnum(text[end+2])) {
		end += 2
	}
	if end == start {
		return start
	}
	return end
}

// extendCompound joins short letter groups written with a slash or an
// ampersand into one token ("s/p", "h/o", "N/V/D", "A&P", "GC/CT"), and
// splits off "w/" as its own token, so that clinical shorthand reaches the
// lexicons whole. Longer groups ("and/or", "HEENT/neck") stay separate.
func extendCompound(text string, i, end, letters, digits int) int {
	if digits > 0 || end-i > 2 || letters > 2 {
		return end
	}
	for end < len(text) && (text[end] == '/' || text[end] == '&') {
		k := end + 1
		for k < len(text) && isASCIILetter(text[k]) {
			k++
		}
		part := k - end - 1
		if text[end] == '/' && end-i == 1 && (text[i] == 'w' || text[i] == 'W') && !(part == 1 && (text[end+1] == 'o' || text[end+1] == 'O')) {
			// "w/" means "with"; keep it whole and let the next word start anew.
			return end + 1
		}
		if part < 1 || part > 2 || k < len(text) && isASCIIAlnum(text[k]) {
			return end
		}
		end = k
	}
	return end
}

// extendApostrophe keeps an apostrophe between letters inside the word
// ("Crohn's", "don't", "pt’s"); a quote at the edge stays punctuation.
func extendApostrophe(text string, end int) int {
	for end < len(text) {
		r, size := utf8.DecodeRuneInString(text[end:])
		if r != '\'' && r != '’' && r != 'ʼ' || end+size >= len(text) {
			return end
		}
		if _, _, letter, _ := runAt(text, end+size); !letter {
			return end
		}
		end, _, _, _, _ = alnumRun(text, end+size)
	}
	return end
}
