// Package termmatch finds many multi-word terms at once in a tokenized
// note. A term is a set of normalized words, matched in any order: its
// narrow words must sit close together (a phrase, a few other words allowed
// between them) and its wide words anywhere in the same unit (a sentence or
// a list item). This is how Alphabetic Index paths are found in prose:
// "Failure, heart, systolic, chronic" matches "chronic systolic heart
// failure", and "Diabetes, with, chronic kidney disease" matches "type 2
// diabetes ... complicated by chronic kidney disease" because the words after
// "with" are wide.
//
// The package knows nothing of ICD-10-CM: callers intern words in a Vocab,
// build Patterns with an opaque Payload, and map matches back themselves.
package termmatch

import (
	"slices"
	"sort"
	"sync"
)

// TokenID is an interned normalized word.
type TokenID uint32

// NoToken is never assigned to a word.
const NoToken TokenID = 0

// Vocab interns normalized words. It is not safe for concurrent writes;
// after building, Lookup may be called concurrently.
type Vocab struct {
	ids   map[string]TokenID
	words []string
}

// NewVocab returns an empty vocabulary.
func NewVocab() *Vocab {
	return &Vocab{ids: map[string]TokenID{}, words: []string{""}}
}

// ID returns the id of w, adding it when new.
func (v *Vocab) ID(w string) TokenID {
	if id, ok := v.ids[w]; ok {
		return id
	}
	id := TokenID(len(v.words))
	v.ids[w] = id
	v.words = append(v.words, w)
	return id
}

// Lookup returns the id of w, or NoToken when the vocabulary lacks it (a
// note word no term uses can never take part in a match).
func (v *Vocab) Lookup(w string) TokenID { return v.ids[w] }

// Word returns the word of id.
func (v *Vocab) Word(id TokenID) string {
	if int(id) >= len(v.words) {
		return ""
	}
	return v.words[id]
}

// Len is the number of interned words.
func (v *Vocab) Len() int { return len(v.words) - 1 }

// Pattern is one term to find.
type Pattern struct {
	// Narrow words must all occur within a short window of one unit.
	Narrow []TokenID
	// Wide words must occur somewhere in the same unit.
	Wide []TokenID
	// Head is the word the term is about (an Index main term); two matches
	// with the head at the same note position are rival readings of one
	// mention and only the better survives. NoToken when the term has no
	// head.
	Head TokenID
	// Rank breaks ties between equally good rivals: lower wins.
	Rank int8
	// Payload is the caller's reference (an Index node, a code).
	Payload int32
}

// Token is one content word of the note, in order. Unit numbers sentences
// or list items; consecutive tokens with the same Unit share it. Break
// marks a clause boundary (a comma) before the token: windows that cross
// fewer breaks are preferred. Barrier marks a coordination ("and", "or")
// before the token, which a phrase window never crosses: "7 days and high
// fever" is not "seven-day fever". NoWide keeps the word from serving as
// a wide word: a negated condition ("cystitis without hematuria") cannot
// be the one a "with" links.
type Token struct {
	ID      TokenID
	Unit    int32
	Break   bool
	Barrier bool
	NoWide  bool
}

// Match is a pattern found in the note.
type Match struct {
	Pattern int32 // index into the patterns given to New
	Payload int32
	// Positions are the token positions (indexes into the Token slice) of
	// the narrow words followed by the wide words.
	Positions []int32
	// Head is the position of the head word, or -1.
	Head int32
	// Lo and Hi bound the narrow window (inclusive).
	Lo, Hi int32
	// Narrow is how many of Positions are narrow words.
	Narrow int
	rank   int8
}

// Matcher finds patterns; it is immutable after New and safe for
// concurrent use.
type Matcher struct {
	patterns []Pattern
	// byAnchor[id] lists the patterns anchored at word id.
	byAnchor [][]int32
	// scratch holds per-call buffers (see unitWords).
	scratch sync.Pool
	// Slack is how many foreign words a narrow window may hold.
	slack func(narrow int) int
}

// DefaultSlack lets a phrase of n narrow words hold up to one foreign word
// per two narrow words, at most three (chronic [systolic] heart failure,
// laceration [of the] right forearm once stopwords are dropped).
func DefaultSlack(n int) int {
	switch {
	case n <= 1:
		return 0
	case n <= 3:
		return n - 1
	default:
		return 3
	}
}

// New indexes patterns. Each is anchored at its rarest narrow word, so a
// note word only wakes the few patterns that could match there. Patterns
// without narrow words are ignored. slack may be nil for DefaultSlack.
func New(patterns []Pattern, slack func(narrow int) int) *Matcher {
	if slack == nil {
		slack = DefaultSlack
	}
	freq := map[TokenID]int{}
	clean := make([]Pattern, len(patterns))
	for i, p := range patterns {
		p.Narrow = dedupe(p.Narrow, nil)
		p.Wide = dedupe(p.Wide, p.Narrow)
		clean[i] = p
		for _, t := range p.Narrow {
			freq[t]++
		}
	}
	maxID := TokenID(0)
	for _, p := range clean {
		for _, t := range p.Narrow {
			maxID = max(maxID, t)
		}
		for _, t := range p.Wide {
			maxID = max(maxID, t)
		}
	}
	m := &Matcher{patterns: clean, byAnchor: make([][]int32, maxID+1), slack: slack}
	m.scratch.New = func() any { return &unitWords{stamp: make([]uint32, maxID+1)} }
	for i, p := range clean {
		if len(p.Narrow) == 0 {
			continue
		}
		anchor := p.Narrow[0]
		for _, t := range p.Narrow[1:] {
			if freq[t] < freq[anchor] || (freq[t] == freq[anchor] && t < anchor) {
				anchor = t
			}
		}
		m.byAnchor[anchor] = append(m.byAnchor[anchor], int32(i))
	}
	return m
}

// Pattern returns pattern i as given to New (duplicates removed).
func (m *Matcher) Pattern(i int32) Pattern { return m.patterns[i] }

// dedupe drops NoToken, repeated words and words already in exclude.
func dedupe(ids, exclude []TokenID) []TokenID {
	out := make([]TokenID, 0, len(ids))
	for _, t := range ids {
		if t == NoToken || slices.Contains(out, t) || slices.Contains(exclude, t) {
			continue
		}
		out = append(out, t)
	}
	return out
}

// unitWords records which words occur in the current unit: stamp[id] is
// the unit's serial when word id occurs in it (an array lookup instead of
// hashing), occ the positions of each occurring word.
type unitWords struct {
	stamp  []uint32
	serial uint32
	occ    map[TokenID][]int32
}

// next starts a new unit.
func (u *unitWords) next() {
	u.serial++
	if u.serial == 0 { // wrapped: forget every stamp
		clear(u.stamp)
		u.serial = 1
	}
	clear(u.occ)
}

func (u *unitWords) has(id TokenID) bool {
	return int(id) < len(u.stamp) && u.stamp[id] == u.serial
}

// Find returns the matches that survive rivalry, unit by unit, in note
// order. A match is dropped when its positions are a subset of a better
// match's, or when a better match has the same head position.
func (m *Matcher) Find(tokens []Token) []Match {
	var out []Match
	u := m.scratch.Get().(*unitWords)
	defer m.scratch.Put(u)
	if u.occ == nil {
		u.occ = map[TokenID][]int32{}
	}
	for lo := 0; lo < len(tokens); {
		hi := lo + 1
		for hi < len(tokens) && tokens[hi].Unit == tokens[lo].Unit {
			hi++
		}
		u.next()
		for i := lo; i < hi; i++ {
			if id := tokens[i].ID; id != NoToken && int(id) < len(u.stamp) {
				u.stamp[id] = u.serial
				u.occ[id] = append(u.occ[id], int32(i))
			}
		}
		out = append(out, resolve(m.findUnit(tokens, lo, hi, u))...)
		lo = hi
	}
	return out
}

func (m *Matcher) findUnit(tokens []Token, lo, hi int, u *unitWords) []Match {
	var found []Match
	type key struct{ pattern, lo, hi int32 }
	var seen map[key]bool
	for i := lo; i < hi; i++ {
		id := tokens[i].ID
		if int(id) >= len(m.byAnchor) {
			continue
		}
		for _, pi := range m.byAnchor[id] {
			if !m.present(pi, u) {
				continue
			}
			match, ok := m.matchAt(pi, int32(i), tokens, u.occ)
			if !ok {
				continue
			}
			k := key{pi, match.Lo, match.Hi}
			if seen == nil {
				seen = map[key]bool{}
			}
			if seen[k] {
				continue
			}
			seen[k] = true
			found = append(found, match)
		}
	}
	return found
}

// present reports whether every word of pattern pi occurs in the unit, a
// cheap test before placing the words.
func (m *Matcher) present(pi int32, u *unitWords) bool {
	p := &m.patterns[pi]
	for _, t := range p.Narrow {
		if !u.has(t) {
			return false
		}
	}
	for _, t := range p.Wide {
		if !u.has(t) {
			return false
		}
	}
	return true
}

// matchAt tries pattern pi with its anchor at position at. The other
// narrow words are placed to give the tightest window that crosses the
// fewest clause breaks; wide words take their occurrence nearest the anchor.
func (m *Matcher) matchAt(pi int32, at int32, tokens []Token, occ map[TokenID][]int32) (Match, bool) {
	p := &m.patterns[pi]
	limit := int32(len(p.Narrow) + m.slack(len(p.Narrow)))
	s := search{tokens: tokens, limit: limit, bestBreaks: -1}
	s.cands = make([][]int32, len(p.Narrow))
	for i, t := range p.Narrow {
		for _, pos := range occ[t] {
			if pos > at-limit && pos < at+limit {
				s.cands[i] = append(s.cands[i], pos)
			}
		}
		if len(s.cands[i]) == 0 {
			return Match{}, false
		}
	}
	s.cur = make([]int32, len(p.Narrow))
	s.walk(0, at, at)
	if s.bestBreaks < 0 {
		return Match{}, false
	}
	positions := append(make([]int32, 0, len(p.Narrow)+len(p.Wide)), s.best...)
	head := int32(-1)
	for i, t := range p.Narrow {
		if t == p.Head {
			head = positions[i]
		}
	}
	for _, t := range p.Wide {
		pos, ok := nearestWide(occ[t], at, tokens)
		if !ok {
			return Match{}, false
		}
		positions = append(positions, pos)
	}
	return Match{Pattern: pi, Payload: p.Payload, Positions: positions, Head: head, Lo: s.bestLo, Hi: s.bestHi, Narrow: len(p.Narrow), rank: p.Rank}, true
}

// search places narrow words: a small exhaustive search, since each word
// has only the few occurrences near the anchor.
type search struct {
	tokens         []Token
	cands          [][]int32
	cur            []int32
	limit          int32
	best           []int32
	bestLo, bestHi int32
	bestBreaks     int
}

func (s *search) walk(i int, lo, hi int32) {
	if hi-lo+1 > s.limit {
		return
	}
	if i == len(s.cands) {
		if hasRepeat(s.cur) {
			return
		}
		breaks := 0
		for p := lo + 1; p <= hi; p++ {
			if s.tokens[p].Barrier {
				return
			}
			if s.tokens[p].Break {
				breaks++
			}
		}
		if s.bestBreaks < 0 || breaks < s.bestBreaks || (breaks == s.bestBreaks && hi-lo < s.bestHi-s.bestLo) {
			s.best = append(s.best[:0], s.cur...)
			s.bestLo, s.bestHi, s.bestBreaks = lo, hi, breaks
		}
		return
	}
	for _, pos := range s.cands[i] {
		s.cur[i] = pos
		s.walk(i+1, min(lo, pos), max(hi, pos))
	}
}

// nearestWide is nearest among the occurrences that may serve as a wide
// word.
func nearestWide(list []int32, at int32, tokens []Token) (int32, bool) {
	best, found := int32(0), false
	for _, p := range list {
		if tokens[p].NoWide {
			continue
		}
		if !found || abs32(p-at) < abs32(best-at) {
			best, found = p, true
		}
	}
	return best, found
}

func abs32(v int32) int32 {
	if v < 0 {
		return -v
	}
	return v
}

// nearest returns the position in sorted list closest to at.
func nearest(list []int32, at int32) (int32, bool) {
	if len(list) == 0 {
		return 0, false
	}
	i := sort.Search(len(list), func(i int) bool { return list[i] >= at })
	switch {
	case i == len(list):
		return list[i-1], true
	case i == 0 || list[i] == at:
		return list[i], true
	case at-list[i-1] <= list[i]-at:
		return list[i-1], true
	default:
		return list[i], true
	}
}

func hasRepeat(ps []int32) bool {
	for i := range ps {
		for j := i + 1; j < len(ps); j++ {
			if ps[i] == ps[j] {
				return true
			}
		}
	}
	return false
}

// resolve keeps the best reading of each mention: matches with more words
// first, then more of them in the phrase itself (narrow), then lower rank,
// then tighter windows, then earlier pattern.
func resolve(found []Match) []Match {
	if len(found) < 2 {
		return found
	}
	sort.SliceStable(found, func(i, j int) bool {
		a, b := found[i], found[j]
		if len(a.Positions) != len(b.Positions) {
			return len(a.Positions) > len(b.Positions)
		}
		if a.Narrow != b.Narrow {
			return a.Narrow > b.Narrow
		}
		if a.rank != b.rank {
			return a.rank < b.rank
		}
		if wa, wb := a.Hi-a.Lo, b.Hi-b.Lo; wa != wb {
			return wa < wb
		}
		return a.Pattern < b.Pattern
	})
	kept := found[:0:0]
	for _, f := range found {
		if !dominated(f, kept) {
			kept = append(kept, f)
		}
	}
	sort.SliceStable(kept, func(i, j int) bool {
		if kept[i].Lo != kept[j].Lo {
			return kept[i].Lo < kept[j].Lo
		}
		return kept[i].Pattern < kept[j].Pattern
	})
	return kept
}

// dominated reports whether a better match already reads f's mention: it
// has f's head, or its phrase (narrow words) holds all of f's words. The
// words a better match only links (wide: the kidney disease of "diabetes
// ... with chronic kidney disease") stay free for their own reading, since
// a combination code may need the linked condition coded too.
func dominated(f Match, kept []Match) bool {
	for _, k := range kept {
		if f.Head >= 0 && f.Head == k.Head {
			return true
		}
		if f.Pattern == k.Pattern && f.Lo <= k.Hi && k.Lo <= f.Hi {
			return true
		}
		if subset(f.Positions, k.Positions[:k.Narrow]) {
			return true
		}
	}
	return false
}

func subset(a, b []int32) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}
