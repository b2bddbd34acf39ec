package x835

import (
	"fmt"
	"strconv"

	"github.com/medcode/medcode/internal/claims/x12"
)

// Encode writes remittances as one 835 interchange, one transaction set
// each. It writes the segments this package reads (no bank routing
// details), so it accepts only the CHK and NON payment methods; it serves
// generated test and demonstration data.
func Encode(env x12.Envelope, rs []*Remittance, newline bool) ([]byte, error) {
	if len(rs) == 0 {
		return nil, fmt.Errorf("x835: no remittance to write")
	}
	d := env.Delims()
	bodies := make([]x12.Transaction, len(rs))
	for i, r := range rs {
		segs, err := encodeRemittance(d, r)
		if err != nil {
			return nil, fmt.Errorf("x835: remittance %d (trace %s): %w", i+1, r.TraceNumber, err)
		}
		bodies[i] = x12.Transaction{Code: "835", Segments: segs}
	}
	ic, err := env.Interchange("HP", Version, bodies...)
	if err != nil {
		return nil, fmt.Errorf("x835: %w", err)
	}
	out, err := ic.Encode(newline)
	if err != nil {
		return nil, fmt.Errorf("x835: %w", err)
	}
	return out, nil
}

func encodeRemittance(d x12.Delimiters, r *Remittance) ([]x12.Segment, error) {
	if r.Method != "CHK" && r.Method != "NON" {
		return nil, fmt.Errorf("payment method %q: only CHK and NON are written", r.Method)
	}
	var segs []x12.Segment
	add := func(id string, elems ...string) { segs = append(segs, x12.NewSegment(id, elems...)) }
	bpr := make([]string, 16)
	bpr[0], bpr[1], bpr[2], bpr[3], bpr[15] = r.Handling, r.Payment.String(), r.CreditDebit, r.Method, r.Date.D8()
	add("BPR", bpr...)
	add("TRN", "1", r.TraceNumber, r.OriginatorID)
	for _, p := range []struct {
		code  string
		party Party
	}{{"PR", r.Payer}, {"PE", r.Payee}} {
		add("N1", p.code, p.party.Name, p.party.IDQualifier, p.party.ID)
		if a := p.party.Address; a != nil {
			add("N3", a.Line1, a.Line2)
			add("N4", a.City, a.State, a.Zip)
		}
	}
	if len(r.Claims) > 0 {
		add("LX", "1")
	}
	for _, c := range r.Claims {
		add("CLP", c.PatientControlNumber, c.Status, c.Charge.String(), c.Paid.String(), c.PatientResponsibility.String(),
			c.FilingIndicator, c.PayerClaimNumber, c.PlaceOfService, c.Frequency)
		segs = append(segs, casSegments(c.Adjustments)...)
		if n := c.Patient; n != nil {
			add("NM1", "QC", "1", n.LastName, n.FirstName, "", "", "", n.IDQualifier, n.ID)
		}
		if len(c.Remarks) > 5 {
			return nil, fmt.Errorf("claim %s: more than five claim-level remarks", c.PatientControlNumber)
		}
		if len(c.Remarks) > 0 {
			add("MOA", append([]string{"", ""}, c.Remarks...)...)
		}
		if !c.ServiceStart.IsZero() {
			add("DTM", "232", c.ServiceStart.D8())
		}
		if !c.ServiceEnd.IsZero() {
			add("DTM", "233", c.ServiceEnd.D8())
		}
		for _, l := range c.Lines {
			units := ""
			if l.Units != 1 {
				units = strconv.Itoa(l.Units)
			}
			submitted := ""
			if l.SubmittedCode != "" {
				submitted = d.Join(l.Qualifier, l.SubmittedCode)
			}
			add("SVC", d.Join(append([]string{l.Qualifier, l.Code}, l.Modifiers...)...), l.Charge.String(), l.Paid.String(), "", units, submitted)
			if !l.DOS.IsZero() {
				add("DTM", "472", l.DOS.D8())
			}
			segs = append(segs, casSegments(l.Adjustments)...)
			if l.ControlNumber != "" {
				add("REF", "6R", l.ControlNumber)
			}
			if l.Allowed != nil {
				add("AMT", "B6", l.Allowed.String())
			}
			for _, rm := range l.Remarks {
				add("LQ", "HE", rm)
			}
		}
	}
	for i := 0; i < len(r.Adjustments); {
		a := r.Adjustments[i]
		plb := []string{a.ProviderID, a.FiscalDate.D8()}
		for n := 0; n < MaxCASReasons && i < len(r.Adjustments) && r.Adjustments[i].ProviderID == a.ProviderID && r.Adjustments[i].FiscalDate == a.FiscalDate; n, i = n+1, i+1 {
			b := r.Adjustments[i]
			plb = append(plb, d.Join(b.Reason, b.Reference), b.Amount.String())
		}
		add("PLB", plb...)
	}
	return segs, nil
}

// casSegments groups consecutive adjustments of one group into CAS
// segments of up to six triples.
func casSegments(adj []Adjustment) []x12.Segment {
	var out []x12.Segment
	for i := 0; i < len(adj); {
		group := adj[i].Group
		elems := []string{group}
		for n := 0; n < MaxCASReasons && i < len(adj) && adj[i].Group == group; n, i = n+1, i+1 {
			q := ""
			if adj[i].Quantity != 0 {
				q = strconv.Itoa(adj[i].Quantity)
			}
			elems = append(elems, adj[i].Reason, adj[i].Amount.String(), q)
		}
		out = append(out, x12.NewSegment("CAS", elems...))
	}
	return out
}
