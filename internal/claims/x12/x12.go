// Package x12 reads and writes ASC X12 interchanges: the ISA-declared
// delimiters, segments and elements, and the ISA/GS/ST envelopes with
// their counts and control numbers. Transaction sets (837P, 835) are built
// on it in sibling packages.
package x12

import (
	"fmt"
	"strings"
)

// Delimiters are the four separators an interchange declares in its ISA
// segment: the element separator is ISA's fourth character, the repetition
// separator ISA11, the component separator ISA16, and the segment
// terminator the character that follows ISA16.
type Delimiters struct {
	Element    byte
	Component  byte
	Repetition byte
	Segment    byte
}

// DefaultDelimiters are the separators most trading partners use.
var DefaultDelimiters = Delimiters{Element: '*', Component: ':', Repetition: '^', Segment: '~'}

// check reports why the delimiters cannot be used: they must be distinct
// and none may be a letter, digit or space, which appear in data.
func (d Delimiters) check() error {
	all := []struct {
		name string
		c    byte
	}{{"element separator", d.Element}, {"component separator", d.Component}, {"repetition separator", d.Repetition}, {"segment terminator", d.Segment}}
	for i, a := range all {
		if isAlnum(a.c) || a.c == ' ' {
			return fmt.Errorf("%s %q is a letter, digit or space", a.name, a.c)
		}
		for _, b := range all[i+1:] {
			if a.c == b.c {
				return fmt.Errorf("%s and %s are both %q", a.name, b.name, a.c)
			}
		}
	}
	return nil
}

// contains reports whether s holds any of the four delimiters.
func (d Delimiters) contains(s string) bool {
	return strings.IndexByte(s, d.Element) >= 0 || strings.IndexByte(s, d.Component) >= 0 ||
		strings.IndexByte(s, d.Repetition) >= 0 || strings.IndexByte(s, d.Segment) >= 0
}

// Segment is one segment: its identifier and elements. Elements[0] is the
// identifier, so Elements[n] is the element X12 numbers n (NM1-03 is
// Elements[3]).
type Segment struct {
	Elements []string
	// Pos is the segment's 1-based position in the interchange, counting
	// ISA as 1; Offset is its byte offset in the input. Both are zero for
	// segments built in memory.
	Pos    int
	Offset int
	delims Delimiters
}

// NewSegment builds a segment from its identifier and elements.
func NewSegment(id string, elems ...string) Segment {
	return Segment{Elements: append([]string{id}, elems...)}
}

// ID returns the segment identifier ("CLM").
func (s Segment) ID() string {
	if len(s.Elements) == 0 {
		return ""
	}
	return s.Elements[0]
}

// Element returns element n (1-based), or "" when the segment is shorter.
func (s Segment) Element(n int) string {
	if n <= 0 || n >= len(s.Elements) {
		return ""
	}
	return s.Elements[n]
}

// Count returns the number of elements after the identifier.
func (s Segment) Count() int { return len(s.Elements) - 1 }

// Components splits element n of a parsed segment on the component
// separator. An absent element gives nil.
func (s Segment) Components(n int) []string {
	v := s.Element(n)
	if v == "" {
		return nil
	}
	if s.delims.Component == 0 {
		return []string{v}
	}
	return strings.Split(v, char(s.delims.Component))
}

// Component returns component m (1-based) of element n, or "".
func (s Segment) Component(n, m int) string {
	c := s.Components(n)
	if m <= 0 || m > len(c) {
		return ""
	}
	return c[m-1]
}

// Repetitions splits element n of a parsed segment on the repetition separator.
func (s Segment) Repetitions(n int) []string {
	v := s.Element(n)
	if v == "" {
		return nil
	}
	if s.delims.Repetition == 0 {
		return []string{v}
	}
	return strings.Split(v, char(s.delims.Repetition))
}

// Errorf returns an Error located at this segment.
func (s Segment) Errorf(element int, format string, args ...any) *Error {
	return &Error{Pos: s.Pos, Offset: s.Offset, Segment: s.ID(), Element: element, Reason: fmt.Sprintf(format, args...)}
}

// Error is a problem in X12 input, located by segment position (1-based,
// ISA = 1), byte offset and element.
type Error struct {
	Pos     int
	Offset  int
	Segment string
	Element int // 1-based; 0 for the whole segment
	Reason  string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("x12: ")
	if e.Pos > 0 {
		fmt.Fprintf(&b, "segment %d", e.Pos)
		if e.Segment != "" {
			fmt.Fprintf(&b, " (%s)", e.Segment)
		}
		fmt.Fprintf(&b, " at byte %d", e.Offset)
		if e.Element > 0 {
			fmt.Fprintf(&b, ", element %s%02d", e.Segment, e.Element)
		}
		b.WriteString(": ")
	}
	b.WriteString(e.Reason)
	return b.String()
}

func isAlnum(c byte) bool {
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
}

// char returns a one-byte string; string(b) would encode bytes above 0x7f
// as two-byte UTF-8 runes.
func char(b byte) string { return string([]byte{b}) }
