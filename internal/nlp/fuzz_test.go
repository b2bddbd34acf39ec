package nlp

import (
	"testing"
	"unicode/utf8"
)

// FuzzAnalyze checks that any input, valid UTF-8 or not, analyzes without
// panicking and that every span the analysis reports lies inside the text.
func FuzzAnalyze(f *testing.F) {
	seeds := []string{
		"",
		"A/P: HTN, DM2, HLD.",
		"Denies CP, SOB; r/o PE. BP 128/76, T 101.2°F, SpO2 86% RA.",
		"1. T2DM w/ PN - A1c 8.9%\n   Continue metformin 500 mg BID x 10 days.\n• CKD3a",
		"58 yo M, 3.0 cm lac R forearm; twelve AKs; PHQ-9: 14; 30 pack-years",
		"FAMILY HISTORY:\nMother with breast CA.\n\nBIRTH HISTORY\nTerm.",
		"Vitals (entered by MA): BMI 41.2. **Plan**: f/u 2 wk",
		"\xff\xfe\x00 s/p\u2028h/o\u00a0CVA tenderness (-) (+) ? vs.",
		"stage IIIb CKD, CKD stage 3a, eGFR >60, GFR 38",
		"#1 x 2 cm (R) (L) (B) 10F 45F 1,000 mg 2 x 3 cm",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	a, err := New()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text string) {
		d := a.Analyze(text)
		n := len(text)
		inside := func(what string, start, end int) {
			if start < 0 || end > n || start > end {
				t.Fatalf("%s span [%d,%d) outside text of %d bytes", what, start, end, n)
			}
		}
		prev := 0
		for _, tk := range d.Tokens {
			inside("token", tk.Start, tk.End)
			if tk.Start < prev || tk.Start == tk.End {
				t.Fatalf("token [%d,%d) out of order or empty", tk.Start, tk.End)
			}
			prev = tk.End
		}
		for _, s := range d.Sections {
			inside("section", s.Start, s.End)
			inside("header", s.HeaderStart, s.HeaderEnd)
		}
		for _, s := range d.Sentences {
			inside("sentence", s.Start, s.End)
			for _, e := range s.Elements {
				inside("element", e.Start, e.End)
			}
		}
		for _, it := range d.Items {
			inside("item", it.Start, it.End)
		}
		for _, tm := range d.Terms {
			inside("term", tm.Start, tm.End)
			if tm.Norm == "" && tm.Start < tm.End && utf8.ValidString(text[tm.Start:tm.End]) && !tm.Has(Ambiguous) {
				t.Fatalf("empty term for %q", text[tm.Start:tm.End])
			}
			// Every term is evidence a matcher may report.
			_ = d.Assert(tm.Start, tm.End, Chronic)
			_ = d.Attributes(tm.Start, tm.End)
		}
		for _, ab := range d.Abbreviations {
			inside("abbreviation", ab.Start, ab.End)
		}
		for _, tr := range d.Triggers {
			inside("trigger", tr.Start, tr.End)
		}
		for _, m := range d.Measurements {
			inside("measurement", m.Start, m.End)
			inside("value", m.ValueStart, m.ValueEnd)
		}
		for _, m := range d.Medications {
			inside("medication", m.Start, m.End)
			inside("status cue", m.StatusCue.Start, m.StatusCue.End)
		}
		for _, s := range d.Sites {
			inside("site", s.Start, s.End)
			inside("side", s.SideSpan.Start, s.SideSpan.End)
		}
		for _, c := range d.Cues {
			inside("cue", c.Start, c.End)
		}
		inside("age", d.Patient.AgeSpan.Start, d.Patient.AgeSpan.End)
		inside("sex", d.Patient.SexSpan.Start, d.Patient.SexSpan.End)
		// Arbitrary spans, including ones that cut tokens, must not panic.
		for _, off := range []int{0, n / 3, n / 2, n} {
			_ = d.Assert(off, min(n, off+7), Chronic)
			_ = d.Attributes(off, min(n, off+7))
			_ = d.SectionAt(off)
			_ = d.SentenceAt(off)
		}
	})
}
