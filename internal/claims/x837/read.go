package x837

import (
	"fmt"
	"strconv"

	"github.com/medcode/medcode/internal/claims"
	"github.com/medcode/medcode/internal/claims/x12"
)

// Batch is what an 837P file holds: its parties and claims in file order.
type Batch struct {
	Submitter Party
	Receiver  Party
	Claims    []*claims.Claim
}

// segments837P lists every segment identifier the 837P guide allows
// between ST and SE; anything else means the file is not an 837P.
var segments837P = map[string]bool{
	"BHT": true, "NM1": true, "PER": true, "HL": true, "PRV": true, "CUR": true, "N3": true, "N4": true,
	"REF": true, "SBR": true, "PAT": true, "DMG": true, "CLM": true, "DTP": true, "PWK": true, "CN1": true,
	"AMT": true, "K3": true, "NTE": true, "CR1": true, "CR2": true, "CRC": true, "HI": true, "HCP": true,
	"CAS": true, "OI": true, "MOA": true, "LX": true, "SV1": true, "SV5": true, "CR3": true, "QTY": true,
	"MEA": true, "PS1": true, "LIN": true, "CTP": true, "SVD": true, "LQ": true, "FRM": true, "MIA": true,
}

// Read parses an 837P interchange (005010X222A1) into claims. Envelope
// errors and malformed or inconsistent claim segments are reported with
// the segment position. Loops the claim model does not hold (pay-to,
// referring and line-level providers, other payers) are read past.
func Read(data []byte) (*Batch, error) {
	ics, err := x12.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("x837: %w", err)
	}
	b := &Batch{}
	for _, ic := range ics {
		for _, g := range ic.Groups {
			for _, t := range g.Transactions {
				if t.Code != "837" {
					return nil, fmt.Errorf("x837: transaction set %s at segment %d is not an 837", t.Code, t.Pos)
				}
				if t.Convention != "" && t.Convention != Version {
					return nil, fmt.Errorf("x837: transaction %s at segment %d follows %s; only %s (professional) is read", t.ControlNumber, t.Pos, t.Convention, Version)
				}
				r := &reader{batch: b, hlLevels: map[string]string{}}
				for _, seg := range t.Segments {
					if err := r.segment(seg); err != nil {
						return nil, fmt.Errorf("x837: %w", err)
					}
				}
				if err := r.finishClaim(); err != nil {
					return nil, fmt.Errorf("x837: %w", err)
				}
			}
		}
	}
	return b, nil
}

// reader walks one transaction set. loop names the loop the last NM1 or
// HL opened, which decides where N3, N4, DMG, REF and PRV belong.
type reader struct {
	batch    *Batch
	loop     string
	hlLevels map[string]string // HL id → level code
	hlCount  int

	billing    claims.Provider
	payer      claims.Payer
	group      string
	memberID   string
	self       bool
	subscriber *claims.Person
	subSex     claims.Sex
	patient    *claims.Person
	patSex     claims.Sex
	relation   string

	claim    *claims.Claim
	claimSeg x12.Segment
	line     *claims.Line
}

const (
	loopHeader     = "header"
	loopBilling    = "2010AA"
	loopSubscriber = "2010BA"
	loopPatient    = "2010CA"
	loopClaim      = "2300"
	loopRendering  = "2310B"
	loopLine       = "2400"
	loopSkip       = "skip" // a loop the model does not hold
)

func (r *reader) segment(seg x12.Segment) error {
	if !segments837P[seg.ID()] {
		return seg.Errorf(0, "segment %s is not part of an 837P", seg.ID())
	}
	switch seg.ID() {
	case "HL":
		return r.hl(seg)
	case "NM1":
		return r.nm1(seg)
	case "N3":
		if a := r.address(); a != nil {
			a.Line1, a.Line2 = seg.Element(1), seg.Element(2)
		}
	case "N4":
		if a := r.address(); a != nil {
			a.City, a.State, a.Zip = seg.Element(1), seg.Element(2), seg.Element(3)
		}
	case "REF":
		if r.loop == loopBilling && seg.Element(1) == "EI" {
			r.billing.TaxID = seg.Element(2)
		}
	case "PRV":
		switch {
		case r.loop == "2000A" && seg.Element(1) == "BI":
			r.billing.Taxonomy = seg.Element(3)
		case r.loop == loopRendering && seg.Element(1) == "PE" && r.claim.Rendering != nil:
			r.claim.Rendering.Taxonomy = seg.Element(3)
		}
	case "DMG":
		return r.dmg(seg)
	case "SBR":
		if r.claim != nil {
			r.loop = loopSkip // 2320: another payer's subscriber
			return nil
		}
		r.group, r.self = seg.Element(3), seg.Element(2) == "18"
		r.payer.Class = claims.PayerClassOfFilingIndicator(seg.Element(9))
	case "PAT":
		r.relation = seg.Element(1)
		if r.relation == "" {
			return seg.Errorf(1, "no patient relationship code")
		}
	case "CLM":
		return r.clm(seg)
	case "HI":
		return r.hi(seg)
	case "LX":
		return r.lx(seg)
	case "SV1":
		return r.sv1(seg)
	case "DTP":
		if r.loop == loopLine && seg.Element(1) == "472" {
			return r.serviceDate(seg)
		}
	case "LIN":
		if r.line != nil && r.loop == loopLine {
			if seg.Element(2) != "N4" {
				return seg.Errorf(2, "drug identification qualifier %q is not N4 (NDC)", seg.Element(2))
			}
			r.line.Drug = &claims.Drug{NDC: seg.Element(3)}
		}
	case "CTP":
		if r.line != nil && r.line.Drug != nil && r.loop == loopLine {
			q, err := strconv.ParseFloat(seg.Element(4), 64)
			if err != nil || q <= 0 {
				return seg.Errorf(4, "drug quantity %q is not a positive number", seg.Element(4))
			}
			r.line.Drug.Quantity, r.line.Drug.Unit = q, seg.Component(5, 1)
		}
	}
	return nil
}

func (r *reader) hl(seg x12.Segment) error {
	if err := r.finishClaim(); err != nil {
		return err
	}
	r.hlCount++
	id, parent, level := seg.Element(1), seg.Element(2), seg.Element(3)
	if id != strconv.Itoa(r.hlCount) {
		return seg.Errorf(1, "hierarchical id %q out of sequence (expected %d)", id, r.hlCount)
	}
	wantParent := map[string]string{"20": "", "22": "20", "23": "22"}
	want, ok := wantParent[level]
	if !ok {
		return seg.Errorf(3, "hierarchical level %q is not 20 (billing provider), 22 (subscriber) or 23 (patient)", level)
	}
	if got := r.hlLevels[parent]; parent != "" && got != want || parent == "" && want != "" {
		return seg.Errorf(2, "parent %q of a level %s HL is not a level %s HL", parent, level, want)
	}
	r.hlLevels[id] = level
	switch level {
	case "20":
		r.billing = claims.Provider{}
		r.loop = "2000A"
	case "22":
		r.payer, r.group, r.memberID, r.self = claims.Payer{}, "", "", false
		r.subscriber, r.subSex, r.patient, r.patSex, r.relation = nil, "", nil, "", ""
		r.loop = "2000B"
	case "23":
		r.loop = "2000C"
	}
	return nil
}

func (r *reader) nm1(seg x12.Segment) error {
	entity := seg.Element(1)
	switch {
	case entity == "41":
		r.batch.Submitter.Name, r.batch.Submitter.ID = seg.Element(3), seg.Element(9)
		r.loop = loopHeader
	case entity == "40":
		r.batch.Receiver.Name, r.batch.Receiver.ID = seg.Element(3), seg.Element(9)
		r.loop = loopHeader
	case entity == "85" && r.loop == "2000A":
		p, err := providerFrom(seg)
		if err != nil {
			return err
		}
		p.Taxonomy = r.billing.Taxonomy
		r.billing = p
		r.loop = loopBilling
	case entity == "IL" && r.claim == nil && r.loop != loopSkip:
		r.subscriber = personFrom(seg)
		r.memberID = seg.Element(9)
		if r.memberID == "" {
			return seg.Errorf(9, "subscriber has no member id")
		}
		r.loop = loopSubscriber
	case entity == "PR" && r.claim == nil && r.loop != loopSkip:
		r.payer.Name, r.payer.ID = seg.Element(3), seg.Element(9)
		r.loop = "2010BB"
	case entity == "QC" && r.claim == nil:
		r.patient = personFrom(seg)
		r.loop = loopPatient
	case entity == "82" && r.claim != nil && r.line == nil && r.loop != loopSkip:
		p, err := providerFrom(seg)
		if err != nil {
			return err
		}
		r.claim.Rendering = &p
		r.loop = loopRendering
	default:
		r.loop = loopSkip
	}
	return nil
}

func providerFrom(seg x12.Segment) (claims.Provider, error) {
	var p claims.Provider
	switch seg.Element(2) {
	case "1":
		p.LastName, p.FirstName = seg.Element(3), seg.Element(4)
	case "2":
		p.Organization = seg.Element(3)
	default:
		return p, seg.Errorf(2, "entity type %q is not 1 (person) or 2 (organization)", seg.Element(2))
	}
	if seg.Element(8) != "XX" {
		return p, seg.Errorf(8, "provider id qualifier %q is not XX (NPI)", seg.Element(8))
	}
	p.NPI = seg.Element(9)
	return p, nil
}

func personFrom(seg x12.Segment) *claims.Person {
	return &claims.Person{LastName: seg.Element(3), FirstName: seg.Element(4), MiddleName: seg.Element(5)}
}

// address returns the address the current loop's N3/N4 fill, or nil.
func (r *reader) address() *claims.Address {
	var target **claims.Address
	switch r.loop {
	case loopBilling:
		target = &r.billing.Address
	case loopSubscriber:
		target = &r.subscriber.Address
	case loopPatient:
		target = &r.patient.Address
	default:
		return nil
	}
	if *target == nil {
		*target = &claims.Address{}
	}
	return *target
}

func (r *reader) dmg(seg x12.Segment) error {
	var person *claims.Person
	var sex *claims.Sex
	switch r.loop {
	case loopSubscriber:
		person, sex = r.subscriber, &r.subSex
	case loopPatient:
		person, sex = r.patient, &r.patSex
	default:
		return nil
	}
	if seg.Element(1) != "D8" {
		return seg.Errorf(1, "date format %q is not D8", seg.Element(1))
	}
	d, err := claims.ParseDate(seg.Element(2))
	if err != nil || len(seg.Element(2)) != 8 {
		return seg.Errorf(2, "birth date %q is not CCYYMMDD", seg.Element(2))
	}
	s, err := claims.ParseSex(seg.Element(3))
	if err != nil {
		return seg.Errorf(3, "%v", err)
	}
	person.BirthDate, *sex = d, s
	return nil
}

func (r *reader) clm(seg x12.Segment) error {
	if err := r.finishClaim(); err != nil {
		return err
	}
	if r.subscriber == nil || r.payer.ID == "" {
		return seg.Errorf(0, "claim without a subscriber (2010BA) and payer (2010BB)")
	}
	if r.billing.NPI == "" {
		return seg.Errorf(0, "claim without a billing provider (2010AA)")
	}
	if seg.Element(1) == "" {
		return seg.Errorf(1, "no patient control number")
	}
	if _, err := claims.ParseMoney(seg.Element(2)); err != nil {
		return seg.Errorf(2, "total charge: %v", err)
	}
	pos := seg.Component(5, 1)
	if pos == "" {
		return seg.Errorf(5, "no place of service")
	}
	billing := r.billing
	if a := billing.Address; a != nil {
		cp := *a
		billing.Address = &cp
	}
	c := &claims.Claim{ID: seg.Element(1), PlaceOfService: pos, Frequency: seg.Component(5, 3), Billing: billing, Payer: r.payer}
	c.Insured = &claims.Insured{MemberID: r.memberID, GroupNumber: r.group}
	if r.patient == nil {
		if !r.self {
			return seg.Errorf(0, "the subscriber is not the patient (SBR02 is not 18) but no patient loop (2000C) precedes the claim")
		}
		c.Patient.Identity, c.Patient.Sex = copyPerson(r.subscriber), r.subSex
	} else {
		c.Insured.Person, c.Insured.Sex = copyPerson(r.subscriber), r.subSex
		c.Patient.Identity, c.Patient.Sex, c.Patient.Relationship = copyPerson(r.patient), r.patSex, r.relation
	}
	if c.Patient.Identity.BirthDate.IsZero() {
		return seg.Errorf(0, "the patient has no birth date (DMG)")
	}
	r.claim, r.claimSeg, r.line = c, seg, nil
	r.loop = loopClaim
	return nil
}

func copyPerson(p *claims.Person) *claims.Person {
	cp := *p
	if p.Address != nil {
		a := *p.Address
		cp.Address = &a
	}
	return &cp
}

func (r *reader) hi(seg x12.Segment) error {
	if r.claim == nil || r.line != nil {
		return seg.Errorf(0, "HI outside a claim's header")
	}
	for n := 1; n <= seg.Count(); n++ {
		qual, code := seg.Component(n, 1), seg.Component(n, 2)
		switch qual {
		case "ABK", "ABF":
			if (qual == "ABK") != (len(r.claim.Diagnoses) == 0) {
				return seg.Errorf(n, "qualifier %s out of place: the first diagnosis is ABK, the others ABF", qual)
			}
			if code == "" {
				return seg.Errorf(n, "empty diagnosis code")
			}
			r.claim.Diagnoses = append(r.claim.Diagnoses, claims.NormalizeICD(code))
		case "BK", "BF":
			return seg.Errorf(n, "ICD-9-CM diagnosis (%s) is not accepted: 5010 claims for services after 2015-10-01 use ICD-10-CM", qual)
		}
	}
	if len(r.claim.Diagnoses) > claims.MaxDiagnoses {
		return seg.Errorf(0, "%d diagnoses; an 837P holds at most %d", len(r.claim.Diagnoses), claims.MaxDiagnoses)
	}
	return nil
}

func (r *reader) lx(seg x12.Segment) error {
	if r.claim == nil {
		return seg.Errorf(0, "service line outside a claim")
	}
	if want := strconv.Itoa(len(r.claim.Lines) + 1); seg.Element(1) != want {
		return seg.Errorf(1, "line number %q out of sequence (expected %s)", seg.Element(1), want)
	}
	r.claim.Lines = append(r.claim.Lines, claims.Line{})
	r.line = &r.claim.Lines[len(r.claim.Lines)-1]
	r.loop = loopLine
	return nil
}

func (r *reader) sv1(seg x12.Segment) error {
	if r.line == nil || r.loop != loopLine || r.line.Code != "" {
		return seg.Errorf(0, "SV1 without its LX")
	}
	proc := seg.Components(1)
	if len(proc) < 2 || proc[1] == "" {
		return seg.Errorf(1, "no procedure code")
	}
	if proc[0] != "HC" && proc[0] != "WK" && proc[0] != "ER" && proc[0] != "IV" {
		return seg.Errorf(1, "procedure qualifier %q is not HC (CPT/HCPCS)", proc[0])
	}
	if len(proc) > 7 {
		return seg.Errorf(1, "more than four modifiers")
	}
	r.line.Code = proc[1]
	for _, m := range proc[2:min(len(proc), 6)] {
		if m != "" {
			r.line.Modifiers = append(r.line.Modifiers, m)
		}
	}
	charge, err := claims.ParseMoney(seg.Element(2))
	if err != nil {
		return seg.Errorf(2, "line charge: %v", err)
	}
	r.line.Charge = charge
	if u := seg.Element(3); u != "UN" && u != "MJ" {
		return seg.Errorf(3, "unit basis %q is not UN (units) or MJ (minutes)", u)
	}
	units, err := claims.ParseUnits(seg.Element(4))
	if err != nil {
		return seg.Errorf(4, "%v", err)
	}
	r.line.Units = units
	r.line.PlaceOfService = seg.Element(5)
	for k, p := range seg.Components(7) {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > claims.MaxDiagnoses {
			return seg.Errorf(7, "diagnosis pointer %q is not 1-%d", p, claims.MaxDiagnoses)
		}
		if k >= claims.MaxPointers {
			return seg.Errorf(7, "more than %d diagnosis pointers", claims.MaxPointers)
		}
		r.line.Pointers = append(r.line.Pointers, n)
	}
	return nil
}

func (r *reader) serviceDate(seg x12.Segment) error {
	v := seg.Element(3)
	switch seg.Element(2) {
	case "D8":
	case "RD8":
		// A date range: the line's date of service is where it starts.
		if len(v) != 17 || v[8] != '-' {
			return seg.Errorf(3, "date range %q is not CCYYMMDD-CCYYMMDD", v)
		}
		v = v[:8]
	default:
		return seg.Errorf(2, "date format %q is not D8 or RD8", seg.Element(2))
	}
	d, err := claims.ParseDate(v)
	if err != nil || len(v) != 8 {
		return seg.Errorf(3, "service date %q is not CCYYMMDD", v)
	}
	r.line.DOS = d
	return nil
}

// finishClaim checks the claim being read and appends it to the batch.
func (r *reader) finishClaim() error {
	c := r.claim
	if c == nil {
		return nil
	}
	r.claim, r.line = nil, nil
	seg := r.claimSeg
	if len(c.Lines) == 0 {
		return seg.Errorf(0, "claim %s has no service line", c.ID)
	}
	if len(c.Diagnoses) == 0 {
		return seg.Errorf(0, "claim %s has no diagnosis (HI)", c.ID)
	}
	for i, l := range c.Lines {
		if l.Code == "" {
			return seg.Errorf(0, "claim %s line %d has no SV1", c.ID, i+1)
		}
		if l.DOS.IsZero() {
			return seg.Errorf(0, "claim %s line %d has no service date (DTP*472)", c.ID, i+1)
		}
	}
	total, _ := claims.ParseMoney(seg.Element(2))
	if sum := c.TotalCharge(); sum != total {
		return seg.Errorf(2, "total charge %s does not equal the sum of the line charges %s", total, sum)
	}
	c.Patient.Age = claims.AgeOn(c.Patient.Identity.BirthDate, c.FirstDOS())
	r.batch.Claims = append(r.batch.Claims, c)
	return nil
}
