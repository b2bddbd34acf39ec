package scrub

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/medcode/medcode/internal/claims"
)

// pxValidity runs PX-01. Lines whose code fails are left out of the other
// procedure edits.
func (k *check) pxValidity() {
	for i, l := range k.c.Lines {
		v := k.s.src.Procedures
		if v == nil {
			k.validPx[i] = true
			continue
		}
		st := v.CheckProcedure(l.Code, l.DOS.Time())
		switch {
		case !st.Known:
			k.add("PX-01", i+1, []string{l.Code}, "", "", "%s is not a CPT/HCPCS code in the files for %s", l.Code, l.DOS)
		case !st.Active:
			reason := st.Reason
			if reason == "" {
				reason = "not active"
			}
			k.add("PX-01", i+1, []string{l.Code}, "", "", "%s is not valid on %s (%s)", l.Code, l.DOS, reason)
		default:
			k.validPx[i] = true
		}
	}
}

// pxAge runs PX-02, suggesting the codes of the same family whose age
// band fits.
func (k *check) pxAge() {
	age := k.c.Patient.Age
	for i, l := range k.c.Lines {
		if !k.validPx[i] {
			continue
		}
		for _, r := range k.s.t.pxAge {
			if !r.codes.has(l.Code) || (age >= r.min && age <= r.max) {
				continue
			}
			fix := ""
			if alt := k.ageAlternatives(r.family, age); len(alt) > 0 {
				fix = "Use " + strings.Join(alt, " or ") + " for a patient aged " + fmt.Sprint(age)
			}
			k.add("PX-02", i+1, []string{l.Code}, "", fix, "%s is for ages %d-%d; the patient is %d", l.Code, r.min, r.max, age)
			break
		}
	}
}

// ageAlternatives lists the codes of a family whose band includes age.
func (k *check) ageAlternatives(family string, age int) []string {
	if family == "-" {
		return nil
	}
	var out []string
	for _, r := range k.s.t.pxAge {
		if r.family == family && age >= r.min && age <= r.max {
			for code := range r.codes.exact {
				out = append(out, code)
			}
		}
	}
	slices.Sort(out)
	return out
}

// pxSex runs PX-03.
func (k *check) pxSex() {
	sex := k.c.Patient.Sex
	if sex != claims.Female && sex != claims.Male {
		return
	}
	for i, l := range k.c.Lines {
		if !k.validPx[i] {
			continue
		}
		for _, r := range k.s.t.pxSex {
			if r.codes.has(l.Code) && r.sex != sex {
				k.add("PX-03", i+1, []string{l.Code}, "", "", "%s is a %s-only service; the patient is %s", l.Code, sexWord(r.sex), sexWord(sex))
			}
		}
	}
}

// emBundling reports pairs that PX-09 and PX-10 judge instead of the
// generic PTP edit: an office E/M with a preventive visit or with a minor
// procedure, where modifier 25 rather than the PTP modifier rules decides.
func (k *check) emBundling(a, b claims.Line, dos time.Time) bool {
	for _, p := range [][2]claims.Line{{a, b}, {b, a}} {
		if !k.in("office_em", p[0].Code) {
			continue
		}
		if k.isPreventive(p[1].Code) || k.minorGlobal(p[1].Code, dos) {
			return true
		}
	}
	return false
}

func (k *check) isPreventive(code string) bool {
	return k.in("preventive_em", code) || k.in("wellness", code)
}

// minorGlobal reports a procedure with a 0- or 10-day global period.
func (k *check) minorGlobal(code string, dos time.Time) bool {
	if k.s.src.PFS == nil {
		return false
	}
	e, ok := k.s.src.PFS.FeeSchedule(code, dos)
	return ok && (e.GlobalDays == "000" || e.GlobalDays == "010")
}

// pxPTP runs PX-04 on every ordered pair of lines of one date.
func (k *check) pxPTP() {
	ptp := k.s.src.PTP
	if ptp == nil {
		return
	}
	for _, day := range k.sameDay() {
		for _, i := range day {
			for _, j := range day {
				a, b := k.c.Lines[i], k.c.Lines[j]
				if i == j || a.Code == b.Code {
					continue
				}
				dos := a.DOS.Time()
				e, ok := ptp.PTP(a.Code, b.Code, dos)
				if !ok || e.ModifierIndicator == 9 || k.emBundling(a, b, dos) {
					continue
				}
				codes := []string{a.Code, b.Code}
				if e.ModifierIndicator == 0 {
					k.add("PX-04", j+1, codes, "", "Remove "+b.Code+"; no modifier allows it with "+a.Code,
						"%s is a column-2 code of %s (modifier indicator 0): never payable together", b.Code, a.Code)
					continue
				}
				mod, hasA := k.hasModifier(a, "ncci_associated")
				if m, hasB := k.hasModifier(b, "ncci_associated"); hasB {
					mod, hasA = m, true
				}
				if hasA {
					k.add("PX-04", j+1, codes, Warn, "Keep modifier "+mod+" only if the note documents a distinct site, session or lesion",
						"%s is a column-2 code of %s, billed with NCCI-associated modifier %s", b.Code, a.Code, mod)
					continue
				}
				k.add("PX-04", j+1, codes, "", "", "%s is a column-2 code of %s (modifier indicator 1) and no NCCI-associated modifier is present", b.Code, a.Code)
			}
		}
	}
}

// pxMUE runs PX-05: line edits (MAI 1) per line, date-of-service edits
// (MAI 2 and 3) on the day's total.
func (k *check) pxMUE() {
	mt := k.s.src.MUE
	if mt == nil {
		return
	}
	for _, day := range k.sameDay() {
		totals := map[string]int{}
		last := map[string]int{}
		for _, i := range day {
			l := k.c.Lines[i]
			totals[l.Code] += l.Units
			last[l.Code] = i
			if m, ok := mt.MUE(l.Code, l.DOS.Time()); ok && m.Adjudication == 1 && l.Units > m.Value {
				k.add("PX-05", i+1, []string{l.Code}, "", "", "%d units of %s exceed its MUE of %d per line", l.Units, l.Code, m.Value)
			}
		}
		for _, i := range day {
			l := k.c.Lines[i]
			if last[l.Code] != i {
				continue
			}
			m, ok := mt.MUE(l.Code, l.DOS.Time())
			if !ok || m.Adjudication == 1 || totals[l.Code] <= m.Value {
				continue
			}
			kind := "an absolute per-day policy limit"
			if m.Adjudication == 3 {
				kind = "a per-day clinical limit, exceeded only on appeal with documentation"
			}
			k.add("PX-05", i+1, []string{l.Code}, "", "", "%d units of %s on %s exceed its MUE of %d (%s)", totals[l.Code], l.Code, l.DOS, m.Value, kind)
		}
	}
}

// pxAddOn runs PX-06.
func (k *check) pxAddOn() {
	for _, day := range k.sameDay() {
		for _, i := range day {
			l := k.c.Lines[i]
			primaries, ok := k.s.src.AddOns.AddOn(l.Code, l.DOS.Time())
			if !ok {
				continue
			}
			found := false
			for _, j := range day {
				other := k.c.Lines[j].Code
				if j == i {
					continue
				}
				if len(primaries) == 0 {
					_, isAddOn := k.s.src.AddOns.AddOn(other, l.DOS.Time())
					found = !isAddOn
				} else {
					found = codeIn(other, primaries)
				}
				if found {
					break
				}
			}
			if !found {
				want := "a primary procedure"
				if len(primaries) > 0 {
					want = strings.Join(primaries, ", ")
				}
				k.add("PX-06", i+1, []string{l.Code}, "", "Bill "+want+" with "+l.Code+", or remove it",
					"%s is an add-on code and its primary (%s) is not billed on %s", l.Code, want, l.DOS)
			}
		}
	}
}

// codeIn reports whether code is one of the codes or ranges ("99202-99215").
func codeIn(code string, specs []string) bool {
	for _, s := range specs {
		if lo, hi, ok := strings.Cut(s, "-"); ok {
			if len(code) == len(lo) && code >= lo && code <= hi {
				return true
			}
		} else if s == code {
			return true
		}
	}
	return false
}

// side returns "right", "left", "bilateral" or "" from the line's modifiers.
func (k *check) side(l claims.Line) string {
	switch {
	case slices.ContainsFunc(l.Modifiers, func(m string) bool { return k.s.t.modifiers["bilateral"][m] }):
		return "bilateral"
	case slices.ContainsFunc(l.Modifiers, func(m string) bool { return k.s.t.modifiers["right"][m] }):
		return "right"
	case slices.ContainsFunc(l.Modifiers, func(m string) bool { return k.s.t.modifiers["left"][m] }):
		return "left"
	}
	return ""
}

// inPTP reports whether the NCCI table has an edit between two codes in
// either order; the table then decides the pair (PX-04).
func (k *check) inPTP(a, b string, dos time.Time) bool {
	ptp := k.s.src.PTP
	if ptp == nil {
		return false
	}
	_, ab := ptp.PTP(a, b, dos)
	_, ba := ptp.PTP(b, a, dos)
	return ab || ba
}

// pxExclusive runs PX-07 on the pairs the NCCI table does not cover.
func (k *check) pxExclusive() {
	for _, day := range k.sameDay() {
		for x, i := range day {
			for _, j := range day[x+1:] {
				a, b := k.c.Lines[i], k.c.Lines[j]
				if a.Code == b.Code || k.inPTP(a.Code, b.Code, a.DOS.Time()) {
					continue
				}
				for _, r := range k.s.t.exclusive {
					if !r.codes.has(a.Code) || !r.codes.has(b.Code) {
						continue
					}
					if r.siteOnly {
						sa, sb := k.side(a), k.side(b)
						_, distinctA := k.hasModifier(a, "x_distinct")
						_, distinctB := k.hasModifier(b, "x_distinct")
						if (sa != "" && sb != "" && sa != sb) || distinctA || distinctB || a.HasModifier("59") || b.HasModifier("59") {
							continue
						}
					}
					scope := "on the same date"
					if r.siteOnly {
						scope = "on the same site"
					}
					k.add("PX-07", j+1, []string{a.Code, b.Code}, "", "", "%s and %s are mutually exclusive %s", a.Code, b.Code, scope)
					break
				}
			}
		}
	}
}

// pxModifiers runs PX-08.
func (k *check) pxModifiers() {
	medicareLike := k.c.Payer.Class.MedicareLike()
	for i, l := range k.c.Lines {
		if !k.validPx[i] {
			continue
		}
		bad := func(fix, format string, args ...any) { k.add("PX-08", i+1, []string{l.Code}, "", fix, format, args...) }
		for x, m := range l.Modifiers {
			if slices.Contains(l.Modifiers[:x], m) {
				bad("Remove the repeated modifier", "modifier %s appears twice on %s", m, l.Code)
			}
			if k.s.t.modifiers["em_only"][m] && !k.in("em", l.Code) {
				bad("Remove "+m+"; put it on the E/M line if one is billed", "modifier %s belongs on an E/M code, not on %s", m, l.Code)
			}
			if k.s.t.modifiers["medicare_abn"][m] && !medicareLike {
				bad("Remove "+m+"; waivers for other payers are not reported with Medicare's ABN modifiers", "modifier %s is a Medicare advance beneficiary notice modifier; the payer is %s", m, k.c.Payer.Class)
			}
		}
		sides := map[string]bool{}
		for _, m := range l.Modifiers {
			for _, s := range []string{"bilateral", "right", "left"} {
				if k.s.t.modifiers[s][m] {
					sides[s] = true
				}
			}
		}
		if sides["bilateral"] && (sides["right"] || sides["left"]) {
			bad("Use 50 alone, or RT and LT on two lines, as the payer asks", "%s has modifier 50 with RT or LT", l.Code)
		} else if sides["right"] && sides["left"] {
			bad("Use 50 on one line, or RT and LT on two lines, as the payer asks", "%s has both RT and LT on one line", l.Code)
		}
		if x, ok := k.hasModifier(l, "x_distinct"); ok && l.HasModifier("59") {
			bad("Keep the specific "+x+" and drop 59", "%s has both 59 and %s", l.Code, x)
		}
		if sides["bilateral"] && k.s.src.PFS != nil {
			if e, ok := k.s.src.PFS.FeeSchedule(l.Code, l.DOS.Time()); ok {
				k.bilateralModifier(i, l, e.Bilateral)
			}
		}
		if clia := k.s.src.CLIA; clia != nil {
			waived := clia.CLIAWaived(l.Code, l.DOS.Time())
			switch {
			case l.HasModifier("QW") && !waived:
				bad("Remove QW", "%s is not on the CLIA-waived test list, so QW does not apply", l.Code)
			case waived && !l.HasModifier("QW"):
				k.add("PX-08", i+1, []string{l.Code}, Warn, "Add QW when the test is run under a certificate of waiver",
					"%s is a CLIA-waived test billed without QW", l.Code)
			}
		}
	}
}

// bilateralModifier judges modifier 50 by the fee-schedule bilateral
// indicator: 1 (paid at 150%) and 3 (paid per side) take it; 2 (the fee
// already covers both sides) gets no more for it, so it is a warning; 0
// and 9 (no bilateral concept) do not take it.
func (k *check) bilateralModifier(i int, l claims.Line, indicator int) {
	switch indicator {
	case 1, 3:
	case 2:
		k.add("PX-08", i+1, []string{l.Code}, Warn, "Bill "+l.Code+" once without 50 unless the payer asks for it",
			"%s is priced as bilateral already (fee-schedule bilateral indicator 2): modifier 50 does not raise the payment", l.Code)
	default:
		k.add("PX-08", i+1, []string{l.Code}, "", "Remove 50 (bilateral indicator "+fmt.Sprint(indicator)+")",
			"%s does not take modifier 50: its fee-schedule bilateral indicator is %d", l.Code, indicator)
	}
}

// pxMinorProcedure runs PX-09.
func (k *check) pxMinorProcedure() {
	if k.s.src.PFS == nil {
		return
	}
	for _, day := range k.sameDay() {
		var procDx []string
		var procs []string
		for _, i := range day {
			l := k.c.Lines[i]
			if !k.in("em", l.Code) && k.minorGlobal(l.Code, l.DOS.Time()) {
				procs = append(procs, l.Code)
				procDx = append(procDx, k.pointed(l)...)
			}
		}
		if len(procs) == 0 {
			continue
		}
		for _, i := range day {
			l := k.c.Lines[i]
			if !k.in("office_em", l.Code) {
				continue
			}
			codes := append([]string{l.Code}, procs...)
			if !l.HasModifier("25") {
				k.add("PX-09", i+1, codes, "", "", "%s is billed with minor procedure %s without modifier 25: add 25 only if the E/M is significant and separately identifiable", l.Code, joinCodes(procs))
				continue
			}
			own := k.pointed(l)
			if len(own) > 0 && !slices.ContainsFunc(own, func(d string) bool { return !slices.Contains(procDx, d) }) {
				k.add("PX-09", i+1, codes, "", "Point the E/M to the separate problem it addressed, or drop it",
					"%s-25 points only to the diagnoses of procedure %s: the E/M must stand on its own work", l.Code, joinCodes(procs))
			}
		}
	}
}

// pxPreventiveProblem runs PX-10.
func (k *check) pxPreventiveProblem() {
	for _, day := range k.sameDay() {
		var preventive string
		for _, i := range day {
			if k.isPreventive(k.c.Lines[i].Code) {
				preventive = k.c.Lines[i].Code
			}
		}
		if preventive == "" {
			continue
		}
		for _, i := range day {
			l := k.c.Lines[i]
			if k.in("office_em", l.Code) && !l.HasModifier("25") {
				k.add("PX-10", i+1, []string{preventive, l.Code}, "", "Add modifier 25 to "+l.Code+" and point it to the problem it addressed",
					"problem-oriented %s is billed with preventive visit %s without modifier 25", l.Code, preventive)
			}
		}
	}
}

// g2211ExceptionStart is when G2211 became payable with a modifier-25
// E/M on the day of a preventive service (CY2025 PFS final rule).
var g2211ExceptionStart = claims.Date{Year: 2025, Month: time.January, Day: 1}

// pxG2211 runs PX-11.
func (k *check) pxG2211() {
	for _, day := range k.sameDay() {
		for _, i := range day {
			l := k.c.Lines[i]
			if l.Code != "G2211" {
				continue
			}
			if !k.s.t.payers[k.c.Payer.Class].acceptsG2211 {
				k.add("PX-11", i+1, []string{l.Code}, "", "", "G2211 is not payable by %s payers", k.c.Payer.Class)
				continue
			}
			var em *claims.Line
			exception := false
			for _, j := range day {
				o := k.c.Lines[j]
				if k.in("office_em", o.Code) {
					em = &k.c.Lines[j]
				}
				exception = exception || k.in("g2211_exception", o.Code)
			}
			switch {
			case em == nil:
				k.add("PX-11", i+1, []string{l.Code}, "", "", "G2211 is billed without an office E/M (99202-99215) on %s", l.DOS)
			case em.HasModifier("25") && (l.DOS.Before(g2211ExceptionStart) || !exception):
				k.add("PX-11", i+1, []string{l.Code, em.Code}, "", "", "G2211 is not payable with %s-25 unless, from 2025, a wellness visit, vaccine administration or other Part B preventive service is billed the same day", em.Code)
			}
		}
	}
}

// pxVariant runs PX-12.
func (k *check) pxVariant() {
	medicareLike := k.c.Payer.Class.MedicareLike()
	for _, day := range k.sameDay() {
		kinds := map[string]bool{}
		for _, i := range day {
			if kind, ok := k.s.t.vaccines[k.c.Lines[i].Code]; ok {
				kinds[kind] = true
			}
		}
		for _, i := range day {
			l := k.c.Lines[i]
			if l.HasModifier("GY") {
				continue // billed as statutorily excluded on purpose
			}
			var replacements []string
			for _, v := range k.s.t.variants {
				if v.medicareLike == medicareLike && v.codes.has(l.Code) && (v.vaccineKind == "" || kinds[v.vaccineKind]) {
					replacements = append(replacements, v.replacement)
				}
			}
			if len(replacements) > 0 {
				repl := strings.Join(replacements, " / ")
				k.add("PX-12", i+1, []string{l.Code}, "", "Bill "+repl+" instead of "+l.Code, "%s payers take %s instead of %s", k.c.Payer.Class, repl, l.Code)
			}
		}
	}
}

// px99211 runs PX-13.
func (k *check) px99211() {
	if !k.c.Payer.Class.MedicareLike() {
		return
	}
	for _, day := range k.sameDay() {
		for _, i := range day {
			if k.c.Lines[i].Code != "99211" {
				continue
			}
			for _, j := range day {
				if code := k.c.Lines[j].Code; k.in("drug_admin", code) {
					k.add("PX-13", i+1, []string{"99211", code}, "", "", "Medicare does not pay 99211 with drug administration %s on the same day", code)
					break
				}
			}
		}
	}
}

// pxTime runs PX-14 when the claim carries the note's documentation.
func (k *check) pxTime() {
	doc := k.c.Documentation
	if doc == nil {
		return
	}
	for _, day := range k.sameDay() {
		for _, i := range day {
			l := k.c.Lines[i]
			if !k.in("time_based", l.Code) {
				continue
			}
			if doc.Minutes == 0 {
				k.add("PX-14", i+1, []string{l.Code}, "", "", "%s is chosen by time but the note documents no total time", l.Code)
				continue
			}
			for _, r := range k.s.t.prolonged {
				if r.addon != l.Code || !slices.ContainsFunc(day, func(j int) bool { return k.c.Lines[j].Code == r.base }) {
					continue
				}
				allowed := (doc.Minutes - r.minutes) / 15
				if l.Units > allowed {
					fix := fmt.Sprintf("Bill %d unit(s) of %s", max(allowed, 0), l.Code)
					if allowed <= 0 {
						fix = "Remove " + l.Code
					}
					k.add("PX-14", i+1, []string{l.Code, r.base}, "", fix,
						"%d documented minutes support %d unit(s) of %s with %s (each needs 15 minutes beyond %d); %d billed",
						doc.Minutes, max(allowed, 0), l.Code, r.base, r.minutes, l.Units)
				}
			}
		}
	}
}

// pxDrug runs PX-15.
func (k *check) pxDrug() {
	medicareLike := k.c.Payer.Class.MedicareLike()
	for i, l := range k.c.Lines {
		if !k.validPx[i] || !k.in("drug", l.Code) {
			continue
		}
		if u, ok := k.s.t.drugUnits[l.Code]; ok && l.Drug != nil && l.Drug.Unit == u.unit {
			want := int(math.Ceil(l.Drug.Quantity/u.amount - 1e-9))
			if want != l.Units {
				k.add("PX-15", i+1, []string{l.Code}, "", fmt.Sprintf("Bill %s x %d", l.Code, want),
					"%g %s of %s (billed per %g %s) is %d units; %d billed", l.Drug.Quantity, l.Drug.Unit, l.Code, u.amount, u.unit, want, l.Units)
			}
		}
		wasteLine := slices.ContainsFunc(k.c.Lines, func(o claims.Line) bool { return o.Code == l.Code && o.HasModifier("JW") })
		if medicareLike && !l.HasModifier("JZ") && !wasteLine {
			k.add("PX-15", i+1, []string{l.Code}, Warn, "",
				"%s on a Medicare claim has neither JZ (nothing discarded) nor JW (discarded amount): required when the drug came from a single-dose container", l.Code)
		}
	}
}
