package x837

import (
	"fmt"
	"strconv"

	"github.com/medcode/medcode/internal/claims"
	"github.com/medcode/medcode/internal/claims/x12"
)

// Config names the parties of an 837P batch.
type Config struct {
	Envelope  x12.Envelope `json:"envelope"`
	Submitter Party        `json:"submitter"`
	Receiver  Party        `json:"receiver"`
	// BatchID is the originator's reference for the batch (BHT03);
	// the interchange control number when empty.
	BatchID string `json:"batch_id,omitempty"`
}

// Write encodes claims as one 837P interchange with one transaction set.
// Claims keep their order; consecutive claims of one billing provider
// share a 2000A loop. Each claim is checked with Claim.Validate first.
func Write(cfg Config, cs []*claims.Claim, newline bool) ([]byte, error) {
	if cfg.Submitter.Name == "" || cfg.Submitter.ID == "" || cfg.Receiver.Name == "" || cfg.Receiver.ID == "" {
		return nil, fmt.Errorf("x837: submitter and receiver names and ids are required")
	}
	if cfg.Submitter.Phone == "" && cfg.Submitter.Email == "" {
		return nil, fmt.Errorf("x837: the submitter needs a phone number or an email address (1000A PER)")
	}
	if len(cs) == 0 {
		return nil, fmt.Errorf("x837: no claims to write")
	}
	w := &writer{d: cfg.Envelope.Delims()}
	env := cfg.Envelope
	ic, err := env.Interchange("HC", Version, x12.Transaction{Code: "837"})
	if err != nil {
		return nil, fmt.Errorf("x837: %w", err)
	}
	g := &ic.Groups[0]
	batch := cfg.BatchID
	if batch == "" {
		batch = strconv.Itoa(env.ControlNumber)
	}
	w.add("BHT", "0019", "00", w.text("batch id", batch), g.Date, g.Time, "CH")
	w.add("NM1", "41", "2", w.text("submitter name", cfg.Submitter.Name), "", "", "", "", "46", w.text("submitter id", cfg.Submitter.ID))
	per := []string{"IC", w.text("submitter contact", cfg.Submitter.Contact)}
	if cfg.Submitter.Phone != "" {
		per = append(per, "TE", w.text("submitter phone", cfg.Submitter.Phone))
	}
	if cfg.Submitter.Email != "" {
		per = append(per, "EM", w.text("submitter email", cfg.Submitter.Email))
	}
	w.add("PER", per...)
	w.add("NM1", "40", "2", w.text("receiver name", cfg.Receiver.Name), "", "", "", "", "46", w.text("receiver id", cfg.Receiver.ID))

	var billing *claims.Provider
	billingHL := 0
	for _, c := range cs {
		if err := c.Validate(); err != nil {
			return nil, fmt.Errorf("x837: %w", err)
		}
		w.claim = c.ID
		if billing == nil || !sameBillingProvider(*billing, c.Billing) {
			billing = &c.Billing
			billingHL = w.hl(0, "20", true)
			w.billingProvider(c.Billing)
		}
		w.subscriberAndClaim(c, billingHL)
		if w.err != nil {
			return nil, w.err
		}
	}
	g.Transactions[0].Segments = w.segs
	out, err := ic.Encode(newline)
	if err != nil {
		return nil, fmt.Errorf("x837: %w", err)
	}
	return out, nil
}

// writer accumulates the segments of the transaction set and the first
// error, naming the claim it arose in.
type writer struct {
	d      x12.Delimiters
	segs   []x12.Segment
	hlNext int
	claim  string
	err    error
}

func (w *writer) add(id string, elems ...string) {
	w.segs = append(w.segs, x12.NewSegment(id, elems...))
}

// text returns v, recording an error when it holds an X12 delimiter.
func (w *writer) text(what, v string) string {
	if err := w.d.CheckText(v); err != nil && w.err == nil {
		if w.claim != "" {
			w.err = fmt.Errorf("x837: claim %s: %s %w", w.claim, what, err)
		} else {
			w.err = fmt.Errorf("x837: %s %w", what, err)
		}
	}
	return v
}

// hl writes an HL segment and returns its id.
func (w *writer) hl(parent int, level string, hasChild bool) int {
	w.hlNext++
	p, child := "", "0"
	if parent > 0 {
		p = strconv.Itoa(parent)
	}
	if hasChild {
		child = "1"
	}
	w.add("HL", strconv.Itoa(w.hlNext), p, level, child)
	return w.hlNext
}

func sameBillingProvider(a, b claims.Provider) bool {
	same := a.NPI == b.NPI && a.Taxonomy == b.Taxonomy && a.Organization == b.Organization &&
		a.LastName == b.LastName && a.FirstName == b.FirstName && a.TaxID == b.TaxID
	return same && (a.Address == nil) == (b.Address == nil) && (a.Address == nil || *a.Address == *b.Address)
}

// providerName returns NM102 and the name elements NM103 and NM104 of a provider.
func (w *writer) providerName(p claims.Provider) (entity, last, first string) {
	if p.IsOrganization() {
		return "2", w.text("provider organization", p.Organization), ""
	}
	return "1", w.text("provider last name", p.LastName), w.text("provider first name", p.FirstName)
}

// billingProvider writes loop 2010AA (the 2000A HL is already written).
func (w *writer) billingProvider(p claims.Provider) {
	if p.Taxonomy != "" {
		w.add("PRV", "BI", "PXC", w.text("billing taxonomy", p.Taxonomy))
	}
	entity, last, first := w.providerName(p)
	w.add("NM1", "85", entity, last, first, "", "", "", "XX", p.NPI)
	w.address(p.Address)
	w.add("REF", "EI", w.text("billing tax id", p.TaxID))
}

func (w *writer) address(a *claims.Address) {
	if a == nil {
		return
	}
	w.add("N3", w.text("address line 1", a.Line1), w.text("address line 2", a.Line2))
	w.add("N4", w.text("city", a.City), w.text("state", a.State), w.text("zip code", a.Zip))
}

func (w *writer) person(qualifier string, p *claims.Person, idQualifier, id string) {
	w.add("NM1", qualifier, "1", w.text("last name", p.LastName), w.text("first name", p.FirstName),
		w.text("middle name", p.MiddleName), "", "", idQualifier, w.text("member id", id))
}

func (w *writer) demographics(p *claims.Person, sex claims.Sex) {
	if p.BirthDate.IsZero() {
		return
	}
	if sex == "" {
		sex = claims.Unknown
	}
	w.add("DMG", "D8", p.BirthDate.D8(), string(sex))
}

// subscriberAndClaim writes loops 2000B/2010BA/2010BB, 2000C/2010CA when
// the patient is not the subscriber, and the claim (2300-2400).
func (w *writer) subscriberAndClaim(c *claims.Claim, billingHL int) {
	self := c.Patient.RelationshipCode() == "18"
	subscriberHL := w.hl(billingHL, "22", !self)
	if self {
		w.add("SBR", "P", "18", w.text("group number", c.Insured.GroupNumber), "", "", "", "", "", c.Payer.Class.FilingIndicator())
		w.person("IL", c.Patient.Identity, "MI", c.Insured.MemberID)
		w.address(c.Patient.Identity.Address)
		w.demographics(c.Patient.Identity, c.Patient.Sex)
	} else {
		if c.Insured.Person == nil {
			w.err = fmt.Errorf("x837: claim %s: the patient is not the subscriber (relationship %s) but the subscriber's name is missing", c.ID, c.Patient.Relationship)
			return
		}
		w.add("SBR", "P", "", w.text("group number", c.Insured.GroupNumber), "", "", "", "", "", c.Payer.Class.FilingIndicator())
		w.person("IL", c.Insured.Person, "MI", c.Insured.MemberID)
		w.address(c.Insured.Person.Address)
		w.demographics(c.Insured.Person, c.Insured.Sex)
	}
	w.add("NM1", "PR", "2", w.text("payer name", c.Payer.Name), "", "", "", "", "PI", w.text("payer id", c.Payer.ID))
	if !self {
		w.hl(subscriberHL, "23", false)
		w.add("PAT", w.text("relationship", c.Patient.Relationship))
		w.person("QC", c.Patient.Identity, "", "")
		w.address(c.Patient.Identity.Address)
		w.demographics(c.Patient.Identity, c.Patient.Sex)
	}

	freq := c.Frequency
	if freq == "" {
		freq = "1"
	}
	w.add("CLM", w.text("claim id", c.ID), c.TotalCharge().String(), "", "",
		w.d.Join(w.text("place of service", c.PlaceOfService), "B", w.text("frequency", freq)), "Y", "A", "Y", "Y")
	hi := make([]string, len(c.Diagnoses))
	for i, dx := range c.Diagnoses {
		qual := "ABF"
		if i == 0 {
			qual = "ABK"
		}
		hi[i] = w.d.Join(qual, w.text("diagnosis", claims.ICDWithoutDot(dx)))
	}
	w.add("HI", hi...)
	if r := c.Rendering; r != nil {
		entity, last, first := w.providerName(*r)
		w.add("NM1", "82", entity, last, first, "", "", "", "XX", r.NPI)
		if r.Taxonomy != "" {
			w.add("PRV", "PE", "PXC", w.text("rendering taxonomy", r.Taxonomy))
		}
	}
	for i, l := range c.Lines {
		w.add("LX", strconv.Itoa(i+1))
		proc := append([]string{"HC", w.text("procedure code", l.Code)}, l.Modifiers...)
		for _, m := range l.Modifiers {
			w.text("modifier", m)
		}
		pointers := make([]string, len(l.Pointers))
		for j, p := range l.Pointers {
			pointers[j] = strconv.Itoa(p)
		}
		pos := ""
		if l.PlaceOfService != "" && l.PlaceOfService != c.PlaceOfService {
			pos = w.text("line place of service", l.PlaceOfService)
		}
		w.add("SV1", w.d.Join(proc...), l.Charge.String(), "UN", strconv.Itoa(l.Units), pos, "", w.d.Join(pointers...))
		w.add("DTP", "472", "D8", l.DOS.D8())
		if l.Drug != nil {
			w.add("LIN", "", "N4", w.text("NDC", l.Drug.NDC))
			w.add("CTP", "", "", "", strconv.FormatFloat(l.Drug.Quantity, 'f', -1, 64), w.text("drug unit", l.Drug.Unit))
		}
	}
}
