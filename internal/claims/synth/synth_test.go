package synth

import (
	"math/rand/v2"
	"testing"

	"github.com/medcode/medcode/internal/claims"
)

// TestVocabularyEntries checks every kind of entry in the data files.
func TestVocabularyEntries(t *testing.T) {
	v, err := load()
	if err != nil {
		t.Fatal(err)
	}
	for _, tpl := range v.templates {
		if len(tpl.lines) == 0 || len(tpl.diagnoses) == 0 || tpl.minAge < 0 || tpl.maxAge > 120 {
			t.Errorf("template %s is incomplete", tpl.id)
		}
		for _, l := range tpl.lines {
			if l.Units <= 0 || l.Charge <= 0 || len(l.Pointers) == 0 {
				t.Errorf("template %s line %s lacks units, charge or pointers", tpl.id, l.Code)
			}
		}
	}
	for _, a := range v.cities {
		if len(a.State) != 2 || len(a.Zip) != 5 {
			t.Errorf("city %+v", a)
		}
	}
	for _, dx := range v.extraDiagnoses {
		if dx != claims.NormalizeICD(dx) {
			t.Errorf("extra diagnosis %q is not in printed form", dx)
		}
	}
}

func TestClaimsAreReproducibleAndPlausible(t *testing.T) {
	opts := Options{Start: claims.Date{Year: 2025, Month: 1, Day: 2}, Identified: true}
	a, err := Claims(rand.New(rand.NewPCG(1, 2)), 500, opts)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Claims(rand.New(rand.NewPCG(1, 2)), 500, opts)
	for i := range a {
		if a[i].ID != b[i].ID || a[i].Patient.Identity.LastName != b[i].Patient.Identity.LastName || a[i].TotalCharge() != b[i].TotalCharge() {
			t.Fatalf("claim %d differs between runs with one seed", i)
		}
		c := a[i]
		if err := c.Validate(); err != nil {
			t.Fatal(err)
		}
		if got := claims.AgeOn(c.Patient.Identity.BirthDate, c.FirstDOS()); got != c.Patient.Age {
			t.Fatalf("claim %s: birth date gives age %d, claim says %d", c.ID, got, c.Patient.Age)
		}
		if c.Patient.Age < 65 && c.Payer.Class.MedicareLike() {
			for _, l := range c.Lines {
				if l.Code == "G0439" {
					t.Fatalf("claim %s: an annual wellness visit for a %d-year-old", c.ID, c.Patient.Age)
				}
			}
		}
	}
	d, _ := Claims(rand.New(rand.NewPCG(1, 2)), 10, Options{Start: opts.Start})
	if d[0].Patient.Identity != nil || d[0].Patient.Key == "" {
		t.Fatal("de-identified claims carry an identity or no key")
	}
}
