package procedure

import (
	"fmt"
	"github.com/medcode/medcode/internal/nlp"
	"strings"

	"github.com/medcode/medcode/internal/engine/procedure/scan"
)

// givenInSentence reports whether sentence si says something was given
// today: a word of giving, a route, or a procedure section.
func (r *reader) givenInSentence(si int) bool {
	s := r.sents[si].s
	if s.Section == scan.Procedure {
		return true
	}
	for _, t := range r.cat.drugTerms.Find(s, 0, len(s.Tokens)) {
		if t.Kind != "wasted" {
			return true
		}
	}
	for _, q := range r.sents[si].cues {
		if q.Kind == "today" {
			return true
		}
	}
	return false
}

// productsNamed returns the products one of whose names is the words of m.
func (r *reader) productsNamed(s *scan.Sentence, m scan.Match) []int {
	words := s.Words(m.From, m.To)
	var out []int
	for i, p := range r.cat.vaccines.Products {
		for _, n := range p.Names {
			if strings.Join(scan.NormalizePhrase(n), " ") == words {
				out = append(out, i)
				break
			}
		}
	}
	return out
}

// pickProduct chooses among candidate products the one in effect on the
// date of service and for the patient's age.
func (r *reader) pickProduct(cands []int) (*vaccineProduct, bool) {
	for _, i := range cands {
		p := r.cat.vaccines.Products[i]
		if !p.from.IsZero() && r.opt.DOS.Before(p.from) || !p.until.IsZero() && r.opt.DOS.After(p.until) {
			continue
		}
		if r.age >= 0 && (p.MinAge != nil && r.age < *p.MinAge || p.MaxAge != nil && r.age > *p.MaxAge) {
			continue
		}
		return p, true
	}
	return nil, false
}

// detectVaccines reads the vaccines given and adds their administration
// lines by age, counseling and payer.
func (r *reader) detectVaccines() []found {
	type given struct {
		p   *vaccineProduct
		ev  Span
		si  int
		how string
	}
	var products []given
	seen := map[string]bool{}
	for si := range r.sents {
		s := r.sents[si].s
		if mentionOnly[s.Section] || !r.givenInSentence(si) {
			continue
		}
		ms := plain(r.cat.vaccineNames.FindAll(s))
		for _, m := range ms {
			if !r.performed(si, m, false).done || has(r.cat.notGivenAfter, s, m.To, min(m.To+2, len(s.Tokens))) {
				continue
			}
			ref := r.cat.vaccineRefs[m.ID]
			var cands []int
			how := "named"
			if ref.product >= 0 {
				cands = r.productsNamed(s, m)
			} else if r.namedInClause(s, ms, m, ref.group) {
				continue // "Spikevax COVID vaccine": the product name says which
			} else {
				cands, how = r.genericProducts(s, m, ref.group)
			}
			p, ok := r.pickProduct(cands)
			if !ok {
				r.warn = append(r.warn, fmt.Sprintf("vaccine %s given but no product code fits the date of service and age: choose the product code", nlp.QuoteNote(r.note.Text[m.Start:m.End])))
				continue
			}
			if seen[p.Code] {
				continue
			}
			seen[p.Code] = true
			products = append(products, given{p: p, ev: spanOf(m), si: si, how: how})
		}
	}
	if len(products) == 0 {
		return nil
	}
	var out []found
	for _, g := range products {
		ci, _ := r.cat.Code(g.p.Code)
		out = append(out, found{code: ci, units: 1, evidence: []Span{g.ev}, sentences: []int{g.si}, confidence: 0.9,
			reasoning: fmt.Sprintf("Vaccine product given (%s): one line per product, %d component(s).", g.how, g.p.Components)})
	}
	ps := make([]*vaccineProduct, len(products))
	for i, g := range products {
		ps[i] = g.p
	}
	return append(out, r.vaccineAdmin(products[0].si, ps)...)
}

// namedInClause reports whether a product of the group is named in the
// clause of a generic vaccine word.
func (r *reader) namedInClause(s *scan.Sentence, ms []scan.Match, generic scan.Match, group string) bool {
	from, to := s.Clause(generic.From)
	for _, m := range ms {
		ref := r.cat.vaccineRefs[m.ID]
		if ref.product >= 0 && ref.group == group && m.From >= from && m.To <= to {
			return true
		}
	}
	return false
}

// genericProducts resolves a generic vaccine word ("flu shot") to the
// group's products: those with a qualifier in the clause ("high-dose"),
// else the group's defaults.
func (r *reader) genericProducts(s *scan.Sentence, m scan.Match, group string) ([]int, string) {
	from, to := s.Clause(m.From)
	var cands []int
	for _, q := range r.cat.vaccineQuals.Find(s, from, to) {
		if i := r.cat.vaccineQualIDs[q.ID]; r.cat.vaccines.Products[i].Group == group {
			cands = append(cands, i)
		}
	}
	if len(cands) > 0 {
		return cands, "by its qualifier"
	}
	for i, p := range r.cat.vaccines.Products {
		if p.Group == group && p.Default {
			cands = append(cands, i)
		}
	}
	return cands, "the group's product for the date of service"
}

// vaccineAdmin returns the administration lines for the products given.
func (r *reader) vaccineAdmin(si int, products []*vaccineProduct) []found {
	roles := map[string]*vaccineAdmin{}
	for i := range r.cat.vaccines.Admin {
		roles[r.cat.vaccines.Admin[i].Role] = &r.cat.vaccines.Admin[i]
	}
	counsel := r.age >= 0 && r.age <= r.cat.vaccines.CounselingMaxAge && r.counseled()
	units := map[string]int{}
	var order []string
	add := func(role string, n int) {
		if n <= 0 {
			return
		}
		if units[role] == 0 {
			order = append(order, role)
		}
		units[role] += n
	}
	var injections, orals int
	for _, p := range products {
		admin := r.cat.vaccines.Groups[p.Group].Admin
		switch {
		case admin == "covid":
			add("covid", 1)
		case r.payer.VaccineAdminGCodes && admin != "":
			add("medicare_"+admin, 1)
		case counsel:
			add("component_first", 1)
			add("component_additional", p.Components-1)
		case p.Route == "injection":
			injections++
		default:
			orals++
		}
	}
	add("injection_first", min(injections, 1))
	add("injection_additional", injections-1)
	if injections == 0 {
		add("oral_first", min(orals, 1))
		add("oral_additional", orals-1)
	} else {
		add("oral_additional", orals)
	}
	var out []found
	for _, role := range order {
		a := roles[role]
		ci, _ := r.cat.Code(a.Code)
		why := map[string]string{
			"component_first":      "patient under 19 with vaccine counseling by the practitioner: one unit per vaccine",
			"component_additional": "each vaccine component beyond the first, with counseling",
			"injection_first":      "first vaccine given by injection (no counseling code applies)",
			"injection_additional": "each further vaccine given by injection",
			"oral_first":           "first vaccine given by mouth or nose, none injected",
			"oral_additional":      "each further vaccine given by mouth or nose",
			"covid":                "COVID-19 vaccine administration, per dose",
		}[role]
		if strings.HasPrefix(role, "medicare_") {
			why = "this payer takes its own administration code for this vaccine"
		}
		out = append(out, found{code: ci, units: units[role], sentences: []int{si}, confidence: 0.85,
			reasoning: fmt.Sprintf("%s → %s × %d.", why, a.Code, units[role]),
			rules:     []Rule{{ID: "vaccine-admin", Summary: "one administration line per product; counseling codes 90460/90461 only under 19 with practitioner counseling"}}})
	}
	if r.age < 0 && (units["injection_first"] > 0 || units["oral_first"] > 0) {
		r.warn = append(r.warn, "vaccines given but the patient's age is not documented: the counseling codes 90460/90461 apply only under 19")
	}
	return out
}

// counseled reports whether the note documents vaccine counseling by the
// practitioner.
func (r *reader) counseled() bool {
	for si := range r.sents {
		s := r.sents[si].s
		if !mentionOnly[s.Section] && len(r.cat.counseling.FindAll(s)) > 0 {
			return true
		}
	}
	return false
}
