package x12

import (
	"fmt"
	"strings"
)

// isaWidths are the fixed widths of ISA01..ISA16; with the segment id and
// sixteen separators they make the 105 characters before the terminator.
var isaWidths = [16]int{2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1}

// isaLength is the length of an ISA segment including its terminator.
const isaLength = 106

// Tokenize splits X12 data into segments. Each interchange's delimiters are
// read from its ISA segment, so files that concatenate interchanges with
// different delimiters are read correctly. Line breaks between segments
// (after the terminator) are ignored.
func Tokenize(data []byte) ([]Segment, error) {
	s := string(data)
	var segs []Segment
	i := skipSpace(s, 0, Delimiters{})
	if strings.HasPrefix(s[i:], "\ufeff") {
		i = skipSpace(s, i+3, Delimiters{})
	}
	pos := 0
	for i < len(s) {
		pos++
		isa, d, err := readISA(s, i, pos)
		if err != nil {
			return nil, err
		}
		segs = append(segs, isa)
		i += isaLength
		for {
			i = skipSpace(s, i, d)
			if i >= len(s) {
				return nil, &Error{Pos: pos + 1, Offset: i, Reason: "interchange ends without an IEA segment"}
			}
			pos++
			end := strings.IndexByte(s[i:], d.Segment)
			if end < 0 {
				return nil, &Error{Pos: pos, Offset: i, Reason: fmt.Sprintf("segment is not terminated by %q", d.Segment)}
			}
			seg := Segment{Elements: strings.Split(s[i:i+end], char(d.Element)), Pos: pos, Offset: i, delims: d}
			if err := checkID(seg); err != nil {
				return nil, err
			}
			i += end + 1
			if seg.ID() == "ISA" {
				return nil, seg.Errorf(0, "ISA inside an interchange: the previous interchange has no IEA")
			}
			segs = append(segs, seg)
			if seg.ID() == "IEA" {
				break
			}
		}
		i = skipSpace(s, i, Delimiters{})
	}
	if len(segs) == 0 {
		return nil, &Error{Reason: "no ISA segment: the input is not an X12 interchange"}
	}
	return segs, nil
}

// readISA reads the fixed-width ISA segment at s[i:] and the delimiters it
// declares.
func readISA(s string, i, pos int) (Segment, Delimiters, error) {
	fail := func(format string, args ...any) (Segment, Delimiters, error) {
		return Segment{}, Delimiters{}, &Error{Pos: pos, Offset: i, Segment: "ISA", Reason: fmt.Sprintf(format, args...)}
	}
	if !strings.HasPrefix(s[i:], "ISA") {
		head := s[i:min(len(s), i+3)]
		return Segment{}, Delimiters{}, &Error{Pos: pos, Offset: i, Reason: fmt.Sprintf("expected an ISA segment, found %q", head)}
	}
	if len(s)-i < isaLength {
		return fail("ISA segment is %d characters; it must be exactly %d", len(s)-i, isaLength)
	}
	d := Delimiters{Element: s[i+3]}
	elems := make([]string, 1, 17)
	elems[0] = "ISA"
	p := i + 3
	for k, w := range isaWidths {
		if s[p] != d.Element {
			return fail("element ISA%02d does not start at byte %d: ISA elements have fixed widths", k+1, p-i)
		}
		v := s[p+1 : p+1+w]
		if strings.IndexByte(v, d.Element) >= 0 {
			return fail("element ISA%02d is %q; it must be exactly %d characters", k+1, strings.SplitN(v, char(d.Element), 2)[0], w)
		}
		elems = append(elems, v)
		p += 1 + w
	}
	d.Repetition = elems[11][0]
	d.Component = elems[16][0]
	d.Segment = s[p]
	if isAlnum(d.Repetition) {
		// Before version 00501 ISA11 was a standards identifier ("U"), not
		// a repetition separator.
		if elems[12] >= "00501" {
			return fail("ISA11 %q is not a valid repetition separator for version %s", d.Repetition, elems[12])
		}
		d.Repetition = 0
	}
	check := d
	if check.Repetition == 0 {
		check.Repetition = 0x1f // any distinct non-data byte: the check skips an absent separator
	}
	if err := check.check(); err != nil {
		return fail("%v", err)
	}
	return Segment{Elements: elems, Pos: pos, Offset: i, delims: d}, d, nil
}

// checkID reports a segment whose identifier is not two or three upper-case
// letters and digits starting with a letter.
func checkID(seg Segment) error {
	id := seg.ID()
	if len(id) < 2 || len(id) > 3 || id[0] < 'A' || id[0] > 'Z' {
		return seg.Errorf(0, "segment identifier %q is not 2-3 upper-case letters or digits", truncate(id))
	}
	for j := 1; j < len(id); j++ {
		if !(id[j] >= 'A' && id[j] <= 'Z') && !(id[j] >= '0' && id[j] <= '9') {
			return seg.Errorf(0, "segment identifier %q is not 2-3 upper-case letters or digits", truncate(id))
		}
	}
	return nil
}

// skipSpace skips line breaks and blanks between segments, unless one of
// them is itself a delimiter.
func skipSpace(s string, i int, d Delimiters) int {
	for i < len(s) {
		c := s[i]
		if (c != '\r' && c != '\n' && c != ' ' && c != '\t') || c == d.Segment || c == d.Element {
			return i
		}
		i++
	}
	return i
}

// truncate shortens a quoted value in an error message.
func truncate(s string) string {
	if len(s) > 20 {
		return s[:20] + "…"
	}
	return s
}
