package procedure

import (
	"fmt"
	"math"

	"github.com/medcode/medcode/internal/engine/procedure/scan"
)

// injectionSites are catalog services that inject a drug as part of their
// own procedure, so the drug gets no separate administration code.
var injectionSites = map[string]bool{"joint_injection": true, "tendon_sheath_injection": true, "tendon_origin_injection": true, "trigger_point_injection": true}

// doseNear reads the dose written with a drug name: a quantity right after
// it ("Kenalog 40 mg") or right before it ("40 mg of Kenalog").
func doseNear(s *scan.Sentence, m scan.Match) (Amount, Span, bool) {
	from, to := s.Clause(m.From)
	try := func(k int) (Amount, Span, bool) {
		if k < from || k+1 >= to {
			return Amount{}, Span{}, false
		}
		v, ok := scan.Number(s.Tokens[k].Norm)
		if !ok || v <= 0 {
			return Amount{}, Span{}, false
		}
		j := k + 1
		if mult, ok := multiplierWords[s.Tokens[j].Norm]; ok && j+1 < to {
			v *= mult
			j++
		}
		u, ok := unitWords[s.Tokens[j].Norm]
		if !ok {
			return Amount{}, Span{}, false
		}
		return Amount{Value: v * u.factor, Unit: u.unit}, Span{s.Tokens[k].Start, s.Tokens[j].End}, true
	}
	for k := m.To; k < min(to, m.To+4); k++ {
		if a, sp, ok := try(k); ok {
			return a, sp, true
		}
	}
	for k := m.From - 2; k >= max(from, m.From-4); k-- {
		if a, sp, ok := try(k); ok {
			return a, sp, true
		}
	}
	return Amount{}, Span{}, false
}

// chooseDrugCode picks, among a drug's codes, the one whose unit size
// divides the dose (the largest such), else the smallest, and its units.
func chooseDrugCode(codes []string, sizes map[string]Amount, dose Amount) (string, int, error) {
	best, bestSize := "", Amount{}
	for _, c := range codes {
		size, ok := sizes[c]
		if !ok || size.Unit != dose.Unit {
			continue
		}
		ratio := dose.Value / size.Value
		divides := math.Abs(ratio-math.Round(ratio)) < 1e-9 && ratio >= 1
		if divides && size.Value > bestSize.Value {
			best, bestSize = c, size
		}
	}
	if best == "" {
		for _, c := range codes {
			size, ok := sizes[c]
			if ok && size.Unit == dose.Unit && (best == "" || size.Value < bestSize.Value) {
				best, bestSize = c, size
			}
		}
	}
	if best == "" {
		return "", 0, fmt.Errorf("procedure: no code of %v measures a dose in %s", codes, dose.Unit)
	}
	units, err := drugUnits(dose, bestSize)
	return best, units, err
}

// detectDrugs reads injected drugs with their doses: a J-code line with
// units from the dose and the code's HCPCS unit size, and the injection's
// administration line unless the drug went into a joint, tendon sheath or
// trigger point (procedures found in the same sentence).
func (r *reader) detectDrugs(procedures []found) []found {
	inProcedure := map[int]bool{}
	for _, f := range procedures {
		if injectionSites[f.service] {
			for _, si := range f.sentences {
				inProcedure[si] = true
			}
		}
	}
	var out []found
	seen := map[int]bool{}
	adminUnits := map[string]int{}
	adminEvidence := map[string][]Span{}
	adminSentences := map[string][]int{}
	for si := range r.sents {
		s := r.sents[si].s
		if mentionOnly[s.Section] {
			continue
		}
		ms := plain(r.cat.drugNames.FindAll(s))
		if len(ms) == 0 || !r.givenInSentence(si) {
			continue
		}
		for _, m := range ms {
			di := r.cat.drugIDs[m.ID]
			if seen[di] || !r.performed(si, m, false).done {
				continue
			}
			from, to := s.Clause(m.From)
			route := ""
			for _, t := range scan.DropOverlaps(r.cat.drugTerms.Find(s, from, to)) {
				if t.Kind != "given" && t.Kind != "wasted" && route == "" {
					route = t.Kind
				}
			}
			if !inProcedure[si] && route == "" {
				continue // a drug named, not documented as injected
			}
			seen[di] = true
			d := r.cat.drugs.Drugs[di]
			f, ok := r.drugLine(d, s, si, m)
			if !ok {
				continue
			}
			out = append(out, f)
			if inProcedure[si] {
				continue
			}
			adminUnits[route]++
			adminEvidence[route] = append(adminEvidence[route], spanOf(m))
			adminSentences[route] = append(adminSentences[route], si)
		}
	}
	for _, route := range drugRoutes {
		n := adminUnits[route]
		if n == 0 {
			continue
		}
		a := r.cat.drugs.Admin[route]
		ci, _ := r.cat.Code(a.Code)
		units := n
		if route == "iv_push" {
			units = 1 // further pushes are a separate sequential code
		}
		out = append(out, found{code: ci, units: units, evidence: adminEvidence[route], sentences: adminSentences[route], confidence: 0.85,
			reasoning: fmt.Sprintf("%d drug injection(s) by the %s route → %s × %d.", n, route, a.Code, units)})
	}
	return out
}

// drugLine builds the J-code line of one injected drug.
func (r *reader) drugLine(d drugEntry, s *scan.Sentence, si int, m scan.Match) (found, bool) {
	name := r.note.Text[m.Start:m.End]
	sizes := map[string]Amount{}
	for _, c := range d.Codes {
		desc, ok := r.hcpcs(c)
		if !ok {
			continue
		}
		size, err := ParseUnitSize(desc)
		if err != nil {
			r.warn = append(r.warn, fmt.Sprintf("%s: %v", c, err))
			continue
		}
		sizes[c] = size
	}
	if len(sizes) == 0 {
		r.warn = append(r.warn, fmt.Sprintf("%s given, but none of its codes %v is in the loaded HCPCS file: add the line by hand", name, d.Codes))
		return found{}, false
	}
	dose, doseSpan, ok := doseNear(s, m)
	if !ok {
		r.warn = append(r.warn, fmt.Sprintf("%s given without a documented dose: its HCPCS units cannot be computed", name))
		return found{}, false
	}
	code, units, err := chooseDrugCode(d.Codes, sizes, dose)
	if err != nil {
		r.warn = append(r.warn, fmt.Sprintf("%s %s: %v", name, dose, err))
		return found{}, false
	}
	desc, _ := r.hcpcs(code)
	ci := &CodeInfo{Code: code, System: "HCPCS", Description: desc}
	f := found{code: ci, units: units, evidence: []Span{spanOf(m), doseSpan}, sentences: []int{si}, confidence: 0.9,
		reasoning: fmt.Sprintf("%s %s given; %s is billed per %s → ceil(%s ÷ %s) = %d unit(s).", name, dose, code, sizes[code], dose, sizes[code], units),
		rules:     []Rule{{ID: "drug-units", Citation: "HCPCS Level II descriptor", Summary: "units = ceil(dose given ÷ the code's unit size)"}}}
	if r.payer.SingleDoseModifiers && d.SingleDose {
		f.singleDose = true
	}
	return f, true
}
