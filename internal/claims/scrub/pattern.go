package scrub

import (
	"fmt"
	"strings"
)

// icdPattern matches ICD-10-CM codes the way tabular notes name them:
// "N18" and "N18.-" match the code and everything under it, "E08-E13"
// and "N18.1-N18.6" a range of categories or subcategories. The ends of a
// range may differ in length ("E08.2-E08.29"), and an incomplete end may
// carry its dash ("S32.1--S32.9").
type icdPattern struct {
	lo, hi string // without dots; hi is empty for a prefix
}

func parseICDPattern(s string) (icdPattern, error) {
	var ends []string
	for _, part := range strings.Split(strings.ToUpper(strings.TrimSpace(s)), "-") {
		if part = strings.ReplaceAll(strings.TrimSpace(part), ".", ""); part != "" {
			ends = append(ends, part)
		}
	}
	var p icdPattern
	switch len(ends) {
	case 1:
		p.lo = ends[0]
	case 2:
		p.lo, p.hi = ends[0], ends[1]
		if p.hi < truncate(p.lo, len(p.hi)) {
			return p, fmt.Errorf("range %q: the low end comes first", s)
		}
	default:
		return p, fmt.Errorf("%q is not an ICD-10-CM code or range", s)
	}
	if len(p.lo) < 3 || !isCodeChars(p.lo) || p.hi != "" && (len(p.hi) < 3 || !isCodeChars(p.hi)) {
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

// match reports whether the code (printed form, with or without the dot)
// is at or below the pattern's code, or at or below a code of its range.
func (p icdPattern) match(code string) bool {
	c := undot(code)
	if p.hi == "" {
		return strings.HasPrefix(c, p.lo)
	}
	return truncate(c, len(p.lo)) >= p.lo && truncate(c, len(p.hi)) <= p.hi
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
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
