package procedure_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/medcode/medcode/internal/engine"
)

// TestACIBenchPlausibility codes the ACI-Bench outpatient visits (every one
// a practitioner visit) with the whole engine and checks that the visit
// level and procedures look like an outpatient practice's: each note gets
// a visit code, every scored MDM element cites the note, every procedure
// line cites the note and points to a diagnosis (a visit line may point
// nowhere when the problem it scored was not coded, with a warning). The distribution is logged
// for review (go test -v).
func TestACIBenchPlausibility(t *testing.T) {
	notes := devNotes(t, "aci")
	eng := testEngine(t)
	levels, methods, codes := map[string]int{}, map[string]int{}, map[string]int{}
	withVisit := 0
	for i, n := range notes {
		res, err := eng.Code(context.Background(), n, engine.Options{Profile: engine.ProfileOutpatient})
		if err != nil {
			t.Fatalf("note %d: %v", i, err)
		}
		if res.EM != nil {
			withVisit++
			levels[res.EM.Code]++
			methods[res.EM.Method]++
			checkEMEvidence(t, i, res.EM)
		}
		for _, p := range res.Procedures {
			codes[p.Code]++
			if len(p.Evidence) == 0 && !isVisitLine(p.Code) {
				t.Errorf("note %d: %s without evidence", i, p.Code)
			}
			if len(res.Diagnoses) > 0 && len(p.DiagnosisPointers) == 0 && !isVisitLine(p.Code) {
				t.Errorf("note %d: %s points to no diagnosis", i, p.Code)
			}
			for _, ptr := range p.DiagnosisPointers {
				if ptr < 1 || ptr > len(res.Diagnoses) {
					t.Errorf("note %d: %s points to diagnosis %d of %d", i, p.Code, ptr, len(res.Diagnoses))
				}
			}
		}
	}
	t.Logf("%d notes, %d with a visit code; levels %s; methods %s", len(notes), withVisit, histogram(levels), histogram(methods))
	t.Logf("service lines by code: %s", histogram(codes))
	if withVisit < len(notes)*9/10 {
		t.Errorf("only %d of %d practitioner visits got a visit code", withVisit, len(notes))
	}
	if top := levels["99215"] + levels["99205"]; top > len(notes)/4 {
		t.Errorf("%d of %d visits at the top level: implausible for a general outpatient mix", top, len(notes))
	}
}

func isVisitLine(code string) bool {
	return strings.HasPrefix(code, "992") || strings.HasPrefix(code, "993") || code == "G2211" || code == "G2212" || code == "99417"
}

func histogram(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s:%d", k, m[k]))
	}
	return strings.Join(parts, " ")
}
