package phi

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// RedactOptions choose what replaces an identifier.
type RedactOptions struct {
	// Pseudonyms replaces names with surrogate names and every other
	// identifier with a numbered placeholder ("[DATE-2]"), consistently
	// within one text: the same name or value always gets the same
	// replacement, so "John Smith ... Mr. Smith" stays one person. Without
	// it every identifier becomes its typed placeholder ("[NAME]").
	Pseudonyms bool
}

// Replacement is one replaced identifier: its span in the original text
// and the span of what replaced it in the redacted text.
type Replacement struct {
	Type          Kind   `json:"type"`
	Start         int    `json:"start"`
	End           int    `json:"end"`
	RedactedStart int    `json:"redacted_start"`
	RedactedEnd   int    `json:"redacted_end"`
	Replacement   string `json:"replacement"`
}

// Redaction is a redacted text with the map back to the original:
// evidence found in the redacted text can be traced to the original note
// with ToOriginal.
type Redaction struct {
	Text         string        `json:"text"`
	Replacements []Replacement `json:"replacements"`
	originalLen  int
}

// Redact replaces the spans of text. Spans must be sorted, must not
// overlap and must lie inside the text (as Scan returns them).
func Redact(text string, spans []Span, opts RedactOptions) (*Redaction, error) {
	for i, s := range spans {
		switch {
		case s.Start < 0 || s.End > len(text) || s.Start >= s.End:
			return nil, fmt.Errorf("phi: redact: span %d [%d,%d) is empty or outside the text (%d bytes)", i, s.Start, s.End, len(text))
		case i > 0 && s.Start < spans[i-1].End:
			return nil, fmt.Errorf("phi: redact: span %d [%d,%d) overlaps or precedes span %d [%d,%d)", i, s.Start, s.End, i-1, spans[i-1].Start, spans[i-1].End)
		case !s.Type.Valid():
			return nil, fmt.Errorf("phi: redact: span %d has unknown type %q", i, s.Type)
		}
	}
	var b strings.Builder
	b.Grow(len(text))
	r := &Redaction{Replacements: make([]Replacement, 0, len(spans)), originalLen: len(text)}
	ps := newPseudonymizer()
	prev := 0
	for _, s := range spans {
		b.WriteString(text[prev:s.Start])
		repl := s.Type.Placeholder()
		if opts.Pseudonyms {
			repl = ps.replace(s.Type, text[s.Start:s.End])
		}
		start := b.Len()
		b.WriteString(repl)
		r.Replacements = append(r.Replacements, Replacement{Type: s.Type, Start: s.Start, End: s.End, RedactedStart: start, RedactedEnd: b.Len(), Replacement: repl})
		prev = s.End
	}
	b.WriteString(text[prev:])
	r.Text = b.String()
	return r, nil
}

// RedactText scans text with the default detector and redacts what it finds.
func RedactText(text string, opts RedactOptions) *Redaction {
	r, err := Redact(text, Scan(text), opts)
	if err != nil {
		// Scan returns valid spans by construction; reaching here is a bug.
		panic(err)
	}
	return r
}

// ToOriginal maps the byte range [start, end) of the redacted text to the
// original text. A boundary inside a replacement maps to the edge of the
// identifier it replaced, so a range covering a placeholder covers the
// whole identifier.
func (r *Redaction) ToOriginal(start, end int) (int, int, error) {
	if start < 0 || end > len(r.Text) || start > end {
		return 0, 0, fmt.Errorf("phi: range [%d,%d) is outside the redacted text (%d bytes)", start, end, len(r.Text))
	}
	return r.mapPos(start, false, true), r.mapPos(end, true, true), nil
}

// ToRedacted maps the byte range [start, end) of the original text to the
// redacted text; a boundary inside an identifier maps to the edge of its
// replacement.
func (r *Redaction) ToRedacted(start, end int) (int, int, error) {
	if start < 0 || end > r.originalLen || start > end {
		return 0, 0, fmt.Errorf("phi: range [%d,%d) is outside the original text (%d bytes)", start, end, r.originalLen)
	}
	return r.mapPos(start, false, false), r.mapPos(end, true, false), nil
}

// mapPos maps one offset. toOriginal chooses the direction; isEnd decides
// which edge of a replacement a position strictly inside it takes.
func (r *Redaction) mapPos(p int, isEnd, toOriginal bool) int {
	from := func(x Replacement) (int, int) {
		if toOriginal {
			return x.RedactedStart, x.RedactedEnd
		}
		return x.Start, x.End
	}
	to := func(x Replacement) (int, int) {
		if toOriginal {
			return x.Start, x.End
		}
		return x.RedactedStart, x.RedactedEnd
	}
	// The last replacement that starts at or before p.
	k := sort.Search(len(r.Replacements), func(i int) bool {
		s, _ := from(r.Replacements[i])
		return s > p
	}) - 1
	if k < 0 {
		return p // before every replacement: nothing has moved
	}
	x := r.Replacements[k]
	fs, fe := from(x)
	ts, te := to(x)
	switch {
	case p == fs && !isEnd:
		return ts
	case p < fe || p == fe && isEnd && fe > fs:
		if isEnd && p > fs {
			return te
		}
		return ts
	}
	return te + (p - fe)
}

// pseudonymizer hands out consistent replacements within one text.
type pseudonymizer struct {
	names   map[string]string // lower-case name word -> surrogate word
	values  map[string]string // kind + normalised value -> numbered placeholder
	counts  map[Kind]int
	given   int
	surname int
}

func newPseudonymizer() *pseudonymizer {
	return &pseudonymizer{names: map[string]string{}, values: map[string]string{}, counts: map[Kind]int{}}
}

func (p *pseudonymizer) replace(kind Kind, value string) string {
	if kind == KindName {
		return p.name(value)
	}
	if kind == KindAge {
		return kind.Placeholder()
	}
	key := string(kind) + "\x00" + normalizeValue(value)
	if v, ok := p.values[key]; ok {
		return v
	}
	p.counts[kind]++
	v := strings.TrimSuffix(kind.Placeholder(), "]") + "-" + strconv.Itoa(p.counts[kind]) + "]"
	p.values[key] = v
	return v
}

// name replaces each word of a name with a surrogate word of the same
// role (given or family name), keeping the original's capitalisation;
// initials and punctuation stay as they are.
func (p *pseudonymizer) name(value string) string {
	words := nameWords(value)
	var b strings.Builder
	prev := 0
	for i, w := range words {
		b.WriteString(value[prev:w[0]])
		word := value[w[0]:w[1]]
		prev = w[1]
		if utf8.RuneCountInString(word) <= 1 {
			b.WriteString(word)
			continue
		}
		key := strings.ToLower(word)
		sur, ok := p.names[key]
		if !ok {
			lx := mustLexicon()
			family := len(words) > 1 && i == len(words)-1 || len(words) == 1 && lx.words[key]&wGiven == 0
			if family {
				sur = lx.surrogateFamily[p.surname%len(lx.surrogateFamily)]
				p.surname++
			} else {
				sur = lx.surrogateGiven[p.given%len(lx.surrogateGiven)]
				p.given++
			}
			p.names[key] = sur
		}
		b.WriteString(matchCase(sur, word))
	}
	b.WriteString(value[prev:])
	return b.String()
}

// nameWords returns the byte ranges of the letter runs of a name.
func nameWords(s string) [][2]int {
	var out [][2]int
	start := -1
	for i, r := range s {
		letter := unicode.IsLetter(r) || r == '\''
		switch {
		case letter && start < 0:
			start = i
		case !letter && start >= 0:
			out = append(out, [2]int{start, i})
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, [2]int{start, len(s)})
	}
	return out
}

// matchCase writes surrogate in the case pattern of original.
func matchCase(surrogate, original string) string {
	switch {
	case strings.ToLower(original) == original:
		return strings.ToLower(surrogate)
	case strings.ToUpper(original) == original:
		return strings.ToUpper(surrogate)
	}
	return surrogate
}

// normalizeValue makes "(312) 555-0199" and "312.555.0199" one value.
func normalizeValue(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}
