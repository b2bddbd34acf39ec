package engine

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/medcode/medcode/internal/engine/evaluate"
)

// minVignettePasses is the bar of issue 3: exact ICD-10-CM code sets on at
// least 34 of the 39 coding vignettes, outpatient profile.
const minVignettePasses = 34

// vignettesForTest returns the coding vignettes of the fixture.
func vignettesForTest(t testing.TB) []evaluate.Vignette {
	return fixtureForTest(t, "vignettes.yaml")
}

// fixtureForTest returns the coding notes of a fixture of testdata.
func fixtureForTest(t testing.TB, name string) []evaluate.Vignette {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	vs, err := evaluate.ParseVignettes(data)
	if err != nil {
		t.Fatal(err)
	}
	var out []evaluate.Vignette
	for _, v := range vs {
		if v.IsCoding() {
			out = append(out, v)
		}
	}
	return out
}

func TestVignettesICD(t *testing.T) {
	eng := testEngine(t)
	passed, total := 0, 0
	for _, v := range vignettesForTest(t) {
		total++
		res, err := RunVignette(eng, v)
		if err != nil {
			t.Fatalf("vignette %d: %v", v.ID, err)
		}
		if res.Pass {
			passed++
			continue
		}
		t.Logf("vignette %d: missing %v, extra %v (got %v)", v.ID, res.Missing, res.Extra, res.Got)
	}
	t.Logf("ICD exact sets: %d of %d vignettes", passed, total)
	if passed < minVignettePasses {
		t.Errorf("ICD exact sets on %d of %d vignettes, want at least %d", passed, total, minVignettePasses)
	}
}

// minCasePasses is the pass count the blind outpatient cases
// (testdata/outpatient_cases.yaml, written by a certified coder without
// the engine) must keep: exact ICD-10-CM code sets, optional codes ignored.
const minCasePasses = 72

func TestOutpatientCasesICD(t *testing.T) {
	eng := testEngine(t)
	passed, total := 0, 0
	for _, v := range fixtureForTest(t, "outpatient_cases.yaml") {
		total++
		res, err := RunVignette(eng, v)
		if err != nil {
			t.Fatalf("case %d: %v", v.ID, err)
		}
		if res.Pass {
			passed++
			continue
		}
		t.Logf("case %d: missing %v, extra %v (got %v)", v.ID, res.Missing, res.Extra, res.Got)
	}
	t.Logf("ICD exact sets: %d of %d cases", passed, total)
	if passed < minCasePasses {
		t.Errorf("ICD exact sets on %d of %d cases, want at least %d", passed, total, minCasePasses)
	}
}
