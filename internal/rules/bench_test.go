package rules

import (
	"fmt"
	"strings"
	"testing"

	"github.com/medcode/medcode/internal/engine"
	"github.com/medcode/medcode/internal/nlp"
)

// BenchmarkApply measures the rules layer on the analysis path: a clinic
// with 50 synonyms, 10 always-add phrases and a handful of other rules,
// applied to a 6 KB note's result.
func BenchmarkApply(b *testing.B) {
	var src strings.Builder
	src.WriteString("synonyms:\n")
	for i := range 50 {
		fmt.Fprintf(&src, "  - {phrase: local phrase %d, code: E11.9}\n", i)
	}
	src.WriteString("always_add:\n")
	for i := range 10 {
		fmt.Fprintf(&src, "  - {add: Z79.4, when_phrase: [insulin %d]}\n", i)
	}
	src.WriteString("prefer:\n  - {code: E78.2, instead_of: [E78.5]}\nsuppress:\n  - code: R05*\n")
	d, err := Parse([]byte(src.String()), testCatalog)
	if err != nil {
		b.Fatal(err)
	}
	set := Compile(d, "bench", testCatalog)
	nlp.Analyze("warm up") // load the lexicons outside the timing
	note := strings.Repeat("Hyperlipidemia on statin. Cough for a week, no fever. Local phrase 7 noted. ", 80)
	b.SetBytes(int64(len(note)))
	b.ReportAllocs()
	for b.Loop() {
		r := result(note, [2]string{"E78.5", "hyperlipidemia"}, [2]string{"R05.9", "cough"})
		r.Procedures = []engine.Procedure{{Code: "99213", DiagnosisPointers: []int{1, 2}}}
		set.Apply(r, note, "medicare")
	}
}
