package engine

import (
	"context"
	_ "embed"

	"github.com/medcode/medcode/internal/engine/evaluate"
)

// VignetteFixture is the outpatient vignette fixture
// (testdata/vignettes.yaml): coding-domain.md section 9 as notes with
// their expected answers, for `medcode eval vignettes`.
//
//go:embed testdata/vignettes.yaml
var VignetteFixture []byte

// CasesFixture is the blind outpatient test set
// (testdata/outpatient_cases.yaml): one hundred cases written by a
// certified coder, in the vignette format, for `medcode eval vignettes
// --set cases`.
//
//go:embed testdata/outpatient_cases.yaml
var CasesFixture []byte

// VignetteResult is the ICD comparison of one vignette.
type VignetteResult struct {
	Pass           bool
	Got            []string
	Missing, Extra []string
	Result         *Result
}

// RunVignette codes a vignette note in the outpatient profile with the
// encounter facts the fixture gives and compares the ICD-10-CM code set
// (optional codes ignored).
func RunVignette(e *Engine, v evaluate.Vignette) (VignetteResult, error) {
	dos, err := v.DateOfService()
	if err != nil {
		return VignetteResult{}, err
	}
	opts := Options{Profile: ProfileOutpatient, DOS: dos, Payer: v.Payer, PatientType: v.Patient, Age: v.Age, Sex: v.Sex}
	res, err := e.Code(context.Background(), v.Note, opts)
	if err != nil {
		return VignetteResult{}, err
	}
	out := VignetteResult{Result: res}
	for _, d := range res.Diagnoses {
		out.Got = append(out.Got, d.Code)
	}
	out.Missing, out.Extra = evaluate.SetDiff(v.ICD, v.ICDOptional, out.Got)
	out.Pass = len(out.Missing) == 0 && len(out.Extra) == 0
	return out, nil
}
