package engine

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/medcode/medcode/internal/datadir"
	"github.com/medcode/medcode/internal/engine/evaluate"
	"github.com/medcode/medcode/internal/phi"
)

// benchNotes are the CodiEsp notes to time.
func benchNotes(b *testing.B) []string {
	dir := datadir.EvalDev()
	if dir == "" {
		b.Skip("../shared/eval-dev is absent: no CodiEsp notes to time")
	}
	_, texts, err := evaluate.LoadCodiEsp(filepath.Join(dir, "codiesp_en", "gold.jsonl"), "")
	if err != nil {
		b.Fatal(err)
	}
	return texts
}

// BenchmarkCodeNote codes the CodiEsp notes one after another on one
// goroutine, after load; ns/op is per note.
func BenchmarkCodeNote(b *testing.B) {
	e := testEngine(b)
	texts := benchNotes(b)
	dos := time.Date(2025, 3, 10, 0, 0, 0, 0, time.UTC)
	if err := e.Prepare(dos); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := e.Code(ctx, texts[i%len(texts)], Options{Profile: ProfileAbstract, DOS: dos}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPHIScan times the PHI detector alone on the same notes: its
// share of BenchmarkCodeNote is what filling Result.PHI costs.
func BenchmarkPHIScan(b *testing.B) {
	texts := benchNotes(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		phi.Scan(texts[i%len(texts)])
	}
}
