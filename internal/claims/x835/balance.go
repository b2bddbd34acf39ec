package x835

import (
	"fmt"

	"github.com/medcode/medcode/internal/claims"
)

// Imbalance is a remittance whose amounts do not add up.
type Imbalance struct {
	Level    string       `json:"level"` // "line", "claim" or "transaction"
	Claim    string       `json:"claim,omitempty"`
	Line     int          `json:"line,omitempty"` // 1-based within the claim
	Pos      int          `json:"segment,omitempty"`
	Expected claims.Money `json:"expected"`
	Actual   claims.Money `json:"actual"`
	Rule     string       `json:"rule"`
}

func (i Imbalance) Error() string {
	where := "transaction"
	switch i.Level {
	case "claim":
		where = "claim " + i.Claim
	case "line":
		where = fmt.Sprintf("claim %s line %d", i.Claim, i.Line)
	}
	if i.Pos > 0 {
		where += fmt.Sprintf(" (segment %d)", i.Pos)
	}
	return fmt.Sprintf("x835: %s does not balance: %s; expected %s, found %s", where, i.Rule, i.Expected.Dollars(), i.Actual.Dollars())
}

// Balance checks the 835 balancing rules and returns every violation:
//   - each service line: charge − paid = the sum of its adjustments;
//   - each claim: charge − paid = claim-level plus line-level adjustments,
//     and, when lines are present, paid = line payments − claim-level
//     adjustments;
//   - the transaction: BPR02 = the sum of claim payments − provider-level
//     adjustments.
func (r *Remittance) Balance() []Imbalance {
	var out []Imbalance
	var paid claims.Money
	for _, c := range r.Claims {
		paid += c.Paid
		claimAdj := sum(c.Adjustments)
		var lineAdj, linePaid claims.Money
		for j, l := range c.Lines {
			adj := sum(l.Adjustments)
			lineAdj += adj
			linePaid += l.Paid
			if l.Charge-l.Paid != adj {
				out = append(out, Imbalance{Level: "line", Claim: c.PatientControlNumber, Line: j + 1, Pos: l.Pos,
					Expected: l.Charge - l.Paid, Actual: adj, Rule: "line charge − line paid = line adjustments"})
			}
		}
		if c.Charge-c.Paid != claimAdj+lineAdj {
			out = append(out, Imbalance{Level: "claim", Claim: c.PatientControlNumber, Pos: c.Pos,
				Expected: c.Charge - c.Paid, Actual: claimAdj + lineAdj, Rule: "claim charge − claim paid = claim and line adjustments"})
		}
		if len(c.Lines) > 0 && c.Paid != linePaid-claimAdj {
			out = append(out, Imbalance{Level: "claim", Claim: c.PatientControlNumber, Pos: c.Pos,
				Expected: linePaid - claimAdj, Actual: c.Paid, Rule: "claim paid = line payments − claim adjustments"})
		}
	}
	var plb claims.Money
	for _, a := range r.Adjustments {
		plb += a.Amount
	}
	if r.Payment != paid-plb {
		out = append(out, Imbalance{Level: "transaction", Pos: r.Pos, Expected: paid - plb, Actual: r.Payment,
			Rule: "BPR02 = claim payments − provider-level adjustments"})
	}
	return out
}

func sum(adj []Adjustment) claims.Money {
	var t claims.Money
	for _, a := range adj {
		t += a.Amount
	}
	return t
}
