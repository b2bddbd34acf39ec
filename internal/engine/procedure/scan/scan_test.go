package scan

import (
	"strings"
	"testing"
)

func norms(toks []Token) string {
	var out []string
	for _, t := range toks {
		out = append(out, t.Norm)
	}
	return strings.Join(out, " ")
}

func TestTokenize(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"3.0 cm laceration", "3.0 cm laceration"},
		{"4 mm punch biopsy; 6mm shave", "4 mm punch biopsy ; 6 mm shave"},
		{"r/o pneumonia", "r o pneumonia"},
		{"Cough and fever - r/o pneumonia.", "cough and fever - r o pneumonia ."},
		{"12-lead ECG", "12 lead ecg"},
		{"Penicillin 100,000 units", "penicillin 100,000 unit"},
		{"tests 2,3 and 4", "test 2 , 3 and 4"},
		{"A1c 8.9 (from 7.6)", "a1c 8.9 ( from 7.6 )"},
		{"Warts x6, 17p13", "wart x6 , 17p13"},
		{"Triamcinolone 40mg × 1", "triamcinolone 40 mg x 1"},
		{"• Medical Treatment: increase", "- medical treatment : increase"},
		{"café-au-lait", "café au lait"},
		{"keratoses; keratosis; injuries", "keratose ; keratosis ; injury"},
	}
	for _, tc := range tests {
		if got := norms(Tokenize(tc.in, 0, len(tc.in))); got != tc.want {
			t.Errorf("Tokenize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestTokenOffsets(t *testing.T) {
	text := "Kenalog 40mg injected; 2.0 cm."
	for _, tok := range Tokenize(text, 0, len(text)) {
		if tok.Punct {
			continue
		}
		if got := Normalize(text[tok.Start:tok.End]); got != tok.Norm {
			t.Errorf("token %q at [%d,%d) reads %q", tok.Norm, tok.Start, tok.End, got)
		}
	}
}

func TestKindOf(t *testing.T) {
	tests := []struct {
		heading string
		want    Kind
	}{
		{"ASSESSMENT AND PLAN", Assessment},
		{"A/P", Assessment},
		{"assessment_plan", Assessment},
		{"Plan", Plan},
		{"Procedure note", Procedure},
		{"PHYSICAL EXAMINATION", Exam},
		{"Past Medical History", History},
		{"FHx", History},
		{"Meds", Medications},
		{"Results", Results},
		{"HPI", HPI},
		{"Something else", Other},
	}
	for _, tc := range tests {
		if got := KindOf(tc.heading); got != tc.want {
			t.Errorf("KindOf(%q) = %q, want %q", tc.heading, got, tc.want)
		}
	}
}

func TestParseSectionsErrors(t *testing.T) {
	for _, bad := range []string{"no tab here\n", "x\tnotakind\n", "plan\tplan\nplan\tplan\n", "\t\tplan\n"} {
		if _, err := parseSections([]byte(bad)); err == nil {
			t.Errorf("parseSections(%q): want error", bad)
		}
	}
}

func sentence(text string) *Sentence {
	return &Sentence{Start: 0, End: len(text), Tokens: Tokenize(text, 0, len(text))}
}

func TestMatcher(t *testing.T) {
	m := NewMatcher()
	for id, p := range []string{"rapid strep", "rapid strep test", "strep", "x #", "urine albumin/creatinine"} {
		if err := m.Add(p, id); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Add(" - ", 9); err == nil {
		t.Error("Add of a phrase without words: want error")
	}
	s := sentence("Rapid strep test positive; AKs x 12. Urine albumin/creatinine ordered")
	var got []string
	for _, mt := range m.FindAll(s) {
		got = append(got, s.Words(mt.From, mt.To))
	}
	want := "rapid strep test|rapid strep|strep|x 12|urine albumin creatinine"
	if strings.Join(got, "|") != want {
		t.Errorf("matches = %q, want %q", strings.Join(got, "|"), want)
	}
}

func TestTerms(t *testing.T) {
	terms, err := NewTerms(NewDictionary(), map[string][]string{"negation": {"no", "declined"}, "planned": {"will", "ordered"}})
	if err != nil {
		t.Fatal(err)
	}
	s := sentence("Patient declined the injection; X-ray ordered")
	has := func(from, to int, kind string) bool { _, ok := terms.First(s, from, to, kind); return ok }
	if !has(0, 4, "negation") || has(0, 4, "planned") || !has(5, len(s.Tokens), "planned") {
		t.Error("Terms.First misreads the clauses")
	}
	if _, err := NewTerms(NewDictionary(), map[string][]string{"empty": nil}); err == nil {
		t.Error("NewTerms with an empty kind: want error")
	}
}

func TestClause(t *testing.T) {
	s := sentence("Knee injected with Kenalog, 40 mg; BP 150/90 - not at goal")
	from, to := s.Clause(1)
	if got := s.Words(from, to); got != "knee injected with kenalog 40 mg" {
		t.Errorf("clause = %q", got)
	}
	from, to = s.Clause(len(s.Tokens) - 1)
	if got := s.Words(from, to); got != "not at goal" {
		t.Errorf("last clause = %q", got)
	}
}

func TestCount(t *testing.T) {
	for in, want := range map[string]int{"12": 12, "twelve": 12, "both": 2} {
		if got, ok := Count(in); !ok || got != want {
			t.Errorf("Count(%q) = %d, %v", in, got, ok)
		}
	}
	for _, in := range []string{"1.5", "many", ""} {
		if _, ok := Count(in); ok {
			t.Errorf("Count(%q): want no count", in)
		}
	}
}

func TestNewClipsSpans(t *testing.T) {
	text := "A/P: Viral URI."
	n := New(text, []Span{{Start: -3, End: 100, Section: Assessment}, {Start: 5, End: 5}, {Start: 2, End: 9}}, 40)
	if len(n.Sentences) != 1 || n.Sentences[0].Start != 0 || n.Sentences[0].End != len(text) || n.Sentences[0].Section != Assessment || n.Age != 40 {
		t.Errorf("New = %+v", n.Sentences)
	}
}

func FuzzTokenize(f *testing.F) {
	for _, s := range []string{"3.0 cm laceration", "r/o - x", "100,000 units", "6mm", "é×•–", "1,2,3.4.5", "-", "a-\n-b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		prev := 0
		for _, tok := range Tokenize(text, 0, len(text)) {
			if tok.Start < prev || tok.End <= tok.Start || tok.End > len(text) {
				t.Fatalf("token %+v out of order or bounds (prev end %d, len %d)", tok, prev, len(text))
			}
			if tok.Norm == "" {
				t.Fatalf("empty token at %d", tok.Start)
			}
			prev = tok.End
		}
	})
}
