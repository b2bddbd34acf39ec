// Package scan is the view of a note that the procedure and E/M coders read:
// sentences labelled with the kind of section they sit in, normalized word
// tokens with byte offsets into the original text, phrase lexicons matched
// over those tokens, and clause boundaries for cue words.
//
// Sentence and section boundaries come from the caller (the nlp pipeline);
// this package only tokenizes and matches, so that both coders share one
// normalization of words and phrases.
package scan

import (
	"strings"
	"unicode/utf8"
)

// Token is one word, number or clause punctuation mark of the note.
type Token struct {
	// Norm is the lower-cased, lightly stemmed form used for matching. For a
	// punctuation token it is the mark itself (";", ",", ".", ":", "(", ")", "-").
	Norm string
	// Start and End are byte offsets into the note: text[Start:End] is the
	// token as written.
	Start, End int
	// Punct marks clause punctuation.
	Punct bool
	// Num marks a plain number ("12", "3.0", "100,000").
	Num bool
}

// clausePunct are the marks kept as tokens because they bound clauses.
const clausePunct = ";,.:()?"

// Tokenize splits text[start:end] into tokens. Letters and digits form
// words; a decimal point between digits stays inside a number ("3.0"); a
// number glued to a unit is split ("6mm" → "6", "mm"); hyphens and slashes
// join words ("r/o" → "r", "o") unless a hyphen stands alone between spaces,
// where it is a dash that bounds a clause.
func Tokenize(text string, start, end int) []Token {
	return appendTokens(nil, text, asciiLower(text), start, end)
}

// asciiLower returns text with A-Z lowered and every other byte kept, so
// that offsets into it are offsets into text.
func asciiLower(text string) string {
	for i := 0; i < len(text); i++ {
		if c := text[i]; c >= 'A' && c <= 'Z' {
			b := []byte(text)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return text
}

// appendTokens appends the tokens of text[start:end] to toks; lower is
// asciiLower(text), whose substrings become the tokens' normal forms
// without copying.
func appendTokens(toks []Token, text, lower string, start, end int) []Token {
	if start < 0 {
		start = 0
	}
	if end > len(text) {
		end = len(text)
	}
	i := start
	for i < end {
		c := text[i]
		switch {
		case isWordByte(c) || c >= utf8.RuneSelf && startsLetter(text[i:end]):
			j := i
			for j < end {
				b := text[j]
				if isWordByte(b) {
					j++
					continue
				}
				if b >= utf8.RuneSelf {
					r, size := utf8.DecodeRuneInString(text[j:end])
					if isLetterRune(r) {
						j += size
						continue
					}
					break
				}
				// keep "3.0" and "100,000" together
				if j+1 < end && j > i && isDigit(text[j+1]) && isDigit(text[j-1]) && (b == '.' || b == ',' && isThousands(text, j, end)) {
					j++
					continue
				}
				break
			}
			toks = appendWord(toks, text, lower, i, j)
			i = j
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRuneInString(text[i:end])
			switch r {
			case '–', '—', '•':
				toks = append(toks, Token{Norm: "-", Start: i, End: i + size, Punct: true})
			case '×':
				toks = append(toks, Token{Norm: "x", Start: i, End: i + size})
			}
			i += size
		case c == '-':
			spacedBefore := i == start || text[i-1] == ' ' || text[i-1] == '\t' || text[i-1] == '\n'
			spacedAfter := i+1 >= end || text[i+1] == ' ' || text[i+1] == '\t' || text[i+1] == '\n'
			if spacedBefore && spacedAfter {
				toks = append(toks, Token{Norm: "-", Start: i, End: i + 1, Punct: true})
			}
			i++
		case strings.IndexByte(clausePunct, c) >= 0:
			toks = append(toks, Token{Norm: string(c), Start: i, End: i + 1, Punct: true})
			i++
		default:
			i++
		}
	}
	return toks
}

// appendWord adds text[i:j] as one or two tokens (a leading number glued to
// letters is split off).
func appendWord(toks []Token, text, lower string, i, j int) []Token {
	if isDigit(text[i]) {
		k := i
		for k < j && (isDigit(text[k]) || text[k] == '.' || text[k] == ',') {
			k++
		}
		if k < j && k > i && isUnitStart(text[k:j]) {
			toks = append(toks, Token{Norm: text[i:k], Start: i, End: k, Num: IsNumber(text[i:k])})
			return append(toks, Token{Norm: normalizeLower(lower[k:j]), Start: k, End: j})
		}
	}
	norm := normalizeLower(lower[i:j])
	return append(toks, Token{Norm: norm, Start: i, End: j, Num: isDigit(norm[0]) && IsNumber(norm)})
}

// normalizeLower is Normalize for a word already lowered in ASCII; a word
// with other letters goes through the full lowering.
func normalizeLower(w string) string {
	for i := 0; i < len(w); i++ {
		if w[i] >= utf8.RuneSelf {
			return Normalize(w)
		}
	}
	return stripPlural(w)
}

// isUnitStart reports whether a glued suffix after a number is a unit or a
// count marker worth splitting ("6mm", "40mg", "2cm", "3x"), as opposed to an
// identifier such as "17p13".
func isUnitStart(s string) bool {
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			return false
		}
	}
	return true
}

// Normalize lower-cases a word and strips a plural or possessive ending so
// that "warts", "wart's" and "wart" match the same lexicon entry.
func Normalize(w string) string {
	return stripPlural(strings.ToLower(w))
}

// stripPlural drops a plural or possessive "s" of a lower-case word.
func stripPlural(w string) string {
	if len(w) <= 3 || !isLetter(w[len(w)-1]) {
		return w
	}
	switch {
	case strings.HasSuffix(w, "ies") && len(w) > 4:
		return w[:len(w)-3] + "y"
	case strings.HasSuffix(w, "ss"), strings.HasSuffix(w, "us"), strings.HasSuffix(w, "is"):
		return w
	case strings.HasSuffix(w, "s"):
		return w[:len(w)-1]
	}
	return w
}

// NormalizePhrase tokenizes a lexicon phrase the way note text is tokenized
// and returns the normalized words (punctuation dropped).
// The word "#" is kept as written: it is the matcher's number wildcard.
func NormalizePhrase(p string) []string {
	var out []string
	for _, field := range strings.Fields(p) {
		if field == "#" {
			out = append(out, field)
			continue
		}
		for _, t := range Tokenize(field, 0, len(field)) {
			if !t.Punct {
				out = append(out, t.Norm)
			}
		}
	}
	return out
}

func isWordByte(c byte) bool { return isLetter(c) || isDigit(c) }
func isLetter(c byte) bool   { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool    { return c >= '0' && c <= '9' }

func startsLetter(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return isLetterRune(r)
}

func isLetterRune(r rune) bool {
	// Latin-1 supplement and Latin Extended letters, without × and ÷
	return r >= 0xC0 && r <= 0x24F && r != '×' && r != '÷'
}

// isThousands reports whether the comma at text[j] separates a group of
// exactly three digits ("100,000"), not a list ("2,3").
func isThousands(text string, j, end int) bool {
	n := 0
	for k := j + 1; k < end && isDigit(text[k]); k++ {
		n++
	}
	return n == 3
}
