package engine

import (
	"maps"
	"slices"
	"strings"

	"github.com/medcode/medcode/internal/codeset/icd"
	"github.com/medcode/medcode/internal/nlp"
)

// maxSeeHops bounds chains of "see" cross-references.
const maxSeeHops = 4

// resolution is where a mention leads in the Index: a code (maybe
// incomplete) with the path that gave it.
type resolution struct {
	code   string
	path   string
	analog string    // a complete code higher on the path
	main   *icd.Term // the main term, for acuity
	manif  string    // a manifestation code to sequence after code
	neo    *neoplasmRef
	// neoAlso is a Neoplasm Table reference that replaces code when the
	// note states a site.
	neoAlso *neoplasmRef
}

// resolveMentions turns each mention into a candidate code.
func (c *noteCoder) resolveMentions() {
	for _, m := range c.mentions {
		res, ok := c.resolveTarget(m)
		if !ok {
			continue
		}
		ctx := c.navContext(m, res.main)
		via, origin, rules := m.target.source, res.path, []string{ruleForSource(m.target.source)}
		var code *icd.Code
		var steps []navStep
		switch {
		case res.neo != nil:
			if code, steps, ok = c.rc.neoplasms.code(c.rc.nav, *res.neo, ctx, false); !ok {
				continue
			}
			rules = append(rules, "NEOPLASM")
		case res.neoAlso != nil:
			if code, steps, ok = c.rc.neoplasms.code(c.rc.nav, *res.neoAlso, ctx, true); ok {
				rules = append(rules, "NEOPLASM")
				break
			}
			fallthrough
		default:
			if code, steps, ok = c.rc.nav.complete(res.code, ctx, res.analog); !ok {
				continue
			}
		}
		c.assert(m, code.Code)
		cd := c.add(code, m, m.assertion, via, origin, steps, rules...)
		for _, s := range steps {
			cd.addRule(s.rule)
		}
		if left, ok := c.rc.nav.otherSide(code, ctx); ok {
			ld := c.add(left, m, m.assertion, via, origin, nil, rules...)
			ld.addRule("LATERALITY")
			ld.notes = append(ld.notes, "documented on both sides, and the subcategory has no bilateral code: each side is coded")
		}
		if also := c.codeAlso(m, code); also != nil {
			ad := c.add(also, m, m.assertion, via, origin+" (code also)", nil, rules...)
			ad.addRule("CODE-ALSO")
			cd.addRule("CODE-ALSO")
		}
		if first := c.codeFirst(m, code); first != nil {
			fd := c.add(first, m, m.assertion, via, origin+" (code first)", nil, rules...)
			fd.addRule("CODE-FIRST")
		}
		if res.manif != "" {
			if mc, msteps, ok := c.rc.nav.complete(res.manif, ctx, ""); ok {
				md := c.add(mc, m, m.assertion, via, origin+" [manifestation "+res.manif+"]", msteps, rules...)
				md.addRule("MANIFESTATION")
			}
		}
	}
}

// codeAlso returns the code of the condition a combination was reached
// from, when the combination's tabular notes ask for it: "Acute bronchitis
// in COPD" is indexed at Bronchitis, acute, with, COPD J44.0, whose note
// reads "code also to identify the infection", so the head entry's J20.9 is
// coded too; "ESRD due to hypertension" is I12.0, whose note asks for the
// stage (N18.6, the head entry Disease, renal, end-stage).
func (c *noteCoder) codeAlso(m *mention, code *icd.Code) *icd.Code {
	if m.target.term == nil || code.Code != m.target.term.Code && !strings.HasPrefix(code.Code, strings.TrimSuffix(m.target.term.Code, "-")) {
		return nil
	}
	codeAlsoNote := false
	for _, n := range c.rc.notes(code.Code) {
		if n.Kind == icd.CodeAlso && n.From == code.Code {
			codeAlsoNote = true
		}
	}
	// The other condition is the head entry (Bronchitis, acute J20.9) or
	// the linked one (COPD with acute bronchitis: the bronchitis), the one
	// outside the combination's category.
	for t := m.target.term; t.Parent != nil; t = t.Parent {
		ts := c.split(t)
		alts, connector := ts.alts, ts.connector
		if !ts.ok || !connector {
			continue
		}
		var linked []string
		for p := m.target.term; p != t && p != nil; p = p.Parent {
			linked = append([]string{p.Title}, linked...)
		}
		if len(alts) == 1 && len(alts[0]) > 0 {
			linked = append([]string{t.Title[strings.Index(strings.ToLower(t.Title), " ")+1:]}, linked...)
		}
		for _, other := range []string{termCode(c.rc, t.Parent), phraseCode(c.rc, c.e, strings.Join(linked, " "))} {
			if other == "" {
				continue
			}
			oc, _, ok := c.rc.nav.complete(other, navContext{}, "")
			if ok && oc.Category() != code.Category() && (codeAlsoNote || c.asksFor(code.Code, oc.Code)) {
				return oc
			}
		}
		return nil
	}
	return nil
}

// codeFirst returns the underlying condition a code's "code first" note
// asks for when the mention's own main term names it: "COVID-19,
// pneumonia" is J12.82, whose note reads "code first COVID-19 (U07.1)",
// and the main term COVID-19 is U07.1.
func (c *noteCoder) codeFirst(m *mention, code *icd.Code) *icd.Code {
	if m.target.term == nil {
		return nil
	}
	main := termCode(c.rc, m.target.term.Main())
	if main == "" {
		return nil
	}
	mc, _, ok := c.rc.nav.complete(main, navContext{}, "")
	if !ok || mc.Code == code.Code {
		return nil
	}
	for _, n := range c.rc.notes(code.Code) {
		if n.Kind == icd.CodeFirst && refsContain(n.Refs, mc.Code) {
			return mc
		}
	}
	return nil
}

// ruleForSource names the rule that explains how a pattern was found.
func ruleForSource(s sourceKind) string {
	switch s {
	case srcIndex, srcSkip:
		return "INDEX"
	case srcTabular:
		return "TABULAR-TERM"
	case srcLearned:
		return "LEARNED"
	default:
		return "LEXICON"
	}
}

// assert decides the mention's assertion; a chronic condition reads
// "history of" as current when it is managed (rule R8).
func (c *noteCoder) assert(m *mention, code string) {
	var traits nlp.Traits
	if c.e.tables.chronic.contains(code) {
		traits |= nlp.Chronic
	}
	a := c.doc.Assert(m.start, m.end, traits)
	m.assertion, m.current = a.Status, a.Current
	m.resolved = a.Status == nlp.Historical && a.Trigger != nil && a.Trigger.Flags&nlp.Soft == 0
}

// resolveTarget follows the mention's pattern to a code.
func (c *noteCoder) resolveTarget(m *mention) (resolution, bool) {
	t := m.target
	if t.term == nil {
		res := resolution{code: t.code, path: "tabular " + t.code}
		if ic, ok := c.rc.release.ICD.Lookup(t.code); ok {
			if r, ok := c.rc.neoplasms.bySite(ic.Code, ic.Title); ok {
				// The Table row must hold the site the phrase itself names
				// ("lung metastases" is the row "lung" whatever other organ
				// the sentence names); a phrase without one ("malignant
				// neoplasm") takes the site of its clause.
				r.site, r.stated = c.mentionSiteWords(m), true
				if len(r.site) > 0 || strings.HasPrefix(ic.Code, "C80") {
					res.neoAlso = &r
				}
			}
		}
		return res, t.code != ""
	}
	words := c.words(m.sentence)
	if site := c.siteOfMention(m); site != nil && len(c.e.context.siteWords[site.Name]) > 0 {
		words = maps.Clone(words)
		for _, w := range c.e.context.siteWords[site.Name] {
			words[w] = true
		}
	}
	res := resolution{main: t.term.Main(), path: t.term.PathString()}
	cur := t.term
	visited := map[*icd.Term]bool{}
	if r := c.refine(cur, m); r != cur && (r.Code != "" || r.See != "") {
		res.path += " → " + r.Title
		cur = r
	}
	for hop := 0; ; hop++ {
		visited[cur] = true
		if cur.Code != "" {
			res.code, res.manif = cur.Code, cur.Manif
			if r, ok := c.rc.neoplasms.also(cur); ok {
				res.neoAlso = &r
			}
			break
		}
		if cur.SeeCode != "" {
			res.code = cur.SeeCode
			break
		}
		// A term with no code whose only pointer is a "see also" into the
		// Neoplasm Table ("Tumor, see also Neoplasm, unspecified behavior,
		// by site") is coded from the table.
		if cur.See == "" && cur.SeeAlso != "" {
			if neo, ok := c.rc.neoplasms.ref(cur.SeeAlso); ok {
				res.neo = &neo
				res.path += " → see also " + cur.SeeAlso
				return res, true
			}
			// A term the flattened Index left without its code, pointing
			// with "see also" at an entry that has one ("Hepatomegaly (see
			// also Hypertrophy, liver) R16.0"), takes that entry's code.
			if t := c.seeAlsoCoded(cur); t != nil && hop == 0 && cur == m.target.term {
				res.path += " → see also " + t.PathString()
				cur = t
				continue
			}
		}
		if cur.See != "" && hop < maxSeeHops {
			if neo, ok := c.rc.neoplasms.ref(cur.See); ok {
				res.neo = &neo
				res.path += " → see " + cur.See
				return res, true
			}
			next := c.followSee(cur.See, words)
			if next == nil || visited[next] {
				return res, false
			}
			res.path += " → see " + next.PathString()
			if d := c.descend(next, words, true); !visited[d] {
				cur = d
			} else {
				cur = next
			}
			if cur != next {
				res.path += " → " + cur.Title
			}
			continue
		}
		if cur.Parent == nil {
			return res, false
		}
		cur = cur.Parent
	}
	for p := cur; p != nil; p = p.Parent {
		if p.Code != "" && !p.Incomplete() && p.Code != res.code {
			res.analog = p.Code
			break
		}
	}
	return res, res.code != ""
}

// mentionSiteWords are the words of the mention's phrase that name a site
// of the Neoplasm Table.
func (c *noteCoder) mentionSiteWords(m *mention) []string {
	var out []string
	lo, hi := c.sentenceTerms(m.sentence)
	for i := lo; i < hi; i++ {
		t := &c.doc.Terms[i]
		if w := c.nw[i].norm; t.Start >= m.start && t.End <= m.end && w != "" && c.rc.neoplasms.siteWords[w] && !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return out
}

// followSee walks a cross-reference such as "Diabetes, by type, with
// hyperglycemia": the main term, then each part as a subterm; "by type"
// and "by site" parts take the subterm the note states, or are skipped.
func (c *noteCoder) followSee(ref string, words map[string]bool) *icd.Term {
	res, ok := c.rc.index.Resolve(ref)
	if !ok || res.Code != "" {
		return nil
	}
	cur := res.Target()
	for _, part := range res.Rest {
		part = strings.TrimSpace(part)
		lp := strings.ToLower(part)
		if strings.HasPrefix(lp, "by ") {
			cur = c.pickBy(cur, strings.Fields(lp)[1], words)
			continue
		}
		if next := cur.Child(part); next != nil {
			cur = next
			continue
		}
		if next := c.connectorChild(cur, part); next != nil {
			cur = next
			continue
		}
		break
	}
	return cur
}

// pickBy takes the subterm a "by type" or "by site" cross-reference asks
// for: a subterm naming a type ("type 2") or, for any other "by", one
// whose words the sentence holds, leaving out subterms that are
// themselves cross-references.
func (c *noteCoder) pickBy(t *icd.Term, by string, words map[string]bool) *icd.Term {
	best, bestN := t, 0
	for _, ch := range t.Children {
		if ch.See != "" {
			continue
		}
		if by == "type" && !strings.Contains(strings.ToLower(ch.Title), "type") {
			continue
		}
		ts := c.split(ch)
		alts := ts.alts
		if !ts.ok || ts.connector {
			continue
		}
		for _, a := range alts {
			if len(a) > bestN && allIn(a, words) {
				best, bestN = ch, len(a)
			}
		}
	}
	return best
}

// connectorChild finds "with hyperglycemia" written as the subterm "with"
// and its subterm "hyperglycemia".
func (c *noteCoder) connectorChild(cur *icd.Term, part string) *icd.Term {
	lp := strings.ToLower(part)
	for _, conn := range c.e.rules.connectors {
		if strings.HasPrefix(lp, conn+" ") {
			if w := cur.Child(conn); w != nil {
				return w.Child(strings.TrimSpace(part[len(conn):]))
			}
		}
	}
	return nil
}

// descend moves down from a term through the subterms the words state, as
// far as they go; group looks through subterms that only group others
// (after a cross-reference, whose target is a heading).
func (c *noteCoder) descend(t *icd.Term, words map[string]bool, group bool) *icd.Term {
	for {
		next := c.pickChild(t, words, group)
		if next == t {
			return t
		}
		t = next
	}
}

// pickChild returns the subterm of t whose words the set holds, the one
// with most words, looking through connector subterms ("with"), grouping
// subterms a note leaves out ("skin" in "Nevus, skin, back") and, with
// group, code-less headings; t itself when none qualifies. A subterm must
// lead to a code.
func (c *noteCoder) pickChild(t *icd.Term, words map[string]bool, group bool) *icd.Term {
	best, bestN, bestGrouped := t, 0, false
	opts := c.rc.childOptions(t, c.e.rules)
	for w := range words {
		for _, o := range opts.byFirst[w] {
			if o.groupOnly && !group || len(o.words) < bestN || !allIn(o.words, words) {
				continue
			}
			// More words win; among equals a direct subterm ("Bite, leg")
			// before one under a heading ("Bite, back, lower"), then the
			// subterm listed first, so the choice does not depend on the
			// order the words are visited.
			better := len(o.words) > bestN || best == t
			if !better && len(o.words) == bestN {
				better = bestGrouped && !o.grouped || bestGrouped == o.grouped && o.order < opts.order(best)
			}
			if better {
				best, bestN, bestGrouped = o.term, len(o.words), o.grouped
			}
		}
	}
	return best
}

// childOption is one way a subterm can be stated: the subterm, one of its
// spellings, and whether it is reached through a code-less heading (only
// looked through after a cross-reference).
type childOption struct {
	term *icd.Term
	// grouped is set for a subterm under a heading looked through.
	grouped   bool
	words     []string
	groupOnly bool
	order     int // position among the options, for a stable choice
}

// childOptions indexes the statable subterms of a term (looking through
// connector, grouping and skippable subterms) by their first word.
type childOptions struct {
	byFirst map[string][]childOption
	orders  map[*icd.Term]int
}

func (o *childOptions) order(t *icd.Term) int {
	if n, ok := o.orders[t]; ok {
		return n
	}
	return -1
}

// childOptions returns the indexed subterms of t, built once per term.
func (rc *releaseCoder) childOptions(t *icd.Term, rules *indexRules) *childOptions {
	if v, ok := rc.childCache.Load(t); ok {
		return v.(*childOptions)
	}
	opts := &childOptions{byFirst: map[string][]childOption{}, orders: map[*icd.Term]int{}}
	// The words of the path down to t: a subterm that adds none of its own
	// lost them when the Index was flattened (see addsNothing).
	path := map[string]bool{}
	for p := t; p != nil; p = p.Parent {
		for _, a := range rc.titles[p].alts {
			for _, w := range a {
				path[w] = true
			}
		}
	}
	n := 0
	var visit func(p *icd.Term, depth int, groupOnly bool)
	visit = func(p *icd.Term, depth int, groupOnly bool) {
		for _, ch := range p.Children {
			ts := rc.titles[ch]
			if !ts.ok {
				continue
			}
			if ts.connector && len(ts.alts) == 1 && len(ts.alts[0]) == 0 && depth == 0 {
				visit(ch, 1, groupOnly)
				continue
			}
			// A grouping subterm ("recurrent, current episode, moderate";
			// "Nevus, skin, back") is looked through.
			if depth == 0 && len(ch.Children) > 0 {
				switch {
				case rules.skipSubterm[icd.MatchKey(ch.Title)]:
					visit(ch, 1, groupOnly)
				case ch.Code == "" && ch.See == "" && !rules.closedGroup[icd.MatchKey(ch.Title)]:
					visit(ch, 1, true)
				}
			}
			if !ts.statable || ch.Code == "" && ch.See == "" && len(ch.Children) == 0 {
				continue
			}
			for _, a := range ts.alts {
				if len(a) == 0 || allIn(a, path) {
					continue
				}
				opts.byFirst[a[0]] = append(opts.byFirst[a[0]], childOption{term: ch, words: a, groupOnly: groupOnly, grouped: depth > 0, order: n})
				if _, seen := opts.orders[ch]; !seen {
					opts.orders[ch] = n
				}
				n++
			}
		}
	}
	visit(t, 0, false)
	v, _ := rc.childCache.LoadOrStore(t, opts)
	return v.(*childOptions)
}

// split returns how a subterm's title reads as words; the split of every
// Index term is computed once per release.
func (c *noteCoder) split(t *icd.Term) titleSplit {
	if ts, ok := c.rc.titles[t]; ok {
		return ts
	}
	b := lexiconBuilder{words: c.e.words, rules: c.e.rules}
	alts, connector, ok := b.titleWords(statedTitle(t), false)
	return titleSplit{alts: alts, connector: connector, ok: ok, statable: statable(t.Title)}
}

func allIn(ws []string, set map[string]bool) bool {
	for _, w := range ws {
		if !set[w] {
			return false
		}
	}
	return true
}

// navContext gathers what completes the mention's code: its sentence's
// words, the side and encounter phase stated, and an acuity set by a
// documented duration.
func (c *noteCoder) navContext(m *mention, main *icd.Term) navContext {
	at := c.attributes(m)
	if at.Site == nil {
		if s := c.siteIn(m); s != nil {
			with := *at
			with.Site = s
			if with.Side == nlp.NoSide {
				with.Side = s.Side
			}
			at = &with
		}
	}
	ctx := navContext{words: c.words(m.sentence), extra: map[string]bool{}, near: c.nearWords(m), side: at.Side.String()}
	if ctx.side == "" {
		ctx.side = c.sideOf(m)
	}
	for _, w := range c.sideWords(ctx.side) {
		ctx.extra[w] = true
	}
	if at.Phase != nil {
		ctx.phase = at.Phase.Value
	}
	for _, cue := range at.Cues {
		for _, w := range c.phraseWords(cue.Value) {
			ctx.extra[w] = true
		}
	}
	// The site's region names it the way tabular titles do: a nevus of the
	// back is a nevus of the trunk.
	if at.Site != nil {
		for _, w := range c.phraseWords(at.Site.Name + " " + strings.ReplaceAll(at.Site.Region, "-", " ")) {
			ctx.extra[w] = true
		}
		for _, w := range c.e.context.regions[at.Site.Region] {
			ctx.extra[w] = true
		}
		for _, w := range c.e.context.siteWords[at.Site.Name] {
			ctx.extra[w] = true
		}
	}
	if a := c.acuityWord(m, main); a != "" && !ctx.has("acute") && !ctx.has("chronic") && !ctx.has("subacute") {
		for _, w := range c.phraseWords(a) {
			ctx.extra[w] = true
		}
	}
	return ctx
}

// attributes returns the nlp attributes of the mention, computed once.
func (c *noteCoder) attributes(m *mention) *nlp.Attributes {
	if m.attrs == nil {
		at := c.doc.Attributes(m.start, m.end)
		m.attrs = &at
	}
	return m.attrs
}

// phraseWords normalizes a short phrase (a cue value, a site), once per
// note.
func (c *noteCoder) phraseWords(p string) []string {
	if ws, ok := c.phrases[p]; ok {
		return ws
	}
	ws := c.e.words(p)
	c.phrases[p] = ws
	return ws
}

// sideWords are the words a stated side implies: one side of a paired
// organ is "unilateral" (right knee osteoarthritis is unilateral primary
// osteoarthritis of the knee).
func (c *noteCoder) sideWords(side string) []string {
	switch side {
	case sideRight, sideLeft:
		return c.e.words("unilateral")
	case sideBilateral:
		return c.e.words("bilateral")
	}
	return nil
}

// refine moves down from a matched Index term through subterms its clause
// or its side states ("Osteoarthritis, knee" with a right knee goes on to
// "unilateral").
func (c *noteCoder) refine(t *icd.Term, m *mention) *icd.Term {
	words := maps.Clone(c.nearWords(m))
	for _, w := range c.sideWords(c.sideOfMention(m)) {
		words[w] = true
	}
	// The patient's sex picks a sex-specific subterm ("Hypogonadism, male"),
	// the anatomic site a subterm of site ("compression fracture of T12":
	// vertebra).
	for _, w := range c.phraseWords(c.sex()) {
		words[w] = true
	}
	if site := c.siteOfMention(m); site != nil {
		for _, w := range c.phraseWords(site.Name) {
			words[w] = true
		}
		for _, w := range c.e.context.siteWords[site.Name] {
			words[w] = true
		}
	}
	if a := c.acuityWord(m, t.Main()); a != "" {
		for _, w := range c.phraseWords(a) {
			words[w] = true
		}
	}
	return c.descend(t, words, false)
}

// sex is the patient's sex, "male", "female" or "": from the options, else
// as the note states it.
func (c *noteCoder) sex() string {
	switch c.opts.Sex {
	case "M":
		return "male"
	case "F":
		return "female"
	}
	return c.doc.Patient.Sex
}

// startsOtherMention reports whether the clause beginning at term i opens
// a new clause or holds another affirmed condition than m ("without
// psychotic features" is a qualifier).
func (c *noteCoder) startsOtherMention(i int, m *mention) bool {
	d := c.doc
	end := len(d.Terms)
	for k := i + 1; k < len(d.Terms); k++ {
		if d.Terms[k].Sentence != d.Terms[i].Sentence || d.Terms[k].Has(nlp.BreakBefore) {
			end = k
			break
		}
	}
	for k := i; k < end; k++ {
		if d.OpensClause(d.Terms[k].Token) {
			return true // "anxiety, he states ...": a new clause, not a qualifier
		}
	}
	lo, hi := d.Terms[i].Start, d.Terms[end-1].End
	for _, o := range c.mentions {
		if o != m && o.sentence == m.sentence && o.start < hi && o.end > lo && c.codable(o) && !c.isSite(o) && c.doc.Assert(o.start, o.end, 0).Status != nlp.Negated {
			return true
		}
	}
	return false
}

// isSite reports whether a mention only names an anatomic site ("MTP
// joint"), a qualifier of the condition before it.
func (c *noteCoder) isSite(m *mention) bool {
	for _, s := range c.doc.Sites {
		if s.Start <= m.start && s.End >= m.end {
			return true
		}
	}
	return false
}

// siteOfMention is the site the nlp attributes give, else the first site
// of the mention's extended clause.
func (c *noteCoder) siteOfMention(m *mention) *nlp.Site {
	if s := c.attributes(m).Site; s != nil {
		return s
	}
	return c.siteIn(m)
}

// siteIn returns the first anatomic site of the mention's extended clause
// (after the condition: "gout flare, left first MTP joint"), or nil.
func (c *noteCoder) siteIn(m *mention) *nlp.Site {
	c.nearWords(m)
	for i := range c.doc.Sites {
		s := &c.doc.Sites[i]
		if s.Sentence == m.sentence && s.Start >= m.start && s.End <= m.nearEnd {
			return s
		}
	}
	return nil
}

// seeAlsoCoded returns the entry a code-less term's "see also" names when
// that entry has a code of its own, else nil.
func (c *noteCoder) seeAlsoCoded(t *icd.Term) *icd.Term {
	if t.Code != "" || !strings.Contains(t.SeeAlso, ",") {
		return nil
	}
	res, ok := c.rc.index.Resolve(t.SeeAlso)
	if !ok || len(res.Rest) > 0 || res.Target() == nil || res.Target().Code == "" {
		return nil
	}
	return res.Target()
}

// seeCondition reports a cross-reference back to the condition itself
// ("Acute - see also condition"), which leads nowhere by itself.
func seeCondition(ref string) bool {
	r := strings.ToLower(strings.TrimSpace(ref))
	return r == "condition" || strings.HasPrefix(r, "condition ")
}

// codable reports whether a mention leads to a code ("recurrent" leads the
// coder back to the condition: "Recurrent - see condition").
func (c *noteCoder) codable(m *mention) bool {
	if m.target.term == nil {
		return m.target.code != ""
	}
	for t := m.target.term; t != nil; t = t.Parent {
		if t.Code != "" || t.SeeCode != "" {
			return true
		}
		if t.See != "" || t.SeeAlso != "" {
			return !seeCondition(t.See + " " + t.SeeAlso)
		}
	}
	return false
}

// sideOfMention is the side the nlp attributes give, else the nearest
// side word of the sentence.
func (c *noteCoder) sideOfMention(m *mention) string {
	if s := c.attributes(m).Side.String(); s != "" {
		return s
	}
	return c.sideOf(m)
}

// nearWords returns the words of the clause holding the mention: its
// sentence cut at commas, semicolons and colons ("Pathology: nose - basal
// cell carcinoma; back - nevus" gives "nose - basal cell carcinoma").
func (c *noteCoder) nearWords(m *mention) map[string]bool {
	if m.near != nil {
		return m.near
	}
	d := c.doc
	out := map[string]bool{}
	m.near = out
	first, last := -1, -1
	lo, hi := c.sentenceTerms(m.sentence)
	for i := lo; i < hi; i++ {
		t := &d.Terms[i]
		if t.End > m.start && t.Start < m.end {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 {
		return out
	}
	for first > 0 && d.Terms[first-1].Sentence == m.sentence && !d.Terms[first].Has(nlp.BreakBefore) {
		first--
	}
	for last+1 < len(d.Terms) && d.Terms[last+1].Sentence == m.sentence && !d.Terms[last+1].Has(nlp.BreakBefore) {
		last++
	}
	// Qualifiers listed after the condition belong to it until another
	// condition starts ("Major depressive disorder, recurrent, severe").
	for last+1 < len(d.Terms) && d.Terms[last+1].Sentence == m.sentence && !c.startsOtherMention(last+1, m) {
		last++
		for last+1 < len(d.Terms) && d.Terms[last+1].Sentence == m.sentence && !d.Terms[last+1].Has(nlp.BreakBefore) {
			last++
		}
	}
	m.nearEnd = d.Terms[last].End
	for i := first; i <= last; i++ {
		if t := &d.Terms[i]; !t.Has(nlp.Stop) && !t.Has(nlp.Ambiguous) && !c.unasserted[i] && c.nw[i].norm != "" {
			out[c.nw[i].norm] = true
		}
	}
	return out
}
