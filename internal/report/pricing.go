package report

import (
	"fmt"
	"math"
	"strings"

	"github.com/medcode/medcode/internal/claims"
	"github.com/medcode/medcode/internal/codeset/pfs"
)

// National is the locality name of the unadjusted national rate (every
// GPCI 1.0).
const National = "national"

// ResolveLocality finds a payment locality in the fee schedule's GPCI
// table: "" or "national" for the national rate, "MAC-NN" (the Medicare
// contractor and locality number, e.g. "01112-54"), or a locality name
// (e.g. "manhattan", case-insensitive) that names one locality.
func ResolveLocality(s *pfs.Schedule, spec string) (pfs.Locality, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" || strings.EqualFold(spec, National) {
		return pfs.Locality{Name: National, WorkGPCI: 1, PEGPCI: 1, MPGPCI: 1}, nil
	}
	if len(s.Localities()) == 0 {
		return pfs.Locality{}, fmt.Errorf("locality %q: the installed fee schedule has no GPCI table", spec)
	}
	if mac, number, ok := strings.Cut(spec, "-"); ok && isDigits(mac) && isDigits(number) {
		if l, ok := s.Locality(mac, number); ok {
			return l, nil
		}
		return pfs.Locality{}, fmt.Errorf("locality %q: no MAC %s locality %s in the GPCI table", spec, mac, number)
	}
	var found []pfs.Locality
	for _, l := range s.Localities() {
		if strings.EqualFold(l.Name, spec) {
			return l, nil
		}
		if strings.Contains(strings.ToLower(l.Name), strings.ToLower(spec)) {
			found = append(found, l)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return pfs.Locality{}, fmt.Errorf("locality %q: no locality of that name (give MAC-NN, e.g. %s-%s, or a name from the GPCI table)",
			spec, s.Localities()[0].MAC, s.Localities()[0].Number)
	}
	names := make([]string, 0, 4)
	for _, l := range found[:min(4, len(found))] {
		names = append(names, fmt.Sprintf("%s-%s %s", l.MAC, l.Number, l.Name))
	}
	if len(found) > len(names) {
		names = append(names, "...")
	}
	return pfs.Locality{}, fmt.Errorf("locality %q names %d localities (%s): give MAC-NN", spec, len(found), strings.Join(names, "; "))
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// Price is a service priced for the report.
type Price struct {
	Amount claims.Money
	RVU    float64 // total RVUs (geographically adjusted), 0 when priced from a fee
	// Source says where the amount comes from: "PFS", "fee" or "" when
	// the service could not be priced.
	Source string
}

// pricer prices services at one locality: RVUs × GPCIs × conversion factor
// from the Physician Fee Schedule, else the fee table.
type pricer struct {
	s        *pfs.Schedule
	loc      pfs.Locality
	fees     map[string]claims.Money
	facility func(pos string) bool
}

func newPricer(s *pfs.Schedule, loc pfs.Locality, t *serviceTables) *pricer {
	p := &pricer{s: s, loc: loc, fees: map[string]claims.Money{}, facility: t.facility}
	for _, f := range t.Fees {
		p.fees[f.Code] = f.amount
	}
	return p
}

// price prices units of a code at a place of service; modifier 26 or TC
// selects the professional or technical component.
func (p *pricer) price(code string, modifiers []string, units int, pos string) Price {
	mod := ""
	for _, m := range modifiers {
		if m == "26" || m == "TC" {
			mod = m
		}
	}
	units = max(units, 1)
	if r, ok := p.s.Lookup(code, mod); ok {
		fac := p.facility(pos)
		pe := r.NonFacilityPE
		if fac {
			pe = r.FacilityPE
		}
		rvu := r.Work*p.loc.WorkGPCI + pe*p.loc.PEGPCI + r.MP*p.loc.MPGPCI
		if rvu > 0 {
			usd := p.s.Payment(r, p.loc, fac) * float64(units)
			return Price{Amount: claims.Money(math.Round(usd * 100)), RVU: rvu * float64(units), Source: "PFS"}
		}
	}
	if f, ok := p.fees[code]; ok {
		return Price{Amount: f * claims.Money(units), Source: "fee"}
	}
	return Price{}
}
