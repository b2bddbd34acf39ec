package nlp

import (
	"strings"
	"testing"
)

func TestTokenize(t *testing.T) {
	tests := []struct {
		text  string
		want  []string // surfaces
		lower []string // folded forms, when they differ from the surface lower-cased
	}{
		{"Denies CP, SOB.", []string{"Denies", "CP", ",", "SOB", "."}, nil},
		{"s/p appendectomy; h/o HTN", []string{"s/p", "appendectomy", ";", "h/o", "HTN"}, nil},
		{"N/V/D x3", []string{"N/V/D", "x3"}, nil},
		{"A&P and/or GC/CT", []string{"A&P", "and", "/", "or", "GC/CT"}, nil},
		{"T2DM w/CKD, w/o rash", []string{"T2DM", "w/", "CKD", ",", "w/o", "rash"}, nil},
		{"Crohn's and pt’s knee", []string{"Crohn's", "and", "pt’s", "knee"}, []string{"crohn's", "and", "pt's", "knee"}},
		{"metformin b.i.d. e.g. daily", []string{"metformin", "b.i.d", ".", "e.g", ".", "daily"}, []string{"metformin", "bid", ".", "eg", ".", "daily"}},
		{"A1c 7.2%, BP 128/76, 1,000 mg", []string{"A1c", "7.2", "%", ",", "BP", "128", "/", "76", ",", "1,000", "mg"}, nil},
		{"BP 120/80. Next", []string{"BP", "120", "/", "80", ".", "Next"}, nil},
		{"58-year-old", []string{"58", "-", "year", "-", "old"}, nil},
		{"Sjögren’s – ÉDEMA ×3", []string{"Sjögren’s", "–", "ÉDEMA", "×", "3"}, []string{"sjogren's", "-", "edema", "x", "3"}},
		{"'quoted' word", []string{"'", "quoted", "'", "word"}, nil},
		{"CKD3a T 101.2°F", []string{"CKD3a", "T", "101.2", "°", "F"}, nil},
	}
	for _, tt := range tests {
		toks := tokenize(tt.text, nil)
		var got, lower []string
		for _, tk := range toks {
			got = append(got, tt.text[tk.Start:tk.End])
			lower = append(lower, tk.Lower)
		}
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("tokenize(%q) = %q, want %q", tt.text, got, tt.want)
		}
		if tt.lower != nil && strings.Join(lower, "|") != strings.Join(tt.lower, "|") {
			t.Errorf("tokenize(%q) lower = %q, want %q", tt.text, lower, tt.lower)
		}
	}
}

func TestTokenFlags(t *testing.T) {
	text := "HTN  AFib\n\nHistory\n7.2"
	toks := tokenize(text, nil)
	if len(toks) != 4 {
		t.Fatalf("got %d tokens", len(toks))
	}
	checks := []struct {
		i    int
		has  TokenFlags
		not  TokenFlags
		kind TokenKind
	}{
		{0, LineStart | AllUpper, SpaceBefore | Capitalized, Word},
		{1, SpaceBefore, LineStart | AllUpper | Capitalized, Word},
		{2, LineStart | BlankBefore | Capitalized | SpaceBefore, AllUpper, Word},
		{3, LineStart | HasDigit, BlankBefore, Number},
	}
	for _, c := range checks {
		tk := toks[c.i]
		if !tk.Has(c.has) || tk.Flags&c.not != 0 || tk.Kind != c.kind {
			t.Errorf("token %q: flags %b kind %d, want %b set, %b clear, kind %d", text[tk.Start:tk.End], tk.Flags, tk.Kind, c.has, c.not, c.kind)
		}
	}
}

// TestTokenizeInvalidUTF8 keeps offsets valid on broken input.
func TestTokenizeInvalidUTF8(t *testing.T) {
	text := "abc\xff\xfe def \xe2\x80 x\u200bz \u2028end"
	toks := tokenize(text, nil)
	prev := 0
	for _, tk := range toks {
		if tk.Start < prev || tk.End <= tk.Start || tk.End > len(text) {
			t.Fatalf("bad token span [%d,%d) after %d", tk.Start, tk.End, prev)
		}
		prev = tk.End
	}
	last := toks[len(toks)-1]
	if text[last.Start:last.End] != "end" || !last.Has(LineStart) {
		t.Errorf("line separator did not start a line: %+v", last)
	}
}
