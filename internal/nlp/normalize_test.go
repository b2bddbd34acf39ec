package nlp

import (
	"strings"
	"testing"
)

func TestNormalizeConflatesForms(t *testing.T) {
	groups := [][]string{
		{"fracture", "fractures", "fractured", "fracturing", "Fracture"},
		{"disease", "diseases", "diseased"},
		{"wheeze", "wheezes", "wheezing", "wheezed"},
		{"bleed", "bleeds", "bleeding"},
		{"swelling", "swellings"},
		{"stop", "stops", "stopped", "stopping"},
		{"care", "caring"},
		{"stage", "stages", "staging"},
		{"injury", "injuries"},
		{"abscess", "abscesses"},
		{"knee", "knees"},
		{"Crohn's", "Crohns", "crohn", "CROHN'S", "Crohn’s"},
		{"Sjögren", "Sjogren", "SJÖGREN"},
		{"diabetes", "diabetis", "Diabetes"},
		{"hemorrhage", "haemorrhage"},
		{"edema", "oedema"},
		{"foot", "feet"},
		{"keratosis", "keratoses"},
		{"twelve", "12"},
		{"second", "2nd"},
	}
	for _, g := range groups {
		want := Normalize(g[0])
		for _, w := range g[1:] {
			if got := Normalize(w); got != want {
				t.Errorf("Normalize(%q) = %q, want %q like %q", w, got, want, g[0])
			}
		}
	}
}

func TestNormalizeKeepsDistinctWords(t *testing.T) {
	pairs := [][2]string{{"care", "car"}, {"ring", "r"}, {"toe", "to"}, {"diabetes", "diabetic"}, {"infection", "infected"}}
	for _, p := range pairs {
		if Normalize(p[0]) == Normalize(p[1]) {
			t.Errorf("%q and %q both normalize to %q", p[0], p[1], Normalize(p[0]))
		}
	}
}

func TestNormalizePhrase(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Type-2 diabetes mellitus", "type 2 diabet mellitus"},
		{"type 2 diabetes mellitus", "type 2 diabet mellitus"},
		{"Diabetes, type II", "diabet type 2"},
		{"chronic kidney disease, stage IIIa", "chronic kidney diseas stage 3a"},
		{"Pre-diabetes", "prediabet"},
		{"prediabetes", "prediabet"},
		{"non-healing ulcer", "nonheal ulcer"},
		{"Crohn's disease", "crohn diseas"},
		{"twelve actinic keratoses", "12 actinic keratosis"},
		{"pain in right knee (acute)", "pain in right knee acut"},
	}
	for _, tt := range tests {
		if got := strings.Join(NormalizePhrase(tt.in), " "); got != tt.want {
			t.Errorf("NormalizePhrase(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestStopWords(t *testing.T) {
	for _, w := range []string{"the", "of", "a"} {
		if !Default().IsStop(Normalize(w)) {
			t.Errorf("%q is not a stop word", w)
		}
	}
	// Words that change a code are never skipped.
	for _, w := range []string{"with", "without", "not", "due", "in"} {
		if Default().IsStop(Normalize(w)) {
			t.Errorf("%q must not be a stop word", w)
		}
	}
}

func TestTermsExpandAbbreviations(t *testing.T) {
	tests := []struct {
		text, abbrev, want string
	}{
		{"Hx: HTN, well controlled.", "HTN", "hypertension"},
		{"Known T2DM on metformin.", "T2DM", "type 2 diabet mellitus"},
		{"Has CKD3a from diabetes.", "CKD3a", "chronic kidney diseas stage 3a"},
		{"Paroxysmal A-fib on apixaban.", "A-fib", "atrial fibrillation"},
		{"Multiple AKs on the scalp.", "AKs", "actinic keratosis"},
		{"DM type II, stable.", "DM type II", "type 2 diabet mellitus"},
	}
	for _, tt := range tests {
		d := Analyze(tt.text)
		start := strings.Index(tt.text, tt.abbrev)
		end := start + len(tt.abbrev)
		var got []string
		for _, tm := range d.Terms {
			if tm.Start == start {
				if tm.End != end || !tm.Has(Expanded) {
					t.Errorf("%q: term %q spans [%d,%d) flags %b, want [%d,%d) expanded", tt.text, tm.Norm, tm.Start, tm.End, tm.Flags, start, end)
				}
				got = append(got, tm.Norm)
			}
		}
		if strings.Join(got, " ") != tt.want {
			t.Errorf("%q: terms %q, want %q", tt.text, got, tt.want)
		}
	}
}

func TestTermsFlags(t *testing.T) {
	text := "PMH: HTN, DM2; the MS again. NAD."
	d := Analyze(text)
	byText := map[string]Term{}
	for _, tm := range d.Terms {
		byText[text[tm.Start:tm.End]+"/"+tm.Norm] = tm
	}
	if tm, ok := byText["DM2/type"]; !ok || !tm.Has(BreakBefore|Expanded) {
		t.Errorf("DM2 after a comma: %+v", tm)
	}
	if tm, ok := byText["the/the"]; !ok || !tm.Has(Stop|BreakBefore) {
		t.Errorf("the after a semicolon: %+v", tm)
	}
	if tm, ok := byText["MS/ms"]; !ok || !tm.Has(Ambiguous) {
		t.Errorf("unresolved MS: %+v", tm)
	}
	for k := range byText {
		if strings.HasPrefix(k, "NAD/") || strings.HasPrefix(k, "PMH/") {
			t.Errorf("term %q should not reach the matcher", k)
		}
	}
}

func TestTermSpansMatchText(t *testing.T) {
	text := "58 yo M with h/o CKD 3b, T2DM w/ PN and HTN urgency; LE edema."
	d := Analyze(text)
	for _, tm := range d.Terms {
		if tm.Start < 0 || tm.End > len(text) || tm.Start >= tm.End {
			t.Fatalf("term %+v out of bounds", tm)
		}
		if tm.Token < 0 || tm.Token >= len(d.Tokens) || d.Tokens[tm.Token].Start != tm.Start {
			t.Errorf("term %q does not start at its token", tm.Norm)
		}
	}
}
