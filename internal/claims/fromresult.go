package claims

import (
	"fmt"
	"sort"

	"github.com/medcode/medcode/internal/engine"
)

// Encounter is what a claim needs beyond the coded note: who billed whom,
// when and where, and the clinic's charges.
type Encounter struct {
	ID             string
	DOS            Date
	PlaceOfService string
	Billing        Provider
	Rendering      *Provider
	Payer          Payer
	Patient        Patient
	Insured        *Insured
	// Charge returns the clinic's charge for one unit of a code (its
	// charge master).
	Charge func(code string) (Money, error)
}

// FromResult builds a claim from a coded note: diagnoses in rank order,
// the E/M visit as the first line (pointing to the first four
// diagnoses), then the procedures with their units, modifiers and
// pointers. The documented minutes travel with the claim for the
// time-based edits.
func FromResult(res *engine.Result, e Encounter) (*Claim, error) {
	if e.DOS.IsZero() || e.Charge == nil {
		return nil, fmt.Errorf("claims: claim %s: the encounter needs a date of service and a charge master", e.ID)
	}
	dx := append([]engine.Diagnosis(nil), res.Diagnoses...)
	sort.SliceStable(dx, func(i, j int) bool { return dx[i].Rank < dx[j].Rank })
	c := &Claim{
		ID: e.ID, Frequency: "1", PlaceOfService: e.PlaceOfService, Billing: e.Billing, Rendering: e.Rendering,
		Payer: e.Payer, Patient: e.Patient, Insured: e.Insured,
	}
	for _, d := range dx {
		c.Diagnoses = append(c.Diagnoses, NormalizeICD(d.Code))
	}
	addLine := func(code string, units int, modifiers []string, pointers []int) error {
		if units <= 0 {
			units = 1
		}
		charge, err := e.Charge(code)
		if err != nil {
			return fmt.Errorf("claims: claim %s: charge of %s: %w", e.ID, code, err)
		}
		var mods []string
		for _, m := range modifiers {
			mods = append(mods, NormalizeProcedure(m))
		}
		c.Lines = append(c.Lines, Line{
			Code: NormalizeProcedure(code), Modifiers: mods, Units: units, Charge: charge * Money(units),
			DOS: e.DOS, Pointers: pointers,
		})
		return nil
	}
	firstPointers := make([]int, 0, MaxPointers)
	for i := range min(len(c.Diagnoses), MaxPointers) {
		firstPointers = append(firstPointers, i+1)
	}
	if em := res.EM; em != nil && em.Code != "" && !hasProcedure(res.Procedures, em.Code) {
		if err := addLine(em.Code, 1, nil, firstPointers); err != nil {
			return nil, err
		}
		if em.Minutes > 0 {
			c.Documentation = &Documentation{Minutes: em.Minutes}
		}
	}
	for _, p := range res.Procedures {
		pointers := p.DiagnosisPointers
		if len(pointers) == 0 {
			pointers = firstPointers[:min(1, len(firstPointers))]
		}
		if err := addLine(p.Code, p.Units, p.Modifiers, append([]int(nil), pointers...)); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func hasProcedure(ps []engine.Procedure, code string) bool {
	for _, p := range ps {
		if p.Code == code {
			return true
		}
	}
	return false
}
