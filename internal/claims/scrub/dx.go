package scrub

import (
	"fmt"
	"slices"
	"strings"

	"github.com/medcode/medcode/internal/claims"
)

// dxValidity runs DX-01 (invalid or header code) and DX-02 (7th
// character and placeholder X). Codes that fail are left out of the
// other diagnosis edits: the fix comes first.
func (k *check) dxValidity() {
	icd := k.s.src.ICD
	var unchecked []string
	for i, code := range k.c.Diagnoses {
		if icd == nil {
			k.validDx[i] = true
			continue
		}
		st := icd.CheckICD(code, k.dos)
		switch st.Problem {
		case ICDBillable:
			k.validDx[i] = true
		case ICDNoRelease:
			k.validDx[i] = true
			unchecked = append(unchecked, code)
		case ICDHeader:
			k.add("DX-01", 0, []string{code}, "", "Choose the billable code under "+code+" that the documentation supports",
				"%s is a category header, not a billable code", code)
		case ICDMissingSeventh:
			k.add("DX-02", 0, []string{code}, "", "Add the 7th character for the encounter: "+code+"A (initial), "+code+"D (subsequent) or "+code+"S (sequela)",
				"%s is missing its 7th character", code)
		case ICDBadSeventh:
			k.add("DX-02", 0, []string{code}, "", "", "the 7th character of %s is not one its category defines", code)
		default:
			if fixed, ok := k.placeholderFix(code); ok {
				k.add("DX-02", 0, []string{code}, "", "Report "+fixed, "%s lacks the placeholder X before its 7th character: expected %s", code, fixed)
				continue
			}
			k.add("DX-01", 0, []string{code}, "", "", "%s is not a valid ICD-10-CM code for fiscal year %d (date of service %s)", code, fiscalYear(k.dos), k.c.FirstDOS())
		}
	}
	if len(unchecked) > 0 {
		fy := fiscalYear(k.dos)
		k.add("DX-01", 0, unchecked, Warn, fmt.Sprintf("Install the ICD-10-CM release for fiscal year %d and scrub again", fy),
			"no installed ICD-10-CM release covers %s (fiscal year %d): %s not validated", k.c.FirstDOS(), fy, joinCodes(unchecked))
	}
}

// placeholderFix pads a short code that ends in a 7th-character letter
// with X up to six characters ("S01.01A" → "S01.01XA") and returns it when
// the padded code is billable.
func (k *check) placeholderFix(code string) (string, bool) {
	c := undot(code)
	if len(c) < 4 || len(c) > 6 || c[len(c)-1] < 'A' || c[len(c)-1] > 'Z' {
		return "", false
	}
	last := c[len(c)-1]
	padded := c[:len(c)-1] + strings.Repeat("X", 7-len(c)) + string(last)
	fixed := dot(padded)
	return fixed, k.s.src.ICD.CheckICD(fixed, k.dos).Problem == ICDBillable
}

// codeFirstPartner returns a diagnosis on the claim (other than index i)
// that satisfies the code's code-first notes.
func (k *check) codeFirstPartner(i int, notes []string) (string, bool) {
	pats := k.patterns(notes)
	return k.hasDx(pats.match, i)
}

// patterns parses note code references, skipping any that do not parse
// (notes may carry free text).
func (k *check) patterns(refs []string) icdPatterns {
	var out icdPatterns
	for _, r := range refs {
		if p, err := parseICDPattern(r); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// dxManifestation runs DX-03 (manifestation first-listed) and DX-04
// (code-first partner missing, and the presumed links of the "with"
// convention).
func (k *check) dxManifestation() {
	if notes := k.s.src.Notes; notes != nil {
		for i, code := range k.c.Diagnoses {
			if !k.validDx[i] || !notes.Manifestation(code, k.dos) {
				continue
			}
			first, exhaustive := notes.CodeFirst(code, k.dos)
			partner, ok := k.codeFirstPartner(i, first)
			named := fewCodes(first, exhaustive)
			if i == 0 {
				fix := "List the underlying condition first"
				switch {
				case ok:
					fix = "Sequence " + partner + " first, then " + code
				case len(first) > 0:
					fix = "List the underlying condition (" + named + ") first"
				}
				k.add("DX-03", 0, []string{code}, "", fix, "%s is a manifestation code and may not be listed first", code)
			}
			switch {
			case ok || len(first) == 0:
			case exhaustive:
				k.add("DX-04", 0, []string{code}, Error, "Add the underlying condition ("+named+") before "+code,
					"%s is a manifestation code but no underlying condition (%s) is on the claim", code, named)
			default:
				// The note gives examples: another underlying condition
				// may be on the claim.
				k.add("DX-04", 0, []string{code}, Warn, "Make sure the underlying condition ("+named+") is coded before "+code,
					"%s is a manifestation code and none of the underlying conditions its note names (%s) is on the claim", code, named)
			}
		}
	}
	for _, rule := range k.s.t.presumed {
		for i, code := range k.c.Diagnoses {
			if !k.validDx[i] || !rule.code.match(code) || k.unrelated(code) {
				continue
			}
			if partner, ok := k.hasDx(rule.partner.match, i); ok && !k.unrelated(partner) {
				k.add("DX-04", 0, []string{code, partner}, "", "Report "+rule.combination+" instead of "+code+" (keep "+partner+")",
					"%s with %s: %s", code, partner, rule.note)
			}
		}
	}
}

// fewCodes names the codes of a note for a message: all of an exhaustive
// list, the first few of a list of examples ("for example G30.-, E75.4,
// A81.0-").
func fewCodes(codes []string, exhaustive bool) string {
	const examples = 3
	if exhaustive {
		return joinCodes(codes)
	}
	if len(codes) > examples {
		codes = codes[:examples]
	}
	return "for example " + joinCodes(codes)
}

// unrelated reports whether the provider documented the code as unrelated.
func (k *check) unrelated(code string) bool {
	return k.c.Documentation != nil && slices.Contains(k.c.Documentation.Unrelated, code)
}

// dxUseAdditional runs DX-05.
func (k *check) dxUseAdditional() {
	notes := k.s.src.Notes
	if notes == nil {
		return
	}
	for i, code := range k.c.Diagnoses {
		if !k.validDx[i] {
			continue
		}
		refs := notes.UseAdditional(code, k.dos)
		pats := k.patterns(refs)
		if len(pats) == 0 {
			continue
		}
		if _, ok := k.hasDx(pats.match, i); !ok {
			k.add("DX-05", 0, []string{code}, "", "Add the code the note asks for ("+joinCodes(refs)+") after "+code,
				"%s asks for an additional code (%s) that is not on the claim", code, joinCodes(refs))
		}
	}
}

// dxExcludes runs DX-06 once per pair of diagnoses.
func (k *check) dxExcludes() {
	ex := k.s.src.Excludes
	if ex == nil {
		return
	}
	dx := k.c.Diagnoses
	for i := range dx {
		for j := i + 1; j < len(dx); j++ {
			if !k.validDx[i] || !k.validDx[j] || dx[i] == dx[j] {
				continue
			}
			if k.reportedTogether(dx[i], dx[j]) || !ex.Excludes1(dx[i], dx[j], k.dos) && !ex.Excludes1(dx[j], dx[i], k.dos) {
				continue
			}
			if k.unrelated(dx[i]) || k.unrelated(dx[j]) {
				k.add("DX-06", 0, []string{dx[i], dx[j]}, Warn, "Keep both only if the note states the conditions are unrelated",
					"%s and %s form an Excludes1 pair; the provider documented them as unrelated", dx[i], dx[j])
				continue
			}
			k.add("DX-06", 0, []string{dx[i], dx[j]}, "", "",
				"%s and %s form an Excludes1 pair: they may not be reported together", dx[i], dx[j])
		}
	}
}

// reportedTogether reports a pair a guideline of the fiscal year has
// reported together.
func (k *check) reportedTogether(a, b string) bool {
	fy := fiscalYear(k.dos)
	return slices.ContainsFunc(k.s.t.together, func(p togetherPair) bool { return p.match(a, b, fy) })
}

// dxPosition runs DX-07 (external cause first), DX-08 (first-listed-only
// Z code not first) and DX-09 (secondary-only code first).
func (k *check) dxPosition() {
	dx := k.c.Diagnoses
	if len(dx) == 0 {
		return
	}
	first := dx[0]
	if k.validDx[0] && k.s.t.externalCause.match(first) {
		k.add("DX-07", 0, []string{first}, "", "", "%s is an external cause code and may not be listed first", first)
	}
	firstIsFirstOnly := k.validDx[0] && matchesAny(k.s.t.firstListedOnly, first)
	for i := 1; i < len(dx); i++ {
		if !k.validDx[i] || !matchesAny(k.s.t.firstListedOnly, dx[i]) {
			continue
		}
		if firstIsFirstOnly {
			k.add("DX-08", 0, []string{dx[i], first}, Warn, "Keep the one that states the reason for the encounter first",
				"%s and %s may each only be listed first", dx[i], first)
			continue
		}
		k.add("DX-08", 0, []string{dx[i]}, "", "Move "+dx[i]+" to the first position, or drop it",
			"%s may only be listed first but is in position %d", dx[i], i+1)
	}
	if k.validDx[0] && matchesAny(k.s.t.secondaryOnly, first) {
		k.add("DX-09", 0, []string{first}, "", "", "%s is a status, history or BMI code and should not be listed first", first)
	}
}

func matchesAny(ps []exceptedPattern, code string) bool {
	for _, p := range ps {
		if p.match(code) {
			return true
		}
	}
	return false
}

// dxDuplicates runs DX-10.
func (k *check) dxDuplicates() {
	dx := k.c.Diagnoses
	for i := range dx {
		if slices.Contains(dx[:i], dx[i]) {
			k.add("DX-10", 0, []string{dx[i]}, "", "Remove the second "+dx[i], "%s is listed twice", dx[i])
		}
	}
	for _, r := range k.s.t.redundant {
		for i, code := range dx {
			if !k.validDx[i] || !r.combination.match(code) {
				continue
			}
			if comp, ok := k.hasDx(r.component.match, i); ok {
				k.add("DX-10", 0, []string{code, comp}, "", "Remove "+comp, "%s with %s: %s", code, comp, r.note)
			}
		}
	}
}

// dxLaterality runs DX-11: an unspecified-side code when the note names
// the side. The specific code is the sibling whose title reads the same
// with the side in place of "unspecified".
func (k *check) dxLaterality() {
	icd := k.s.src.ICD
	if icd == nil || k.c.Documentation == nil || k.c.Documentation.Side == "" {
		return
	}
	side := k.c.Documentation.Side
	for i, code := range k.c.Diagnoses {
		if !k.validDx[i] {
			continue
		}
		title := strings.ToLower(icd.CheckICD(code, k.dos).Title)
		if !strings.Contains(title, "unspecified") {
			continue
		}
		for _, sib := range siblings(code) {
			st := icd.CheckICD(sib, k.dos)
			if st.Problem != ICDBillable {
				continue
			}
			if strings.Replace(strings.ToLower(st.Title), side, "unspecified", 1) == title {
				k.add("DX-11", 0, []string{code}, "", "Report "+sib, "%s has an unspecified side but the note documents the %s side: use %s", code, side, sib)
				break
			}
		}
	}
}

// siblings returns the codes that differ from code in the last character,
// or, for a seven-character code, in the sixth.
func siblings(code string) []string {
	pos := len(code) - 1
	if len(undot(code)) == 7 {
		pos--
	}
	if pos < 4 {
		return nil
	}
	out := make([]string, 0, 10)
	for c := byte('0'); c <= '9'; c++ {
		if code[pos] != c {
			out = append(out, code[:pos]+string(c)+code[pos+1:])
		}
	}
	return out
}

// dxAgeSex runs DX-12 (age) and DX-13 (sex).
func (k *check) dxAgeSex() {
	age := k.c.Patient.Age
	sex := k.c.Patient.Sex
	for i, code := range k.c.Diagnoses {
		if !k.validDx[i] {
			continue
		}
		ageFlagged := false
		for _, r := range k.s.t.dxAge {
			if r.pattern.match(code) && (age < r.min || age > r.max) && !ageFlagged {
				k.add("DX-12", 0, []string{code}, "", "", "%s is for ages %d-%d (%s); the patient is %d", code, r.min, r.max, r.note, age)
				ageFlagged = true
			}
		}
		mce := k.s.src.AgeSex
		if mce == nil {
			continue
		}
		if r, ok := mce.DiagnosisAge(code, k.dos); ok && !ageFlagged && (age < r.Min || age > r.Max) {
			k.add("DX-12", 0, []string{code}, "", "", "%s is for ages %d-%d (%s); the patient is %d", code, r.Min, r.Max, r.Edit, age)
		}
		if want, ok := mce.DiagnosisSex(code, k.dos); ok && sex != claims.Unknown && sex != "" && want != sex {
			k.add("DX-13", 0, []string{code}, "", "", "%s is a %s-only diagnosis; the patient is %s", code, sexWord(want), sexWord(sex))
		}
	}
}

func sexWord(s claims.Sex) string {
	switch s {
	case claims.Female:
		return "female"
	case claims.Male:
		return "male"
	}
	return "of unknown sex"
}
