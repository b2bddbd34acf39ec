package phi

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medcode/medcode/internal/datadir"
)

// aciText returns the notes and dialogues of the ACI-Bench visits, joined,
// or skips when the evaluation data is absent.
func aciText(tb testing.TB) string {
	tb.Helper()
	dir := datadir.EvalDev()
	if dir == "" {
		tb.Skip("no ../shared/eval-dev: the ACI-Bench notes are needed for this benchmark")
	}
	var b strings.Builder
	for _, name := range []string{"train.csv", "valid.csv"} {
		f, err := os.Open(filepath.Join(dir, "notes", name))
		if err != nil {
			tb.Skipf("ACI-Bench notes not readable: %v", err)
		}
		rows, err := csv.NewReader(f).ReadAll()
		f.Close()
		if err != nil {
			tb.Fatal(err)
		}
		for _, row := range rows[1:] {
			for _, field := range row[2:] {
				b.WriteString(field)
				b.WriteString("\n\n")
			}
		}
	}
	return b.String()
}

// BenchmarkScan measures scan throughput on real-style outpatient notes and
// transcripts, one note at a time as the service scans them. The bar is
// 20 MB/s on one core (go test -bench Scan -cpu 1).
func BenchmarkScan(b *testing.B) {
	notes := strings.Split(aciText(b), "\n\n")
	total := 0
	for _, n := range notes {
		total += len(n)
	}
	det := defaultDetector()
	b.SetBytes(int64(total))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, n := range notes {
			det.Scan(n)
		}
	}
}

// BenchmarkScanLongLine guards against quadratic behaviour on one huge
// line full of candidates.
func BenchmarkScanLongLine(b *testing.B) {
	text := strings.Repeat("Mr. Quenby Lavelle at 14 Elm St, Springfield, IL 62704 on 3/14/2025, call 312-555-0199; ", 2000)
	b.SetBytes(int64(len(text)))
	for i := 0; i < b.N; i++ {
		Scan(text)
	}
}
