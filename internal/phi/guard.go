package phi

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
)

// Policy is what the guard does with a note that holds identifiers outside
// BAA mode.
type Policy string

const (
	// PolicyBlock refuses the analysis and shows the spans, so that the
	// user can remove the identifiers and submit again. The zero Policy
	// blocks.
	PolicyBlock Policy = "block"
	// PolicyRedact replaces the identifiers with typed placeholders and
	// analyses the redacted text.
	PolicyRedact Policy = "redact"
)

// ParsePolicy reads a policy name ("block" or "redact").
func ParsePolicy(s string) (Policy, error) {
	switch p := Policy(s); p {
	case PolicyBlock, PolicyRedact:
		return p, nil
	}
	return "", fmt.Errorf("phi: unknown PHI policy %q (want block or redact)", s)
}

// Outcome is the guard's decision.
type Outcome string

const (
	OutcomeAllowed  Outcome = "allowed"  // no identifier found: analyse the note
	OutcomeBlocked  Outcome = "blocked"  // identifiers found, policy block: do not analyse
	OutcomeRedacted Outcome = "redacted" // identifiers found, policy redact: analyse the redacted note
	OutcomeWarned   Outcome = "warned"   // identifiers found in BAA mode: analyse the note, tell the user
)

// ErrAttestationRequired is returned when a note is submitted outside BAA
// mode without the user's attestation that it holds no PHI.
var ErrAttestationRequired = errors.New("phi: outside BAA mode a note is analysed only after the user attests that it holds no protected health information")

// Request is one note submitted for analysis.
type Request struct {
	Text string
	// AttestedNoPHI is the user's explicit statement that the note holds
	// no protected health information.
	AttestedNoPHI bool
	// BAAMode is set when the workspace works under a Business Associate
	// Agreement, where PHI may be submitted.
	BAAMode bool
}

// Guard checks every note before analysis. Outside BAA mode the user must
// attest that the note holds no PHI, and the detector runs anyway: by
// Policy it blocks the note or redacts it. In BAA mode the note is
// analysed as it is and the spans are reported as a warning.
type Guard struct {
	Policy   Policy
	Detector *Detector     // nil: the default detector
	Redact   RedactOptions // how PolicyRedact replaces identifiers
}

// Decision is the guard's answer. Its JSON form is the audit record: it
// holds kinds, counts, offsets and a hash of the note, never note text;
// Text and Redaction are for the analysis only and are not serialised.
type Decision struct {
	Outcome    Outcome      `json:"outcome"`
	Policy     Policy       `json:"policy"`
	BAAMode    bool         `json:"baa_mode"`
	Attested   bool         `json:"attested"`
	NoteSHA256 string       `json:"note_sha256"`
	NoteBytes  int          `json:"note_bytes"`
	Spans      []Span       `json:"spans"`  // offsets into the submitted note; Text is always empty
	Counts     map[Kind]int `json:"counts"` // spans per kind
	// Text is the text to analyse: the note, its redaction, or "" when
	// blocked.
	Text string `json:"-"`
	// Redaction maps evidence found in a redacted Text back to the note.
	Redaction *Redaction `json:"-"`
}

// Proceed reports whether the analysis may go on with d.Text.
func (d Decision) Proceed() bool { return d.Outcome != OutcomeBlocked }

// Check decides what happens to one note. It returns
// ErrAttestationRequired (and no decision) for an unattested note outside
// BAA mode.
func (g Guard) Check(req Request) (Decision, error) {
	policy := g.Policy
	if policy == "" {
		policy = PolicyBlock
	}
	if _, err := ParsePolicy(string(policy)); err != nil {
		return Decision{}, err
	}
	if !req.BAAMode && !req.AttestedNoPHI {
		return Decision{}, ErrAttestationRequired
	}
	det := g.Detector
	if det == nil {
		det = defaultDetector()
	}
	found := det.Scan(req.Text)
	sum := sha256.Sum256([]byte(req.Text))
	d := Decision{
		Policy:     policy,
		BAAMode:    req.BAAMode,
		Attested:   req.AttestedNoPHI,
		NoteSHA256: hex.EncodeToString(sum[:]),
		NoteBytes:  len(req.Text),
		Spans:      make([]Span, len(found)),
		Counts:     map[Kind]int{},
	}
	for i, s := range found {
		s.Text = ""
		d.Spans[i] = s
		d.Counts[s.Type]++
	}
	switch {
	case len(found) == 0:
		d.Outcome, d.Text = OutcomeAllowed, req.Text
	case req.BAAMode:
		d.Outcome, d.Text = OutcomeWarned, req.Text
	case policy == PolicyRedact:
		r, err := Redact(req.Text, found, g.Redact)
		if err != nil {
			return Decision{}, err
		}
		d.Outcome, d.Text, d.Redaction = OutcomeRedacted, r.Text, r
	default:
		d.Outcome = OutcomeBlocked
	}
	return d, nil
}
