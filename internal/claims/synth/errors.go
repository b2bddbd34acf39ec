package synth

import (
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/medcode/medcode/internal/claims"
)

// BillingError is a mistake planted in a claim of a data set, of the kind
// a scrubber catches before submission.
type BillingError struct {
	ClaimID string
	Kind    string
}

// Kinds of planted billing errors, with the scrubber edit that finds each.
const (
	ErrDuplicateLine   = "duplicate-line"         // a service line repeated (CLM-01)
	ErrSecondaryFirst  = "secondary-dx-first"     // a status code listed first (DX-09)
	ErrG2211Commercial = "g2211-commercial"       // G2211 billed to a commercial plan (PX-11)
	ErrMedicareAdmin   = "medicare-vaccine-admin" // 90471 instead of G0008 for Medicare (PX-12)
	ErrPreventiveNo25  = "preventive-problem-no-25"
	ErrMissing25       = "missing-modifier-25" // E/M with a procedure and no modifier 25 (PX-09)
)

// billingErrors are the planting functions; each reports whether it
// applies to the claim (and changed it).
var billingErrors = []struct {
	kind  string
	plant func(c *claims.Claim) bool
}{
	{ErrDuplicateLine, func(c *claims.Claim) bool {
		i := slices.IndexFunc(c.Lines, func(l claims.Line) bool { return !isOfficeEM(l.Code) && !strings.HasPrefix(l.Code, "J") })
		if i < 0 || len(c.Lines) >= claims.MaxLines {
			return false
		}
		l := c.Lines[i]
		l.Modifiers, l.Pointers = slices.Clone(l.Modifiers), slices.Clone(l.Pointers)
		c.Lines = append(c.Lines, l)
		return true
	}},
	{ErrSecondaryFirst, func(c *claims.Claim) bool {
		i := slices.IndexFunc(c.Diagnoses, func(d string) bool { return strings.HasPrefix(d, "Z79.") || strings.HasPrefix(d, "Z87.") })
		if i <= 0 {
			return false
		}
		c.Diagnoses[0], c.Diagnoses[i] = c.Diagnoses[i], c.Diagnoses[0]
		for li := range c.Lines {
			for pi, p := range c.Lines[li].Pointers {
				switch p {
				case 1:
					c.Lines[li].Pointers[pi] = i + 1
				case i + 1:
					c.Lines[li].Pointers[pi] = 1
				}
			}
		}
		return true
	}},
	{ErrG2211Commercial, func(c *claims.Claim) bool {
		i := slices.IndexFunc(c.Lines, func(l claims.Line) bool { return isOfficeEM(l.Code) && !l.HasModifier("25") })
		if c.Payer.Class != claims.Commercial || i < 0 || slices.ContainsFunc(c.Lines, func(l claims.Line) bool { return l.Code == "G2211" }) {
			return false
		}
		c.Lines = append(c.Lines, claims.Line{Code: "G2211", Units: 1, Charge: 2500, DOS: c.Lines[i].DOS, Pointers: []int{1}})
		return true
	}},
	{ErrMedicareAdmin, func(c *claims.Claim) bool {
		i := slices.IndexFunc(c.Lines, func(l claims.Line) bool { return l.Code == "G0008" })
		if i < 0 {
			return false
		}
		c.Lines[i].Code = "90471"
		return true
	}},
	{ErrPreventiveNo25, func(c *claims.Claim) bool {
		i := slices.IndexFunc(c.Lines, func(l claims.Line) bool { return l.Code >= "99381" && l.Code <= "99397" })
		if i < 0 || slices.ContainsFunc(c.Lines, func(l claims.Line) bool { return isOfficeEM(l.Code) }) {
			return false
		}
		c.Lines = append(c.Lines, claims.Line{Code: "99213", Units: 1, Charge: 15000, DOS: c.Lines[i].DOS, Pointers: []int{1}})
		return true
	}},
	{ErrMissing25, func(c *claims.Claim) bool {
		i := slices.IndexFunc(c.Lines, func(l claims.Line) bool { return isOfficeEM(l.Code) && l.HasModifier("25") })
		if i < 0 {
			return false
		}
		c.Lines[i].Modifiers = slices.DeleteFunc(slices.Clone(c.Lines[i].Modifiers), func(m string) bool { return m == "25" })
		return true
	}},
}

// plantError changes the claim with one of the billing errors that apply
// to it, drawn at random; it returns the kind, "" when none applies.
func plantError(rng *rand.Rand, c *claims.Claim) string {
	for _, k := range rng.Perm(len(billingErrors)) {
		if billingErrors[k].plant(c) {
			return billingErrors[k].kind
		}
	}
	return ""
}
