// Package rules is the clinic coding rules layer: an organization's own
// conventions, written as a YAML (or JSON) document, applied to the
// engine's result after coding. Rules add codes for local phrases
// (synonyms) and for triggers (always_add), replace codes the clinic
// reports differently (prefer) or for a payer class (payer_variants),
// drop codes it never reports (suppress), and set the defaults the engine
// codes with (payer class, patient type). Every code a rule touches cites
// the rule in its `rules`; a dropped code leaves a warning that cites it.
// docs/clinic-rules.md describes the format.
package rules

import (
	"fmt"
	"slices"
	"strings"

	"github.com/medcode/medcode/internal/engine"
)

// Document is a parsed rules document, as its author wrote it.
type Document struct {
	Defaults      Defaults
	Synonyms      []Synonym
	Prefer        []Preference
	Suppress      []Suppression
	PayerVariants []PayerVariant
	AlwaysAdd     []AlwaysAdd
}

// Defaults are the engine options a clinic codes with unless a request
// says otherwise.
type Defaults struct {
	Payer       string // commercial, medicare or medicaid; "" leaves the engine's default
	PatientType string // new or established; "" lets the note say
}

// Common is what every rule has: an optional id (for citations; one is
// made up from the rule's kind and position otherwise), a note explaining
// it, and the line it starts on.
type Common struct {
	ID   string
	Note string
	Line int
}

// Synonym maps a local phrase to an ICD-10-CM code: where the note says
// the phrase, affirmed, the code is reported.
type Synonym struct {
	Common
	Phrase string
	Code   string
}

// Preference reports Code where the engine suggests one of InsteadOf.
type Preference struct {
	Common
	Code      string
	InsteadOf []string // codes or prefix patterns ("E78.*")
}

// Suppression drops a code (or every code matching a prefix pattern) from
// the result.
type Suppression struct {
	Common
	Code string
}

// PayerVariant reports Use instead of Code for one payer class (e.g. a
// Medicare G-code).
type PayerVariant struct {
	Common
	Payer string
	Code  string
	Use   string
}

// AlwaysAdd reports Add whenever the note affirms one of WhenPhrase or the
// result holds a code matching one of WhenCode; with both, both must hold.
type AlwaysAdd struct {
	Common
	Add        string
	WhenPhrase []string
	WhenCode   []string
}

// Limits on a document, so that one organization's rules stay cheap to
// apply.
const (
	MaxSourceBytes = 256 << 10
	MaxRules       = 1000
	maxPhrase      = 100
	maxNote        = 300
	maxID          = 40
)

// Count is the number of rules in the document.
func (d *Document) Count() int {
	return len(d.Synonyms) + len(d.Prefer) + len(d.Suppress) + len(d.PayerVariants) + len(d.AlwaysAdd)
}

// Problem is one thing wrong with a document, at a line (0 when the
// problem is the document as a whole) and a path such as
// "synonyms[2].code".
type Problem struct {
	Line    int    `json:"line"`
	Path    string `json:"path"`
	Message string `json:"message"`
}

func (p Problem) String() string {
	var where []string
	if p.Line > 0 {
		where = append(where, fmt.Sprintf("line %d", p.Line))
	}
	if p.Path != "" {
		where = append(where, p.Path)
	}
	if len(where) == 0 {
		return p.Message
	}
	return strings.Join(where, ", ") + ": " + p.Message
}

// Error lists every problem found in a document.
type Error struct {
	Problems []Problem
}

func (e *Error) Error() string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = p.String()
	}
	return "rules: " + strings.Join(msgs, "; ")
}

// Catalog tells the rules layer whether a code exists. Describe returns a
// code's description when it is a billable ICD-10-CM code or a known
// HCPCS code of the release in use; CPT codes are checked by form only
// (their descriptors are licensed separately).
type Catalog interface {
	Describe(code string) (string, bool)
}

// Payers and patient types the defaults accept (the engine's).
var (
	payers       = engine.Payers
	patientTypes = engine.PatientTypes
)

func oneOf(v string, allowed []string) bool { return slices.Contains(allowed, v) }
