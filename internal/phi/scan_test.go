package phi

import (
	"bufio"
	"os"
	"strings"
	"testing"
)

func TestScanFindsEachKind(t *testing.T) {
	tests := []struct {
		text string
		kind Kind
		want string
	}{
		{"Pt John Smith seen today.", KindName, "John Smith"},
		{"Mrs. Garcia reports less pain.", KindName, "Garcia"},
		{"daughter Maria at bedside", KindName, "Maria"},
		{"Electronically signed by Jane Doe, NP", KindName, "Jane Doe"},
		{"hi , martha . how are you ?", KindName, "martha"},
		{"[doctor] hey , mr . ward . nice to meet you", KindName, "ward"},
		{"Name: Rubija Liberšar", KindName, "Rubija Liberšar"},
		{"lives at 14 Elm St, Springfield, IL 62704", KindAddress, "14 Elm St, Springfield, IL 62704"},
		{"P.O. Box 242\nAnchorage, AK 99501", KindAddress, "P.O. Box 242\nAnchorage, AK 99501"},
		{"ZIP 60614", KindAddress, "60614"},
		{"DOB 03/14/1951", KindDate, "03/14/1951"},
		{"seen on 3/14 for follow-up", KindDate, "3/14"},
		{"admitted March 14th, 2025", KindDate, "March 14th, 2025"},
		{"discharged 14-Mar-2025", KindDate, "14-Mar-2025"},
		{"surgery last March", KindDate, "March"},
		{"date of birth is january 13th , 1982 .", KindDate, "january 13th , 1982"},
		{"When: 2020-06-20 14:11:22", KindDate, "2020-06-20 14:11:22"},
		{"92 y/o female", KindAge, "92"},
		{"a 95-year-old man", KindAge, "95"},
		{"age 93 at intake", KindAge, "93"},
		{"call 555-123-4567", KindPhone, "555-123-4567"},
		{"(312) 555 0199", KindPhone, "(312) 555 0199"},
		{"Mobile: +46 (0)8 928 571 38", KindPhone, "+46 (0)8 928 571 38"},
		{"fax records to 555-222-3333", KindFax, "555-222-3333"},
		{"email jsmith@gmail.com today", KindEmail, "jsmith@gmail.com"},
		{"SSN 123-45-6789", KindSSN, "123-45-6789"},
		{"ss# 123456789", KindSSN, "123456789"},
		{"MRN: 00483921", KindMRN, "00483921"},
		{"medical record number is 123546 .", KindMRN, "123546"},
		{"Medicare MBI 1EG4-TE5-MK73", KindHealthPlan, "1EG4-TE5-MK73"},
		{"Member ID W123456789", KindHealthPlan, "W123456789"},
		{"billing acct 7788123", KindAccount, "7788123"},
		{"card 4111 1111 1111 1111 on file", KindAccount, "4111 1111 1111 1111"},
		{"IBAN GB82WEST12345698765432", KindAccount, "GB82WEST12345698765432"},
		{"DL# D1234567", KindLicense, "D1234567"},
		{"DEA AB1234567", KindLicense, "AB1234567"},
		{"MVC, plate 7ABC123", KindVehicle, "7ABC123"},
		{"VIN 1HGCM82633A004352", KindVehicle, "1HGCM82633A004352"},
		{"pacemaker serial PJN123456", KindDevice, "PJN123456"},
		{"UDI (01)00844588003288(17)141120(10)7654321", KindDevice, "(01)00844588003288(17)141120(10)7654321"},
		{"see https://mychart.example.org/p/123.", KindURL, "https://mychart.example.org/p/123"},
		{"portal at mychart.example.org/p/123", KindURL, "mychart.example.org/p/123"},
		{"telehealth from 192.168.1.20", KindIP, "192.168.1.20"},
		{"from 2001:db8:85a3::8a2e:370:7334", KindIP, "2001:db8:85a3::8a2e:370:7334"},
		{"voiceprint id 55231987 enrolled", KindBiometric, "55231987"},
		{"photo: data:image/png;base64,iVBORw0KGgo=", KindPhoto, "data:image/png;base64,iVBORw0KGgo="},
		{"study id 4471920385", KindOtherID, "4471920385"},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			spans := Scan(tt.text)
			for _, s := range spans {
				if s.Type == tt.kind && s.Text == tt.want {
					return
				}
			}
			t.Errorf("Scan(%q) = %v, want a %s span %q", tt.text, spans, tt.kind, tt.want)
		})
	}
}

func TestScanLeavesClinicalTextAlone(t *testing.T) {
	f, err := os.Open("testdata/clinical_negatives.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		n++
		if spans := Scan(line); len(spans) > 0 {
			t.Errorf("Scan(%q) = %v, want nothing", line, spans)
		}
	}
	if n < 100 {
		t.Fatalf("fixture has %d sentences, want at least 100", n)
	}
}

func TestScanSpansAreSortedAndDisjoint(t *testing.T) {
	text := "Mr. John Smith, DOB 03/14/1951, MRN 00483921, lives at 14 Elm St, Springfield, IL 62704; " +
		"call (312) 555-0199. Daughter Maria Smith at bedside. Email jsmith@gmail.com."
	checkSpans(t, text, Scan(text))
}

// checkSpans asserts the invariants every Scan result keeps.
func checkSpans(t *testing.T, text string, spans []Span) {
	t.Helper()
	for i, s := range spans {
		if s.Start < 0 || s.End > len(text) || s.Start >= s.End {
			t.Fatalf("span %d %+v is outside the text (%d bytes)", i, s, len(text))
		}
		if i > 0 && s.Start < spans[i-1].End {
			t.Fatalf("span %d %+v overlaps or precedes %+v", i, s, spans[i-1])
		}
		if s.Text != text[s.Start:s.End] {
			t.Fatalf("span %d text %q, want %q", i, s.Text, text[s.Start:s.End])
		}
		if !s.Type.Valid() || s.Confidence <= 0 || s.Confidence > 1 {
			t.Fatalf("span %d has type %q confidence %v", i, s.Type, s.Confidence)
		}
	}
}

func TestKeepClinicianNames(t *testing.T) {
	det, err := NewDetector(Options{KeepClinicianNames: true})
	if err != nil {
		t.Fatal(err)
	}
	text := "Seen with Dr. Priya Patel. Patient Maria Lopez reports pain. Signed by Jane Doe, NP"
	var names []string
	for _, s := range det.Scan(text) {
		if s.Type == KindName {
			names = append(names, s.Text)
		}
	}
	if len(names) != 1 || names[0] != "Maria Lopez" {
		t.Fatalf("names = %q, want only the patient's", names)
	}
}

func TestNewDetectorRejectsBadConfidence(t *testing.T) {
	for _, c := range []float64{-0.1, 1.5} {
		if _, err := NewDetector(Options{MinConfidence: c}); err == nil {
			t.Errorf("MinConfidence %v accepted", c)
		}
	}
}

func TestKinds(t *testing.T) {
	seen := map[int]bool{}
	for _, k := range Kinds() {
		if !k.Valid() || k.Label() == "" || !strings.HasPrefix(k.Placeholder(), "[") {
			t.Errorf("kind %q is incomplete", k)
		}
		seen[k.Category()] = true
	}
	for c := 1; c <= 18; c++ {
		if !seen[c] {
			t.Errorf("no kind for Safe Harbor category %d", c)
		}
	}
	if Kind("NOPE").Valid() || Kind("NOPE").Placeholder() != "[PHI]" {
		t.Error("unknown kind treated as known")
	}
}

func TestTokenizeKeepsOffsets(t *testing.T) {
	text := "O'Brien's  BP 120/80\nJean-Pierre Sjögren’s 3.5mg \xff end"
	toks := tokenize(text)
	want := []string{"O'Brien", "BP", "120", "/", "80", "Jean", "-", "Pierre", "Sjögren", "3", ".", "5mg", "\xff", "end"}
	if len(toks) != len(want) {
		t.Fatalf("got %d tokens, want %d", len(toks), len(want))
	}
	for i, tk := range toks {
		if got := tk.text(text); got != want[i] {
			t.Errorf("token %d = %q, want %q", i, got, want[i])
		}
	}
	if !toks[0].possessive || !toks[8].possessive || toks[5].newlines != 1 {
		t.Errorf("possessive or newline flags wrong: %+v %+v %+v", toks[0], toks[8], toks[5])
	}
}
