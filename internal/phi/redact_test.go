package phi

import (
	"strings"
	"testing"
)

func TestRedactPlaceholders(t *testing.T) {
	text := "Mr. John Smith, DOB 03/14/1951, called 312-555-0199. Mr. Smith has Parkinson disease."
	r := RedactText(text, RedactOptions{})
	want := "Mr. [NAME], DOB [DATE], called [PHONE]. Mr. [NAME] has Parkinson disease."
	if r.Text != want {
		t.Fatalf("redacted\n%q\nwant\n%q", r.Text, want)
	}
	checkRedaction(t, text, r)
}

func TestRedactPseudonymsAreConsistent(t *testing.T) {
	text := "Priya Smith called 312-555-0199 on 3/14/2025. Mr. Smith asked that Mary Smith call (312) 555-0199. PRIYA agreed."
	r := RedactText(text, RedactOptions{Pseudonyms: true})
	got := r.Replacements
	if len(got) < 6 {
		t.Fatalf("replacements %+v", got)
	}
	byOriginal := map[string]string{}
	for _, x := range got {
		byOriginal[text[x.Start:x.End]] = x.Replacement
	}
	// The same family name maps to the same surrogate everywhere.
	john := byOriginal["Priya Smith"]
	mrSmith := byOriginal["Smith"]
	mary := byOriginal["Mary Smith"]
	family := strings.Fields(john)[1]
	if mrSmith != family || strings.Fields(mary)[1] != family {
		t.Errorf("family name not consistent: %q %q %q", john, mrSmith, mary)
	}
	if strings.Fields(john)[0] == strings.Fields(mary)[0] {
		t.Errorf("two given names got one surrogate: %q %q", john, mary)
	}
	// Two spellings of one phone number are one value.
	if byOriginal["312-555-0199"] != "[PHONE-1]" || byOriginal["(312) 555-0199"] != "[PHONE-1]" {
		t.Errorf("phone placeholders %q %q", byOriginal["312-555-0199"], byOriginal["(312) 555-0199"])
	}
	// Capitalisation follows the original.
	if up := byOriginal["PRIYA"]; up != strings.ToUpper(strings.Fields(john)[0]) {
		t.Errorf("PRIYA -> %q, want the upper-case surrogate of Priya (%q)", up, john)
	}
	for _, x := range got {
		if strings.Contains(r.Text, text[x.Start:x.End]) && x.Type != KindName {
			t.Errorf("identifier %q still in the text", text[x.Start:x.End])
		}
	}
	checkRedaction(t, text, r)
}

func TestRedactOffsetMap(t *testing.T) {
	text := "Seen 3/14/2025 by Dr. Ann Lee for cough."
	r := RedactText(text, RedactOptions{})
	if r.Text != "Seen [DATE] by Dr. [NAME] for cough." {
		t.Fatalf("redacted %q", r.Text)
	}
	tests := []struct {
		name       string
		start, end int // in the redacted text
		want       string
	}{
		{"unchanged word after two replacements", strings.Index(r.Text, "cough"), strings.Index(r.Text, "cough") + 5, "cough"},
		{"a placeholder maps to its identifier", 5, 11, "3/14/2025"},
		{"a range across a placeholder", 0, 14, "Seen 3/14/2025 by"},
		{"inside a placeholder widens to the identifier", 7, 9, "3/14/2025"},
		{"empty range at the start", 0, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b, err := r.ToOriginal(tt.start, tt.end)
			if err != nil {
				t.Fatal(err)
			}
			if got := text[a:b]; got != tt.want {
				t.Errorf("ToOriginal(%d,%d) = %q, want %q", tt.start, tt.end, got, tt.want)
			}
		})
	}
	a, b, err := r.ToRedacted(strings.Index(text, "Ann"), strings.Index(text, "Ann")+3)
	if err != nil || r.Text[a:b] != "[NAME]" {
		t.Errorf("ToRedacted(Ann) = %q, %v", r.Text[a:b], err)
	}
	if _, _, err := r.ToOriginal(5, len(r.Text)+1); err == nil {
		t.Error("ToOriginal accepted a range past the end")
	}
	if _, _, err := r.ToRedacted(4, 2); err == nil {
		t.Error("ToRedacted accepted a reversed range")
	}
}

func TestRedactRejectsBadSpans(t *testing.T) {
	text := "John Smith 3/14/2025"
	tests := []struct {
		name  string
		spans []Span
	}{
		{"out of bounds", []Span{{Start: 5, End: 50, Type: KindName}}},
		{"empty", []Span{{Start: 3, End: 3, Type: KindName}}},
		{"overlapping", []Span{{Start: 0, End: 6, Type: KindName}, {Start: 5, End: 10, Type: KindName}}},
		{"unsorted", []Span{{Start: 11, End: 20, Type: KindDate}, {Start: 0, End: 4, Type: KindName}}},
		{"unknown kind", []Span{{Start: 0, End: 4, Type: "PERSON"}}},
	}
	for _, tt := range tests {
		if _, err := Redact(text, tt.spans, RedactOptions{}); err == nil {
			t.Errorf("%s: no error", tt.name)
		}
	}
}

// checkRedaction asserts that the offset map is consistent: the text
// outside replacements is unchanged and maps back to itself, and every
// replacement maps back to its identifier.
func checkRedaction(t *testing.T, text string, r *Redaction) {
	t.Helper()
	prevOrig, prevRed := 0, 0
	for i, x := range r.Replacements {
		if x.Start < prevOrig || x.RedactedStart < prevRed || x.End <= x.Start || x.RedactedEnd <= x.RedactedStart {
			t.Fatalf("replacement %d %+v out of order", i, x)
		}
		if text[prevOrig:x.Start] != r.Text[prevRed:x.RedactedStart] {
			t.Fatalf("gap before replacement %d differs: %q vs %q", i, text[prevOrig:x.Start], r.Text[prevRed:x.RedactedStart])
		}
		if r.Text[x.RedactedStart:x.RedactedEnd] != x.Replacement {
			t.Fatalf("replacement %d text %q, want %q", i, r.Text[x.RedactedStart:x.RedactedEnd], x.Replacement)
		}
		a, b, err := r.ToOriginal(x.RedactedStart, x.RedactedEnd)
		if err != nil || a != x.Start || b != x.End {
			t.Fatalf("ToOriginal(replacement %d) = [%d,%d) %v, want [%d,%d)", i, a, b, err, x.Start, x.End)
		}
		a, b, err = r.ToRedacted(x.Start, x.End)
		if err != nil || a != x.RedactedStart || b != x.RedactedEnd {
			t.Fatalf("ToRedacted(replacement %d) = [%d,%d) %v", i, a, b, err)
		}
		if a, b, _ := r.ToOriginal(prevRed, x.RedactedStart); a != prevOrig || b != x.Start {
			t.Fatalf("gap before replacement %d maps to [%d,%d), want [%d,%d)", i, a, b, prevOrig, x.Start)
		}
		prevOrig, prevRed = x.End, x.RedactedEnd
	}
	if text[prevOrig:] != r.Text[prevRed:] {
		t.Fatalf("tail differs: %q vs %q", text[prevOrig:], r.Text[prevRed:])
	}
	if a, b, _ := r.ToOriginal(prevRed, len(r.Text)); a != prevOrig || b != len(text) {
		t.Fatalf("tail maps to [%d,%d), want [%d,%d)", a, b, prevOrig, len(text))
	}
}
