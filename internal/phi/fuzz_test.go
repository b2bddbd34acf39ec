package phi

import (
	"math/rand"
	"strings"
	"testing"
)

var fuzzSeeds = []string{
	"",
	"Mr. John Smith, DOB 03/14/1951, MRN 00483921.",
	"call (312) 555-0199 or +46 (0)8 928 571 38 fax",
	"14 Elm St\nSpringfield, IL 62704\nUSA",
	"hi , martha . so , roger , how are you ?",
	"BP 120/80, 5/325 mg, pain 7/10, G2P1011, 2001:db8::1, 192.168.1.1",
	"\xff\xfe broken \x00 utf8 O'Brien's ’s ’",
	"Rua do Arenque 1634, Goiânia; P.O. Box 242; APO AA 61487",
	"data:image/png;base64,AAAA john@x.io https://a.b/c www.x.org",
	"Betty Hill is here",
}

// soupWords are the pieces TestScanTokenSoup strings together: cue words,
// names, numbers and punctuation the detectors look at around each other.
var soupWords = strings.Fields(`Mr. mr . Dr. hi , so john Betty Hill Ward ward Smith-Magenis Parkinson's
	Bell's palsy 14 12B Elm St Apt. 864 Suite Box P.O. PSC APO AA 61487 IL 62704 Rua Via ul. Koskikatu
	3/14 3/14/2025 2025-03-14 14:11:22 March 14th , 2025 May in last on DOB MRN: # 00483921 SSN 123-45-6789
	(312) 555-0199 +46 (0)8 928 fax Fax: 4111 1111 1111 1111 GB82WEST12345698765432 1EG4-TE5-MK73 VIN
	1HGCM82633A004352 (01)00844588003288 192.168.1.20 2001:db8::1 a@b.io www.x.org https://x.org/a
	92 y/o year old age is a 45-year-old : ? ! ; " ' ’ > 
 

 Name: daughter signed by NP MD Jr.
	Lasix 20 mg started the and of to a an Zoolander Järvilehto Šušulić Gdańsk nan x 5/5 7/10 120/80`)

// TestScanTokenSoup scans random strings of tricky pieces: every result
// must keep the span invariants and redact consistently.
func TestScanTokenSoup(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 3000; i++ {
		n := 1 + rng.Intn(40)
		var b strings.Builder
		for j := 0; j < n; j++ {
			w := soupWords[rng.Intn(len(soupWords))]
			switch w {
			case `\n`:
				w = "\n"
			case `\n\n`:
				w = "\n\n"
			}
			b.WriteString(w)
			if rng.Intn(4) > 0 {
				b.WriteByte(' ')
			}
		}
		text := b.String()
		spans := Scan(text)
		checkSpans(t, text, spans)
		r, err := Redact(text, spans, RedactOptions{Pseudonyms: i%2 == 0})
		if err != nil {
			t.Fatal(err)
		}
		checkRedaction(t, text, r)
	}
}

func FuzzScan(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		checkSpans(t, text, Scan(text))
	})
}

func FuzzRedact(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, text string, pseudonyms bool) {
		r, err := Redact(text, Scan(text), RedactOptions{Pseudonyms: pseudonyms})
		if err != nil {
			t.Fatal(err)
		}
		checkRedaction(t, text, r)
	})
}
