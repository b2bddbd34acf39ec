package synth

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"

	"github.com/medcode/medcode/internal/claims"
	"github.com/medcode/medcode/internal/claims/x835"
)

// RemitOptions shape generated remittances. Rates are probabilities in [0,1].
type RemitOptions struct {
	LineDenialRate  float64 // share of lines denied (default 0.08)
	ClaimDenialRate float64 // share of claims denied whole (default 0.02)
	ReversalRate    float64 // share of claims reversed and re-adjudicated (default 0.01)
	// MaxClaims caps the claims of one remittance (default 200).
	MaxClaims int
}

// reason is a weighted adjustment reason from data/adjudication.tsv.
type reason struct {
	group, carc, rarc string
	weight            int
}

// policy is how one payer class adjudicates.
type policy struct {
	allowedMin, allowedMax int // percent of charge
	coinsurance            int // percent
	copay                  claims.Money
	deductibleRate         int // percent of claims
	deductible             claims.Money
	sequestration          int // percent
}

type adjudication struct {
	policies     map[claims.PayerClass]*policy
	lineDenials  []reason
	claimDenials []reason
	providerAdj  []reason // group holds the sign
}

var (
	adjOnce sync.Once
	adjData *adjudication
	adjErr  error
)

func loadAdjudication() (*adjudication, error) {
	adjOnce.Do(func() { adjData, adjErr = parseAdjudication() })
	return adjData, adjErr
}

func parseAdjudication() (*adjudication, error) {
	a := &adjudication{policies: map[claims.PayerClass]*policy{}}
	for _, c := range claims.PayerClasses {
		a.policies[c] = &policy{}
	}
	b, err := dataFS.ReadFile("data/adjudication.tsv")
	if err != nil {
		return nil, fmt.Errorf("synth: %w", err)
	}
	for n, line := range strings.Split(string(b), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if err := a.row(strings.Split(line, "\t")); err != nil {
			return nil, fmt.Errorf("synth: data/adjudication.tsv line %d: %w", n+1, err)
		}
	}
	if len(a.lineDenials) == 0 || len(a.claimDenials) == 0 || len(a.providerAdj) == 0 {
		return nil, fmt.Errorf("synth: data/adjudication.tsv lacks denial or provider adjustment reasons")
	}
	for c, p := range a.policies {
		if p.allowedMax == 0 {
			return nil, fmt.Errorf("synth: data/adjudication.tsv has no allowed rate for %s", c)
		}
	}
	return a, nil
}

func (a *adjudication) row(f []string) error {
	nums := func(from int) ([]int, error) {
		var out []int
		for _, s := range f[from:] {
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 {
				return nil, fmt.Errorf("%q is not a non-negative number", s)
			}
			out = append(out, n)
		}
		return out, nil
	}
	want := map[string]int{"allowed": 4, "coinsurance": 3, "copay": 3, "deductible": 4, "sequestration": 3, "line_denial": 5, "claim_denial": 5, "provider": 4}
	n, ok := want[f[0]]
	if !ok {
		return fmt.Errorf("unknown kind %q", f[0])
	}
	if len(f) != n {
		return fmt.Errorf("%s has %d fields, want %d", f[0], len(f), n)
	}
	switch f[0] {
	case "line_denial", "claim_denial":
		w, err := nums(4)
		if err != nil {
			return err
		}
		if !x835.Groups[f[1]] {
			return fmt.Errorf("group %q", f[1])
		}
		r := reason{group: f[1], carc: f[2], rarc: f[3], weight: w[0]}
		if r.rarc == "-" {
			r.rarc = ""
		}
		if f[0] == "line_denial" {
			a.lineDenials = append(a.lineDenials, r)
		} else {
			a.claimDenials = append(a.claimDenials, r)
		}
		return nil
	case "provider":
		w, err := nums(3)
		if err != nil {
			return err
		}
		if f[2] != "+" && f[2] != "-" {
			return fmt.Errorf("sign %q is not + or -", f[2])
		}
		a.providerAdj = append(a.providerAdj, reason{carc: f[1], group: f[2], weight: w[0]})
		return nil
	}
	class, err := claims.ParsePayerClass(f[1])
	if err != nil {
		return err
	}
	v, err := nums(2)
	if err != nil {
		return err
	}
	p := a.policies[class]
	switch f[0] {
	case "allowed":
		if v[0] > v[1] || v[1] > 100 {
			return fmt.Errorf("allowed range %d-%d", v[0], v[1])
		}
		p.allowedMin, p.allowedMax = v[0], v[1]
	case "coinsurance":
		p.coinsurance = v[0]
	case "copay":
		p.copay = claims.Money(v[0] * 100)
	case "deductible":
		p.deductibleRate, p.deductible = v[0], claims.Money(v[1]*100)
	case "sequestration":
		p.sequestration = v[0]
	}
	return nil
}

func pickReason(rng *rand.Rand, rs []reason) reason {
	total := 0
	for _, r := range rs {
		total += r.weight
	}
	n := rng.IntN(total)
	for _, r := range rs {
		if n < r.weight {
			return r
		}
		n -= r.weight
	}
	return rs[len(rs)-1]
}

// Remittances adjudicates claims the way payers do and returns one
// remittance per payer and billing provider (split at MaxClaims): allowed
// amounts with the contractual write-off (CO-45), deductible, coinsurance
// and copay (PR-1/2/3), Medicare sequestration (CO-253), line and claim
// denials with their remark codes, occasional reversals with
// re-adjudication, and provider-level interest or recoupments. Every
// remittance balances.
func Remittances(rng *rand.Rand, cs []*claims.Claim, o RemitOptions) ([]*x835.Remittance, error) {
	rs, _, err := remittances(rng, cs, o)
	return rs, err
}

// Denial is a line the generated remittances deny in the claim's final
// adjudication (a reversed adjudication does not count): what a report
// built from the 835 should find.
type Denial struct {
	ClaimID string
	Line    int // 1-based service line of the claim
	Group   string
	CARC    string
	RARC    string // "" when none
	Amount  claims.Money
	// WholeClaim is set when the payer denied the whole claim (CLP02 = 4).
	WholeClaim bool
}

// remittances is Remittances that also returns the denials it decided.
func remittances(rng *rand.Rand, cs []*claims.Claim, o RemitOptions) ([]*x835.Remittance, []Denial, error) {
	a, err := loadAdjudication()
	if err != nil {
		return nil, nil, err
	}
	if o.LineDenialRate == 0 {
		o.LineDenialRate = 0.08
	}
	if o.ClaimDenialRate == 0 {
		o.ClaimDenialRate = 0.02
	}
	if o.ReversalRate == 0 {
		o.ReversalRate = 0.01
	}
	if o.MaxClaims <= 0 {
		o.MaxClaims = 200
	}
	type key struct{ payer, npi string }
	var order []key
	groups := map[key][]*claims.Claim{}
	for _, c := range cs {
		k := key{c.Payer.ID, c.Billing.NPI}
		if len(groups[k]) == 0 {
			order = append(order, k)
		}
		groups[k] = append(groups[k], c)
	}
	adj := &adjudicator{rng: rng, a: a, o: o}
	var out []*x835.Remittance
	for _, k := range order {
		g := groups[k]
		for start := 0; start < len(g); start += o.MaxClaims {
			out = append(out, adj.remittance(g[start:min(len(g), start+o.MaxClaims)]))
		}
	}
	return out, adj.denials, nil
}

type adjudicator struct {
	rng     *rand.Rand
	a       *adjudication
	o       RemitOptions
	denials []Denial // of the final adjudications, in order
}

func (ad *adjudicator) chance(p float64) bool { return ad.rng.Float64() < p }

func (ad *adjudicator) remittance(cs []*claims.Claim) *x835.Remittance {
	first := cs[0]
	r := &x835.Remittance{
		CreditDebit:  "C",
		TraceNumber:  strconv.FormatUint(1_000_000_000+ad.rng.Uint64N(9_000_000_000), 10),
		OriginatorID: "1" + strconv.FormatUint(100_000_000+ad.rng.Uint64N(900_000_000), 10),
		Payer:        x835.Party{Name: first.Payer.Name},
		Payee:        x835.Party{Name: payeeName(first.Billing), IDQualifier: "XX", ID: first.Billing.NPI},
	}
	var latest claims.Date
	var paid claims.Money
	for _, c := range cs {
		if ad.chance(ad.o.ReversalRate) {
			prior, _ := ad.adjudicate(c)
			r.Claims = append(r.Claims, reverse(prior))
			paid += -prior.Paid
		}
		cp, denied := ad.adjudicate(c)
		ad.denials = append(ad.denials, denied...)
		r.Claims = append(r.Claims, cp)
		paid += cp.Paid
		for _, l := range c.Lines {
			if latest.Before(l.DOS) {
				latest = l.DOS
			}
		}
	}
	r.Date = latest.AddDays(14 + ad.rng.IntN(21))
	if ad.chance(0.1) && paid > 0 {
		pr := pickReason(ad.rng, ad.a.providerAdj)
		amount := claims.Money(100 + ad.rng.IntN(1500))
		reference := ""
		if pr.group == "+" {
			amount = min(paid, claims.Money(2000+ad.rng.IntN(8000)))
			reference = first.ID // the overpaid claim being recovered
		} else {
			amount = -amount
		}
		r.Adjustments = append(r.Adjustments, x835.ProviderAdjustment{
			ProviderID: first.Billing.NPI, FiscalDate: claims.Date{Year: r.Date.Year, Month: 12, Day: 31},
			Reason: pr.carc, Reference: reference, Amount: amount,
		})
		paid -= amount
	}
	if paid < 0 {
		// More was reversed than paid: the payer carries the negative
		// balance forward to a later remittance.
		r.Adjustments = append(r.Adjustments, x835.ProviderAdjustment{
			ProviderID: first.Billing.NPI, FiscalDate: claims.Date{Year: r.Date.Year, Month: 12, Day: 31},
			Reason: "FB", Reference: r.TraceNumber, Amount: paid,
		})
		paid = 0
	}
	r.Payment = paid
	r.Handling, r.Method = "C", "CHK"
	if paid == 0 {
		r.Handling, r.Method = "H", "NON"
	}
	return r
}

func payeeName(p claims.Provider) string {
	if p.Organization != "" {
		return p.Organization
	}
	return p.LastName + " " + p.FirstName
}

// preventive reports codes with no patient cost-sharing (preventive
// visits, wellness visits and vaccines with their administration).
func preventive(code string) bool {
	switch {
	case code >= "99381" && code <= "99397", code == "G0438", code == "G0439", code == "G0402":
		return true
	case code >= "90460" && code <= "90474", code >= "90476" && code <= "90759", code == "G0008", code == "G0009", code == "G0010":
		return true
	}
	return false
}

func isOfficeEM(code string) bool { return code >= "99202" && code <= "99215" }

// adjudicate decides one claim and returns the lines it denied.
func (ad *adjudicator) adjudicate(c *claims.Claim) (x835.ClaimPayment, []Denial) {
	p := ad.a.policies[c.Payer.Class]
	cp := x835.ClaimPayment{
		PatientControlNumber: c.ID, Status: x835.StatusPrimary, Charge: c.TotalCharge(),
		FilingIndicator: c.Payer.Class.FilingIndicator(), PlaceOfService: c.PlaceOfService, Frequency: "1",
		PayerClaimNumber: strconv.FormatUint(10_000_000_000_000+ad.rng.Uint64N(90_000_000_000_000), 10),
	}
	if id := c.Patient.Identity; id != nil && c.Insured != nil {
		cp.Patient = &x835.Name{LastName: id.LastName, FirstName: id.FirstName, IDQualifier: "MI", ID: c.Insured.MemberID}
	}
	var claimDenial *reason
	if ad.chance(ad.o.ClaimDenialRate) {
		r := pickReason(ad.rng, ad.a.claimDenials)
		claimDenial = &r
		cp.Status = x835.StatusDenied
	}
	deductible := claims.Money(0)
	if ad.rng.IntN(100) < p.deductibleRate {
		deductible = p.deductible
	}
	copayDue := p.copay
	rate := p.allowedMin + ad.rng.IntN(p.allowedMax-p.allowedMin+1)
	var denied []Denial
	for i, l := range c.Lines {
		lp := x835.LinePayment{Qualifier: "HC", Code: l.Code, Modifiers: l.Modifiers, Charge: l.Charge, Units: l.Units, DOS: l.DOS}
		switch {
		case claimDenial != nil:
			lp.Adjustments = []x835.Adjustment{{Group: claimDenial.group, Reason: claimDenial.carc, Amount: l.Charge}}
			denied = append(denied, Denial{ClaimID: c.ID, Line: i + 1, Group: claimDenial.group, CARC: claimDenial.carc, Amount: l.Charge, WholeClaim: true})
		case ad.chance(ad.o.LineDenialRate):
			d := pickReason(ad.rng, ad.a.lineDenials)
			lp.Adjustments = []x835.Adjustment{{Group: d.group, Reason: d.carc, Amount: l.Charge}}
			if d.rarc != "" {
				lp.Remarks = []string{d.rarc}
			}
			denied = append(denied, Denial{ClaimID: c.ID, Line: i + 1, Group: d.group, CARC: d.carc, RARC: d.rarc, Amount: l.Charge})
		default:
			ad.pay(&lp, p, rate, &deductible, &copayDue)
		}
		for _, a := range lp.Adjustments {
			if a.Group == "PR" {
				cp.PatientResponsibility += a.Amount
			}
		}
		cp.Paid += lp.Paid
		cp.Lines = append(cp.Lines, lp)
	}
	return cp, denied
}

// pay prices a covered line: allowed amount, patient share, sequestration.
func (ad *adjudicator) pay(lp *x835.LinePayment, p *policy, rate int, deductible, copayDue *claims.Money) {
	allowed := lp.Charge * claims.Money(rate) / 100
	lp.Allowed = &allowed
	add := func(group, carc string, amount claims.Money) {
		if amount > 0 {
			lp.Adjustments = append(lp.Adjustments, x835.Adjustment{Group: group, Reason: carc, Amount: amount})
		}
	}
	add("CO", "45", lp.Charge-allowed)
	payable := allowed
	if !preventive(lp.Code) {
		ded := min(*deductible, payable)
		*deductible -= ded
		payable -= ded
		add("PR", "1", ded)
		if isOfficeEM(lp.Code) && *copayDue > 0 {
			copay := min(*copayDue, payable)
			*copayDue = 0
			payable -= copay
			add("PR", "3", copay)
		}
		coins := payable * claims.Money(p.coinsurance) / 100
		payable -= coins
		add("PR", "2", coins)
	}
	seq := payable * claims.Money(p.sequestration) / 100
	payable -= seq
	add("CO", "253", seq)
	lp.Paid = payable
}

// reverse returns the reversal of an earlier adjudication: every amount
// negated, status 22.
func reverse(cp x835.ClaimPayment) x835.ClaimPayment {
	rv := cp
	rv.Status = x835.StatusReversal
	rv.Charge, rv.Paid, rv.PatientResponsibility = -cp.Charge, -cp.Paid, -cp.PatientResponsibility
	rv.Lines = make([]x835.LinePayment, len(cp.Lines))
	for i, l := range cp.Lines {
		l.Charge, l.Paid = -l.Charge, -l.Paid
		if l.Allowed != nil {
			a := -*l.Allowed
			l.Allowed = &a
		}
		adj := make([]x835.Adjustment, len(l.Adjustments))
		for j, a := range l.Adjustments {
			a.Amount = -a.Amount
			adj[j] = a
		}
		l.Adjustments = adj
		rv.Lines[i] = l
	}
	return rv
}
