package x12

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// Interchange is one ISA/IEA envelope with its functional groups.
type Interchange struct {
	Delimiters        Delimiters
	SenderQualifier   string // ISA05, e.g. "ZZ" mutually defined, "30" tax id
	SenderID          string // ISA06, without its padding
	ReceiverQualifier string // ISA07
	ReceiverID        string // ISA08
	Date              string // ISA09, YYMMDD
	Time              string // ISA10, HHMM
	Version           string // ISA12, "00501"
	ControlNumber     string // ISA13, nine digits
	AckRequested      string // ISA14, "0" or "1"
	Usage             string // ISA15, "P" production or "T" test
	Groups            []Group
	Pos               int // position of the ISA segment (0 when built in memory)
}

// Group is one GS/GE functional group.
type Group struct {
	FunctionalID  string // GS01: "HC" claims, "HP" payment advice
	Sender        string // GS02, application sender's code
	Receiver      string // GS03
	Date          string // GS04, CCYYMMDD
	Time          string // GS05, HHMM
	ControlNumber string // GS06, 1-9 digits
	Agency        string // GS07, "X"
	Version       string // GS08, e.g. "005010X222A1"
	Transactions  []Transaction
	Pos           int
}

// Transaction is one ST/SE transaction set; Segments are those between
// ST and SE.
type Transaction struct {
	Code          string // ST01: "837", "835"
	ControlNumber string // ST02
	Convention    string // ST03, implementation convention reference
	Segments      []Segment
	Pos           int // position of the ST segment
}

// functionalIDs maps a transaction set to the GS01 code of its group.
var functionalIDs = map[string]string{"837": "HC", "835": "HP", "999": "FA", "277": "HN", "276": "HR", "270": "HS", "271": "HB"}

// Parse reads every interchange in data and validates their envelopes:
// IEA/GE/SE counts, matching control numbers, unique group and transaction
// control numbers, and transaction codes that fit their group.
func Parse(data []byte) ([]*Interchange, error) {
	segs, err := Tokenize(data)
	if err != nil {
		return nil, err
	}
	var out []*Interchange
	for i := 0; i < len(segs); {
		ic, next, err := parseInterchange(segs, i)
		if err != nil {
			return nil, err
		}
		out = append(out, ic)
		i = next
	}
	return out, nil
}

// parseInterchange reads the interchange whose ISA is segs[i] and returns
// the index after its IEA.
func parseInterchange(segs []Segment, i int) (*Interchange, int, error) {
	isa := segs[i]
	ic := &Interchange{
		Delimiters:        isa.delims,
		SenderQualifier:   isa.Element(5),
		SenderID:          strings.TrimRight(isa.Element(6), " "),
		ReceiverQualifier: isa.Element(7),
		ReceiverID:        strings.TrimRight(isa.Element(8), " "),
		Date:              isa.Element(9),
		Time:              isa.Element(10),
		Version:           isa.Element(12),
		ControlNumber:     isa.Element(13),
		AckRequested:      isa.Element(14),
		Usage:             isa.Element(15),
		Pos:               isa.Pos,
	}
	if !isDigits(ic.ControlNumber, 9, 9) {
		return nil, 0, isa.Errorf(13, "interchange control number %q is not nine digits", ic.ControlNumber)
	}
	if ic.Usage != "P" && ic.Usage != "T" {
		return nil, 0, isa.Errorf(15, "usage indicator %q is not P (production) or T (test)", ic.Usage)
	}
	groupNumbers := map[string]bool{}
	i++
	for ; i < len(segs); i++ {
		seg := segs[i]
		switch seg.ID() {
		case "GS":
			g, next, err := parseGroup(segs, i)
			if err != nil {
				return nil, 0, err
			}
			if groupNumbers[g.ControlNumber] {
				return nil, 0, seg.Errorf(6, "group control number %s is used twice in interchange %s", g.ControlNumber, ic.ControlNumber)
			}
			groupNumbers[g.ControlNumber] = true
			ic.Groups = append(ic.Groups, *g)
			i = next - 1
		case "IEA":
			if n, err := strconv.Atoi(seg.Element(1)); err != nil || n != len(ic.Groups) {
				return nil, 0, seg.Errorf(1, "group count %q does not match the %d functional groups of interchange %s", seg.Element(1), len(ic.Groups), ic.ControlNumber)
			}
			if seg.Element(2) != ic.ControlNumber {
				return nil, 0, seg.Errorf(2, "control number %q does not match ISA13 %q", seg.Element(2), ic.ControlNumber)
			}
			if len(ic.Groups) == 0 {
				return nil, 0, seg.Errorf(0, "interchange %s holds no functional group", ic.ControlNumber)
			}
			return ic, i + 1, nil
		default:
			return nil, 0, seg.Errorf(0, "segment %s outside a functional group (expected GS or IEA)", seg.ID())
		}
	}
	// Tokenize guarantees an IEA ends every interchange.
	return nil, 0, &Error{Pos: isa.Pos, Segment: "ISA", Reason: "interchange has no IEA"}
}

// parseGroup reads the group whose GS is segs[i] and returns the index
// after its GE.
func parseGroup(segs []Segment, i int) (*Group, int, error) {
	gs := segs[i]
	g := &Group{
		FunctionalID: gs.Element(1), Sender: gs.Element(2), Receiver: gs.Element(3),
		Date: gs.Element(4), Time: gs.Element(5), ControlNumber: gs.Element(6),
		Agency: gs.Element(7), Version: gs.Element(8), Pos: gs.Pos,
	}
	if !isDigits(g.ControlNumber, 1, 9) {
		return nil, 0, gs.Errorf(6, "group control number %q is not 1-9 digits", g.ControlNumber)
	}
	if g.FunctionalID == "" {
		return nil, 0, gs.Errorf(1, "no functional identifier code")
	}
	stNumbers := map[string]bool{}
	for i++; i < len(segs); i++ {
		seg := segs[i]
		switch seg.ID() {
		case "ST":
			t, next, err := parseTransaction(segs, i)
			if err != nil {
				return nil, 0, err
			}
			if want, ok := functionalIDs[t.Code]; ok && want != g.FunctionalID {
				return nil, 0, seg.Errorf(1, "transaction set %s does not belong in a %s functional group (expected GS01 %s)", t.Code, g.FunctionalID, want)
			}
			if t.Convention != "" && g.Version != "" && t.Convention != g.Version {
				return nil, 0, seg.Errorf(3, "implementation convention %q differs from the group's GS08 %q", t.Convention, g.Version)
			}
			if stNumbers[t.ControlNumber] {
				return nil, 0, seg.Errorf(2, "transaction control number %s is used twice in group %s", t.ControlNumber, g.ControlNumber)
			}
			stNumbers[t.ControlNumber] = true
			g.Transactions = append(g.Transactions, *t)
			i = next - 1
		case "GE":
			if n, err := strconv.Atoi(seg.Element(1)); err != nil || n != len(g.Transactions) {
				return nil, 0, seg.Errorf(1, "transaction count %q does not match the %d transaction sets of group %s", seg.Element(1), len(g.Transactions), g.ControlNumber)
			}
			if seg.Element(2) != g.ControlNumber {
				return nil, 0, seg.Errorf(2, "control number %q does not match GS06 %q", seg.Element(2), g.ControlNumber)
			}
			if len(g.Transactions) == 0 {
				return nil, 0, seg.Errorf(0, "group %s holds no transaction set", g.ControlNumber)
			}
			return g, i + 1, nil
		default:
			return nil, 0, seg.Errorf(0, "segment %s outside a transaction set (expected ST or GE)", seg.ID())
		}
	}
	return nil, 0, gs.Errorf(0, "functional group %s has no GE", g.ControlNumber)
}

// parseTransaction reads the transaction whose ST is segs[i] and returns
// the index after its SE.
func parseTransaction(segs []Segment, i int) (*Transaction, int, error) {
	st := segs[i]
	t := &Transaction{Code: st.Element(1), ControlNumber: st.Element(2), Convention: st.Element(3), Pos: st.Pos}
	if !isDigits(t.Code, 3, 3) {
		return nil, 0, st.Errorf(1, "transaction set identifier %q is not three digits", t.Code)
	}
	if len(t.ControlNumber) < 4 || len(t.ControlNumber) > 9 {
		return nil, 0, st.Errorf(2, "transaction control number %q is not 4-9 characters", t.ControlNumber)
	}
	for j := i + 1; j < len(segs); j++ {
		seg := segs[j]
		switch seg.ID() {
		case "SE":
			count := j - i + 1
			if n, err := strconv.Atoi(seg.Element(1)); err != nil || n != count {
				return nil, 0, seg.Errorf(1, "segment count %q does not match the %d segments of transaction %s (ST through SE)", seg.Element(1), count, t.ControlNumber)
			}
			if seg.Element(2) != t.ControlNumber {
				return nil, 0, seg.Errorf(2, "control number %q does not match ST02 %q", seg.Element(2), t.ControlNumber)
			}
			t.Segments = segs[i+1 : j]
			return t, j + 1, nil
		case "ST", "GE", "GS", "IEA":
			return nil, 0, seg.Errorf(0, "%s before the SE that closes transaction %s", seg.ID(), t.ControlNumber)
		}
	}
	return nil, 0, st.Errorf(0, "transaction set %s has no SE", t.ControlNumber)
}

// Encode writes the interchange with its trailers (SE, GE, IEA) counted
// from its contents; with newline set, a line break follows each segment
// terminator. Element values must not contain the element separator,
// repetition separator or segment terminator.
func (ic *Interchange) Encode(newline bool) ([]byte, error) {
	d := ic.Delimiters
	if err := d.check(); err != nil {
		return nil, fmt.Errorf("x12: %w", err)
	}
	if !isDigits(ic.ControlNumber, 9, 9) {
		return nil, fmt.Errorf("x12: interchange control number %q is not nine digits", ic.ControlNumber)
	}
	if err := ic.checkHeader(); err != nil {
		return nil, err
	}
	e := &encoder{d: d, newline: newline}
	repetition := char(d.Repetition)
	if d.Repetition == 0 {
		repetition = "U" // version 00401 and earlier: no repetition separator
	}
	version := ic.Version
	if version == "" {
		version = "00501"
	}
	if !isDigits(version, 5, 5) {
		return nil, fmt.Errorf("x12: ISA version %q is not five digits", version)
	}
	e.segment(NewSegment("ISA", "00", pad("", 10), "00", pad("", 10),
		pad(ic.SenderQualifier, 2), pad(ic.SenderID, 15), pad(ic.ReceiverQualifier, 2), pad(ic.ReceiverID, 15),
		pad(ic.Date, 6), pad(ic.Time, 4), repetition, pad(version, 5), ic.ControlNumber,
		pad(ic.AckRequested, 1), pad(ic.Usage, 1), char(d.Component)), true)
	for _, g := range ic.Groups {
		e.segment(NewSegment("GS", g.FunctionalID, g.Sender, g.Receiver, g.Date, g.Time, g.ControlNumber, g.Agency, g.Version), false)
		for _, t := range g.Transactions {
			e.segment(NewSegment("ST", t.Code, t.ControlNumber, t.Convention), false)
			for _, s := range t.Segments {
				e.segment(s, false)
			}
			e.segment(NewSegment("SE", strconv.Itoa(len(t.Segments)+2), t.ControlNumber), false)
		}
		e.segment(NewSegment("GE", strconv.Itoa(len(g.Transactions)), g.ControlNumber), false)
	}
	e.segment(NewSegment("IEA", strconv.Itoa(len(ic.Groups)), ic.ControlNumber), false)
	if e.err != nil {
		return nil, e.err
	}
	return e.buf.Bytes(), nil
}

type encoder struct {
	d       Delimiters
	newline bool
	buf     bytes.Buffer
	pos     int
	err     error
}

// segment writes one segment, dropping trailing empty elements as X12
// requires (except in ISA, whose elements are all fixed).
func (e *encoder) segment(s Segment, fixed bool) {
	if e.err != nil {
		return
	}
	e.pos++
	elems := s.Elements
	if !fixed {
		for len(elems) > 1 && elems[len(elems)-1] == "" {
			elems = elems[:len(elems)-1]
		}
	}
	for k, v := range elems {
		if k > 0 {
			e.buf.WriteByte(e.d.Element)
		}
		if bad := indexAnyByte(v, e.d.Element, e.d.Segment, e.d.Repetition); bad >= 0 && !(fixed && k == 11) {
			e.err = &Error{Pos: e.pos, Segment: s.ID(), Element: k, Reason: fmt.Sprintf("value %q contains the delimiter %q", truncate(v), v[bad])}
			return
		}
		e.buf.WriteString(v)
	}
	e.buf.WriteByte(e.d.Segment)
	if e.newline {
		e.buf.WriteByte('\n')
	}
}

// CheckText reports whether a free-text value can be written as a simple
// element: it must hold none of the delimiters.
func (d Delimiters) CheckText(v string) error {
	if d.contains(v) {
		return fmt.Errorf("%q contains an X12 delimiter (%c %c %c %c)", truncate(v), d.Element, d.Component, d.Repetition, d.Segment)
	}
	return nil
}

// Join joins components into a composite element.
func (d Delimiters) Join(components ...string) string {
	for len(components) > 1 && components[len(components)-1] == "" {
		components = components[:len(components)-1]
	}
	return strings.Join(components, char(d.Component))
}

// checkHeader reports ISA values that do not fit their fixed widths.
func (ic *Interchange) checkHeader() error {
	fields := []struct {
		name, v  string
		min, max int
	}{
		{"sender qualifier (ISA05)", ic.SenderQualifier, 2, 2}, {"sender id (ISA06)", ic.SenderID, 1, 15},
		{"receiver qualifier (ISA07)", ic.ReceiverQualifier, 2, 2}, {"receiver id (ISA08)", ic.ReceiverID, 1, 15},
		{"date (ISA09, YYMMDD)", ic.Date, 6, 6}, {"time (ISA10, HHMM)", ic.Time, 4, 4},
		{"acknowledgment flag (ISA14)", ic.AckRequested, 1, 1},
	}
	for _, f := range fields {
		if len(f.v) < f.min || len(f.v) > f.max {
			return fmt.Errorf("x12: ISA %s %q must be %d-%d characters", f.name, f.v, f.min, f.max)
		}
	}
	if ic.Usage != "P" && ic.Usage != "T" {
		return fmt.Errorf("x12: ISA usage indicator %q is not P or T", ic.Usage)
	}
	return nil
}

// pad right-pads s with blanks to the fixed width n (checkHeader has
// ensured it is not longer).
func pad(s string, n int) string { return s + strings.Repeat(" ", max(0, n-len(s))) }

// indexAnyByte returns the index of the first byte of v that is in set, or -1.
func indexAnyByte(v string, set ...byte) int {
	for i := 0; i < len(v); i++ {
		for _, c := range set {
			if v[i] == c && c != 0 {
				return i
			}
		}
	}
	return -1
}

func isDigits(s string, minLen, maxLen int) bool {
	if len(s) < minLen || len(s) > maxLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
