// Package analysistest provides a small deterministic Coder for tests of
// the layers above the engine, so they can run without the code-set data.
// Tests built on it must not assert particular codes: the same tests run
// against the real engine.
package analysistest

import (
	"context"
	"strings"
	"sync/atomic"

	"github.com/medcode/medcode/internal/engine"
)

// Coder codes a note by finding a handful of phrases; every hit becomes a
// diagnosis with the phrase's offsets as evidence (Text filled in, as the
// real engine does). A note without any phrase gets Z00.00.
type Coder struct {
	ReleaseName string
	Version     string
	calls       atomic.Int64
}

// Calls is how many times Code ran (for cache tests).
func (c *Coder) Calls() int { return int(c.calls.Load()) }

var phrases = []struct{ phrase, code, desc string }{
	{"type 2 diabetes", "E11.9", "Type 2 diabetes mellitus without complications"},
	{"hypertension", "I10", "Essential (primary) hypertension"},
	{"hyperlipidemia", "E78.5", "Hyperlipidemia, unspecified"},
	{"cough", "R05.9", "Cough, unspecified"},
}

// Code implements analysis.Coder.
func (c *Coder) Code(ctx context.Context, note string, opts engine.Options) (*engine.Result, error) {
	profile := opts.Profile
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c.calls.Add(1)
	r := &engine.Result{Codeset: c.Release(), Profile: profile, Diagnoses: []engine.Diagnosis{}, Procedures: []engine.Procedure{}, Warnings: []engine.Warning{}}
	lower := strings.ToLower(note)
	for _, p := range phrases {
		var ev []engine.Evidence
		for off := 0; ; {
			i := strings.Index(lower[off:], p.phrase)
			if i < 0 {
				break
			}
			start := off + i
			ev = append(ev, engine.Evidence{Start: start, End: start + len(p.phrase), Text: note[start : start+len(p.phrase)], Section: "assessment"})
			off = start + len(p.phrase)
		}
		if ev != nil {
			r.Diagnoses = append(r.Diagnoses, engine.Diagnosis{Code: p.code, Description: p.desc, Confidence: 0.9,
				Rank: len(r.Diagnoses) + 1, Assertion: "present", Evidence: ev, Reasoning: "phrase found in the note",
				Rules: []engine.Rule{{ID: "fake", Summary: "test coder"}}})
		}
	}
	if len(r.Diagnoses) == 0 {
		r.Diagnoses = append(r.Diagnoses, engine.Diagnosis{Code: "Z00.00", Description: "General adult examination", Confidence: 0.5, Rank: 1, Assertion: "present"})
	}
	r.EM = &engine.EM{Code: "99213", Method: "mdm", Evidence: []engine.Evidence{{Start: 0, End: min(len(note), 10), Text: note[:min(len(note), 10)]}}}
	return r, nil
}

// Release implements analysis.Coder.
func (c *Coder) Release() string {
	if c.ReleaseName == "" {
		return "test-release"
	}
	return c.ReleaseName
}

// EngineVersion implements analysis.Coder.
func (c *Coder) EngineVersion() string {
	if c.Version == "" {
		return "test-engine"
	}
	return c.Version
}

// catalog is the code set the fake knows: its own codes and a few that
// clinic rules in tests add.
var catalog = map[string]string{
	"E11.9":  "Type 2 diabetes mellitus without complications",
	"E11.65": "Type 2 diabetes mellitus with hyperglycemia",
	"I10":    "Essential (primary) hypertension",
	"E78.2":  "Mixed hyperlipidemia",
	"E78.5":  "Hyperlipidemia, unspecified",
	"R05.9":  "Cough, unspecified",
	"E16.2":  "Hypoglycemia, unspecified",
	"Z79.4":  "Long term (current) use of insulin",
	"Z00.00": "Encounter for general adult medical examination without abnormal findings",
	"G0008":  "Administration of influenza virus vaccine",
}

// Describe implements analysis.Coder (rules.Catalog).
func (c *Coder) Describe(code string) (string, bool) {
	d, ok := catalog[code]
	return d, ok
}
