package codesetsrc

import (
	"math/rand/v2"
	"testing"

	"github.com/medcode/medcode/internal/claims"
	"github.com/medcode/medcode/internal/claims/scrub"
	"github.com/medcode/medcode/internal/claims/synth"
)

// generatedStart and generatedToday place generated claims in FY2025 and
// CY2025, within every payer's filing limit.
var (
	generatedStart = claims.Date{Year: 2025, Month: 1, Day: 2}
	generatedToday = claims.Date{Year: 2025, Month: 4, Day: 1}
)

// TestGeneratedClaimsScrubClean scrubs realistic generated claims, which
// are coded correctly, with the FY2025 release: an error on one of them is
// a wrong edit.
func TestGeneratedClaimsScrubClean(t *testing.T) {
	src := Sources(realSet(t))
	cs, err := synth.Claims(rand.New(rand.NewPCG(7, 7)), 3000, synth.Options{Start: generatedStart})
	if err != nil {
		t.Fatal(err)
	}
	s, err := scrub.New(src, scrub.Options{Today: generatedToday})
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, f := range s.Scrub(cs) {
		counts[f.Edit+" "+string(f.Severity)]++
		if f.Severity == scrub.Error {
			t.Errorf("claim %s: %s %v: %s", f.Claim, f.Edit, f.Codes, f.Message)
		}
	}
	t.Logf("findings on %d generated claims: %v", len(cs), counts)
}

// BenchmarkScrub10kRealData scrubs 10,000 generated claims with the
// installed code sets (bar: ≤ 2 s per op). Every twentieth claim carries
// the errors of vignette 40, so that building findings is paid for too.
func BenchmarkScrub10kRealData(b *testing.B) {
	src := Sources(realSet(b))
	cs, err := synth.Claims(rand.New(rand.NewPCG(42, 42)), 10_000, synth.Options{Start: generatedStart})
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < len(cs); i += 20 {
		c := cs[i]
		dos := c.Lines[0].DOS
		c.Patient.Age, c.Patient.Sex, c.Payer.Class = 45, claims.Male, claims.Commercial
		c.Diagnoses = []string{"D63.1", "N18.4", "E11", "S93.401", "R73.03", "E11.9", "Z01.419"}
		c.Lines = []claims.Line{
			{Code: "99384", Units: 1, Charge: 26000, DOS: dos, Pointers: []int{7}},
			{Code: "99213", Units: 1, Charge: 15000, DOS: dos, Pointers: []int{1, 2}},
		}
	}
	s, err := scrub.New(src, scrub.Options{Today: generatedToday})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		s.Scrub(cs)
	}
}
