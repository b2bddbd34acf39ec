package procedure_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/medcode/medcode/internal/datadir"
	"github.com/medcode/medcode/internal/engine"
	"github.com/medcode/medcode/internal/engine/procedure"
	"github.com/medcode/medcode/internal/engine/procedure/scan"
	"github.com/medcode/medcode/internal/nlp"
)

// devNotes reads a development corpus: the CodiEsp case reports the
// engine's speed bar is measured on, or the ACI-Bench outpatient notes. The
// test or benchmark is skipped when the development data is absent.
func devNotes(tb testing.TB, corpus string) []string {
	tb.Helper()
	dir := datadir.EvalDev()
	if dir == "" {
		tb.Skip("development data (../shared/eval-dev) not available")
	}
	var notes []string
	switch corpus {
	case "codiesp":
		f, err := os.Open(filepath.Join(dir, "codiesp_en", "gold.jsonl"))
		if err != nil {
			tb.Skipf("CodiEsp not available: %v", err)
		}
		defer f.Close()
		dec := json.NewDecoder(f)
		for dec.More() {
			var doc struct {
				TextPath string `json:"text_path"`
			}
			if err := dec.Decode(&doc); err != nil {
				tb.Fatal(err)
			}
			text, err := os.ReadFile(filepath.Join(dir, "codiesp_en", doc.TextPath))
			if err != nil {
				tb.Fatal(err)
			}
			notes = append(notes, string(text))
		}
	case "aci":
		for _, name := range []string{"train.csv", "valid.csv"} {
			f, err := os.Open(filepath.Join(dir, "notes", name))
			if err != nil {
				tb.Skipf("ACI-Bench notes not available: %v", err)
			}
			recs, err := csv.NewReader(f).ReadAll()
			f.Close()
			if err != nil {
				tb.Fatal(err)
			}
			for _, rec := range recs[1:] {
				notes = append(notes, rec[3])
			}
		}
	}
	return notes
}

// BenchmarkEngine measures the whole engine (diagnoses, procedures and the
// E/M level) per note; run with -cpu 1 for the per-note cost, with the
// default for two cores in parallel as `medcode batch` runs.
func BenchmarkEngine(b *testing.B) {
	for _, corpus := range []string{"codiesp", "aci"} {
		b.Run(corpus, func(b *testing.B) {
			notes := devNotes(b, corpus)
			eng := testEngine(b)
			opts := engine.Options{Profile: engine.ProfileOutpatient}
			if _, err := eng.Code(context.Background(), notes[0], opts); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					if _, err := eng.Code(context.Background(), notes[i%len(notes)], opts); err != nil {
						b.Error(err)
						return
					}
					i++
				}
			})
		})
	}
}

// BenchmarkStage measures the procedure and E/M stage alone, on notes the
// nlp pipeline has analyzed and with the diagnoses the engine coded: its
// share of BenchmarkEngine.
func BenchmarkStage(b *testing.B) {
	for _, corpus := range []string{"codiesp", "aci"} {
		b.Run(corpus, func(b *testing.B) {
			notes := devNotes(b, corpus)
			eng := testEngine(b)
			coder, err := procedure.New(procedure.Config{})
			if err != nil {
				b.Fatal(err)
			}
			inputs := make([]stageInput, len(notes))
			for i, n := range notes {
				res, err := eng.Code(context.Background(), n, engine.Options{Profile: engine.ProfileOutpatient})
				if err != nil {
					b.Fatal(err)
				}
				inputs[i].doc = nlp.Analyze(n)
				for _, d := range res.Diagnoses {
					pd := procedure.Diagnosis{Code: d.Code}
					for _, ev := range d.Evidence {
						pd.Evidence = append(pd.Evidence, procedure.Span{Start: ev.Start, End: ev.End})
					}
					inputs[i].dx = append(inputs[i].dx, pd)
				}
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				in := inputs[i%len(inputs)]
				if _, err := coder.Code(procedure.Input{Note: scan.FromDoc(in.doc), Diagnoses: in.dx, Options: procedure.Options{Age: -1}}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

type stageInput struct {
	doc *nlp.Doc
	dx  []procedure.Diagnosis
}
