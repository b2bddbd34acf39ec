// Package analysistest provides a small deterministic Coder and PHIScanner
// for tests of the layers above the engine, so they can run without the
// code-set data. Tests built on them must not assert particular codes: the
// same tests run against the real engine and detector.
package analysistest

import (
	"context"
	"regexp"
	"strings"
	"sync/atomic"

	"github.com/medcode/medcode/internal/engine"
	"github.com/medcode/medcode/internal/phi"
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
func (c *Coder) Code(ctx context.Context, note, profile string) (*engine.Result, error) {
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

// PHIScanner flags US social security numbers, phone numbers and "MRN"
// numbers, the identifiers the tests plant.
type PHIScanner struct{}

var identifiers = []struct {
	re   *regexp.Regexp
	kind phi.Kind
}{
	{regexp.MustCompile(`\b\d{3}-\d{2}-\d{4}\b`), "ssn"},
	{regexp.MustCompile(`\(?\b\d{3}\)?[ .-]\d{3}-\d{4}\b`), "phone"},
	{regexp.MustCompile(`(?i)\bMRN:?\s*\d{5,}`), "mrn"},
}

// Scan implements analysis.PHIScanner.
func (PHIScanner) Scan(text string) []phi.Span {
	var out []phi.Span
	for _, id := range identifiers {
		for _, m := range id.re.FindAllStringIndex(text, -1) {
			out = append(out, phi.Span{Start: m[0], End: m[1], Type: id.kind, Text: text[m[0]:m[1]], Confidence: 0.99})
		}
	}
	return out
}
