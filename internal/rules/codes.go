package rules

import (
	"fmt"
	"regexp"
	"strings"
)

// kind is the code system a code's form belongs to.
type kind int

const (
	notACode kind = iota
	icd           // ICD-10-CM: A00, E11.9, S52.521A
	hcpcs         // HCPCS Level II: G0008
	cpt           // CPT: 99213, 0001F
)

var (
	icdForm   = regexp.MustCompile(`^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$`)
	hcpcsForm = regexp.MustCompile(`^[A-V][0-9]{4}$`)
	cptForm   = regexp.MustCompile(`^[0-9]{4}[0-9FTU]$`)
)

// kindOf classifies a code by its form. ICD-10-CM codes longer than three
// characters carry their dot, as the engine writes them, which tells them
// from HCPCS codes ("G00.08" against "G0008").
func kindOf(code string) kind {
	switch {
	case icdForm.MatchString(code):
		return icd
	case hcpcsForm.MatchString(code):
		return hcpcs
	case cptForm.MatchString(code):
		return cpt
	}
	return notACode
}

func (k kind) String() string {
	switch k {
	case icd:
		return "ICD-10-CM"
	case hcpcs:
		return "HCPCS"
	case cpt:
		return "CPT"
	}
	return "unknown"
}

// procedure reports whether k codes services (CPT or HCPCS).
func (k kind) procedure() bool { return k == hcpcs || k == cpt }

const codeForms = "write ICD-10-CM codes with their dot (E11.9), CPT and HCPCS codes as five characters (99213, G0008)"

// parseCode upper-cases a code and checks its form.
func parseCode(s string) (string, kind, error) {
	c := strings.ToUpper(strings.TrimSpace(s))
	k := kindOf(c)
	if k == notACode {
		return "", notACode, fmt.Errorf("%q is not a code: %s", s, codeForms)
	}
	return c, k, nil
}

// pattern matches codes: one code exactly, or every code starting with a
// prefix when written with a trailing "*" ("E11.*", "R05*", "992*").
type pattern struct {
	text   string // as written, upper-cased
	prefix string // without dots, for prefix patterns
	exact  string // for exact patterns
}

// parsePattern reads a code or a prefix pattern.
func parsePattern(s string) (pattern, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	if p, ok := strings.CutSuffix(t, "*"); ok {
		bare := strings.ReplaceAll(p, ".", "")
		if len(bare) < 1 || strings.ContainsAny(bare, "*") || !alnum(bare) {
			return pattern{}, fmt.Errorf("%q is not a code pattern: write a code, or the start of codes followed by * (E11.*, 992*)", s)
		}
		return pattern{text: t, prefix: bare}, nil
	}
	c, _, err := parseCode(s)
	if err != nil {
		return pattern{}, err
	}
	return pattern{text: c, exact: c}, nil
}

func alnum(s string) bool {
	for _, r := range s {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// match reports whether code (as the engine writes it) matches.
func (p pattern) match(code string) bool {
	if p.exact != "" {
		return code == p.exact
	}
	return strings.HasPrefix(strings.ReplaceAll(code, ".", ""), p.prefix)
}

// CheckCode upper-cases a code a person typed and checks its form and,
// for ICD-10-CM and HCPCS codes, that catalog knows it (nil: form only).
// diagnosis says which kind the code must be: an ICD-10-CM code (true)
// or a CPT/HCPCS code (false).
func CheckCode(s string, diagnosis bool, catalog Catalog) (string, error) {
	c, k, err := parseCode(s)
	if err != nil {
		return "", err
	}
	if diagnosis && k != icd {
		return "", fmt.Errorf("%s is a %s code; a diagnosis needs an ICD-10-CM code", c, k)
	}
	if !diagnosis && !k.procedure() {
		return "", fmt.Errorf("%s is an ICD-10-CM code; a service needs a CPT or HCPCS code", c)
	}
	if catalog != nil && k != cpt {
		if _, ok := catalog.Describe(c); !ok {
			return "", fmt.Errorf("%s is not a billable %s code of the code set in use", c, k)
		}
	}
	return c, nil
}

// IsDiagnosis reports whether code has the form of an ICD-10-CM code.
func IsDiagnosis(code string) bool { return kindOf(strings.ToUpper(code)) == icd }

// Matches reports whether code matches one of patterns (codes, or
// prefixes ending in "*"); a malformed pattern matches nothing.
func Matches(patterns []string, code string) bool {
	for _, s := range patterns {
		if p, err := parsePattern(s); err == nil && p.match(code) {
			return true
		}
	}
	return false
}
