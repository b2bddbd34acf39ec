package procedure

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/medcode/medcode/internal/engine/procedure/scan"
)

// wound is one laceration documented as repaired.
type wound struct {
	si         int
	mention    scan.Match
	lengthCM   float64
	region     string
	complexity string
	adhesive   bool // closed with tissue adhesive alone
	evidence   []Span
	conf       float64
}

// detectRepairs reads laceration repairs: each wound with its length, site
// and repair complexity; lengths are summed within a complexity and
// anatomic group and one code chosen per group (CPT repair guidelines).
func (r *reader) detectRepairs() []found {
	var wounds []wound
	for si := range r.sents {
		s := r.sents[si].s
		if mentionOnly[s.Section] {
			continue
		}
		ms := plain(r.cat.woundWords.FindAll(s))
		if len(ms) == 0 {
			continue
		}
		facts, ok := r.repairFacts(si)
		if !ok {
			continue
		}
		lengths := lengthsIn(s)
		regions := plain(r.cat.regions.FindAll(s))
		for wi, m := range ms {
			w := wound{si: si, mention: m, evidence: []Span{spanOf(m)}, conf: facts.conf, adhesive: facts.adhesive}
			for _, l := range lengths {
				if owner(s, ms, l.m) == wi {
					w.lengthCM = l.cm
					w.evidence = append(w.evidence, spanOf(l.m))
					break
				}
			}
			for _, g := range regions {
				if owner(s, ms, g) == wi {
					w.region = r.cat.regionIDs[g.ID]
					w.evidence = append(w.evidence, spanOf(g))
					break
				}
			}
			w.complexity = facts.complexityFor(s, ms, wi)
			switch {
			case w.lengthCM == 0:
				r.warn = append(r.warn, "laceration repair documented without a length: the repair code needs the length in cm")
			case w.region == "":
				r.warn = append(r.warn, "laceration repair documented without a site: the repair code needs the anatomic site")
			case w.complexity == "complex":
				r.warn = append(r.warn, "complex laceration repair documented: code 13100-13160 by hand")
			default:
				wounds = append(wounds, w)
			}
		}
	}
	return r.groupRepairs(wounds)
}

// repairNote is what a sentence (or the next one) says about the closure.
type repairNote struct {
	terms    []scan.TermMatch
	s        *scan.Sentence
	adhesive bool
	conf     float64
}

// repairFacts reads whether the wounds of sentence si were repaired at this
// encounter (in that sentence or the next one), and how.
func (r *reader) repairFacts(si int) (repairNote, bool) {
	for _, i := range []int{si, si + 1} {
		if i >= len(r.sents) || i > si && (r.sents[i].s.Section != r.sents[si].s.Section || len(r.cat.woundWords.FindAll(r.sents[i].s)) > 0) {
			break
		}
		s := r.sents[i].s
		// every phrase counts here: "simple repair" is both a complexity and a repair
		all := r.cat.repairTerms.Find(s, 0, len(s.Tokens))
		var repaired, adhesive, sutured bool
		conf := 0.0
		for _, t := range all {
			switch t.Kind {
			case "repaired", "adhesive":
				if st := r.performed(i, t.Match, false); st.done {
					repaired = true
					conf = math.Max(conf, confidenceOf(st))
				}
				adhesive = adhesive || t.Kind == "adhesive"
			case "suture":
				sutured = true
			}
		}
		if repaired {
			return repairNote{terms: scan.DropOverlaps(all), s: s, adhesive: adhesive && !sutured, conf: math.Max(conf, 0.75)}, true
		}
	}
	return repairNote{}, false
}

// complexityFor returns the repair complexity documented for wound wi of s:
// the one phrase kind of its clause, else the phrase that belongs to it,
// else the sentence's (or the next sentence's) only kind; simple when none
// is stated.
func (n repairNote) complexityFor(s *scan.Sentence, wounds []scan.Match, wi int) string {
	from, to := s.Clause(wounds[wi].From)
	inClause, inNote := map[string]bool{}, map[string]bool{}
	var mine string
	for _, t := range n.terms {
		if rankComplexity(t.Kind) == 0 {
			continue
		}
		inNote[t.Kind] = true
		if n.s != s {
			continue
		}
		if t.From >= from && t.To <= to {
			inClause[t.Kind] = true
		}
		if owner(s, wounds, t.Match) == wi && rankComplexity(t.Kind) > rankComplexity(mine) {
			mine = t.Kind
		}
	}
	if k, ok := only(inClause); ok {
		return k
	}
	if mine != "" {
		return mine
	}
	if k, ok := only(inNote); ok && len(inClause) == 0 {
		return k
	}
	return "simple"
}

// only returns the single key of a set.
func only(set map[string]bool) (string, bool) {
	if len(set) != 1 {
		return "", false
	}
	for k := range set {
		return k, true
	}
	return "", false
}

func rankComplexity(k string) int {
	switch k {
	case "simple":
		return 1
	case "intermediate":
		return 2
	case "complex":
		return 3
	}
	return 0
}

// length is a measurement in a sentence, in cm.
type length struct {
	m  scan.Match
	cm float64
}

// lengthsIn returns the lengths written in s ("3.0 cm", "15 mm").
func lengthsIn(s *scan.Sentence) []length {
	var out []length
	for k := 0; k+1 < len(s.Tokens); k++ {
		v, ok := scan.Number(s.Tokens[k].Norm)
		if !ok || v <= 0 {
			continue
		}
		var cm float64
		switch s.Tokens[k+1].Norm {
		case "cm", "centimeter", "centimetre":
			cm = v
		case "mm", "millimeter", "millimetre":
			cm = v / 10
		default:
			continue
		}
		out = append(out, length{m: scan.Match{From: k, To: k + 2, Start: s.Tokens[k].Start, End: s.Tokens[k+1].End}, cm: cm})
	}
	return out
}

// owner returns which wound mention a length, site or complexity phrase
// belongs to: the wound before it ("laceration of the right hand") or after
// it ("2.0 cm scalp laceration"), never across "and" or another wound,
// nearer first. -1 when none.
func owner(s *scan.Sentence, wounds []scan.Match, m scan.Match) int {
	best, bestGap := -1, math.MaxInt
	for wi, w := range wounds {
		var lo, hi, limit int
		switch {
		case w.To <= m.From:
			lo, hi, limit = w.To, m.From, 8
		case w.From >= m.To:
			lo, hi, limit = m.To, w.From, 5
		default:
			return wi
		}
		gap := hi - lo
		if gap > limit || crossesSeparator(s, lo, hi) || wordBetween(wounds, lo, hi) {
			continue
		}
		if gap < bestGap {
			best, bestGap = wi, gap
		}
	}
	return best
}

// crossesSeparator reports an "and" or a clause break in tokens [lo, hi).
func crossesSeparator(s *scan.Sentence, lo, hi int) bool {
	for _, t := range s.Tokens[lo:hi] {
		if t.Norm == "and" || t.Norm == "plus" || t.Punct && (t.Norm == ";" || t.Norm == ".") {
			return true
		}
	}
	return false
}

func wordBetween(wounds []scan.Match, lo, hi int) bool {
	for _, w := range wounds {
		if w.From >= lo && w.To <= hi {
			return true
		}
	}
	return false
}

// groupRepairs sums wound lengths per complexity and anatomic group and
// picks one code per group, the highest-ranked group first; later groups
// are distinct sites.
func (r *reader) groupRepairs(wounds []wound) []found {
	type groupKey struct{ complexity, group string }
	type sum struct {
		key   groupKey
		rank  int
		cm    float64
		parts []string
		w     []wound
	}
	sums := map[groupKey]*sum{}
	var keys []groupKey
	for _, w := range wounds {
		g, rank := r.repairGroup(w.complexity, w.region)
		if g == "" {
			continue
		}
		k := groupKey{w.complexity, g}
		if sums[k] == nil {
			sums[k] = &sum{key: k, rank: rank}
			keys = append(keys, k)
		}
		sm := sums[k]
		sm.cm += w.lengthCM
		sm.parts = append(sm.parts, fmt.Sprintf("%.1f cm %s", w.lengthCM, w.region))
		sm.w = append(sm.w, w)
	}
	sort.SliceStable(keys, func(i, j int) bool { return sums[keys[i]].rank > sums[keys[j]].rank })
	var out []found
	for i, k := range keys {
		sm := sums[k]
		band := r.repairBand(k.complexity, k.group, sm.cm)
		ci, _ := r.cat.Code(band.Code)
		f := found{code: ci, units: 1, distinct: i > 0, confidence: 1}
		adhesiveOnly := true
		for _, w := range sm.w {
			f.evidence = append(f.evidence, w.evidence...)
			f.sentences = append(f.sentences, w.si)
			f.sites = append(f.sites, w.region)
			f.confidence = math.Min(f.confidence, w.conf)
			adhesiveOnly = adhesiveOnly && w.adhesive
		}
		summed := strings.Join(sm.parts, " + ")
		f.reasoning = fmt.Sprintf("%s repair, %s group: %s = %.1f cm summed within the group → %s.", k.complexity, strings.ReplaceAll(k.group, "_", "/"), summed, sm.cm, band.Code)
		f.rules = []Rule{{ID: "repair-sum", Citation: "CPT repair (closure) guidelines", Summary: "lengths of wounds of the same complexity and anatomic group are summed; groups are reported separately"}}
		if adhesiveOnly && r.payer.TissueAdhesiveCode {
			ac := &r.cat.repair.AdhesiveCode
			f.code = ac
			f.reasoning = fmt.Sprintf("Wound(s) (%s) closed with tissue adhesive alone: this payer takes %s in place of %s.", summed, ac.Code, band.Code)
		}
		if f.distinct {
			f.reasoning += " A separate anatomic group: reported as a distinct site."
		}
		out = append(out, f)
	}
	return out
}

// repairGroup returns the repair group of a region for a complexity and
// its rank.
func (r *reader) repairGroup(complexity, region string) (string, int) {
	for _, g := range r.cat.repair.Groups[complexity] {
		for _, reg := range g.Regions {
			if reg == region {
				return g.Group, g.Rank
			}
		}
	}
	return "", 0
}

// repairBand returns the code whose length band holds cm.
func (r *reader) repairBand(complexity, group string, cm float64) repairBand {
	bands := r.cat.repair.Codes[complexity][group]
	cm = math.Round(cm*10) / 10
	for _, b := range bands {
		if b.MaxCM == 0 || cm <= b.MaxCM {
			return b
		}
	}
	return bands[len(bands)-1]
}
