package analysis

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/org"
	"github.com/medcode/medcode/internal/rules"
	"github.com/medcode/medcode/internal/store"
)

// Decision is a coder's verdict on one suggested code.
type Decision string

// The decisions.
const (
	Accepted Decision = org.Accepted
	Rejected Decision = org.Rejected
	Changed  Decision = org.Changed // to the code in Replacements
)

// feedbackBlob is the sealed content of store.Analysis.Decisions.
type feedbackBlob struct {
	Decisions    map[string]Decision `json:"decisions"`
	Replacements map[string]string   `json:"replacements,omitempty"`
}

// feedback opens a record's decisions. Records from before changes
// existed sealed a plain code → decision map; it reads as such.
func (s *Service) feedback(id string, blob []byte) (*feedbackBlob, error) {
	fb := &feedbackBlob{Decisions: map[string]Decision{}, Replacements: map[string]string{}}
	if len(blob) == 0 {
		return fb, nil
	}
	var raw map[string]json.RawMessage
	if err := s.open(id, "decisions", blob, &raw); err != nil {
		return nil, err
	}
	if _, ok := raw["decisions"]; !ok {
		for code, v := range raw {
			var d Decision
			if json.Unmarshal(v, &d) == nil {
				fb.Decisions[code] = d
			}
		}
		return fb, nil
	}
	if err := s.open(id, "decisions", blob, fb); err != nil {
		return nil, err
	}
	if fb.Replacements == nil {
		fb.Replacements = map[string]string{}
	}
	return fb, nil
}

// verdict is the store's form of a code's decision, nil when undecided.
func (fb *feedbackBlob) verdict(code string) *store.Verdict {
	d, ok := fb.Decisions[code]
	if !ok {
		return nil
	}
	return &store.Verdict{Code: code, Decision: string(d), Replacement: fb.Replacements[code]}
}

// Decide records a coder's verdict on one code of a record: accepted,
// rejected, or changed to replacement; "" clears it. The workspace's
// per-code statistics move with it.
func (s *Service) Decide(ctx context.Context, ws org.Workspace, id, code string, d Decision, replacement string) error {
	if err := ws.Require(org.WriteFeedback); err != nil {
		return err
	}
	if !slices.Contains([]Decision{Accepted, Rejected, Changed, ""}, d) {
		return apperr.New(apperr.Invalid, "Unknown decision %q: use accepted, rejected or changed.", d)
	}
	a, err := s.db.Analysis(ctx, ws.Scope(), id)
	if err != nil {
		return err
	}
	var sum summaryBlob
	if err := s.open(id, "summary", a.Summary, &sum); err != nil {
		return err
	}
	if !slices.Contains(sum.Codes, code) {
		return apperr.New(apperr.NotFound, "code not found in this analysis")
	}
	switch {
	case d == Changed:
		replacement, err = rules.CheckCode(replacement, rules.IsDiagnosis(code), s.coder)
		if err != nil {
			return apperr.New(apperr.Invalid, "The replacement code: %v.", err)
		}
		if replacement == code {
			return apperr.New(apperr.Invalid, "The replacement is the suggested code itself.")
		}
	case strings.TrimSpace(replacement) != "":
		return apperr.New(apperr.Invalid, "Only a changed code takes a replacement.")
	}
	return s.db.UpdateDecisions(ctx, ws.Scope(), id, func(current []byte) (store.DecisionUpdate, error) {
		fb, err := s.feedback(id, current)
		if err != nil {
			return store.DecisionUpdate{}, err
		}
		up := store.DecisionUpdate{Undo: fb.verdict(code)}
		delete(fb.Decisions, code)
		delete(fb.Replacements, code)
		if d != "" {
			fb.Decisions[code] = d
			if d == Changed {
				fb.Replacements[code] = replacement
			}
			up.Do = fb.verdict(code)
		}
		up.Blob, err = s.sealField(id, "decisions", fb)
		return up, err
	})
}
