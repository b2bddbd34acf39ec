package scan

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Dictionary holds the phrases of many lexicons so that a sentence is
// matched against all of them in one pass; each lexicon is a Matcher that
// reads its own phrases from the sentence's cached hits. All phrases must
// be added before the first note is matched; the dictionary is then
// read-only and safe for concurrent use.
type Dictionary struct {
	byFirst  map[string][]phrase // longest phrase first
	lexicons int
}

type phrase struct {
	words   []string
	lex, id int
}

// hit is one phrase found in a sentence.
type hit struct {
	lex int
	Match
}

// NewDictionary returns an empty dictionary.
func NewDictionary() *Dictionary { return &Dictionary{byFirst: make(map[string][]phrase)} }

// NewMatcher returns a new lexicon of the dictionary.
func (d *Dictionary) NewMatcher() *Matcher {
	d.lexicons++
	return &Matcher{dict: d, lex: d.lexicons}
}

// Matcher finds one lexicon's phrases in sentences. Each phrase carries an
// integer ID chosen by the caller (usually an index into its own table).
type Matcher struct {
	dict *Dictionary
	lex  int
}

// Match is one phrase found in a sentence: tokens [From, To) of the
// sentence, bytes [Start, End) of the note.
type Match struct {
	ID         int
	From, To   int
	Start, End int
}

// NewMatcher returns an empty matcher with a dictionary of its own.
func NewMatcher() *Matcher { return NewDictionary().NewMatcher() }

// Add registers a phrase under id. A word "#" in the phrase matches any
// number token ("x #" matches "x 12"). It fails on a phrase with no words.
func (m *Matcher) Add(text string, id int) error {
	words := NormalizePhrase(text)
	if len(words) == 0 {
		return fmt.Errorf("scan: phrase %q has no words", text)
	}
	d := m.dict
	ps := append(d.byFirst[words[0]], phrase{words: words, lex: m.lex, id: id})
	sort.SliceStable(ps, func(i, j int) bool { return len(ps[i].words) > len(ps[j].words) })
	d.byFirst[words[0]] = ps
	return nil
}

// Find returns every phrase of the lexicon lying in tokens [from, to) of s,
// ordered by start token and, at one start, longest first. Inside a phrase
// commas and parentheses are skipped, so "rapid strep (CLIA-waived)" still
// reads as written, but a phrase never spans a clause.
func (m *Matcher) Find(s *Sentence, from, to int) []Match {
	hits := s.hitsOf(m.dict)
	// hits are grouped by lexicon, then ordered by start
	i, _ := slices.BinarySearchFunc(hits, m.lex, func(h hit, lex int) int { return cmp.Compare(h.lex, lex) })
	var out []Match
	for ; i < len(hits) && hits[i].lex == m.lex && hits[i].From < to; i++ {
		if h := hits[i]; h.From >= from && h.To <= to {
			out = append(out, h.Match)
		}
	}
	return out
}

// FindAll is Find over the whole sentence.
func (m *Matcher) FindAll(s *Sentence) []Match { return m.Find(s, 0, len(s.Tokens)) }

// hitsOf returns every phrase of the dictionary found in s, matching the
// sentence on first use.
func (s *Sentence) hitsOf(d *Dictionary) []hit {
	if s.hitDict == d {
		return s.hits
	}
	s.hits = s.hits[:0]
	for i, t := range s.Tokens {
		if t.Punct {
			continue
		}
		s.matchPhrases(i, d.byFirst[t.Norm])
		if t.Num {
			s.matchPhrases(i, d.byFirst["#"])
		}
	}
	slices.SortStableFunc(s.hits, func(a, b hit) int {
		if c := cmp.Compare(a.lex, b.lex); c != 0 {
			return c
		}
		if c := cmp.Compare(a.From, b.From); c != 0 {
			return c
		}
		return cmp.Compare(b.To, a.To)
	})
	s.hitDict = d
	return s.hits
}

// matchPhrases adds the hits of the candidate phrases starting at token i.
func (s *Sentence) matchPhrases(i int, cands []phrase) {
	for _, p := range cands {
		if end, ok := matchAt(s.Tokens, i, p.words); ok {
			s.hits = append(s.hits, hit{lex: p.lex, Match: Match{ID: p.id, From: i, To: end, Start: s.Tokens[i].Start, End: s.Tokens[end-1].End}})
		}
	}
}

func matchAt(toks []Token, i int, words []string) (int, bool) {
	j := i
	for _, w := range words {
		for j < len(toks) && j > i && toks[j].Punct && (toks[j].Norm == "," || toks[j].Norm == "(" || toks[j].Norm == ")") {
			j++
		}
		if j >= len(toks) || toks[j].Punct {
			return 0, false
		}
		if w == "#" {
			if !toks[j].Num {
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
