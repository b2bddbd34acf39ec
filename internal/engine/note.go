package engine

import (
	"slices"

	"github.com/medcode/medcode/internal/codeset/icd"
	"github.com/medcode/medcode/internal/engine/termmatch"
	"github.com/medcode/medcode/internal/nlp"
)

// noteCoder is the state of coding one note. Stages run in the order of
// run; each reads what the previous ones left in cands.
type noteCoder struct {
	e    *Engine
	rc   *releaseCoder
	doc  *nlp.Doc
	opts Options

	// words is doc.Terms as the engine reads them (noteWords).
	nw []noteWord
	// toks is the matcher's view of doc.Terms (function words left out);
	// termOf maps a token position back to its doc.Terms index; norms are
	// the words the tokens were looked up by.
	toks   []termmatch.Token
	termOf []int
	norms  []string
	// sentWords caches the normalized words of each sentence.
	sentWords map[int]map[string]bool
	// unasserted marks the doc.Terms a negation, an uncertainty or a
	// hypothesis covers ("without hematuria", "could be the source of
	// bleeding"): they never complete or refine a code.
	unasserted map[int]bool
	// sentTerms[s] is the range of doc.Terms in sentence s.
	sentTerms [][2]int
	// phrases caches normalized short phrases.
	phrases map[string][]string

	mentions []*mention
	cands    []*candidate
	warnings []Warning
	// dxSupport[i] are all the spans behind the i-th reported diagnosis
	// (its evidence shows the strongest of them).
	dxSupport [][][2]int
	// famRelevant caches familyRelevant.
	famRelevant *bool
}

func newNoteCoder(e *Engine, rc *releaseCoder, doc *nlp.Doc, opts Options) *noteCoder {
	return &noteCoder{e: e, rc: rc, doc: doc, opts: opts, nw: e.noteWords(doc), sentWords: map[int]map[string]bool{}, unasserted: map[int]bool{}, phrases: map[string][]string{}}
}

// run codes the note.
func (c *noteCoder) run() {
	c.tokens()
	c.matchTerms()
	c.resolveMentions()
	c.addMeasurementCodes()
	c.addMedicationCodes()
	c.addDrugEvents()
	c.applyRules()
	c.sequence()
	c.score()
}

// tokens builds the matcher's token stream: one token per content word,
// units split at sentences and at list elements inside a sentence.
func (c *noteCoder) tokens() {
	d := c.doc
	c.toks = make([]termmatch.Token, 0, len(d.Terms))
	c.termOf = make([]int, 0, len(d.Terms))
	qualified := c.qualifiedSentences()
	unit := int32(-1)
	lastSent, lastElem := -1, -1
	barrier := false
	for i := range d.Terms {
		t := &d.Terms[i]
		norm := c.nw[i].norm
		if norm == "" {
			continue // a number read with its qualifier
		}
		if t.Has(nlp.Stop) {
			// A capital letter is a subterm word ("influenza A"), not the
			// article.
			if t.End-t.Start != 1 || d.Text[t.Start] < 'A' || d.Text[t.Start] > 'Z' {
				barrier = barrier || t.Norm == "and" || t.Norm == "or" || t.Norm == "nor"
				continue
			}
			norm = d.Text[t.Start:t.End]
		}
		elem := elementOf(d, t)
		if t.Sentence != lastSent || elem != lastElem {
			unit++
			lastSent, lastElem = t.Sentence, elem
		}
		id := c.rc.lex.vocab.Lookup(norm)
		if t.Has(nlp.Ambiguous) {
			id = termmatch.NoToken
		}
		// A new clause ("anxiety, he states") is a barrier too: "anxiety
		// state" is not read across it.
		tok := termmatch.Token{ID: id, Unit: unit, Break: t.Has(nlp.BreakBefore), Barrier: barrier || d.OpensClause(t.Token)}
		barrier = false
		if id != termmatch.NoToken && qualified[t.Sentence] {
			switch d.Assert(t.Start, t.End, 0).Status {
			case nlp.Negated, nlp.Uncertain, nlp.Hypothetical:
				tok.NoWide = true
				c.unasserted[i] = true
			}
		}
		c.toks = append(c.toks, tok)
		c.termOf = append(c.termOf, i)
		c.norms = append(c.norms, norm)
	}
}

// qualifiedSentences marks the sentences holding a negation, uncertainty
// or hypothesis trigger, the only ones where a word can be unasserted.
func (c *noteCoder) qualifiedSentences() map[int]bool {
	out := map[int]bool{}
	for _, tr := range c.doc.Triggers {
		switch tr.Category {
		case nlp.CatNegated, nlp.CatUncertain, nlp.CatHypothetical:
			out[tr.Sentence] = true
		}
	}
	return out
}

// elementOf returns the list element of the term's sentence that holds it,
// or -1.
func elementOf(d *nlp.Doc, t *nlp.Term) int {
	if t.Sentence < 0 || t.Sentence >= len(d.Sentences) {
		return -1
	}
	for k, el := range d.Sentences[t.Sentence].Elements {
		if t.Start >= el.Start && t.Start < el.End {
			return k
		}
	}
	return -1
}

// sentenceTerms returns the range of doc.Terms in sentence s (the terms
// come sentence by sentence).
func (c *noteCoder) sentenceTerms(s int) (int, int) {
	if c.sentTerms == nil {
		c.sentTerms = make([][2]int, len(c.doc.Sentences))
		for i := range c.sentTerms {
			c.sentTerms[i] = [2]int{-1, -1}
		}
		for i := range c.doc.Terms {
			si := c.doc.Terms[i].Sentence
			if si < 0 || si >= len(c.sentTerms) {
				continue
			}
			if c.sentTerms[si][0] < 0 {
				c.sentTerms[si][0] = i
			}
			c.sentTerms[si][1] = i + 1
		}
	}
	if s < 0 || s >= len(c.sentTerms) || c.sentTerms[s][0] < 0 {
		return 0, 0
	}
	return c.sentTerms[s][0], c.sentTerms[s][1]
}

// words returns the normalized words of sentence s.
func (c *noteCoder) words(s int) map[string]bool {
	if w, ok := c.sentWords[s]; ok {
		return w
	}
	w := map[string]bool{}
	lo, hi := c.sentenceTerms(s)
	for i := lo; i < hi; i++ {
		t := &c.doc.Terms[i]
		if !t.Has(nlp.Stop) && !t.Has(nlp.Ambiguous) && !c.unasserted[i] && c.nw[i].norm != "" {
			w[c.nw[i].norm] = true
		}
	}
	c.sentWords[s] = w
	return w
}

// mention is one place in the note that supports a code.
type mention struct {
	// start, end bound the narrow words (the phrase); wide holds the
	// spans of linked words outside it.
	start, end int
	wide       [][2]int
	sentence   int
	section    int
	target     target
	// words is how many note words the match used.
	words int
	// assertion is decided once the code is known (chronic conditions
	// read "history of" differently).
	assertion nlp.Status
	current   bool // R8 turned a history cue into a current condition
	// resolved is set for a past condition stated as over ("former
	// smoker", "resolved", "s/p"), not a soft "history of".
	resolved bool
	// attrs and near cache the nlp attributes and the clause words.
	attrs *nlp.Attributes
	near  map[string]bool
	// nearEnd is the byte end of the clause near holds.
	nearEnd int
	// prior is, for a learned phrase, the share of training notes stating
	// it that carry the code.
	prior float64
}

// sectionKind is the kind of the mention's section.
func (m *mention) sectionKind(d *nlp.Doc) nlp.SectionKind {
	if m.section < 0 || m.section >= len(d.Sections) {
		return nlp.SectionNone
	}
	return d.Sections[m.section].Kind
}

// matchTerms runs the lexicon over the note and records a mention per
// match; the abstract profile also runs the learned phrases.
func (c *noteCoder) matchTerms() {
	c.matchLexicon(c.rc.lex, c.toks)
	c.matchManaged()
	if c.opts.Profile == ProfileAbstract && len(c.rc.learned.targets) > 0 {
		toks := make([]termmatch.Token, len(c.toks))
		for i, t := range c.toks {
			t.ID = c.rc.learned.vocab.Lookup(c.norms[i])
			toks[i] = t
		}
		from := len(c.mentions)
		c.matchLexicon(c.rc.learned, toks)
		c.expandLearned(from)
	}
}

// expandLearned turns each learned-phrase mention from index from on into
// one mention per code the phrase predicts above the tuned thresholds.
func (c *noteCoder) expandLearned(from int) {
	lt := c.e.learned
	var out []*mention
	for _, m := range c.mentions[from:] {
		for _, lc := range lt.groups[m.target.group].codes {
			if !lt.applies(lc) {
				continue
			}
			mm := *m
			mm.target = target{source: srcLearned, code: lc.code}
			mm.prior = lc.precision
			out = append(out, &mm)
		}
	}
	c.mentions = append(c.mentions[:from], out...)
}

// matchManaged finds the "managed" synonyms: a condition the note names
// only through its control status and its treatment.
func (c *noteCoder) matchManaged() {
	d := c.doc
	for _, mt := range c.rc.lex.managed {
		for si := range d.Sentences {
			lo, hi := c.sentenceTerms(si)
			start, end := phraseSpan(d, lo, hi, mt.words, c.e.form)
			if start < 0 || !c.controlStated(si) || !c.treatedWith(si, mt.classes) {
				continue
			}
			c.mentions = append(c.mentions, &mention{start: start, end: end, sentence: si, section: d.Sentences[si].Section, target: target{source: srcLexicon, term: mt.term}, words: len(mt.words)})
		}
	}
}

// phraseSpan finds words as consecutive terms in doc.Terms[lo:hi] and
// returns their byte span, or -1.
func phraseSpan(d *nlp.Doc, lo, hi int, words []string, form func(string) string) (int, int) {
	for i := lo; i+len(words) <= hi; i++ {
		ok := true
		for k, w := range words {
			if form(d.Terms[i+k].Norm) != w {
				ok = false
				break
			}
		}
		if ok {
			return d.Terms[i].Start, d.Terms[i+len(words)-1].End
		}
	}
	return -1, -1
}

// controlStated reports a control-status cue in sentence si.
func (c *noteCoder) controlStated(si int) bool {
	for _, cue := range c.doc.Cues {
		if cue.Sentence == si && cue.Kind == nlp.CueControl {
			return true
		}
	}
	return false
}

// treatedWith reports a current medication of one of the classes in
// sentence si.
func (c *noteCoder) treatedWith(si int, classes []string) bool {
	for _, md := range c.doc.Medications {
		if md.Sentence == si && md.Current && slices.Contains(classes, md.Class) {
			return true
		}
	}
	return false
}

func (c *noteCoder) matchLexicon(lex *lexicon, toks []termmatch.Token) {
	d := c.doc
	for _, m := range lex.matcher.Find(toks) {
		if c.qualified(c.termOf[m.Hi]) {
			continue
		}
		p := lex.matcher.Pattern(m.Pattern)
		men := &mention{start: -1, target: lex.targets[m.Payload], words: len(m.Positions)}
		for k, pos := range m.Positions {
			ti := c.termOf[pos]
			t, end := &d.Terms[ti], c.nw[ti].end
			if k < len(p.Narrow) {
				if men.start < 0 || t.Start < men.start {
					men.start = t.Start
				}
				men.end = max(men.end, end)
				men.sentence = t.Sentence
				continue
			}
			men.wide = append(men.wide, [2]int{t.Start, end})
		}
		men.wide = slices.DeleteFunc(men.wide, func(w [2]int) bool { return w[0] >= men.start && w[1] <= men.end })
		men.section = -1
		if men.sentence >= 0 && men.sentence < len(d.Sentences) {
			men.section = d.Sentences[men.sentence].Section
		}
		c.mentions = append(c.mentions, men)
	}
}

// sectionLabel is the contract's evidence section ("A/P", "HPI").
func (c *noteCoder) sectionLabel(sec int) string {
	if sec < 0 || sec >= len(c.doc.Sections) {
		return ""
	}
	return c.doc.Sections[sec].Label
}

// sectionWeight is how strongly a mention in sec supports coding.
func (c *noteCoder) sectionWeight(sec int) float64 {
	if sec < 0 || sec >= len(c.doc.Sections) {
		return 0.5
	}
	return c.doc.Sections[sec].Weight
}

// hasAssessment reports whether the note has an assessment/plan section.
func (c *noteCoder) hasAssessment() bool {
	for _, s := range c.doc.Sections {
		if s.Kind == nlp.SectionAP {
			return true
		}
	}
	return false
}

// text returns note[start:end].
func (c *noteCoder) text(start, end int) string { return c.doc.Text[start:end] }

// candidate is one code the engine considers for the note.
type candidate struct {
	code     *icd.Code
	mentions []*mention
	// origin is how the code was found, for the reasoning: an Index path,
	// a tabular title, a table row, a medication; originMention is the
	// mention it was found from (the reasoning quotes it).
	origin        string
	originMention *mention
	// via is the kind of source (index, tabular, drug table, ...).
	via   sourceKind
	steps []navStep
	// rules are the ids of the rules that shaped the code, in order.
	rules []string
	// notes are extra reasoning clauses.
	notes []string
	// dropped names the rule that removed the code ("" = kept), or
	// "MERGED" when it was folded into another candidate of its code.
	dropped string
	// status is the assertion the code is reported with.
	status nlp.Status
	// derived is set for codes a rule produced from others (combination,
	// status, history); they have the evidence of their sources.
	derived bool
	// order is the sequencing key; conf the calibrated confidence.
	order int
	conf  float64
}

func (cd *candidate) addRule(id string) {
	if !slices.Contains(cd.rules, id) {
		cd.rules = append(cd.rules, id)
	}
}

// live lists the candidates not dropped.
func (c *noteCoder) live() []*candidate {
	var out []*candidate
	for _, cd := range c.cands {
		if cd.dropped == "" {
			out = append(out, cd)
		}
	}
	return out
}

// find returns the live candidate of code, or nil.
func (c *noteCoder) find(code string) *candidate {
	for _, cd := range c.cands {
		if cd.dropped == "" && cd.code.Code == code {
			return cd
		}
	}
	return nil
}

// add records a candidate for code, merging it with an existing one of
// the same code and status.
func (c *noteCoder) add(code *icd.Code, m *mention, status nlp.Status, via sourceKind, origin string, steps []navStep, rules ...string) *candidate {
	for _, cd := range c.cands {
		if cd.code.Code == code.Code && cd.status == status && cd.dropped == "" {
			if m != nil && !slices.Contains(cd.mentions, m) {
				cd.mentions = append(cd.mentions, m)
			}
			// The reasoning explains the best source, and among equal
			// sources the mention in the weightiest section.
			if via < cd.via || via == cd.via && m != nil && cd.originMention != nil && c.sectionWeight(m.section) > c.sectionWeight(cd.originMention.section) {
				cd.via, cd.origin, cd.steps, cd.originMention = via, origin, steps, m
			}
			for _, r := range rules {
				cd.addRule(r)
			}
			return cd
		}
	}
	cd := &candidate{code: code, origin: origin, originMention: m, via: via, steps: steps, status: status}
	if m != nil {
		cd.mentions = []*mention{m}
	}
	for _, r := range rules {
		cd.addRule(r)
	}
	c.cands = append(c.cands, cd)
	return cd
}
