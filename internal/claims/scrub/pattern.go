package scrub

import (
	"fmt"
	"strings"
)

// icdPattern matches ICD-10-CM codes the way tabular notes name them:
// "N18" and "N18.-" match the code and everything under it, "E08-E13"
// and "N18.1-N18.6" a range of categories or subcategories.
type icdPattern struct {
	lo, hi string // without dots; hi is empty for a prefix
}

func parseICDPattern(s string) (icdPattern, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	s = strings.TrimSuffix(strings.TrimSuffix(s, "-"), ".")
	lo, hi, isRange := strings.Cut(s, "-")
	p := icdPattern{lo: strings.ReplaceAll(lo, ".", "")}
	if isRange {
		p.hi = strings.ReplaceAll(strings.TrimSuffix(strings.TrimSuffix(hi, "-"), "."), ".", "")
		if len(p.hi) != len(p.lo) || p.hi < p.lo {
			return p, fmt.Errorf("range %q: both ends need the same length, low end first", s)
		}
	}
	if len(p.lo) < 3 || !isCodeChars(p.lo) || !isCodeChars(p.hi) {
		return p, fmt.Errorf("%q is not an ICD-10-CM code pattern", s)
	}
	return p, nil
}

func isCodeChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// match reports whether the code (printed form, with or without the dot) matches.
func (p icdPattern) match(code string) bool {
	c := undot(code)
	if p.hi == "" {
		return strings.HasPrefix(c, p.lo)
	}
	if len(c) < len(p.lo) {
		return false
	}
	head := c[:len(p.lo)]
	return head >= p.lo && head <= p.hi
}

func (p icdPattern) String() string {
	if p.hi == "" {
		return dot(p.lo) + "-"
	}
	return dot(p.lo) + "-" + dot(p.hi)
}

// undot removes the dot of an ICD-10-CM code without allocating when there is none.
func undot(code string) string {
	if len(code) > 3 && code[3] == '.' {
		return code[:3] + code[4:]
	}
	return code
}

func dot(code string) string {
	if len(code) > 3 {
		return code[:3] + "." + code[3:]
	}
	return code
}

// icdPatterns is a list of patterns matched as one.
type icdPatterns []icdPattern

func parseICDPatterns(list string) (icdPatterns, error) {
	var out icdPatterns
	for _, s := range strings.Split(list, ",") {
		p, err := parseICDPattern(s)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

func (ps icdPatterns) match(code string) bool {
	for _, p := range ps {
		if p.match(code) {
			return true
		}
	}
	return false
}

// codeSet is a set of CPT/HCPCS codes given as codes and ranges
// ("99202-99215,G0438"). Ranges compare codes of equal length.
type codeSet struct {
	exact  map[string]bool
	ranges [][2]string
}

func parseCodeSet(list string) (codeSet, error) {
	cs := codeSet{exact: map[string]bool{}}
	for _, s := range strings.Split(list, ",") {
		s = strings.TrimSpace(s)
		if lo, hi, ok := strings.Cut(s, "-"); ok {
			if len(lo) != len(hi) || hi < lo || !isCodeChars(lo) || !isCodeChars(hi) {
				return cs, fmt.Errorf("code range %q is not LOW-HIGH of equal length", s)
			}
			cs.ranges = append(cs.ranges, [2]string{lo, hi})
			continue
		}
		if len(s) != 5 || !isCodeChars(s) {
			return cs, fmt.Errorf("%q is not a five-character CPT/HCPCS code", s)
		}
		cs.exact[s] = true
	}
	return cs, nil
}

func (cs codeSet) has(code string) bool {
	if cs.exact[code] {
		return true
	}
	for _, r := range cs.ranges {
		if len(code) == len(r[0]) && code >= r[0] && code <= r[1] {
			return true
		}
	}
	return false
}
