package procedure

import (
	"fmt"
	"math"

	"github.com/medcode/medcode/internal/engine/procedure/scan"
)

// window returns the tokens within n words of [from, to) without crossing
// a sentence-internal break (";" or "."), so a site is read from the
// service's own phrase.
func window(s *scan.Sentence, from, to, n int) (int, int) {
	lo, hi := from, to
	for k := from - 1; k >= 0 && from-k <= n; k-- {
		if t := s.Tokens[k]; t.Punct && (t.Norm == ";" || t.Norm == ".") {
			break
		}
		lo = k
	}
	for k := to; k < len(s.Tokens) && k-to < n; k++ {
		if t := s.Tokens[k]; t.Punct && (t.Norm == ";" || t.Norm == ".") {
			break
		}
		hi = k + 1
	}
	return lo, hi
}

// regionsNear returns the anatomic regions named within n words of a
// phrase, nearest first.
func (r *reader) regionsNear(s *scan.Sentence, from, to, n int) []string {
	lo, hi := window(s, from, to, n)
	ms := plain(r.cat.regions.Find(s, lo, hi))
	sortByDistance(ms, from, to)
	var out []string
	for _, m := range ms {
		out = append(out, r.cat.regionIDs[m.ID])
	}
	return out
}

// sortByDistance orders matches by their token distance to [from, to).
func sortByDistance(ms []scan.Match, from, to int) {
	dist := func(m scan.Match) int {
		switch {
		case m.To <= from:
			return from - m.To
		case m.From >= to:
			return m.From - to
		}
		return 0
	}
	for i := 1; i < len(ms); i++ {
		for j := i; j > 0 && dist(ms[j]) < dist(ms[j-1]); j-- {
			ms[j], ms[j-1] = ms[j-1], ms[j]
		}
	}
}

// sideNear reads the side of the body documented for a phrase: the side
// word nearest to it in its clause. One-letter sides ("R knee") count only
// right before the phrase or a site word.
func (r *reader) sideNear(s *scan.Sentence, from, to int) string {
	lo, hi := s.Clause(from)
	ms := plain(r.cat.sides.Find(s, lo, hi))
	sortByDistance(ms, from, to)
	for _, m := range ms {
		if len(s.Tokens[m.From].Norm) == 1 && !r.beforeSite(s, m.To) {
			continue
		}
		return r.cat.sideIDs[m.ID]
	}
	return ""
}

// beforeSite reports whether token k starts a region or joint word.
func (r *reader) beforeSite(s *scan.Sentence, k int) bool {
	if k >= len(s.Tokens) {
		return false
	}
	return len(r.cat.regions.Find(s, k, min(k+3, len(s.Tokens)))) > 0 || len(r.cat.joints.Find(s, k, min(k+3, len(s.Tokens)))) > 0
}

// mergeSide combines the sides of two mentions of one service: right and
// left make bilateral.
func mergeSide(a, b string) string {
	switch {
	case a == "" || a == b:
		return b
	case b == "":
		return a
	}
	return "bilateral"
}

// detectJoints reads arthrocentesis and joint injections: the joint named
// in the clause gives the size, ultrasound guidance the variant, the side
// word the modifier. Each joint and side is one line.
func (r *reader) detectJoints(svc *service) []found {
	type key struct{ code, joint string }
	byKey := map[key]*found{}
	var order []key
	for _, sm := range r.mentionsOf(svc) {
		s := r.sents[sm.si].s
		js, j, ok := r.jointOf(svc, sm)
		if !ok {
			continue
		}
		size := r.cat.jointSizes[j.ID]
		us := false
		for _, m := range r.cat.ultrasound.FindAll(s) {
			if !r.negatedAt(sm.si, m) {
				us = true
			}
		}
		var ci *CodeInfo
		for i := range svc.Codes {
			if svc.Codes[i].Size == size && svc.Codes[i].Ultrasound == us {
				ci = &svc.Codes[i]
			}
		}
		if ci == nil {
			continue
		}
		joint := js.Words(j.From, j.To)
		k := key{ci.Code, joint}
		f := byKey[k]
		if f == nil {
			guidance := "without ultrasound guidance"
			if us {
				guidance = "with ultrasound guidance"
			}
			f = &found{service: svc.Name, code: ci, units: 1,
				reasoning: fmt.Sprintf("Injection or aspiration of the %s (a %s joint or bursa) %s → %s.", joint, size, guidance, ci.Code)}
			byKey[k] = f
			order = append(order, k)
		}
		f.side = mergeSide(f.side, r.sideNear(js, j.From, j.To))
		f.evidence = append(f.evidence, spanOf(sm.m), spanOf(j))
		f.sentences = append(f.sentences, sm.si)
		f.sites = append(f.sites, r.regionsNear(js, j.From, j.To, 2)...)
		f.confidence = math.Max(f.confidence, confidenceOf(sm.st))
	}
	out := make([]found, 0, len(order))
	for _, k := range order {
		out = append(out, *byKey[k])
	}
	return out
}

// jointOf returns the joint an injection mention is about: one named in
// its clause, else (for "we will administer the injection today") the joint
// of an injection mentioned in the two sentences before it in the section.
func (r *reader) jointOf(svc *service, sm sentMatch) (*scan.Sentence, scan.Match, bool) {
	s := r.sents[sm.si].s
	from, to := s.Clause(sm.m.From)
	if joints := plain(r.cat.joints.Find(s, from, to)); len(joints) > 0 {
		sortByDistance(joints, sm.m.From, sm.m.To)
		return s, joints[0], true
	}
	for back := sm.si - 1; back >= 0 && back >= sm.si-2 && r.sents[back].s.Section == s.Section; back-- {
		prev := r.sents[back].s
		var trig []scan.Match
		for _, sm := range r.triggered[svc.index] {
			if sm.si == back {
				trig = append(trig, sm.m)
			}
		}
		for _, t := range plain(trig) {
			pf, pt := prev.Clause(t.From)
			if has(svc.excludes, prev, pf, pt) {
				continue
			}
			if joints := plain(r.cat.joints.Find(prev, pf, pt)); len(joints) > 0 {
				sortByDistance(joints, t.From, t.To)
				return prev, joints[0], true
			}
		}
	}
	return nil, scan.Match{}, false
}

// negatedAt reports whether a negation word stands right before m
// ("no ultrasound").
func (r *reader) negatedAt(si int, m scan.Match) bool {
	for _, q := range r.sents[si].cues {
		if q.Kind == "negation" && q.To <= m.From && m.From-q.To <= 2 {
			return true
		}
	}
	return false
}

// detectBiopsies reads skin biopsies: each technique phrase documented is a
// lesion ("punch biopsies x2" is two). One primary code per encounter, from
// the most invasive technique used (the order of `techniques` in
// services.yaml); every other lesion takes its own technique's add-on.
func (r *reader) detectBiopsies(svc *service) []found {
	type lesion struct {
		technique string
		ev        Span
		si        int
		sites     []string
		conf      float64
	}
	var lesions []lesion
	for si := range r.sents {
		s := r.sents[si].s
		if mentionOnly[s.Section] {
			continue
		}
		for _, m := range scan.DropOverlaps(svc.variants.Find(s, 0, len(s.Tokens))) {
			st := r.performed(si, m.Match, svc.NeedsDone)
			if !st.done {
				continue
			}
			n := 1
			from, to := s.Clause(m.From)
			if c, _, ok := countInClause(s, svc.counts, from, to); ok && c > 1 && c < 20 {
				n = c
			}
			for ; n > 0; n-- {
				lesions = append(lesions, lesion{technique: m.Kind, ev: spanOf(m.Match), si: si,
					sites: r.regionsNear(s, m.From, m.To, 10), conf: confidenceOf(st)})
			}
		}
	}
	if len(lesions) == 0 {
		return nil
	}
	rank := map[string]int{}
	for i, c := range svc.Codes {
		if _, ok := rank[c.Technique]; !ok {
			rank[c.Technique] = i
		}
	}
	primary := lesions[0].technique
	for _, l := range lesions {
		if rank[l.technique] < rank[primary] {
			primary = l.technique
		}
	}
	codeFor := func(technique string, addon bool) *CodeInfo {
		for i := range svc.Codes {
			if svc.Codes[i].Technique == technique && svc.Codes[i].Addon == addon {
				return &svc.Codes[i]
			}
		}
		return nil
	}
	var out []found
	index := map[string]int{}
	primaryUsed := false
	for _, l := range lesions {
		addon := l.technique != primary || primaryUsed
		if !addon {
			primaryUsed = true
		}
		ci := codeFor(l.technique, addon)
		if ci == nil {
			continue
		}
		if i, ok := index[ci.Code]; ok {
			out[i].units++
			out[i].evidence = append(out[i].evidence, l.ev)
			out[i].sentences = append(out[i].sentences, l.si)
			out[i].sites = append(out[i].sites, l.sites...)
			continue
		}
		why := fmt.Sprintf("%s biopsy: the primary biopsy code of the encounter (most invasive technique used) → %s.", l.technique, ci.Code)
		if addon {
			why = fmt.Sprintf("%s biopsy of a further lesion → its technique's add-on %s.", l.technique, ci.Code)
		}
		index[ci.Code] = len(out)
		out = append(out, found{service: svc.Name, code: ci, units: 1, evidence: []Span{l.ev}, sentences: []int{l.si},
			sites: l.sites, reasoning: why, confidence: l.conf,
			rules: []Rule{{ID: "biopsy-hierarchy", Citation: "CPT 2019 skin biopsy guidelines", Summary: "one primary biopsy code per encounter: incisional > punch > tangential; other lesions on add-on codes"}}})
	}
	return out
}
