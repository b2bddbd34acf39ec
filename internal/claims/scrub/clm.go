package scrub

import (
	"fmt"
	"strings"

	"github.com/medcode/medcode/internal/claims"
)

// clmLimits runs CLM-02: the 837P's twelve diagnoses and four pointers,
// and pointers that refer to no diagnosis.
func (k *check) clmLimits() {
	if n := len(k.c.Diagnoses); n > claims.MaxDiagnoses {
		k.add("CLM-02", 0, nil, "", "", "%d diagnoses; a claim holds at most %d", n, claims.MaxDiagnoses)
	}
	for i, l := range k.c.Lines {
		if len(l.Pointers) > claims.MaxPointers {
			k.add("CLM-02", i+1, []string{l.Code}, "", "", "%s has %d diagnosis pointers; at most %d", l.Code, len(l.Pointers), claims.MaxPointers)
		}
		for _, p := range l.Pointers {
			if p < 1 || p > len(k.c.Diagnoses) {
				k.add("CLM-02", i+1, []string{l.Code}, "", "", "%s has pointer %d but the claim lists %d diagnoses", l.Code, p, len(k.c.Diagnoses))
			}
		}
	}
}

// clmDates runs CLM-03.
func (k *check) clmDates() {
	if len(k.c.Lines) == 0 {
		k.add("CLM-03", 0, nil, "", "Add the services rendered, each with its date", "the claim has no service line and so no date of service")
	}
	limit := k.s.t.payers[k.c.Payer.Class].timelyFilingDays
	var birth claims.Date
	if id := k.c.Patient.Identity; id != nil {
		birth = id.BirthDate
	}
	for i, l := range k.c.Lines {
		switch {
		case l.DOS.IsZero():
			k.add("CLM-03", i+1, []string{l.Code}, "", "", "%s has no date of service", l.Code)
		case k.s.today.Before(l.DOS):
			k.add("CLM-03", i+1, []string{l.Code}, "", "Bill the service after it is performed",
				"%s has a date of service (%s) in the future", l.Code, l.DOS)
		case !birth.IsZero() && l.DOS.Before(birth):
			k.add("CLM-03", i+1, []string{l.Code}, "", "", "%s is dated %s, before the patient's birth date", l.Code, l.DOS)
		case l.DOS.DaysUntil(k.s.today) > limit:
			k.add("CLM-03", i+1, []string{l.Code}, Warn, "Submit at once with proof of any earlier timely filing; expect a CO-29 denial otherwise",
				"%s was performed %d days ago, beyond the %d-day filing limit of %s payers", l.Code, l.DOS.DaysUntil(k.s.today), limit, k.c.Payer.Class)
		}
	}
}

// clmNPI runs CLM-04.
func (k *check) clmNPI() {
	if err := claims.CheckNPI(k.c.Billing.NPI); err != nil {
		k.add("CLM-04", 0, nil, "", "", "billing provider: %v", err)
	}
	if r := k.c.Rendering; r != nil {
		if err := claims.CheckNPI(r.NPI); err != nil {
			k.add("CLM-04", 0, nil, "", "", "rendering provider: %v", err)
		}
	}
}

// batch runs the edits that compare claims: CLM-01 duplicates and PX-16
// global periods. It returns extra findings per claim index.
func (s *Scrubber) batch(cs []*claims.Claim) map[int][]Finding {
	out := map[int][]Finding{}
	add := func(ci int, id string, line int, codes []string, sev Severity, fix, format string, args ...any) {
		out[ci] = append(out[ci], newFinding(s.t.edits[id], cs[ci].ID, line, codes, sev, fix, fmt.Sprintf(format, args...)))
	}
	s.duplicates(cs, add)
	s.globalPeriods(cs, add)
	return out
}

type addFunc func(ci int, id string, line int, codes []string, sev Severity, fix, format string, args ...any)

// duplicates runs CLM-01: the same patient, date, code, modifiers and
// units billed twice, within a claim or across original claims.
func (s *Scrubber) duplicates(cs []*claims.Claim, add addFunc) {
	type where struct{ claim, line int }
	seen := map[string]where{}
	for ci, c := range cs {
		if c.Frequency != "" && c.Frequency != "1" {
			continue // replacements and voids repeat the original on purpose
		}
		patient := c.PatientKey()
		for li, l := range c.Lines {
			key := strings.Join([]string{patient, l.DOS.String(), l.Code, strings.Join(l.Modifiers, ":"), fmt.Sprint(l.Units)}, "|")
			first, dup := seen[key]
			if !dup {
				seen[key] = where{ci, li}
				continue
			}
			if first.claim == ci {
				add(ci, "CLM-01", li+1, []string{l.Code}, "", "", "line %d repeats line %d (%s on %s)", li+1, first.line+1, l.Code, l.DOS)
			} else {
				add(ci, "CLM-01", li+1, []string{l.Code}, "", "", "%s on %s for this patient is already billed on claim %s line %d", l.Code, l.DOS, cs[first.claim].ID, first.line+1)
			}
		}
	}
}

// globalPeriods runs PX-16: an E/M by the same provider for the same
// patient inside a procedure's global period (after a 10- or 90-day
// procedure, or the day before or of a 90-day one), without 24, 25, 57 or 79.
func (s *Scrubber) globalPeriods(cs []*claims.Claim, add addFunc) {
	if s.src.PFS == nil {
		return
	}
	type surgery struct {
		code string
		dos  claims.Date
		days int
	}
	provider := func(c *claims.Claim) string {
		if c.Rendering != nil {
			return c.Rendering.NPI
		}
		return c.Billing.NPI
	}
	surgeries := map[string][]surgery{}
	for _, c := range cs {
		key := c.PatientKey() + "|" + provider(c)
		for _, l := range c.Lines {
			if e, ok := s.src.PFS.FeeSchedule(l.Code, l.DOS.Time()); ok {
				switch e.GlobalDays {
				case "010":
					surgeries[key] = append(surgeries[key], surgery{l.Code, l.DOS, 10})
				case "090":
					surgeries[key] = append(surgeries[key], surgery{l.Code, l.DOS, 90})
				}
			}
		}
	}
	if len(surgeries) == 0 {
		return
	}
	for ci, c := range cs {
		key := c.PatientKey() + "|" + provider(c)
		for li, l := range c.Lines {
			if !s.t.sets["em"].has(l.Code) || hasAny(l, s.t.modifiers["global_em"]) {
				continue
			}
			for _, sg := range surgeries[key] {
				after := sg.dos.DaysUntil(l.DOS)
				switch {
				case after > 0 && after <= sg.days:
					add(ci, "PX-16", li+1, []string{l.Code, sg.code}, "", "",
						"%s on %s falls %d days into the %d-day global period of %s (%s)", l.Code, l.DOS, after, sg.days, sg.code, sg.dos)
				case sg.days == 90 && (after == 0 || after == -1):
					add(ci, "PX-16", li+1, []string{l.Code, sg.code}, "", "Add 57 if this visit decided on the surgery",
						"%s on %s is on the day of or before major surgery %s without modifier 57", l.Code, l.DOS, sg.code)
				}
			}
		}
	}
}

func hasAny(l claims.Line, set map[string]bool) bool {
	for _, m := range l.Modifiers {
		if set[m] {
			return true
		}
	}
	return false
}
