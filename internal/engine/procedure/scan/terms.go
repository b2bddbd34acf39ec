package scan

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
)

// Terms is a lexicon of phrases grouped by kind ("negation", "planned",
// "stable", ...), matched together in one pass.
type Terms struct {
	m     *Matcher
	kinds []string // by phrase id
}

// NewTerms builds a lexicon of dictionary d from kind → phrases. Kinds are
// registered in sorted order so matching is deterministic.
func NewTerms(d *Dictionary, byKind map[string][]string) (*Terms, error) {
	t := &Terms{m: d.NewMatcher()}
	kinds := make([]string, 0, len(byKind))
	for k := range byKind {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		if len(byKind[k]) == 0 {
			return nil, fmt.Errorf("scan: term kind %q has no phrases", k)
		}
		for _, p := range byKind[k] {
			if err := t.m.Add(p, len(t.kinds)); err != nil {
				return nil, fmt.Errorf("scan: term kind %q: %w", k, err)
			}
			t.kinds = append(t.kinds, k)
		}
	}
	return t, nil
}

// TermMatch is one lexicon phrase found, with its kind.
type TermMatch struct {
	Kind string
	Match
}

// Find returns the terms in tokens[from:to] of s.
func (t *Terms) Find(s *Sentence, from, to int) []TermMatch {
	ms := t.m.Find(s, from, to)
	out := make([]TermMatch, len(ms))
	for i, m := range ms {
		out[i] = TermMatch{Kind: t.kinds[m.ID], Match: m}
	}
	return out
}

// First returns the first term of the given kind in tokens[from:to].
func (t *Terms) First(s *Sentence, from, to int, kind string) (TermMatch, bool) {
	for _, m := range t.m.Find(s, from, to) {
		if t.kinds[m.ID] == kind {
			return TermMatch{Kind: kind, Match: m}, true
		}
	}
	return TermMatch{}, false
}

// DropOverlaps keeps, of matches that share tokens, the one that starts
// first and, at one start, the longest ("not at goal" over "at goal"). It
// sorts ms in place.
func DropOverlaps(ms []TermMatch) []TermMatch {
	slices.SortStableFunc(ms, func(a, b TermMatch) int {
		if c := cmp.Compare(a.From, b.From); c != 0 {
			return c
		}
		return cmp.Compare(b.To, a.To)
	})
	out := ms[:0]
	end := -1
	for _, m := range ms {
		if m.From < end {
			continue
		}
		out = append(out, m)
		end = m.To
	}
	return out
}
