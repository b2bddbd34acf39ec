package procedure

import (
	"slices"
	"strings"
)

// maxPointers is the most diagnosis pointers a claim line carries.
const maxPointers = 4

func hasPrefix(code string, prefixes []string) bool {
	c := strings.ReplaceAll(code, ".", "")
	for _, p := range prefixes {
		if strings.HasPrefix(c, strings.ReplaceAll(p, ".", "")) {
			return true
		}
	}
	return false
}

// encounterOnly are diagnoses no service other than the visit itself points
// to: preventive encounters and external causes.
func (r *reader) encounterOnly(code string) bool {
	return hasPrefix(code, r.em.PreventiveDx()) || hasPrefix(code, []string{"V", "W", "X", "Y"})
}

// linkDiagnoses finds, for each service, the diagnoses that justify it:
// those documented in the same sentence or at the same anatomic site; when
// none is, those of the kinds the service treats (its `dx` prefixes).
// Vaccines point to the immunization encounter code.
func (r *reader) linkDiagnoses(fs []found, dx []Diagnosis) [][]int {
	dxSentences := make([]map[int]bool, len(dx))
	dxSites := make([]map[string]bool, len(dx))
	for i, d := range dx {
		dxSentences[i], dxSites[i] = map[int]bool{}, map[string]bool{}
		for _, sp := range d.Evidence {
			si := r.note.SentenceAt(sp.Start)
			if si < 0 {
				continue
			}
			dxSentences[i][si] = true
			s := r.sents[si].s
			from, to := s.TokenRange(sp.Start, sp.End)
			for _, region := range r.regionsNear(s, from, to, 2) {
				dxSites[i][region] = true
			}
		}
	}
	links := make([][]int, len(fs))
	for fi, f := range fs {
		if f.code.Vaccine || f.code.VaccineAdmin {
			for i, d := range dx {
				if hasPrefix(d.Code, f.code.Dx) {
					links[fi] = append(links[fi], i)
				}
			}
			continue
		}
		var near, kind []int
		for i, d := range dx {
			if r.encounterOnly(d.Code) && !hasPrefix(d.Code, f.code.Dx) {
				continue
			}
			sameSentence := false
			for _, si := range f.sentences {
				sameSentence = sameSentence || dxSentences[i][si]
			}
			sameSite := false
			for _, site := range f.sites {
				sameSite = sameSite || dxSites[i][site]
			}
			switch {
			case sameSite || sameSentence && len(f.sites) == 0:
				near = append(near, i)
			case sameSentence && len(dxSites[i]) == 0:
				near = append(near, i)
			case hasPrefix(d.Code, f.code.Dx):
				kind = append(kind, i)
			}
		}
		if len(near) > 0 {
			links[fi] = near
		} else {
			links[fi] = kind
		}
	}
	return links
}

// servicePointers returns a service line's pointers: its linked diagnoses
// in claim order, else the first diagnosis that is not an encounter code.
func (r *reader) servicePointers(f found, linked []int, dx []Diagnosis) []int {
	var out []int
	for _, i := range linked {
		if len(out) < maxPointers {
			out = append(out, i+1)
		}
	}
	if len(out) > 0 {
		return out
	}
	return r.firstProblemPointer(dx)
}

// firstProblemPointer points to the first diagnosis that is not a
// preventive, immunization or external-cause encounter code, else to the
// first diagnosis.
func (r *reader) firstProblemPointer(dx []Diagnosis) []int {
	for i, d := range dx {
		if !r.encounterOnly(d.Code) && !hasPrefix(d.Code, r.cat.vaccines.Dx) {
			return []int{i + 1}
		}
	}
	if len(dx) > 0 {
		return []int{1}
	}
	return nil
}

// preventivePointers points a preventive visit line to its encounter code.
func (r *reader) preventivePointers(dx []Diagnosis) []int {
	for i, d := range dx {
		if hasPrefix(d.Code, r.em.PreventiveDx()) {
			return []int{i + 1}
		}
	}
	if len(dx) > 0 {
		return []int{1}
	}
	return nil
}

// officePointers points the problem E/M line to the problems it scored.
// A visit scored on a problem no diagnosis codes points nowhere (the E/M
// warning asks for the diagnosis) rather than to another problem's code.
func (r *reader) officePointers(problemCodes []string, dx []Diagnosis) []int {
	var out []int
	for i, d := range dx {
		if slices.Contains(problemCodes, d.Code) && len(out) < maxPointers {
			out = append(out, i+1)
		}
	}
	return out
}
