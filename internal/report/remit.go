package report

import (
	"fmt"
	"sort"
	"strings"

	"github.com/medcode/medcode/internal/claims"
	"github.com/medcode/medcode/internal/claims/carc"
	"github.com/medcode/medcode/internal/claims/x835"
)

// remitClaim is a claim adjudication with the remittance it came in.
type remitClaim struct {
	cp    *x835.ClaimPayment
	payer string
}

// finalAdjudications returns the last adjudication of each claim, in
// payment-date order: a reversal (CLP02 22) cancels the adjudication
// before it, and a later adjudication replaces an earlier one.
func finalAdjudications(rs []*x835.Remittance, in *Inputs) (map[string]remitClaim, []string) {
	ordered := append([]*x835.Remittance(nil), rs...)
	sort.SliceStable(ordered, func(i, j int) bool { return ordered[i].Date.Before(ordered[j].Date) })
	final := map[string]remitClaim{}
	var order []string
	for _, r := range ordered {
		for i := range r.Claims {
			cp := &r.Claims[i]
			in.RemitClaims++
			id := cp.PatientControlNumber
			if cp.Status == x835.StatusReversal {
				in.Reversals++
				delete(final, id)
				continue
			}
			if _, seen := final[id]; !seen {
				order = append(order, id)
			}
			final[id] = remitClaim{cp: cp, payer: r.Payer.Name}
		}
	}
	return final, order
}

// remits turns the remittances into line findings (every claim line with
// its adjudication) and denial findings.
func (b *builder) remits(rs []*x835.Remittance, in *Inputs) {
	final, order := finalAdjudications(rs, in)
	for _, c := range b.claims {
		rc, ok := final[c.ID]
		if !ok {
			for i := range c.Lines {
				f := b.base(AnalysisLine, c, i+1)
				f.Category, f.Detail = LineNoRemit, "no adjudication of the claim in the remittances"
				b.add(f)
			}
			continue
		}
		b.adjudicated(c, rc)
	}
	for _, id := range order {
		if _, ok := b.byID[id]; ok {
			continue
		}
		rc, ok := final[id]
		if !ok {
			continue // reversed and not re-adjudicated
		}
		in.UnmatchedRemits++
		b.unmatchedDenials(rc)
	}
}

// adjudicated records the lines of a claim the remittances adjudicated.
// Without service lines in the remittance, the claim's payment and its
// claim-level denials are shared among the lines by charge; with them,
// claim-level denials are recorded once for the claim (line 0).
func (b *builder) adjudicated(c *claims.Claim, rc remitClaim) {
	cp := rc.cp
	paired := matchLines(c, cp)
	var claimDenials []x835.Adjustment
	for _, a := range cp.Adjustments {
		if b.isDenial(a, cp.Paid) {
			claimDenials = append(claimDenials, a)
		}
	}
	total := c.TotalCharge()
	for i, l := range c.Lines {
		f := b.base(AnalysisLine, c, i+1)
		lp := paired[i]
		var denials []x835.Adjustment
		remarks := cp.Remarks
		switch {
		case lp != nil:
			f.Paid, remarks = lp.Paid, lp.Remarks
			for _, a := range lp.Adjustments {
				switch a.Group {
				case "CO":
					f.Contractual += a.Amount
				case "PR":
					f.PatientResp += a.Amount
				default:
					f.OtherAdj += a.Amount
				}
				if b.isDenial(a, lp.Paid) {
					denials = append(denials, a)
				}
			}
		case len(cp.Lines) == 0 && total > 0:
			f.Paid = cp.Paid * l.Charge / total
			for _, a := range claimDenials {
				a.Amount = a.Amount * l.Charge / total
				denials = append(denials, a)
			}
		}
		switch {
		case len(denials) > 0:
			f.Category = LineDenied
		case lp == nil && len(cp.Lines) > 0:
			f.Category, f.Detail = LineNoRemit, "the remittance has no service line for this line"
		case f.Paid > 0:
			f.Category = LinePaid
		default:
			f.Category = LineUnpaid
		}
		for k, a := range denials {
			f.Amount += a.Amount
			b.denial(c, i+1, a, remarks, k == 0)
		}
		if f.Detail == "" {
			f.Detail = adjustmentSummary(lp, denials)
		}
		b.add(f)
	}
	if len(cp.Lines) > 0 {
		for _, a := range claimDenials {
			b.denial(c, 0, a, cp.Remarks, false)
		}
	}
}

// matchLines pairs each claim line with the service line the payer sent
// for it (nil when none): same code (as submitted), then same date and
// charge, first unused first.
func matchLines(c *claims.Claim, cp *x835.ClaimPayment) []*x835.LinePayment {
	out := make([]*x835.LinePayment, len(c.Lines))
	used := make([]bool, len(cp.Lines))
	pass := func(strict bool) {
		for i, l := range c.Lines {
			if out[i] != nil {
				continue
			}
			for j := range cp.Lines {
				lp := &cp.Lines[j]
				code := lp.Code
				if lp.SubmittedCode != "" {
					code = lp.SubmittedCode
				}
				if used[j] || code != l.Code {
					continue
				}
				if strict && (lp.Charge != l.Charge || !lp.DOS.IsZero() && lp.DOS != l.DOS) {
					continue
				}
				used[j] = true
				out[i] = lp
				break
			}
		}
	}
	pass(true)
	pass(false)
	return out
}

// isDenial reports whether an adjustment denies what it adjusts: its
// reason is a denial, eligibility or coordination-of-benefits reason, or
// an unknown reason on something paid nothing.
func (b *builder) isDenial(a x835.Adjustment, paid claims.Money) bool {
	r, ok := b.reasons.Reason(a.Reason)
	if !ok {
		return paid == 0 && a.Amount > 0
	}
	switch r.Kind {
	case carc.KindDenial, carc.KindEligibility, carc.KindCOB:
		return a.Amount > 0
	}
	return false
}

// denial records one denial adjustment of a claim line (line 0: of the
// claim); priced tells whether the line's value goes with this one.
func (b *builder) denial(c *claims.Claim, line int, a x835.Adjustment, remarks []string, priced bool) {
	f := b.base(AnalysisDenial, c, line)
	f.Category, f.Item, f.Amount = a.Group, a.Reason, a.Amount
	b.describeDenial(&f, a, remarks)
	if line > 0 && priced {
		l := c.Lines[line-1]
		p := b.price.price(l.Code, l.Modifiers, l.Units, b.pos(c, l))
		f.Estimate, f.RVU = p.Amount, p.RVU
		f.Opportunity = b.recoverable(a)
	}
	b.add(f)
}

// unmatchedDenials records the denials of a claim the claims file lacks,
// by payer class only (the provider is unknown).
func (b *builder) unmatchedDenials(rc remitClaim) {
	cp := rc.cp
	class := claims.PayerClassOfFilingIndicator(cp.FilingIndicator)
	add := func(line int, lp *x835.LinePayment, a x835.Adjustment, remarks []string) {
		f := Finding{Analysis: AnalysisDenial, ClaimID: cp.PatientControlNumber, Line: line, PayerClass: class, Payer: rc.payer,
			Category: a.Group, Item: a.Reason, Amount: a.Amount}
		if lp != nil {
			f.DOS, f.Code, f.Units, f.Charge = lp.DOS, strings.Join(append([]string{lp.Code}, lp.Modifiers...), "-"), lp.Units, lp.Charge
		}
		if f.DOS.IsZero() {
			f.DOS = cp.ServiceStart
		}
		f.Week = weekOf(f.DOS)
		b.describeDenial(&f, a, remarks)
		f.Detail += " (claim not in the claims file)"
		b.extra = append(b.extra, f)
	}
	for _, a := range cp.Adjustments {
		if b.isDenial(a, cp.Paid) {
			add(0, nil, a, cp.Remarks)
		}
	}
	for j := range cp.Lines {
		lp := &cp.Lines[j]
		for _, a := range lp.Adjustments {
			if b.isDenial(a, lp.Paid) {
				add(j+1, lp, a, lp.Remarks)
			}
		}
	}
}

// describeDenial fills the reason's description, remarks and fix.
func (b *builder) describeDenial(f *Finding, a x835.Adjustment, remarks []string) {
	r, ok := b.reasons.Reason(a.Reason)
	if ok {
		f.Detail, f.Fix = r.Description, r.Fix
		if len(r.Edits) > 0 {
			f.Expected = "prevented by " + strings.Join(r.Edits, ", ")
		}
	} else {
		f.Detail = "reason code " + a.Reason + " (not in the CARC table)"
	}
	for _, rm := range remarks {
		if d, ok := b.reasons.Remark(rm); ok {
			f.Detail += "; " + rm + ": " + d.Description
			// The fixes are phrases without a final stop: join them as
			// sentences.
			if f.Fix == "" {
				f.Fix = d.Fix
			} else {
				f.Fix += ". " + d.Fix
			}
		}
	}
	f.Remarks = strings.Join(remarks, " ")
}

// recoverable reports whether a corrected claim can recover a denial: a
// contractual (CO) denial whose reason is not one that no fix recovers.
func (b *builder) recoverable(a x835.Adjustment) bool {
	r, ok := b.reasons.Reason(a.Reason)
	_, lost := b.tabs.Unrecoverable[a.Reason]
	return ok && a.Group == "CO" && r.Kind == carc.KindDenial && !lost
}

// adjustmentSummary describes a line's adjustments, e.g. "CO-45 $40.00; PR-2 $12.10".
func adjustmentSummary(lp *x835.LinePayment, denials []x835.Adjustment) string {
	var adj []x835.Adjustment
	if lp != nil {
		adj = lp.Adjustments
	} else {
		adj = denials
	}
	parts := make([]string, 0, len(adj))
	for _, a := range adj {
		parts = append(parts, fmt.Sprintf("%s-%s %s", a.Group, a.Reason, a.Amount.Dollars()))
	}
	return strings.Join(parts, "; ")
}

// pos is the place of service of a line.
func (b *builder) pos(c *claims.Claim, l claims.Line) string {
	if l.PlaceOfService != "" {
		return l.PlaceOfService
	}
	return c.PlaceOfService
}
