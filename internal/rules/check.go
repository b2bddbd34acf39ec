package rules

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

var idForm = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

// check validates a decoded document, upper-cases its codes and gives
// every rule an id.
func (p *parser) check(d *Document, catalog Catalog) {
	if n := d.Count(); n > MaxRules {
		p.problems = append(p.problems, Problem{Message: fmt.Sprintf("the document holds %d rules; the limit is %d", n, MaxRules)})
		return
	}
	at := func(line int, path, format string, args ...any) {
		if len(p.problems) < maxProblems {
			p.problems = append(p.problems, Problem{Line: line, Path: path, Message: fmt.Sprintf(format, args...)})
		}
	}
	if v := d.Defaults.Payer; v != "" && !oneOf(v, payers) {
		at(0, "defaults.payer", "%q is not a payer class (%s)", v, strings.Join(payers, ", "))
	}
	if v := d.Defaults.PatientType; v != "" && !oneOf(v, patientTypes) {
		at(0, "defaults.patient_type", "%q is not a patient type (%s)", v, strings.Join(patientTypes, ", "))
	}

	ids := map[string]string{} // id → path of the rule that has it
	common := func(c *Common, kindName string, i int) string {
		path := fmt.Sprintf("%s[%d]", kindName, i+1)
		if c.ID == "" {
			c.ID = fmt.Sprintf("%s-%d", kindName, i+1)
		} else if len(c.ID) > maxID || !idForm.MatchString(c.ID) {
			at(c.Line, path+".id", "%q is not an id: use up to %d letters, digits, '-', '_' or '.'", c.ID, maxID)
		}
		if prev, ok := ids[c.ID]; ok {
			at(c.Line, path+".id", "id %q is already used by %s", c.ID, prev)
		}
		ids[c.ID] = path
		if utf8.RuneCountInString(c.Note) > maxNote {
			at(c.Line, path+".note", "the note is longer than %d characters", maxNote)
		}
		return path
	}
	// code checks one code field: its form, the kind the field wants, and
	// (for the codes a rule reports) that the release knows it.
	code := func(line int, path string, dst *string, want func(kind) bool, wantName string, reported bool) kind {
		if *dst == "" {
			at(line, path, "missing")
			return notACode
		}
		c, k, err := parseCode(*dst)
		if err != nil {
			at(line, path, "%v", err)
			return notACode
		}
		if !want(k) {
			at(line, path, "%s is a %s code; here it must be %s", c, k, wantName)
			return notACode
		}
		*dst = c
		if reported && catalog != nil && k != cpt {
			if _, ok := catalog.Describe(c); !ok {
				at(line, path, "%s is not a billable %s code of the code set in use", c, k)
			}
		}
		return k
	}
	isICD := func(k kind) bool { return k == icd }
	anyKind := func(kind) bool { return true }
	isProcedure := func(k kind) bool { return k.procedure() }
	phrase := func(line int, path, s string) {
		switch n := utf8.RuneCountInString(s); {
		case n < 2:
			at(line, path, "a phrase needs at least 2 characters")
		case n > maxPhrase:
			at(line, path, "a phrase has at most %d characters", maxPhrase)
		}
	}
	var added []string // codes the rules report, against suppress patterns
	phrases := map[string]string{}

	for i := range d.Synonyms {
		r := &d.Synonyms[i]
		path := common(&r.Common, "synonyms", i)
		phrase(r.Line, path+".phrase", r.Phrase)
		key := strings.ToLower(r.Phrase)
		if prev, ok := phrases[key]; ok {
			at(r.Line, path+".phrase", "%q is already the phrase of %s", r.Phrase, prev)
		}
		phrases[key] = path
		if code(r.Line, path+".code", &r.Code, isICD, "an ICD-10-CM diagnosis code", true) != notACode {
			added = append(added, r.Code)
		}
	}
	for i := range d.Prefer {
		r := &d.Prefer[i]
		path := common(&r.Common, "prefer", i)
		k := code(r.Line, path+".code", &r.Code, anyKind, "", true)
		if len(r.InsteadOf) == 0 {
			at(r.Line, path+".instead_of", "missing: name the codes this one replaces")
		}
		for j, s := range r.InsteadOf {
			pp, err := parsePattern(s)
			if err != nil {
				at(r.Line, fmt.Sprintf("%s.instead_of[%d]", path, j+1), "%v", err)
				continue
			}
			r.InsteadOf[j] = pp.text
			if k != notACode && pp.match(r.Code) {
				at(r.Line, fmt.Sprintf("%s.instead_of[%d]", path, j+1), "%s would replace itself", r.Code)
			}
			if pk := kindOf(pp.exact); k != notACode && pp.exact != "" && pk.procedure() != k.procedure() {
				at(r.Line, fmt.Sprintf("%s.instead_of[%d]", path, j+1), "%s (%s) and %s (%s) are not the same kind of code", pp.exact, pk, r.Code, k)
			}
		}
		if k != notACode {
			added = append(added, r.Code)
		}
	}
	for i := range d.PayerVariants {
		r := &d.PayerVariants[i]
		path := common(&r.Common, "payer_variants", i)
		if !oneOf(r.Payer, payers) {
			at(r.Line, path+".payer", "%q is not a payer class (%s)", r.Payer, strings.Join(payers, ", "))
		}
		code(r.Line, path+".code", &r.Code, isProcedure, "a CPT or HCPCS code", false)
		if code(r.Line, path+".use", &r.Use, isProcedure, "a CPT or HCPCS code", true) != notACode {
			added = append(added, r.Use)
		}
		if r.Code != "" && r.Code == r.Use {
			at(r.Line, path+".use", "%s would replace itself", r.Use)
		}
	}
	for i := range d.AlwaysAdd {
		r := &d.AlwaysAdd[i]
		path := common(&r.Common, "always_add", i)
		if code(r.Line, path+".add", &r.Add, isICD, "an ICD-10-CM diagnosis code", true) != notACode {
			added = append(added, r.Add)
		}
		if len(r.WhenPhrase) == 0 && len(r.WhenCode) == 0 {
			at(r.Line, path, "give when_phrase, when_code or both: when to add %s", r.Add)
		}
		for j, s := range r.WhenPhrase {
			phrase(r.Line, fmt.Sprintf("%s.when_phrase[%d]", path, j+1), s)
		}
		for j, s := range r.WhenCode {
			pp, err := parsePattern(s)
			if err != nil {
				at(r.Line, fmt.Sprintf("%s.when_code[%d]", path, j+1), "%v", err)
				continue
			}
			r.WhenCode[j] = pp.text
		}
	}
	for i := range d.Suppress {
		r := &d.Suppress[i]
		path := common(&r.Common, "suppress", i)
		if r.Code == "" {
			at(r.Line, path+".code", "missing")
			continue
		}
		pp, err := parsePattern(r.Code)
		if err != nil {
			at(r.Line, path+".code", "%v", err)
			continue
		}
		r.Code = pp.text
		for _, c := range added {
			if pp.match(c) {
				at(r.Line, path+".code", "%s suppresses %s, which another rule reports", r.Code, c)
			}
		}
	}
}
