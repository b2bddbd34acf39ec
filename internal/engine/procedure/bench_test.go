package procedure

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"testing"

	"github.com/medcode/medcode/internal/datadir"
	"github.com/medcode/medcode/internal/engine/procedure/scan"
	"github.com/medcode/medcode/internal/nlp"
)

// aciNotes reads the ACI-Bench outpatient notes of the development data.
func aciNotes(b *testing.B) []string {
	dir := datadir.EvalDev()
	if dir == "" {
		b.Skip("development data (../shared/eval-dev) not available")
	}
	var notes []string
	for _, name := range []string{"train.csv", "valid.csv"} {
		f, err := os.Open(filepath.Join(dir, "notes", name))
		if err != nil {
			b.Skipf("ACI-Bench notes not available: %v", err)
		}
		recs, err := csv.NewReader(f).ReadAll()
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
		for _, rec := range recs[1:] {
			notes = append(notes, rec[3])
		}
	}
	return notes
}

// BenchmarkCode measures the procedure and E/M stage alone on notes the
// nlp pipeline has already analyzed (the stage's cost inside the engine).
func BenchmarkCode(b *testing.B) {
	notes := aciNotes(b)
	c := mustCoder(b)
	hc := testHCPCS(b)
	docs := make([]*nlp.Doc, len(notes))
	for i, n := range notes {
		docs[i] = nlp.Analyze(n)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d := docs[i%len(docs)]
		if _, err := c.Code(Input{Note: scan.FromDoc(d), HCPCS: hc, Options: Options{DOS: dos2025, Age: -1}}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAnalyze measures the nlp analysis of the same notes, the
// baseline the procedure stage adds to.
func BenchmarkAnalyze(b *testing.B) {
	notes := aciNotes(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		nlp.Analyze(notes[i%len(notes)])
	}
}
