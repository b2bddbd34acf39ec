// Package phi detects and redacts the HIPAA Safe Harbor identifiers in
// clinical text.
package phi

// Kind is a HIPAA Safe Harbor identifier category (45 CFR 164.514(b)(2)).
type Kind string

// Span is one detected identifier: text[Start:End], byte offsets.
type Span struct {
	Start      int     `json:"start"`
	End        int     `json:"end"`
	Type       Kind    `json:"type"`
	Text       string  `json:"text,omitempty"`
	Confidence float64 `json:"confidence"`
}
