package engine

import (
	"fmt"
	"slices"
	"strings"

	"github.com/medcode/medcode/internal/codeset/icd"
	"github.com/medcode/medcode/internal/nlp"
)

// applyRules runs the guideline rules over the candidates, in an order
// where each rule sees the codes the previous ones settled.
func (c *noteCoder) applyRules() {
	c.applyAssertions()
	c.mergeSameCode()
	c.addVaccines()
	c.applyWithLinks()
	c.applyLinkedParts()
	c.applyCombinations()
	if c.opts.Profile == ProfileOutpatient {
		c.applyOneReading()
		c.applySpecificity()
		c.applySupersede()
		c.applyExcludes1()
	}
	if c.opts.Profile == ProfileOutpatient {
		c.applyIndications()
		c.applyAssessmentScope()
		c.applyIntegral()
		c.dropExternalCauses()
		c.applyOutpatientOmissions()
	}
	c.applyCompanions()
	c.applyPreventive()
	if c.opts.Profile == ProfileAbstract {
		c.applyPriors()
	}
}

// applyPriors leaves out of an abstract the codes professional coders
// rarely assigned when the engine proposed them on the training notes
// (rule PRECISION).
func (c *noteCoder) applyPriors() {
	for _, cd := range c.liveAffirmed() {
		if c.e.learned.prune(cd.code.Code) {
			cd.drop("PRECISION")
		}
	}
}

// drop removes a candidate for the rule id.
func (cd *candidate) drop(rule string) {
	if cd.dropped == "" {
		cd.dropped = rule
	}
}

// isHistoryOrStatus reports whether a code reports a status or a history
// (Z80-Z99, or a Z79 drug-therapy status): a "history of" cue does not
// make it historical.
func isHistoryOrStatus(code string) bool {
	return code >= "Z77" && code < "Z9A" || strings.HasPrefix(code, "Z79")
}

// isInjury reports codes of Chapter 19 that take an encounter 7th
// character.
func isInjury(code *icd.Code) bool {
	return code.SeventhChar != "" && (strings.HasPrefix(code.Code, "S") || strings.HasPrefix(code.Code, "T"))
}

// applyAssertions applies the assertion rules: negated, hypothetical and
// uncertain mentions are not coded; family and past conditions become
// history codes; a past injury with a late effect takes 7th character S.
func (c *noteCoder) applyAssertions() {
	for _, cd := range append([]*candidate(nil), c.cands...) {
		if cd.dropped != "" || cd.derived {
			continue
		}
		code := cd.code.Code
		switch cd.status {
		case nlp.Affirmed:
			for _, m := range cd.mentions {
				if m.current {
					cd.addRule("R8")
				}
			}
		case nlp.Negated:
			cd.drop("R6")
		case nlp.Hypothetical:
			cd.drop("R10")
		case nlp.Uncertain:
			if c.opts.Profile == ProfileOutpatient {
				cd.drop("R1")
			} else {
				cd.drop("ABSTRACT")
			}
		case nlp.Other:
			cd.drop("R9")
			if link, ok := c.rc.lookup(c.rc.withLinks.exposure, cd.code.Code); ok {
				c.derive(link.code, []*candidate{cd}, "R9", c.quoted(cd)+" is another person's condition or an exposure, coded as contact with it ("+link.path+")")
			}
		case nlp.Family:
			cd.drop("R9")
			if link, ok := c.rc.history(c.rc.withLinks.family, cd.code.Code); ok && c.familyRelevant() {
				c.derive(link.code, []*candidate{cd}, "R9", c.quoted(cd)+" is a family member's condition, coded as family history ("+link.path+")")
			}
		case nlp.Historical:
			switch {
			case isHistoryOrStatus(code):
				cd.status = nlp.Affirmed
				cd.addRule("STATUS")
			case isInjury(cd.code) && c.mentionsPhase(cd, phaseSequela):
				cd.drop("SEQUELA")
				if seq, steps, ok := c.rc.nav.complete(cd.code.Base, navContext{phase: phaseSequela}, ""); ok {
					d := c.derive(seq.Code, []*candidate{cd}, "SEQUELA", c.quoted(cd)+" is the injury whose late effect the visit treats")
					if d != nil {
						d.steps = steps
						d.addRule("SEVENTH")
					}
				}
			case c.opts.Profile == ProfileAbstract && !(c.allResolved(cd) && c.hasPersonalHistory(cd)):
				// An abstract reports the patient's past conditions too, as
				// historical, unless the condition is stated as over and the
				// classification has its own history code ("former smoker").
				cd.addRule("ABSTRACT")
			default:
				cd.drop("R7")
				if link, ok := c.rc.history(c.rc.withLinks.personal, cd.code.Code); ok && !c.currentElsewhere(cd) {
					c.derive(link.code, []*candidate{cd}, "R7", c.quoted(cd)+" is a past condition no longer treated, coded as personal history ("+link.path+")")
				}
			}
		}
	}
}

// currentElsewhere reports whether the note also documents the condition
// of a past mention as current (a live affirmed candidate of its
// category): "history of kidney stones ... A/P: Kidney stones" is coded
// as the current condition, not also as a personal history.
func (c *noteCoder) currentElsewhere(cd *candidate) bool {
	for _, o := range c.cands {
		if o != cd && o.dropped == "" && !o.derived && o.status == nlp.Affirmed && o.code.Category() == cd.code.Category() {
			return true
		}
	}
	return false
}

// familyRelevant reports whether family history codes belong on the
// claim: in the outpatient profile only when the assessment weighs the
// family history ("with premature CAD in family, start rosuvastatin"), not
// for every relative listed in the history (Guidelines I.C.21.c.4: family
// history codes when it affects care); an abstract reports them all.
func (c *noteCoder) familyRelevant() bool {
	if c.opts.Profile == ProfileAbstract {
		return true
	}
	if c.famRelevant == nil {
		v := false
		for _, tr := range c.doc.Triggers {
			if tr.Category == nlp.CatFamily && tr.Sentence >= 0 && tr.Sentence < len(c.doc.Sentences) {
				if sec := c.doc.Sentences[tr.Sentence].Section; sec >= 0 && sec < len(c.doc.Sections) && c.doc.Sections[sec].Kind == nlp.SectionAP {
					v = true
					break
				}
			}
		}
		c.famRelevant = &v
	}
	return *c.famRelevant
}

// allResolved reports whether every mention states the condition as over.
func (c *noteCoder) allResolved(cd *candidate) bool {
	for _, m := range cd.mentions {
		if !m.resolved {
			return false
		}
	}
	return len(cd.mentions) > 0
}

func (c *noteCoder) hasPersonalHistory(cd *candidate) bool {
	_, ok := c.rc.history(c.rc.withLinks.personal, cd.code.Code)
	return ok
}

// mergeSameCode folds live candidates of one code into the first (a
// condition both stated and listed as history, a status code found twice),
// keeping the strongest assertion.
func (c *noteCoder) mergeSameCode() {
	first := map[string]*candidate{}
	for _, cd := range c.cands {
		if cd.dropped != "" {
			continue
		}
		f, ok := first[cd.code.Code]
		if !ok {
			first[cd.code.Code] = cd
			continue
		}
		c.moveEvidence(cd, f)
		for _, r := range cd.rules {
			f.addRule(r)
		}
		for _, n := range cd.notes {
			if !slices.Contains(f.notes, n) {
				f.notes = append(f.notes, n)
			}
		}
		if cd.status == nlp.Affirmed {
			f.status = nlp.Affirmed
		}
		f.derived = f.derived && cd.derived
		cd.dropped = "MERGED"
	}
}

// mentionsPhase reports whether one of the candidate's mentions has the
// encounter phase.
func (c *noteCoder) mentionsPhase(cd *candidate, phase string) bool {
	for _, m := range cd.mentions {
		if at := c.attributes(m); at.Phase != nil && at.Phase.Value == phase {
			return true
		}
	}
	return false
}

// derive adds (or strengthens) a code a rule produced from other codes;
// it carries their evidence.
func (c *noteCoder) derive(code string, from []*candidate, rule, why string) *candidate {
	ic, steps, ok := c.rc.nav.complete(code, navContext{}, "")
	if !ok {
		return nil
	}
	cd := c.find(ic.Code)
	if cd == nil {
		cd = &candidate{code: ic, via: srcIndex, origin: why, steps: steps, status: nlp.Affirmed, derived: true}
		c.cands = append(c.cands, cd)
	}
	for _, f := range from {
		for _, m := range f.mentions {
			if !containsMention(cd.mentions, m) {
				cd.mentions = append(cd.mentions, m)
			}
		}
	}
	cd.addRule(rule)
	if !slices.Contains(cd.notes, why) {
		cd.notes = append(cd.notes, why)
	}
	return cd
}

// quoted is the first evidence of a candidate, quoted.
func (c *noteCoder) quoted(cd *candidate) string {
	m := c.strongest(cd)
	if m == nil {
		return strings.ToLower(cd.code.Title)
	}
	return nlp.QuoteNote(c.text(m.start, m.end))
}

func containsMention(ms []*mention, m *mention) bool {
	for _, x := range ms {
		if x == m {
			return true
		}
	}
	return false
}

// liveAffirmed lists the live candidates the note affirms (and, in the
// abstract profile, its past conditions).
func (c *noteCoder) liveAffirmed() []*candidate {
	var out []*candidate
	for _, cd := range c.cands {
		if cd.dropped == "" && (cd.status == nlp.Affirmed || cd.status == nlp.Historical && c.opts.Profile == ProfileAbstract) {
			out = append(out, cd)
		}
	}
	return out
}

// applyWithLinks applies the note-wide "with" links of the Index
// (diabetes with its complications).
func (c *noteCoder) applyWithLinks() {
	for _, dm := range c.liveAffirmed() {
		combos := c.rc.withLinks.combos[dm.code.Category()]
		if combos == nil {
			continue
		}
		linked := 0
		for _, other := range c.liveAffirmed() {
			if other == dm || other.dropped != "" {
				continue
			}
			link, ok := c.rc.lookup(combos, other.code.Code)
			if !ok {
				continue
			}
			if c.unrelated(dm, other) {
				other.addRule("UNRELATED")
				continue
			}
			why := fmt.Sprintf("the note documents diabetes and %s, which the Index lists under %q, so the \"with\" convention presumes them linked", strings.ToLower(other.code.Title), link.path)
			combo := c.derive(link.code, []*candidate{dm, other}, "WITH", why)
			if combo == nil || combo == other {
				continue
			}
			linked++
			if !c.asksFor(combo.code.Code, other.code.Code) {
				other.drop("COMBINATION")
			}
		}
		if linked > 1 {
			dm.addRule("DM-MULTI")
		}
	}
}

// applyLinkedParts drops a condition the note names only as the linked
// part of another code's Index entry ("cystitis with hematuria" is N30.01;
// the hematuria is in it), unless that code's tabular notes ask for it to
// be coded too ("hypertension with ESRD" is I12.0, which asks for N18.6).
func (c *noteCoder) applyLinkedParts() {
	for _, a := range c.liveAffirmed() {
		if a.derived || len(a.mentions) == 0 {
			continue
		}
		var host *candidate
		for _, m := range a.mentions {
			h := c.linkedBy(m, a)
			if h == nil {
				host = nil
				break
			}
			host = h
		}
		if host == nil || c.asksFor(host.code.Code, a.code.Code) {
			continue
		}
		a.drop("COMBINATION")
		host.addRule("WITH")
		host.notes = append(host.notes, fmt.Sprintf("%s (%s) is part of it and not coded separately", a.code.Code, strings.ToLower(a.code.Title)))
	}
}

// linkedBy returns the live candidate of another code whose mention links
// m's words (they lie inside its linked, wide words), or nil.
func (c *noteCoder) linkedBy(m *mention, self *candidate) *candidate {
	for _, b := range c.liveAffirmed() {
		if b == self || b.code.Code == self.code.Code {
			continue
		}
		for _, mb := range b.mentions {
			// A code the linking mention itself gives (the combination,
			// or its "code also") is not a part of it.
			if mb == m || mb.sentence != m.sentence || len(mb.wide) == 0 || containsMention(self.mentions, mb) {
				continue
			}
			lo, hi := mb.wide[0][0], mb.wide[0][1]
			for _, w := range mb.wide[1:] {
				lo, hi = min(lo, w[0]), max(hi, w[1])
			}
			if m.start >= lo && m.end <= hi {
				return b
			}
		}
	}
	return nil
}

// asksFor reports whether code's tabular notes ask for an additional code
// covering other ("use additional code to identify stage of CKD").
func (c *noteCoder) asksFor(code, other string) bool {
	for _, n := range c.rc.notes(code) {
		if n.Kind != icd.UseAdditionalCode && n.Kind != icd.CodeAlso {
			continue
		}
		for _, r := range n.Refs {
			if r.Contains(other) {
				return true
			}
		}
	}
	return false
}

// unrelated reports whether the provider states that the two conditions
// are not linked, in a sentence that names both.
func (c *noteCoder) unrelated(a, b *candidate) bool {
	for _, ma := range a.mentions {
		for _, mb := range b.mentions {
			if ma.sentence != mb.sentence {
				continue
			}
			seq := c.sentenceSeq(ma.sentence)
			for _, p := range c.e.tables.unrelated {
				if containsSeq(seq, p) {
					return true
				}
			}
		}
	}
	return false
}

// applyCombinations applies tables/combinations.yaml (hypertension with
// heart disease or CKD, coronary disease with angina): in each family, the
// first row whose groups are all coded derives its code, which replaces the
// codes of its replaced groups.
func (c *noteCoder) applyCombinations() {
	ct := c.e.tables.combinations
	done := map[string]bool{}
	for _, row := range ct.rows {
		if done[row.family()] {
			continue
		}
		members := map[string][]*candidate{}
		complete := true
		for _, g := range row.when {
			for _, cd := range c.liveAffirmed() {
				if ct.groups[g].contains(cd.code.Code) && cd.code.Code != row.code {
					members[g] = append(members[g], cd)
				}
			}
			if len(members[g]) == 0 {
				complete = false
				break
			}
		}
		if !complete {
			continue
		}
		var from []*candidate
		blocked := false
		for _, g := range row.when {
			from = append(from, members[g]...)
			if slices.Contains(row.replaces, g) {
				continue
			}
			for _, x := range members[g] {
				for _, h := range members[row.family()] {
					if c.unrelated(h, x) {
						h.addRule("UNRELATED")
						blocked = true
					}
				}
			}
		}
		if blocked {
			continue
		}
		var quotes []string
		for _, g := range row.when {
			quotes = append(quotes, c.quoted(members[g][0])+" ("+g+")")
		}
		combo := c.derive(row.code, from, row.rule, "the note documents "+strings.Join(quotes, " and ")+", which the guidelines presume related")
		if combo == nil {
			continue
		}
		combo.addRule("WITH")
		for _, g := range row.replaces {
			for _, h := range members[g] {
				h.drop(row.rule)
			}
		}
		done[row.family()] = true
	}
}

// isUnspecified reports titles of catch-all codes: unspecified, without
// complication, uncomplicated.
func isUnspecified(title string) bool {
	t := strings.ToLower(title)
	return strings.Contains(t, "unspecified") || strings.Contains(t, "without complication") || strings.Contains(t, "uncomplicated") || strings.HasSuffix(t, " nos")
}

// applySpecificity keeps the most specific code of a category: an
// unspecified code gives way to a specified code of the same category
// documented in the note, which takes over its evidence.
func (c *noteCoder) applySpecificity() {
	for _, a := range c.liveAffirmed() {
		if !isUnspecified(a.code.Title) {
			continue
		}
		for _, b := range c.liveAffirmed() {
			if a == b || b.dropped != "" || b.code.Category() != a.code.Category() || isUnspecified(b.code.Title) {
				continue
			}
			a.drop("SUPERSEDED")
			c.moveEvidence(a, b)
			break
		}
	}
}

// applyOneReading keeps one code of a condition the note reads two ways
// in one subcategory ("HFpEF" in the history, "acute on chronic diastolic
// heart failure" in the assessment: I50.32 and I50.33): the assessment's
// reading wins and takes over the other's evidence, unless it is the
// unspecified code the other's detail completes ("cough" assessed, "3 days
// of cough" in the history: R05.1). Codes both documented in the
// assessment (a right and a left ear) stay.
func (c *noteCoder) applyOneReading() {
	for _, a := range c.liveAffirmed() {
		if a.derived || c.assessed(a) || a.dropped != "" {
			continue
		}
		for _, b := range c.liveAffirmed() {
			if b == a || b.dropped != "" || !c.assessed(b) || subcategory(a.code) != subcategory(b.code) {
				continue
			}
			if isUnspecified(b.code.Title) && !isUnspecified(a.code.Title) {
				continue // the detail stated elsewhere completes it (applySpecificity)
			}
			a.drop("SUPERSEDED")
			c.moveEvidence(a, b)
			break
		}
	}
}

// assessed reports whether the assessment documents the candidate.
func (c *noteCoder) assessed(cd *candidate) bool {
	for _, m := range cd.mentions {
		if c.inAssessment(m) {
			return true
		}
	}
	return false
}

// subcategory is a code without its last character (its 7th-character
// base without the encounter): I50.32 and I50.33 share I50.3.
func subcategory(code *icd.Code) string {
	k := code.Code
	if code.Base != "" {
		k = code.Base
	}
	if len(k) <= 4 {
		return k // a category code: only itself
	}
	return k[:len(k)-1]
}

// moveEvidence adds a's mentions to b.
func (c *noteCoder) moveEvidence(a, b *candidate) {
	for _, m := range a.mentions {
		if !containsMention(b.mentions, m) {
			b.mentions = append(b.mentions, m)
		}
	}
}

// onlyThrough reports whether every mention of the candidate was found
// through the Index main term key.
func (c *noteCoder) onlyThrough(cd *candidate, key string) bool {
	for _, m := range cd.mentions {
		if m.target.term == nil || icd.MatchKey(firstPart(m.target.term.Main().Title)) != key {
			return false
		}
	}
	return len(cd.mentions) > 0
}

// applySupersede drops catch-all codes when a specific code covers them
// (tables/companions.tsv, supersede and supersede-term rows).
func (c *noteCoder) applySupersede() {
	for _, row := range c.e.tables.supersedeTerm {
		for _, a := range c.liveAffirmed() {
			if !c.onlyThrough(a, row.term) {
				continue
			}
			for _, b := range c.liveAffirmed() {
				if b != a && row.others.contains(b.code.Code) {
					a.drop(row.rule)
					break
				}
			}
		}
	}
	for _, row := range c.e.tables.supersede {
		for _, a := range c.liveAffirmed() {
			if !row.codes.contains(a.code.Code) {
				continue
			}
			for _, b := range c.liveAffirmed() {
				if b != a && row.others.contains(b.code.Code) && !row.codes.contains(b.code.Code) {
					a.drop(row.rule)
					break
				}
			}
		}
	}
}

// applyExcludes1 resolves Excludes1 pairs: a symptom gives way to a
// diagnosis; otherwise the code with the weaker evidence goes, and on a
// tie the code whose note excludes the other.
func (c *noteCoder) applyExcludes1() {
	for _, a := range c.liveAffirmed() {
		if a.dropped != "" {
			continue
		}
		for _, n := range c.rc.notes(a.code.Code) {
			if n.Kind != icd.Excludes1 || a.dropped != "" {
				continue
			}
			for _, b := range c.liveAffirmed() {
				if b == a || b.dropped != "" || b.code.Category() == a.code.Category() || !refsContain(n.Refs, b.code.Code) {
					continue
				}
				loser := a
				switch sa, sb := c.strength(a), c.strength(b); {
				case isSymptom(b.code.Code) && !isSymptom(a.code.Code):
					loser = b
				case isSymptom(a.code.Code) && !isSymptom(b.code.Code):
				case sb < sa:
					loser = b
				}
				loser.drop("EXCLUDES1")
				winner := a
				if loser == a {
					winner = b
				}
				winner.addRule("EXCLUDES1")
				winner.notes = append(winner.notes, fmt.Sprintf("%s is not coded with it (Excludes1 at %s: %s)", loser.code.Code, n.From, n.Text))
				if loser == a {
					break
				}
			}
		}
	}
}

func refsContain(refs []icd.CodeRef, code string) bool {
	for _, r := range refs {
		if r.Contains(code) {
			return true
		}
	}
	return false
}

// isSymptom reports Chapter 18 codes (signs, symptoms, findings).
func isSymptom(code string) bool { return strings.HasPrefix(code, "R") }

// strength ranks a candidate's evidence: the best section weight, then
// more mentions, then a longer (more specific) code.
func (c *noteCoder) strength(cd *candidate) float64 {
	best := 0.0
	for _, m := range cd.mentions {
		best = max(best, c.sectionWeight(m.section))
	}
	return best + 0.01*float64(min(len(cd.mentions), 5)) + 0.001*float64(len(cd.code.Code))
}

// inAssessment reports whether a mention sits in the assessment and plan.
func (c *noteCoder) inAssessment(m *mention) bool {
	return m.sectionKind(c.doc) == nlp.SectionAP
}

// isChronic reports whether the candidate is a chronic condition.
func (c *noteCoder) isChronic(cd *candidate) bool {
	if c.e.tables.chronic.contains(cd.code.Code) {
		return true
	}
	if c.e.tables.chronicStated.contains(cd.code.Code) {
		for _, m := range cd.mentions {
			if strings.Contains(strings.ToLower(c.text(m.start, m.end)), "chronic") {
				return true
			}
		}
	}
	return false
}

// applyAssessmentScope keeps, when the note has an assessment, only the
// conditions the assessment addresses plus the chronic conditions managed
// at the visit (rules R4, R11); status, history and encounter codes stay.
func (c *noteCoder) applyAssessmentScope() {
	if !c.hasAssessment() || !c.assessmentCodes() {
		return
	}
	for _, cd := range c.liveAffirmed() {
		if strings.HasPrefix(cd.code.Code, "Z") || c.isChronic(cd) && c.managed(cd) {
			continue
		}
		inAP := false
		for _, m := range cd.mentions {
			inAP = inAP || c.inAssessment(m)
		}
		if inAP {
			continue
		}
		if isSymptom(cd.code.Code) {
			cd.drop("R11")
		} else {
			cd.drop("R4")
		}
	}
}

// maxIndicationGap is how many words may separate a drug from the "for"
// that gives its indication ("ibuprofen 400 mg every 6 hours for pain").
const maxIndicationGap = 8

// applyIndications drops a symptom the note names only as what a drug is
// for ("ibuprofen for pain", "acetaminophen as needed for fever"): it states
// the drug's purpose, not a finding the provider assessed (R11).
func (c *noteCoder) applyIndications() {
	for _, cd := range c.liveAffirmed() {
		if !isSymptom(cd.code.Code) || len(cd.mentions) == 0 {
			continue
		}
		// The indication mentions leave the code; a symptom documented
		// elsewhere too keeps its other mentions.
		kept := cd.mentions[:0:0]
		for _, m := range cd.mentions {
			if !c.indication(m) {
				kept = append(kept, m)
			}
		}
		if len(kept) == 0 {
			cd.drop("R11")
			continue
		}
		cd.mentions = kept
	}
}

// indication reports whether a mention follows "for" after a drug of its
// sentence.
func (c *noteCoder) indication(m *mention) bool {
	d := c.doc
	lo, hi := c.sentenceTerms(m.sentence)
	k := -1
	for i := lo; i < hi; i++ {
		if d.Terms[i].Start >= m.start {
			break
		}
		k = i
	}
	if k < 0 || d.Terms[k].Norm != "for" {
		return false
	}
	for _, md := range d.Medications {
		if md.Sentence == m.sentence && md.End <= d.Terms[k].Start && len(strings.Fields(d.Text[md.End:d.Terms[k].Start])) <= maxIndicationGap {
			return true
		}
	}
	return false
}

// assessmentCodes reports whether the assessment documents any condition
// coded: one that only says "healing as expected" refers back to the
// problem of the history, which is then the one coded.
func (c *noteCoder) assessmentCodes() bool {
	for _, cd := range c.liveAffirmed() {
		if !strings.HasPrefix(cd.code.Code, "Z") && c.assessed(cd) {
			return true
		}
	}
	return false
}

// managed reports whether a chronic condition is managed at the visit: a
// mention's sentence shows active care (rule R8's cues, a current drug, a
// measurement), or the note documents a current drug of a class that
// treats it (tables/chronic.tsv, treated-by).
func (c *noteCoder) managed(cd *candidate) bool {
	for _, m := range cd.mentions {
		if m.current || c.inAssessment(m) || c.doc.ActiveCare(m.start, m.end) {
			return true
		}
	}
	for _, md := range c.doc.Medications {
		if md.Current && c.e.tables.treatedBy[md.Class].contains(cd.code.Code) {
			return true
		}
	}
	return false
}

// applyIntegral drops symptoms integral to a coded diagnosis (R5).
func (c *noteCoder) applyIntegral() {
	for _, s := range c.liveAffirmed() {
		for _, row := range c.e.tables.integral {
			if !row.symptom.contains(s.code.Code) {
				continue
			}
			for _, d := range c.liveAffirmed() {
				// A diagnosis whose notes ask for its symptoms ("BPH with
				// LUTS: use additional code for associated symptoms") keeps them.
				if d != s && row.diagnoses.contains(d.code.Code) && !c.asksFor(d.code.Code, s.code.Code) {
					s.drop("R5")
					d.notes = append(d.notes, fmt.Sprintf("%s (%s) is part of it and not coded separately", s.code.Code, strings.ToLower(s.code.Title)))
					break
				}
			}
		}
	}
}

// dropExternalCauses leaves external-cause codes to the payer (R20).
func (c *noteCoder) dropExternalCauses() {
	for _, cd := range c.liveAffirmed() {
		if k := cd.code.Code[0]; k == 'V' || k == 'W' || k == 'X' || k == 'Y' {
			cd.drop("R20")
		}
	}
}

// applyCompanions applies the requires and never-with rows of
// tables/companions.tsv.
func (c *noteCoder) applyCompanions() {
	for _, row := range c.e.tables.requires {
		for _, cd := range c.liveAffirmed() {
			if !row.codes.contains(cd.code.Code) {
				continue
			}
			found := false
			for _, o := range c.liveAffirmed() {
				found = found || (o != cd && row.others.contains(o.code.Code))
			}
			if !found {
				cd.drop(row.rule)
			}
		}
	}
	for _, row := range c.e.tables.neverWith {
		for _, cd := range c.liveAffirmed() {
			if !row.codes.contains(cd.code.Code) {
				continue
			}
			for _, o := range c.liveAffirmed() {
				if o != cd && row.others.contains(o.code.Code) {
					cd.drop(row.rule)
					break
				}
			}
		}
	}
}

// applyPreventive picks the routine-exam code by age and by whether the
// visit found a new problem (R13).
func (c *noteCoder) applyPreventive() {
	age := c.age()
	for _, cd := range c.liveAffirmed() {
		pair, ok := c.e.tables.examPair(cd.code.Code)
		if !ok {
			continue
		}
		if age >= 0 {
			if p, ok := c.e.tables.examForAge(age); ok {
				pair = p
			}
		}
		abnormal := false
		for _, o := range c.liveAffirmed() {
			if o != cd && !strings.HasPrefix(o.code.Code, "Z") && !c.isChronic(o) {
				abnormal = true
				o.addRule("R13")
			}
		}
		want := pair.without
		if abnormal {
			want = pair.with
		}
		cd.addRule("R13")
		if want == cd.code.Code {
			continue
		}
		if ic, _, ok := c.rc.nav.complete(want, navContext{}, ""); ok {
			cd.code = ic
		}
	}
}

// age is the patient's age in years from the options or the note, -1
// when unknown.
func (c *noteCoder) age() float64 {
	if c.opts.Age > 0 {
		return float64(c.opts.Age)
	}
	if c.doc.Patient.AgeSpan.End > 0 {
		return c.doc.Patient.AgeYears
	}
	return -1
}

// applyOutpatientOmissions applies the sole-reason and omit rows of
// tables/companions.tsv.
func (c *noteCoder) applyOutpatientOmissions() {
	for _, row := range c.e.tables.omit {
		for _, cd := range c.liveAffirmed() {
			if row.codes.contains(cd.code.Code) {
				cd.drop(row.rule)
			}
		}
	}
	for _, row := range c.e.tables.soleReason {
		for _, cd := range c.liveAffirmed() {
			if !row.codes.contains(cd.code.Code) {
				continue
			}
			for _, o := range c.liveAffirmed() {
				if o != cd && !row.codes.contains(o.code.Code) {
					cd.drop(row.rule)
					break
				}
			}
		}
	}
}
