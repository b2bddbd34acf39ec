package scan

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Matcher finds lexicon phrases in token sequences. Each phrase carries an
// integer ID chosen by the caller (usually an index into its own table).
type Matcher struct {
	byFirst map[string][]phrase
}

type phrase struct {
	words []string
	id    int
}

// Match is one phrase found in a sentence: tokens [From, To) of the
// sentence, bytes [Start, End) of the note.
type Match struct {
	ID         int
	From, To   int
	Start, End int
}

// NewMatcher returns an empty matcher.
func NewMatcher() *Matcher { return &Matcher{byFirst: make(map[string][]phrase)} }

// Add registers a phrase under id. A word "#" in the phrase matches any
// number token ("x #" matches "x 12"). It fails on a phrase with no words.
func (m *Matcher) Add(text string, id int) error {
	words := NormalizePhrase(text)
	if len(words) == 0 {
		return fmt.Errorf("scan: phrase %q has no words", text)
	}
	m.byFirst[words[0]] = append(m.byFirst[words[0]], phrase{words: words, id: id})
	// longest phrases first, so callers taking the first match per start
	// position get the most specific one
	ps := m.byFirst[words[0]]
	sort.SliceStable(ps, func(i, j int) bool { return len(ps[i].words) > len(ps[j].words) })
	return nil
}

// Find returns every phrase occurrence in tokens[from:to], ordered by start
// token and, at one start, longest first. Punctuation tokens are skipped
// inside a phrase only when they are commas or parentheses, so "rapid strep
// (CLIA-waived)" still reads as written but a phrase never spans a clause.
func (m *Matcher) Find(s *Sentence, from, to int) []Match {
	var out []Match
	for i := from; i < to; i++ {
		t := s.Tokens[i]
		if t.Punct {
			continue
		}
		cands := m.byFirst[t.Norm]
		if IsNumber(t.Norm) {
			cands = append(cands[:len(cands):len(cands)], m.byFirst["#"]...)
		}
		for _, p := range cands {
			if end, ok := matchAt(s.Tokens, i, to, p.words); ok {
				out = append(out, Match{ID: p.id, From: i, To: end, Start: t.Start, End: s.Tokens[end-1].End})
			}
		}
	}
	return out
}

// FindAll is Find over the whole sentence.
func (m *Matcher) FindAll(s *Sentence) []Match { return m.Find(s, 0, len(s.Tokens)) }

func matchAt(toks []Token, i, to int, words []string) (int, bool) {
	j := i
	for _, w := range words {
		for j < to && toks[j].Punct && (toks[j].Norm == "," || toks[j].Norm == "(" || toks[j].Norm == ")") && j > i {
			j++
		}
		if j >= to || toks[j].Punct {
			return 0, false
		}
		if w == "#" {
			if !IsNumber(toks[j].Norm) {
				return 0, false
			}
		} else if toks[j].Norm != w {
			return 0, false
		}
		j++
	}
	return j, true
}

// IsNumber reports whether a token is a plain number ("12", "3.0", "100,000").
func IsNumber(s string) bool {
	_, ok := Number(s)
	return ok
}

// Number parses a number token, including thousands separators.
func Number(s string) (float64, bool) {
	if s == "" || !isDigit(s[0]) {
		return 0, false
	}
	v, err := strconv.ParseFloat(strings.ReplaceAll(s, ",", ""), 64)
	return v, err == nil
}

// numberWords are the count words notes spell out ("twelve AKs").
var numberWords = map[string]int{
	"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
	"eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
	"fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
	"nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
	"single": 1, "both": 2, "pair": 2, "dozen": 12,
}

// Count reads a token as a whole count: a digit string or a number word.
func Count(s string) (int, bool) {
	if v, ok := Number(s); ok && v == float64(int(v)) && v >= 0 {
		return int(v), true
	}
	if n, ok := numberWords[s]; ok {
		return n, true
	}
	return 0, false
}
