package cli

import (
	"context"
	"io"
	"runtime"
	"testing"
	"time"

	"github.com/medcode/medcode/internal/engine"
)

// BenchmarkBatchCodiEsp runs medcode batch's worker pool over the 750
// CodiEsp notes (JSON output discarded); ns/op is one pass over all notes.
func BenchmarkBatchCodiEsp(b *testing.B) {
	notes, err := benchNotes("")
	if err != nil {
		b.Skip(err)
	}
	eng, err := loadEngine()
	if err != nil {
		b.Skip(err)
	}
	opts := engine.Options{Profile: engine.ProfileAbstract, DOS: time.Date(2025, 3, 10, 0, 0, 0, 0, time.UTC)}
	if err := eng.Prepare(opts.DOS); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		stats, err := codeBatch(context.Background(), eng, notes, opts, runtime.GOMAXPROCS(0), io.Discard, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(stats.notes)/stats.elapsed.Seconds(), "notes/s")
	}
}
