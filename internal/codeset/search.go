package codeset

import (
	"sort"
	"strings"

	"github.com/medcode/medcode/internal/codeset/icd"
)

// Hit is one result of Search.
type Hit struct {
	Code   string // may end in "-" (incomplete) for index entries; "" for a cross-reference
	Title  string // the tabular title, or the index path ("Disease, kidney, chronic")
	Source string // "index", "external-cause index", "tabular"
	See    string // the index cross-reference, when the entry gives one instead of a code
	// Billable is set when Code is a complete code valid on a claim.
	Billable bool
	Score    float64
}

// Search finds index entries and tabular titles whose words contain every
// word of the query (a query word of three letters or more also matches
// the start of a word: "diab" finds "diabetes"), best first: entries with
// fewer other words, index entries before tabular titles (the index is
// where coding starts), billable codes before headings.
func (r *Release) Search(query string, limit int) []Hit {
	words := strings.Fields(icd.Normalize(query))
	if len(words) == 0 || limit <= 0 {
		return nil
	}
	var hits []Hit
	for _, src := range []struct {
		name string
		ix   *icd.Index
	}{{"index", r.Index}, {"external-cause index", r.ExternalIndex}} {
		if src.ix == nil {
			continue
		}
		for t := range src.ix.All() {
			text := t.PathString()
			score, ok := matchScore(words, text)
			if !ok {
				continue
			}
			h := Hit{Code: t.Code, Title: text, Source: src.name, See: t.See, Score: score + 0.5}
			if c, ok := r.ICD.Lookup(t.Code); ok && c.Billable {
				h.Billable = true
				h.Score += 0.25
			}
			hits = append(hits, h)
		}
	}
	for c := range r.ICD.All() {
		if c.SeventhChar != "" {
			continue // the 7-character codes repeat their base's title
		}
		score, ok := matchScore(words, c.Title)
		if !ok {
			continue
		}
		h := Hit{Code: c.Code, Title: c.Title, Source: "tabular", Billable: c.Billable, Score: score}
		if c.Billable {
			h.Score += 0.25
		}
		hits = append(hits, h)
	}
	sort.SliceStable(hits, func(i, j int) bool {
		if hits[i].Score != hits[j].Score {
			return hits[i].Score > hits[j].Score
		}
		return hits[i].Title < hits[j].Title
	})
	if len(hits) > limit {
		hits = hits[:limit]
	}
	return hits
}

// matchScore reports whether every query word is in text and scores the
// match by the share of text's words the query covers (0-1].
func matchScore(query []string, text string) (float64, bool) {
	words := strings.Fields(icd.MatchKey(text))
	if len(words) == 0 {
		return 0, false
	}
	for _, q := range query {
		found := false
		for _, w := range words {
			if w == q || len(q) >= 3 && strings.HasPrefix(w, q) {
				found = true
				break
			}
		}
		if !found {
			return 0, false
		}
	}
	return float64(len(query)) / float64(max(len(words), len(query))), true
}
