package org

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/rules"
	"github.com/medcode/medcode/internal/store"
)

// The verdicts a coder gives a suggested code (the Decision of a
// store.Verdict).
const (
	Accepted = "accepted"
	Rejected = "rejected"
	Changed  = "changed"
)

// SuggestAfter is how many identical corrections make a suggested rule.
const SuggestAfter = 3

// CodeStats are the verdicts on one suggested code.
type CodeStats struct {
	Code     string         `json:"code"`
	Accepted int            `json:"accepted"`
	Rejected int            `json:"rejected"`
	Changed  int            `json:"changed"`
	Changes  map[string]int `json:"changes,omitempty"` // replacement code → times
}

// Decided is the number of verdicts on the code.
func (c *CodeStats) Decided() int { return c.Accepted + c.Rejected + c.Changed }

// AcceptanceRate is the share of verdicts that accepted the code.
func (c *CodeStats) AcceptanceRate() float64 {
	if c.Decided() == 0 {
		return 0
	}
	return float64(c.Accepted) / float64(c.Decided())
}

// Suggestion is a clinic rule the coders' repeated corrections point to.
type Suggestion struct {
	Key         string `json:"key"`  // identifies it for Adopt
	Kind        string `json:"kind"` // "prefer" or "suppress"
	Code        string `json:"code"` // the code the engine suggested
	Replacement string `json:"replacement,omitempty"`
	Times       int    `json:"times"`
	Summary     string `json:"summary"`
}

// Feedback is a workspace's per-code statistics and suggested rules.
type Feedback struct {
	Codes       []CodeStats  `json:"codes"`
	Suggestions []Suggestion `json:"suggestions"`
	// SuggestAfter is how many identical corrections make a suggestion.
	SuggestAfter int `json:"suggest_after"`
}

// Feedback gathers the verdicts of the organization's coders per code,
// most decided first, and the rules their repeated corrections suggest
// (those the current rules do not already make).
func (s *Service) Feedback(ctx context.Context, ws Workspace) (*Feedback, error) {
	if err := ws.RequireOrg(); err != nil {
		return nil, err
	}
	if err := ws.Require(ReadFeedback); err != nil {
		return nil, err
	}
	counts, err := s.db.FeedbackCounts(ctx, ws.Scope())
	if err != nil {
		return nil, err
	}
	byCode := map[string]*CodeStats{}
	for _, c := range counts {
		st := byCode[c.Code]
		if st == nil {
			st = &CodeStats{Code: c.Code}
			byCode[c.Code] = st
		}
		switch c.Decision {
		case Accepted:
			st.Accepted += c.Count
		case Rejected:
			st.Rejected += c.Count
		case Changed:
			st.Changed += c.Count
			if st.Changes == nil {
				st.Changes = map[string]int{}
			}
			st.Changes[c.Replacement] += c.Count
		}
	}
	fb := &Feedback{Codes: []CodeStats{}, Suggestions: []Suggestion{}, SuggestAfter: SuggestAfter}
	for _, st := range byCode {
		fb.Codes = append(fb.Codes, *st)
	}
	sort.Slice(fb.Codes, func(i, j int) bool {
		a, b := &fb.Codes[i], &fb.Codes[j]
		if a.Decided() != b.Decided() {
			return a.Decided() > b.Decided()
		}
		return a.Code < b.Code
	})
	doc, err := s.currentDocument(ctx, ws)
	if err != nil {
		return nil, err
	}
	for _, st := range fb.Codes {
		for repl, n := range st.Changes {
			if n >= SuggestAfter && !prefers(doc, repl, st.Code) {
				fb.Suggestions = append(fb.Suggestions, Suggestion{Key: "prefer:" + st.Code + ":" + repl, Kind: "prefer",
					Code: st.Code, Replacement: repl, Times: n,
					Summary: fmt.Sprintf("Report %s instead of %s: coders changed it so %d times.", repl, st.Code, n)})
			}
		}
		if st.Rejected >= SuggestAfter && st.Accepted == 0 && st.Changed == 0 && !suppresses(doc, st.Code) {
			fb.Suggestions = append(fb.Suggestions, Suggestion{Key: "suppress:" + st.Code, Kind: "suppress", Code: st.Code, Times: st.Rejected,
				Summary: fmt.Sprintf("Never report %s: coders rejected it %d times and never accepted it.", st.Code, st.Rejected)})
		}
	}
	sort.Slice(fb.Suggestions, func(i, j int) bool {
		a, b := fb.Suggestions[i], fb.Suggestions[j]
		if a.Times != b.Times {
			return a.Times > b.Times
		}
		return a.Key < b.Key
	})
	return fb, nil
}

// currentDocument parses the organization's current rules (an empty
// document when there are none).
func (s *Service) currentDocument(ctx context.Context, ws Workspace) (*rules.Document, error) {
	rs, err := s.db.RuleSet(ctx, ws.Org.ID, 0)
	if apperr.Is(err, apperr.NotFound) {
		return &rules.Document{}, nil
	}
	if err != nil {
		return nil, err
	}
	// Saved rules parsed when saved; parse without the catalog so that a
	// code retired by a newer code set does not hide the suggestions.
	doc, err := rules.Parse([]byte(rs.Source), nil)
	if err != nil {
		return nil, fmt.Errorf("org: rules version %d of organization %d: %w", rs.Version, ws.Org.ID, err)
	}
	return doc, nil
}

// prefers reports whether doc already reports code instead of from.
func prefers(doc *rules.Document, code, from string) bool {
	for _, p := range doc.Prefer {
		if p.Code == code && rules.Matches(p.InsteadOf, from) {
			return true
		}
	}
	return false
}

// suppresses reports whether doc already drops code.
func suppresses(doc *rules.Document, code string) bool {
	for _, p := range doc.Suppress {
		if rules.Matches([]string{p.Code}, code) {
			return true
		}
	}
	return false
}

// Adopt adds a suggested rule to the current rules and saves them as a
// new version.
func (s *Service) Adopt(ctx context.Context, ws Workspace, key string) (*store.RuleSet, error) {
	if err := ws.RequireOrg(); err != nil {
		return nil, err
	}
	if err := ws.Require(WriteRules); err != nil {
		return nil, err
	}
	fb, err := s.Feedback(ctx, ws)
	if err != nil {
		return nil, err
	}
	var sug *Suggestion
	for i := range fb.Suggestions {
		if fb.Suggestions[i].Key == key {
			sug = &fb.Suggestions[i]
		}
	}
	if sug == nil {
		return nil, apperr.New(apperr.NotFound, "This suggestion is not open any more (adopted already, or the corrections changed).")
	}
	cur, err := s.Rules(ctx, ws, 0)
	if err != nil {
		return nil, err
	}
	note := fmt.Sprintf("adopted from %d coder corrections", sug.Times)
	var src []byte
	switch sug.Kind {
	case "prefer":
		src, err = rules.AddPreference([]byte(cur.Source), sug.Replacement, sug.Code, note)
	default:
		src, err = rules.AddSuppression([]byte(cur.Source), sug.Code, note)
	}
	if err != nil {
		return nil, err
	}
	return s.SaveRules(ctx, ws, strings.TrimLeft(string(src), "\n"))
}
