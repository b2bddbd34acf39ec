package x835

import (
	"fmt"
	"strconv"

	"github.com/medcode/medcode/internal/claims"
	"github.com/medcode/medcode/internal/claims/x12"
)

// segments835 lists every segment identifier the 835 guide allows between
// ST and SE.
var segments835 = map[string]bool{
	"BPR": true, "TRN": true, "CUR": true, "REF": true, "DTM": true, "N1": true, "N2": true, "N3": true, "N4": true,
	"PER": true, "RDM": true, "LX": true, "TS3": true, "TS2": true, "CLP": true, "CAS": true, "NM1": true, "MIA": true,
	"MOA": true, "AMT": true, "QTY": true, "SVC": true, "LQ": true, "PLB": true,
}

var (
	handlingCodes = map[string]bool{"C": true, "D": true, "H": true, "I": true, "P": true, "U": true, "X": true}
	methodCodes   = map[string]bool{"ACH": true, "BOP": true, "CHK": true, "FWT": true, "NON": true}
	claimStatuses = map[string]bool{"1": true, "2": true, "3": true, "4": true, "19": true, "20": true, "21": true, "22": true, "23": true, "25": true}
)

// Parse reads every 835 transaction set in data. Malformed segments are
// rejected with their position; whether the amounts balance is a separate
// question (Remittance.Balance), so that an unbalanced remittance can
// still be shown and reported.
func Parse(data []byte) ([]*Remittance, error) {
	ics, err := x12.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("x835: %w", err)
	}
	var out []*Remittance
	for _, ic := range ics {
		for _, g := range ic.Groups {
			for _, t := range g.Transactions {
				if t.Code != "835" {
					return nil, fmt.Errorf("x835: transaction set %s at segment %d is not an 835", t.Code, t.Pos)
				}
				r, err := parseTransaction(t)
				if err != nil {
					return nil, fmt.Errorf("x835: %w", err)
				}
				out = append(out, r)
			}
		}
	}
	return out, nil
}

// parser walks one transaction set.
type parser struct {
	r     *Remittance
	party *Party // the N1 loop N3/N4 belong to
	claim *ClaimPayment
	line  *LinePayment
	plb   bool
}

func parseTransaction(t x12.Transaction) (*Remittance, error) {
	p := &parser{r: &Remittance{ControlNumber: t.ControlNumber, Pos: t.Pos}}
	if len(t.Segments) == 0 || t.Segments[0].ID() != "BPR" {
		return nil, &x12.Error{Pos: t.Pos + 1, Reason: "an 835 starts with BPR"}
	}
	for _, seg := range t.Segments {
		if err := p.segment(seg); err != nil {
			return nil, err
		}
	}
	if p.r.TraceNumber == "" {
		return nil, &x12.Error{Pos: t.Pos, Segment: "ST", Reason: fmt.Sprintf("transaction %s has no TRN (reassociation trace number)", t.ControlNumber)}
	}
	if p.r.Payer.Name == "" || p.r.Payee.Name == "" {
		return nil, &x12.Error{Pos: t.Pos, Segment: "ST", Reason: fmt.Sprintf("transaction %s lacks the payer (N1*PR) or payee (N1*PE)", t.ControlNumber)}
	}
	return p.r, nil
}

func (p *parser) segment(seg x12.Segment) error {
	id := seg.ID()
	if !segments835[id] {
		return seg.Errorf(0, "segment %s is not part of an 835", id)
	}
	if p.plb && id != "PLB" {
		return seg.Errorf(0, "%s after the provider-level adjustments (PLB ends the transaction)", id)
	}
	switch id {
	case "BPR":
		return p.bpr(seg)
	case "TRN":
		if seg.Element(2) == "" {
			return seg.Errorf(2, "no check or EFT trace number")
		}
		p.r.TraceNumber, p.r.OriginatorID = seg.Element(2), seg.Element(3)
	case "N1":
		return p.n1(seg)
	case "N3":
		if p.party != nil {
			a := p.address()
			a.Line1, a.Line2 = seg.Element(1), seg.Element(2)
		}
	case "N4":
		if p.party != nil {
			a := p.address()
			a.City, a.State, a.Zip = seg.Element(1), seg.Element(2), seg.Element(3)
		}
	case "LX":
		p.party, p.claim, p.line = nil, nil, nil
	case "CLP":
		return p.clp(seg)
	case "CAS":
		return p.cas(seg)
	case "NM1":
		if p.claim != nil && p.line == nil && seg.Element(1) == "QC" {
			p.claim.Patient = &Name{LastName: seg.Element(3), FirstName: seg.Element(4), IDQualifier: seg.Element(8), ID: seg.Element(9)}
		}
	case "MOA":
		if p.claim == nil {
			return seg.Errorf(0, "MOA outside a claim")
		}
		for n := 3; n <= 7; n++ {
			if v := seg.Element(n); v != "" {
				p.claim.Remarks = append(p.claim.Remarks, v)
			}
		}
	case "DTM":
		return p.dtm(seg)
	case "SVC":
		return p.svc(seg)
	case "AMT":
		if p.line != nil && seg.Element(1) == "B6" {
			m, err := claims.ParseMoney(seg.Element(2))
			if err != nil {
				return seg.Errorf(2, "allowed amount: %v", err)
			}
			p.line.Allowed = &m
		}
	case "REF":
		if p.line != nil && seg.Element(1) == "6R" {
			p.line.ControlNumber = seg.Element(2)
		}
	case "LQ":
		if p.line == nil {
			return seg.Errorf(0, "LQ outside a service line")
		}
		if seg.Element(1) == "HE" {
			if seg.Element(2) == "" {
				return seg.Errorf(2, "empty remark code")
			}
			p.line.Remarks = append(p.line.Remarks, seg.Element(2))
		}
	case "PLB":
		return p.plbSegment(seg)
	}
	return nil
}

func (p *parser) bpr(seg x12.Segment) error {
	if p.r.Handling != "" {
		return seg.Errorf(0, "second BPR in one transaction")
	}
	if !handlingCodes[seg.Element(1)] {
		return seg.Errorf(1, "transaction handling code %q is not C, D, H, I, P, U or X", seg.Element(1))
	}
	amt, err := claims.ParseMoney(seg.Element(2))
	if err != nil || amt < 0 {
		return seg.Errorf(2, "payment amount %q is not a non-negative amount", seg.Element(2))
	}
	if cd := seg.Element(3); cd != "C" && cd != "D" {
		return seg.Errorf(3, "credit/debit flag %q is not C or D", cd)
	}
	if !methodCodes[seg.Element(4)] {
		return seg.Errorf(4, "payment method %q is not ACH, BOP, CHK, FWT or NON", seg.Element(4))
	}
	d, err := parseD8(seg.Element(16))
	if err != nil {
		return seg.Errorf(16, "payment date: %v", err)
	}
	p.r.Handling, p.r.Payment, p.r.CreditDebit, p.r.Method, p.r.Date = seg.Element(1), amt, seg.Element(3), seg.Element(4), d
	return nil
}

func (p *parser) n1(seg x12.Segment) error {
	if p.claim != nil {
		return seg.Errorf(0, "N1 after the first claim")
	}
	var party *Party
	switch seg.Element(1) {
	case "PR":
		party = &p.r.Payer
	case "PE":
		party = &p.r.Payee
	default:
		return seg.Errorf(1, "entity %q is not PR (payer) or PE (payee)", seg.Element(1))
	}
	if seg.Element(2) == "" {
		return seg.Errorf(2, "no name")
	}
	party.Name, party.IDQualifier, party.ID = seg.Element(2), seg.Element(3), seg.Element(4)
	p.party = party
	return nil
}

func (p *parser) address() *claims.Address {
	if p.party.Address == nil {
		p.party.Address = &claims.Address{}
	}
	return p.party.Address
}

func (p *parser) clp(seg x12.Segment) error {
	if p.r.Payee.Name == "" {
		return seg.Errorf(0, "claim before the payee (N1*PE)")
	}
	c := ClaimPayment{PatientControlNumber: seg.Element(1), Status: seg.Element(2), FilingIndicator: seg.Element(6),
		PayerClaimNumber: seg.Element(7), PlaceOfService: seg.Element(8), Frequency: seg.Element(9), Pos: seg.Pos}
	if c.PatientControlNumber == "" {
		return seg.Errorf(1, "no patient control number")
	}
	if !claimStatuses[c.Status] {
		return seg.Errorf(2, "claim status %q is not a known CLP02 code", c.Status)
	}
	var err error
	if c.Charge, err = claims.ParseMoney(seg.Element(3)); err != nil {
		return seg.Errorf(3, "charge: %v", err)
	}
	if c.Paid, err = claims.ParseMoney(seg.Element(4)); err != nil {
		return seg.Errorf(4, "payment: %v", err)
	}
	if v := seg.Element(5); v != "" {
		if c.PatientResponsibility, err = claims.ParseMoney(v); err != nil {
			return seg.Errorf(5, "patient responsibility: %v", err)
		}
	}
	p.r.Claims = append(p.r.Claims, c)
	p.claim, p.line, p.party = &p.r.Claims[len(p.r.Claims)-1], nil, nil
	return nil
}

func (p *parser) cas(seg x12.Segment) error {
	var target *[]Adjustment
	switch {
	case p.line != nil:
		target = &p.line.Adjustments
	case p.claim != nil:
		target = &p.claim.Adjustments
	default:
		return seg.Errorf(0, "CAS outside a claim or service line")
	}
	adj, err := parseCAS(seg)
	if err != nil {
		return err
	}
	*target = append(*target, adj...)
	return nil
}

// parseCAS reads the group code and up to six reason/amount/quantity triples.
func parseCAS(seg x12.Segment) ([]Adjustment, error) {
	group := seg.Element(1)
	if !Groups[group] {
		return nil, seg.Errorf(1, "group code %q is not CO, PR, OA, PI or CR", group)
	}
	if seg.Count() > 1+3*MaxCASReasons {
		return nil, seg.Errorf(1+3*MaxCASReasons+1, "more than %d reason triples", MaxCASReasons)
	}
	var out []Adjustment
	for k := 0; k < MaxCASReasons; k++ {
		reasonEl := 2 + 3*k
		reason, amount, qty := seg.Element(reasonEl), seg.Element(reasonEl+1), seg.Element(reasonEl+2)
		if reason == "" && amount == "" && qty == "" {
			continue
		}
		if reason == "" {
			return nil, seg.Errorf(reasonEl, "amount without a reason code")
		}
		m, err := claims.ParseMoney(amount)
		if err != nil {
			return nil, seg.Errorf(reasonEl+1, "adjustment amount: %v", err)
		}
		a := Adjustment{Group: group, Reason: reason, Amount: m}
		if qty != "" {
			if a.Quantity, err = strconv.Atoi(qty); err != nil {
				return nil, seg.Errorf(reasonEl+2, "adjustment quantity %q is not a whole number", qty)
			}
		}
		out = append(out, a)
	}
	if len(out) == 0 {
		return nil, seg.Errorf(2, "no adjustment reason")
	}
	return out, nil
}

func (p *parser) dtm(seg x12.Segment) error {
	qual := seg.Element(1)
	var target *claims.Date
	switch {
	case p.line != nil && (qual == "472" || qual == "150"):
		target = &p.line.DOS
	case p.claim != nil && p.line == nil && qual == "232":
		target = &p.claim.ServiceStart
	case p.claim != nil && p.line == nil && qual == "233":
		target = &p.claim.ServiceEnd
	default:
		return nil
	}
	d, err := parseD8(seg.Element(2))
	if err != nil {
		return seg.Errorf(2, "%v", err)
	}
	*target = d
	return nil
}

func (p *parser) svc(seg x12.Segment) error {
	if p.claim == nil {
		return seg.Errorf(0, "service line outside a claim")
	}
	proc := seg.Components(1)
	if len(proc) < 2 || proc[0] == "" || proc[1] == "" {
		return seg.Errorf(1, "no procedure qualifier and code")
	}
	if len(proc) > 7 {
		return seg.Errorf(1, "more than four modifiers")
	}
	l := LinePayment{Qualifier: proc[0], Code: proc[1], Units: 1, Pos: seg.Pos}
	for _, m := range proc[2:min(len(proc), 6)] {
		if m != "" {
			l.Modifiers = append(l.Modifiers, m)
		}
	}
	var err error
	if l.Charge, err = claims.ParseMoney(seg.Element(2)); err != nil {
		return seg.Errorf(2, "line charge: %v", err)
	}
	if l.Paid, err = claims.ParseMoney(seg.Element(3)); err != nil {
		return seg.Errorf(3, "line payment: %v", err)
	}
	if v := seg.Element(5); v != "" {
		if l.Units, err = claims.ParseUnits(v); err != nil {
			return seg.Errorf(5, "%v", err)
		}
	}
	l.SubmittedCode = seg.Component(6, 2)
	p.claim.Lines = append(p.claim.Lines, l)
	p.line = &p.claim.Lines[len(p.claim.Lines)-1]
	return nil
}

func (p *parser) plbSegment(seg x12.Segment) error {
	p.plb, p.claim, p.line = true, nil, nil
	if seg.Element(1) == "" {
		return seg.Errorf(1, "no provider identifier")
	}
	d, err := parseD8(seg.Element(2))
	if err != nil {
		return seg.Errorf(2, "fiscal period date: %v", err)
	}
	if seg.Count() > 2+2*MaxCASReasons {
		return seg.Errorf(2+2*MaxCASReasons+1, "more than %d adjustments", MaxCASReasons)
	}
	n := 0
	for el := 3; el+1 <= 2+2*MaxCASReasons; el += 2 {
		if seg.Element(el) == "" && seg.Element(el+1) == "" {
			continue
		}
		reason := seg.Component(el, 1)
		if reason == "" {
			return seg.Errorf(el, "adjustment without a reason code")
		}
		m, err := claims.ParseMoney(seg.Element(el + 1))
		if err != nil {
			return seg.Errorf(el+1, "adjustment amount: %v", err)
		}
		p.r.Adjustments = append(p.r.Adjustments, ProviderAdjustment{
			ProviderID: seg.Element(1), FiscalDate: d, Reason: reason, Reference: seg.Component(el, 2), Amount: m,
		})
		n++
	}
	if n == 0 {
		return seg.Errorf(3, "no adjustment")
	}
	return nil
}

// parseD8 reads a CCYYMMDD date.
func parseD8(v string) (claims.Date, error) {
	if len(v) != 8 {
		return claims.Date{}, fmt.Errorf("date %q is not CCYYMMDD", v)
	}
	d, err := claims.ParseDate(v)
	if err != nil {
		return claims.Date{}, fmt.Errorf("date %q is not CCYYMMDD", v)
	}
	return d, nil
}
