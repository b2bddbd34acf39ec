package rules

import (
	"strings"
	"testing"

	"github.com/medcode/medcode/internal/engine"
)

// FuzzParse feeds arbitrary documents to the parser: it must never panic,
// must explain every refusal with at least one problem, and a document it
// accepts must apply to a result without panicking.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		fullDoc,
		`{"synonyms": [{"phrase": "sugar diabetes", "code": "E11.9"}]}`,
		"suppress:\n  - code: R05*\n  - code: \"99213\"\n",
		"always_add:\n  - {add: Z79.4, when_phrase: [insulin, lantus], when_code: E11.*}\n",
		"prefer: &p\n  - {code: E78.2, instead_of: E78.5}\nsuppress: *p\n",
		"defaults: {payer: medicaid}\n",
		"synonyms:\n  - phrase: [\n",
		"- a\n",
		"a: !!binary AAAA\n",
	} {
		f.Add([]byte(seed))
	}
	note := "Sugar diabetes on insulin. Hyperlipidemia. Cough."
	f.Fuzz(func(t *testing.T, src []byte) {
		d, err := Parse(src, testCatalog)
		if err != nil {
			re, ok := err.(*Error)
			if !ok || len(re.Problems) == 0 {
				t.Fatalf("refusal without problems: %v", err)
			}
			for _, p := range re.Problems {
				if p.Message == "" || p.Line < 0 {
					t.Fatalf("empty problem %+v", p)
				}
			}
			return
		}
		r := &engine.Result{Diagnoses: []engine.Diagnosis{{Code: "E78.5", Rank: 1, Evidence: []engine.Evidence{{Start: 27, End: 41}}}},
			Procedures: []engine.Procedure{{Code: "90471", DiagnosisPointers: []int{1}}}, EM: &engine.EM{Code: "99213"}}
		set := Compile(d, "fuzz", testCatalog)
		set.Apply(r, note, "medicare")
		for i, dx := range r.Diagnoses {
			if dx.Rank != i+1 {
				t.Fatalf("rank %d at %d", dx.Rank, i)
			}
			if strings.TrimSpace(dx.Code) == "" {
				t.Fatal("empty code in the result")
			}
		}
	})
}
