package x12

import (
	"errors"
	"strings"
	"testing"
)

// isa builds a valid ISA segment with the given delimiters.
func isa(el, rep, comp, term byte) string {
	e := string(el)
	return "ISA" + e + "00" + e + "          " + e + "00" + e + "          " + e + "ZZ" + e + "SENDER         " + e +
		"ZZ" + e + "RECEIVER       " + e + "250310" + e + "1200" + e + string(rep) + e + "00501" + e + "000000001" + e +
		"0" + e + "T" + e + string(comp) + string(term)
}

// sample is a minimal valid interchange with one 837 transaction of two
// body segments.
func sample(el, rep, comp, term byte, sep string) string {
	e, t := string(el), string(term)+sep
	return isa(el, rep, comp, term) + sep +
		"GS" + e + "HC" + e + "S" + e + "R" + e + "20250310" + e + "1200" + e + "1" + e + "X" + e + "005010X222A1" + t +
		"ST" + e + "837" + e + "0001" + e + "005010X222A1" + t +
		"BHT" + e + "0019" + e + "00" + e + "REF1" + repOrEmpty(rep) + e + "20250310" + e + "1200" + e + "CH" + t +
		"SV1" + e + "HC" + string(comp) + "99213" + string(comp) + "25" + e + "100" + e + "UN" + e + "1" + t +
		"SE" + e + "4" + e + "0001" + t +
		"GE" + e + "1" + e + "1" + t +
		"IEA" + e + "1" + e + "000000001" + t
}

// repOrEmpty returns "<rep>REF2" so BHT03 holds two repetitions, or
// nothing when the interchange has no repetition separator.
func repOrEmpty(rep byte) string {
	if rep == 'U' {
		return ""
	}
	return string(rep) + "REF2"
}

func TestTokenizeHonorsDeclaredDelimiters(t *testing.T) {
	cases := []struct {
		name                string
		el, rep, comp, term byte
		sep                 string
	}{
		{"default", '*', '^', ':', '~', ""},
		{"default with newlines", '*', '^', ':', '~', "\r\n"},
		{"pipes and carets", '|', '!', '>', '\'', "\n"},
		{"newline terminator", '*', '^', ':', '\n', ""},
		{"4010 style no repetition", '*', 'U', ':', '~', ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			data := sample(tc.el, tc.rep, tc.comp, tc.term, tc.sep)
			if tc.rep == 'U' {
				data = strings.Replace(data, "00501", "00401", 1)
			}
			segs, err := Tokenize([]byte(data))
			if err != nil {
				t.Fatal(err)
			}
			if len(segs) != 8 {
				t.Fatalf("got %d segments, want 8", len(segs))
			}
			sv1 := segs[4]
			if sv1.ID() != "SV1" || sv1.Pos != 5 {
				t.Fatalf("segment 5 is %s at %d", sv1.ID(), sv1.Pos)
			}
			if got := sv1.Components(1); len(got) != 3 || got[1] != "99213" || got[2] != "25" {
				t.Fatalf("SV101 components = %q", got)
			}
			if sv1.Component(1, 3) != "25" || sv1.Component(1, 4) != "" || sv1.Element(9) != "" {
				t.Fatal("component/element accessors out of range misbehave")
			}
			if reps := segs[3].Repetitions(3); tc.rep != 'U' && len(reps) != 2 {
				t.Fatalf("BHT03 repetitions = %q", reps)
			}
			ics, err := Parse([]byte(data))
			if err != nil {
				t.Fatal(err)
			}
			if d := ics[0].Delimiters; d.Element != tc.el || d.Component != tc.comp || d.Segment != tc.term {
				t.Fatalf("delimiters %+v", d)
			}
		})
	}
}

func TestParseEnvelopeErrors(t *testing.T) {
	good := sample('*', '^', ':', '~', "\n")
	cases := []struct {
		name        string
		from, to    string
		wantSegment string
		wantPos     int
		wantReason  string
	}{
		{"SE count", "SE*4*0001", "SE*5*0001", "SE", 6, "segment count"},
		{"SE control number", "SE*4*0001", "SE*4*0002", "SE", 6, "does not match ST02"},
		{"GE count", "GE*1*1", "GE*2*1", "GE", 7, "transaction count"},
		{"GE control number", "GE*1*1", "GE*1*7", "GE", 7, "does not match GS06"},
		{"IEA count", "IEA*1*", "IEA*3*", "IEA", 8, "group count"},
		{"IEA control number", "IEA*1*000000001", "IEA*1*000000002", "IEA", 8, "does not match ISA13"},
		{"missing SE", "SE*4*0001~\n", "", "GE", 6, "before the SE"},
		{"segment outside transaction", "ST*837", "REF*X~\nST*837", "REF", 3, "outside a transaction set"},
		{"bad segment id", "BHT*", "bht*", "", 4, "segment identifier"},
		{"wrong functional group", "GS*HC", "GS*HP", "ST", 3, "does not belong"},
		{"convention mismatch", "ST*837*0001*005010X222A1", "ST*837*0001*005010X223A2", "ST", 3, "differs from the group"},
		{"unterminated", "IEA*1*000000001~\n", "IEA*1*000000001", "", 8, "not terminated"},
		{"no IEA", "IEA*1*000000001~\n", "", "", 8, "without an IEA"},
		{"short ISA", good, good[:50], "ISA", 1, "exactly 106"},
		{"ISA misaligned", "ZZ*SENDER         *", "ZZ*SENDER*", "ISA", 1, "exactly 15 characters"},
		{"not X12", good, "hello world", "", 1, "expected an ISA"},
		{"bad control number", "*000000001*0", "*00000000A*0", "ISA", 1, "nine digits"},
		{"data after IEA", good, good + "GS*HC~", "", 9, "expected an ISA"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			data := strings.Replace(good, tc.from, tc.to, 1)
			if data == good {
				t.Fatalf("replacement %q not applied", tc.from)
			}
			_, err := Parse([]byte(data))
			var xe *Error
			if !errors.As(err, &xe) {
				t.Fatalf("got %v, want *x12.Error", err)
			}
			if xe.Pos != tc.wantPos || (tc.wantSegment != "" && xe.Segment != tc.wantSegment) || !strings.Contains(xe.Reason, tc.wantReason) {
				t.Fatalf("got %q (pos %d, seg %s), want pos %d seg %s reason ~%q", err, xe.Pos, xe.Segment, tc.wantPos, tc.wantSegment, tc.wantReason)
			}
			if !strings.Contains(err.Error(), "segment") {
				t.Fatalf("error %q does not name the segment", err)
			}
		})
	}
}

func TestEncodeParseRoundTrip(t *testing.T) {
	d := Delimiters{Element: '|', Component: '>', Repetition: '!', Segment: '~'}
	ic := &Interchange{
		Delimiters: d, SenderQualifier: "ZZ", SenderID: "CLINIC", ReceiverQualifier: "ZZ", ReceiverID: "PAYER",
		Date: "250310", Time: "0930", ControlNumber: "000000042", AckRequested: "0", Usage: "T",
		Groups: []Group{{
			FunctionalID: "HC", Sender: "CLINIC", Receiver: "PAYER", Date: "20250310", Time: "0930",
			ControlNumber: "42", Agency: "X", Version: "005010X222A1",
			Transactions: []Transaction{
				{Code: "837", ControlNumber: "0001", Convention: "005010X222A1", Segments: []Segment{
					NewSegment("BHT", "0019", "00", "B1", "20250310", "0930", "CH"),
					NewSegment("SV1", d.Join("HC", "99213", "", ""), "100", "UN", "1", "", "", ""),
				}},
				{Code: "837", ControlNumber: "0002", Convention: "005010X222A1", Segments: []Segment{
					NewSegment("BHT", "0019", "00", "B2", "20250310", "0930", "CH"),
				}},
			},
		}},
	}
	data, err := ic.Encode(true)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "SV1|HC>99213|100|UN|1~") {
		t.Fatalf("trailing empty elements or components not dropped:\n%s", data)
	}
	got, err := Parse(data)
	if err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	if len(got) != 1 || len(got[0].Groups) != 1 || len(got[0].Groups[0].Transactions) != 2 {
		t.Fatalf("structure lost: %+v", got)
	}
	if got[0].SenderID != "CLINIC" || got[0].Delimiters != d || got[0].Groups[0].Transactions[1].Segments[0].Element(3) != "B2" {
		t.Fatalf("values lost: %+v", got[0])
	}
}

func TestEncodeRejectsDelimitersInValues(t *testing.T) {
	ic := &Interchange{
		Delimiters: DefaultDelimiters, SenderQualifier: "ZZ", SenderID: "A", ReceiverQualifier: "ZZ", ReceiverID: "B",
		Date: "250310", Time: "0930", ControlNumber: "000000001", AckRequested: "0", Usage: "T",
		Groups: []Group{{FunctionalID: "HC", ControlNumber: "1", Transactions: []Transaction{
			{Code: "837", ControlNumber: "0001", Segments: []Segment{NewSegment("NM1", "IL", "1", "O*BRIEN")}},
		}}},
	}
	if _, err := ic.Encode(false); err == nil || !strings.Contains(err.Error(), "delimiter") {
		t.Fatalf("got %v, want a delimiter error", err)
	}
	ic.Groups[0].Transactions[0].Segments[0] = NewSegment("NM1", "IL", "1", "OBRIEN")
	ic.Date = "2025-03-10"
	if _, err := ic.Encode(false); err == nil || !strings.Contains(err.Error(), "ISA09") {
		t.Fatalf("got %v, want an ISA09 width error", err)
	}
}

func TestDelimitersCheck(t *testing.T) {
	bad := []Delimiters{
		{Element: '*', Component: '*', Repetition: '^', Segment: '~'},
		{Element: 'A', Component: ':', Repetition: '^', Segment: '~'},
		{Element: '*', Component: ' ', Repetition: '^', Segment: '~'},
	}
	for _, d := range bad {
		if d.check() == nil {
			t.Errorf("%+v accepted", d)
		}
	}
	if err := DefaultDelimiters.check(); err != nil {
		t.Fatal(err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(sample('*', '^', ':', '~', "\n")))
	f.Add([]byte(sample('|', '!', '>', '\'', "")))
	f.Add([]byte(isa('*', '^', ':', '~')))
	f.Add([]byte("ISA*"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ics, err := Parse(data)
		if err != nil {
			var xe *Error
			if !errors.As(err, &xe) {
				t.Fatalf("error %v is not an *x12.Error", err)
			}
			return
		}
		// What parses must encode and parse again to the same structure.
		for _, ic := range ics {
			out, err := ic.Encode(false)
			if err != nil {
				continue // a parsed value may hold a character Encode refuses (e.g. a repetition separator)
			}
			again, err := Parse(out)
			if err != nil {
				t.Fatalf("re-parse of encoded interchange: %v\n%q", err, out)
			}
			if len(again[0].Groups) != len(ic.Groups) {
				t.Fatal("group count changed")
			}
		}
	})
}
