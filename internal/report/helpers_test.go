package report

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"sync"
	"testing"

	"github.com/medcode/medcode/internal/claims"
	"github.com/medcode/medcode/internal/claims/synth"
	"github.com/medcode/medcode/internal/codeset"
	"github.com/medcode/medcode/internal/codeset/pfs"
	"github.com/medcode/medcode/internal/datadir"
	"github.com/medcode/medcode/internal/engine"
)

// fixtureSchedule loads the test fee schedule: made-up RVUs, conversion
// factor 30, three localities.
func fixtureSchedule(t testing.TB) *pfs.Schedule {
	t.Helper()
	f, err := os.Open("testdata/PPRRVU.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := pfs.LoadRVU(f, "testdata/PPRRVU.csv")
	if err != nil {
		t.Fatal(err)
	}
	g, err := os.Open("testdata/GPCI.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	locs, err := pfs.LoadGPCI(g, "testdata/GPCI.csv")
	if err != nil {
		t.Fatal(err)
	}
	s.SetLocalities(locs)
	return s
}

// fakeCoder answers with the result registered for a note's text.
type fakeCoder map[string]*engine.Result

func (f fakeCoder) Code(_ context.Context, note string, _ engine.Options) (*engine.Result, error) {
	if r, ok := f[note]; ok {
		return r, nil
	}
	return nil, fmt.Errorf("fake coder: no result for the note")
}

// emResult is an engine result documenting an office E/M level.
func emResult(code, method string, confidence float64, extra ...engine.Procedure) *engine.Result {
	em := &engine.EM{Code: code, Method: method}
	if method == "mdm" {
		em.MDM = &engine.MDM{Level: "moderate", Problems: engine.MDMElement{Level: "moderate", Reasons: []string{"2 stable chronic illnesses"}},
			Data: engine.MDMElement{Level: "straightforward"}, Risk: engine.MDMElement{Level: "moderate", Reasons: []string{`prescription drug management ("lisinopril")`}}}
	} else {
		em.Minutes = 32
	}
	return &engine.Result{EM: em, Procedures: append([]engine.Procedure{{Code: code, Units: 1, Confidence: confidence}}, extra...)}
}

// testStart is the first date of service of generated test data.
var testStart = claims.Date{Year: 2025, Month: 6, Day: 2}

// dataset generates a synthetic data set.
func dataset(t testing.TB, n int, seed uint64) *synth.Dataset {
	t.Helper()
	ds, err := synth.NewDataset(rand.New(rand.NewPCG(seed, seed+1)), n, synth.DatasetOptions{Claims: synth.Options{Start: testStart, Identified: true}})
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

var (
	engineOnce sync.Once
	engineSet  *codeset.Set
	engineEng  *engine.Engine
	engineErr  error
)

// realEngine opens the installed code sets and the coding engine once,
// skipping the test when the data directory is absent.
func realEngine(t testing.TB) (*codeset.Set, *engine.Engine) {
	t.Helper()
	dir, err := datadir.Resolve()
	if err != nil {
		t.Skipf("no code-set data directory (%v): the engine cannot re-code notes", err)
	}
	engineOnce.Do(func() {
		if engineSet, engineErr = codeset.Open(dir); engineErr == nil {
			engineEng, engineErr = engine.New(engineSet)
		}
	})
	if engineErr != nil {
		t.Fatal(engineErr)
	}
	return engineSet, engineEng
}
