package phi

import (
	"strings"
	"testing"
)

// pathological are inputs built to trip quadratic paths: long lines packed
// with candidates, separators and cue words.
var pathological = []string{
	"312-555-0199 ", "a, ", ":", "Mr. ", "14 Elm St ", "12 ", "John Smith, ", "x", "3/14/2025 ", "\n",
}

func TestScanPathologicalInputs(t *testing.T) {
	for _, unit := range pathological {
		text := strings.Repeat(unit, 20000/len(unit))
		checkSpans(t, text, Scan(text))
	}
}

// BenchmarkScanPathological keeps these inputs linear: each runs at a
// throughput of the same order as BenchmarkScan.
func BenchmarkScanPathological(b *testing.B) {
	for _, unit := range pathological {
		text := strings.Repeat(unit, 200000/len(unit))
		b.Run(strings.TrimSpace(strings.ReplaceAll(unit, "\n", `\n`)), func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			for i := 0; i < b.N; i++ {
				Scan(text)
			}
		})
	}
}
