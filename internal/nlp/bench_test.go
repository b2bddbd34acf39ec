package nlp

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medcode/medcode/internal/datadir"
)

// devNotes reads the development notes from their shared location: the
// ACI-Bench outpatient notes and the CodiEsp case reports. They are never
// copied into the repository.
func devNotes(b *testing.B) (aci, codiesp []string) {
	b.Helper()
	dir := datadir.EvalDev()
	if dir == "" {
		b.Skip("development notes absent: no ../shared/eval-dev (set MEDCODE_EVAL_DEV)")
	}
	for _, name := range []string{"train.csv", "valid.csv"} {
		f, err := os.Open(filepath.Join(dir, "notes", name))
		if err != nil {
			b.Skipf("ACI-Bench notes absent: %v", err)
		}
		records, err := csv.NewReader(f).ReadAll()
		f.Close()
		if err != nil {
			b.Fatalf("read %s: %v", name, err)
		}
		col := -1
		for i, h := range records[0] {
			if h == "note" {
				col = i
			}
		}
		if col < 0 {
			b.Fatalf("%s has no note column", name)
		}
		for _, r := range records[1:] {
			aci = append(aci, r[col])
		}
	}
	for _, split := range []string{"train", "dev"} {
		paths, _ := filepath.Glob(filepath.Join(dir, "codiesp_en", split, "*.txt"))
		for _, p := range paths {
			text, err := os.ReadFile(p)
			if err != nil {
				b.Fatal(err)
			}
			codiesp = append(codiesp, string(text))
		}
	}
	return aci, codiesp
}

func benchNotes(b *testing.B, notes []string) {
	if len(notes) == 0 {
		b.Skip("no notes")
	}
	a, err := New()
	if err != nil {
		b.Fatal(err)
	}
	size := 0
	for _, n := range notes {
		size += len(n)
	}
	b.SetBytes(int64(size / len(notes)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		a.Analyze(notes[i%len(notes)])
	}
}

// BenchmarkAnalyzeACI measures Analyze on outpatient visit notes (about
// 2.6 KB each); the bar is well under 0.5 ms a note.
func BenchmarkAnalyzeACI(b *testing.B) {
	aci, _ := devNotes(b)
	benchNotes(b, aci)
}

// BenchmarkAnalyzeCodiEsp measures Analyze on the CodiEsp case reports.
func BenchmarkAnalyzeCodiEsp(b *testing.B) {
	_, codiesp := devNotes(b)
	benchNotes(b, codiesp)
}

// BenchmarkAssert measures an assertion and attribute lookup for every
// term of an outpatient note, what a matcher does per candidate concept.
func BenchmarkAssert(b *testing.B) {
	aci, _ := devNotes(b)
	if len(aci) == 0 {
		b.Skip("no notes")
	}
	d := Analyze(aci[0])
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, tm := range d.Terms {
			d.Assert(tm.Start, tm.End, Chronic)
			d.Attributes(tm.Start, tm.End)
		}
	}
	b.ReportMetric(float64(len(d.Terms)), "terms/op")
}

// BenchmarkNew measures loading the embedded lexicons.
func BenchmarkNew(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := New(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAnalyzeRunOn measures a 40 KB note written as one run-on list
// sentence with a trigger in every element, plus an assertion and an
// attribute lookup per term: the work must stay linear in the note's
// length, not grow with the square of a sentence's.
func BenchmarkAnalyzeRunOn(b *testing.B) {
	var sb strings.Builder
	for sb.Len() < 40_000 {
		sb.WriteString("no fever, history of acute right knee pain, metformin 500 mg, A. ")
	}
	note := sb.String()
	a, err := New()
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(note)))
	b.ReportAllocs()
	for b.Loop() {
		d := a.Analyze(note)
		for _, tm := range d.Terms {
			d.Assert(tm.Start, tm.End, Chronic)
			d.Attributes(tm.Start, tm.End)
		}
	}
}
