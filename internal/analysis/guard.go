package analysis

import (
	"sort"
	"unicode/utf8"

	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/phi"
)

// PHIAction is what the guard does when the detector finds identifiers in a
// note outside BAA mode.
type PHIAction string

// The guard actions.
const (
	PHIBlock  PHIAction = "block"  // refuse the note (HTTP 422 with the spans)
	PHIRedact PHIAction = "redact" // mask the spans and code the rest
)

// Valid reports whether a is a known action.
func (a PHIAction) Valid() bool { return a == PHIBlock || a == PHIRedact }

// PHIScanner finds identifiers in text; internal/phi implements it.
type PHIScanner interface {
	Scan(text string) []phi.Span
}

// guardResult is what the guard let through: the text to code and the spans
// it found (text stripped).
type guardResult struct {
	text  string
	spans []phi.Span
}

// guard applies the no-PHI policy: the user must attest, the detector runs
// anyway, and found spans block the note or are masked.
func guard(scanner PHIScanner, action PHIAction, note string, attested bool) (*guardResult, error) {
	if !attested {
		return nil, apperr.New(apperr.Invalid, "Confirm that the note contains no protected health information (PHI) before analysing it.")
	}
	spans := cleanSpans(scanner.Scan(note), len(note))
	if len(spans) == 0 {
		return &guardResult{text: note}, nil
	}
	if action == PHIRedact {
		return &guardResult{text: mask(note, spans), spans: spans}, nil
	}
	return nil, apperr.New(apperr.PHIFound,
		"The note appears to contain protected health information (%d identifier(s) found). Remove or de-identify them and submit again.", len(spans)).
		WithDetails(map[string]any{"spans": spans})
}

// cleanSpans drops spans outside the note, widens them to whole UTF-8
// characters, strips their text (it must not leave the process), and sorts
// them.
func cleanSpans(spans []phi.Span, n int) []phi.Span {
	out := make([]phi.Span, 0, len(spans))
	for _, s := range spans {
		if s.Start < 0 || s.End > n || s.Start >= s.End {
			continue
		}
		s.Text = ""
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Start < out[j].Start })
	return out
}

// mask replaces every byte of each span with 'X', whole characters at a
// time, so the note keeps its length and evidence offsets stay valid.
func mask(note string, spans []phi.Span) string {
	b := []byte(note)
	for _, s := range spans {
		start, end := s.Start, s.End
		for start > 0 && !utf8.RuneStart(b[start]) {
			start--
		}
		for end < len(b) && !utf8.RuneStart(b[end]) {
			end++
		}
		for i := start; i < end; i++ {
			b[i] = 'X'
		}
	}
	return string(b)
}
