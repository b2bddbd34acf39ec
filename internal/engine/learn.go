package engine

import (
	"context"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/medcode/medcode/internal/codeset"
	"github.com/medcode/medcode/internal/codeset/icd"
	"github.com/medcode/medcode/internal/engine/evaluate"
	"github.com/medcode/medcode/internal/engine/termmatch"
	"github.com/medcode/medcode/internal/nlp"
)

// LearnParams are the settings of Learn.
type LearnParams struct {
	// MaxWords is the longest phrase mined.
	MaxWords int
	// FloorSupport and FloorPrecision bound the phrase-code rows written to
	// the table: at least FloorSupport training notes state the phrase and
	// carry the code, and the code's share of the notes stating the phrase
	// (shrunk by one unseen note: n/(df+1)) is at least FloorPrecision. The
	// engine applies the stricter thresholds tuned below.
	FloorSupport   int
	FloorPrecision float64
	// MaxCodes is how many codes one phrase may predict.
	MaxCodes int
	// IndexWordsOnly keeps phrases whose every word is a word of the Index
	// or the tabular; NewOnly keeps rows whose code the engine misses on at
	// least half of the phrase's notes.
	IndexWordsOnly, NewOnly bool
	// MinPriorSupport is how many proposals of a code a prior needs.
	MinPriorSupport int
	// Folds is how many parts the training notes are cut into for the
	// held-out measurements (priors, calibration): each part is coded with
	// phrases mined on the others.
	Folds int
	// The thresholds tried on the tuning notes, and the defaults used when
	// there are none.
	PrecisionGrid []float64
	SupportGrid   []int
	PruneGrid     []float64
	Default       struct {
		Precision float64
		Support   int
		Prune     float64
	}
}

// DefaultLearnParams are the settings the committed table was built with.
var DefaultLearnParams = func() LearnParams {
	p := LearnParams{MaxWords: 3, FloorSupport: 2, FloorPrecision: 0.3, MaxCodes: 3, MinPriorSupport: 3, Folds: 5, IndexWordsOnly: true,
		PrecisionGrid: []float64{0.5, 0.6, 0.7, 0.8}, SupportGrid: []int{2, 3, 4, 6}, PruneGrid: []float64{0, 0.1, 0.2, 0.3}}
	p.Default.Precision, p.Default.Support, p.Default.Prune = 0.7, 4, 0.2
	return p
}()

// Corpus is a set of coded notes: the CodiEsp documents and their texts.
type Corpus struct {
	Docs  []evaluate.CodiEspDoc
	Texts []string
}

// LearnReport is what Learn measured, for the person building the table.
type LearnReport struct {
	Phrases, Rows, Priors, Bins int
	Precision                   float64
	Support                     int
	Prune                       float64
	// Tuned is the tuning notes' mean of full-code and category F1 at the
	// chosen thresholds (0 without tuning notes).
	Tuned float64
}

// Learn builds the learned table from coded training notes (the CodiEsp
// train split) and writes it in the format of tables/learned.tsv:
//
//   - phrases: word n-grams of the affirmed text (Index or tabular words
//     only) that several training notes share, with the codes their
//     coders gave those notes and how often;
//   - the thresholds that select the phrase-code rows and the precision
//     under which a code is pruned, tuned on the tuning notes (the dev
//     split) when given;
//   - per-code precision and the confidence calibration, measured on
//     held-out training notes (each fold coded with phrases mined on the
//     others), so they are not flattered by the phrases' own notes.
//
// Only phrases several documents share and counts are kept: no document
// text or id.
func Learn(ctx context.Context, e *Engine, train, tune Corpus, dos time.Time, p LearnParams, w io.Writer) (LearnReport, error) {
	var rep LearnReport
	base := e.withLearned(&learnedTable{priors: map[string]learnedPrior{}, minSupport: 1})
	run0, err := RunCodiEsp(ctx, base, train.Docs, train.Texts, dos, 0)
	if err != nil {
		return rep, err
	}
	rc, _, err := base.coderFor(dos)
	if err != nil {
		return rep, err
	}
	m := &miner{e: base, rc: rc, p: p, docs: train.Docs, texts: train.Texts, run: run0, vocabulary: newCodeVocabulary(base, rc)}
	for _, t := range train.Texts {
		m.grams = append(m.grams, base.docGrams(t, p.MaxWords))
	}
	all := make([]int, len(train.Docs))
	for i := range all {
		all[i] = i
	}
	lt := &learnedTable{groups: m.mine(all), priors: map[string]learnedPrior{},
		minPrecision: p.Default.Precision, minSupport: p.Default.Support, pruneBelow: p.Default.Prune}
	tuning := len(tune.Docs) > 0
	if tuning {
		if rep.Tuned, err = m.tunePhrases(ctx, e, lt, tune, dos); err != nil {
			return rep, err
		}
	}
	held, err := m.heldOut(ctx, e, lt, dos)
	if err != nil {
		return rep, err
	}
	lt.priors = priorsOf(held, rc.release.ICD, p.MinPriorSupport)
	if tuning {
		if rep.Tuned, err = m.tunePrune(ctx, e, lt, tune, dos); err != nil {
			return rep, err
		}
	}
	if held, err = m.heldOut(ctx, e, lt, dos); err != nil {
		return rep, err
	}
	lt.bins = calibrationOf(held)
	rep.Phrases, rep.Priors, rep.Bins = len(lt.groups), len(lt.priors), len(lt.bins)
	for _, g := range lt.groups {
		rep.Rows += len(g.codes)
	}
	rep.Precision, rep.Support, rep.Prune = lt.minPrecision, lt.minSupport, lt.pruneBelow
	return rep, lt.write(w, len(train.Docs), tuning)
}

// withLearned returns an engine like e with another learned table. The
// releases e has compiled are shared, with the learned phrases recompiled.
func (e *Engine) withLearned(lt *learnedTable) *Engine {
	ne := &Engine{set: e.set, nlp: e.nlp, tables: e.tables, rules: e.rules, learned: lt, context: e.context, forms: e.forms, proc: e.proc, now: e.now, version: e.version, releases: map[*codeset.Release]*releaseOnce{}}
	e.mu.Lock()
	var rels []*codeset.Release
	for rel := range e.releases {
		rels = append(rels, rel)
	}
	e.mu.Unlock()
	for _, rel := range rels {
		base, err := e.coderOf(rel) // waits for a compilation under way
		if err != nil {
			continue // ne reports the error when it compiles the release itself
		}
		rc := *base
		rc.learned = lt.lexicon(e.words, e.rules)
		done := &releaseOnce{rc: &rc}
		done.once.Do(func() {})
		ne.releases[rel] = done
	}
	return ne
}

// miner mines phrases from training notes coded by the engine without a
// learned table.
type miner struct {
	e     *Engine
	rc    *releaseCoder
	p     LearnParams
	docs  []evaluate.CodiEspDoc
	texts []string
	run   *CodiEspRun
	grams []map[string]bool
	// vocabulary names the codes in the classification's words.
	vocabulary *codeVocabulary
}

// mine finds, over the notes idx, the phrases that predict codes the
// engine misses: for each phrase stated in at least FloorSupport notes,
// the codes its notes carry often enough, up to MaxCodes.
func (m *miner) mine(idx []int) []learnedGroup {
	df := map[string]int{}            // phrase → notes
	co := map[string]map[string]int{} // phrase → gold code → notes
	gain := map[string]map[string]int{}
	for _, i := range idx {
		predicted := map[string]bool{}
		for _, pd := range m.run.Docs[i].Predicted {
			predicted[evaluate.NormalizeCode(pd.Code)] = true
		}
		codes := uniqueCodes(m.docs[i].Codes)
		for g := range m.grams[i] {
			df[g]++
			for _, code := range codes {
				if co[g] == nil {
					co[g], gain[g] = map[string]int{}, map[string]int{}
				}
				co[g][code]++
				if !predicted[evaluate.NormalizeCode(code)] {
					gain[g][code]++
				}
			}
		}
	}
	type row struct {
		words string
		lc    learnedCode
	}
	var rows []row
	for g, codes := range co {
		// A phrase is a wording of a condition: every word of it is a word
		// the Index or the tabular uses ("elevation transaminas", not
		// "1st cycl").
		if df[g] < m.p.FloorSupport || (m.p.IndexWordsOnly && !allKnown(m.rc, g)) {
			continue
		}
		var kept []learnedCode
		for code, n := range codes {
			// The phrase must name the code's condition in the
			// classification's own words ("renal colic" for N23), not merely
			// share its notes ("sedimentation" with fever, "diabetes" with
			// hypertension): a coder reading the evidence must see the code.
			if !m.names(g, code) {
				continue
			}
			prec := float64(n) / float64(df[g]+1)
			// Rows the engine already codes from the Index add nothing: at
			// least half of the notes must be ones it missed.
			if n < m.p.FloorSupport || prec < m.p.FloorPrecision || m.p.NewOnly && gain[g][code]*2 < n {
				continue
			}
			kept = append(kept, learnedCode{code: code, precision: prec, support: n})
		}
		sort.Slice(kept, func(a, b int) bool {
			if kept[a].support != kept[b].support {
				return kept[a].support > kept[b].support
			}
			return kept[a].code < kept[b].code
		})
		if len(kept) > m.p.MaxCodes {
			kept = kept[:m.p.MaxCodes]
		}
		for _, lc := range kept {
			rows = append(rows, row{g, lc})
		}
	}
	// A longer phrase that says no more than a shorter one it contains is
	// left out.
	byCode := map[string][]row{}
	for _, r := range rows {
		byCode[r.lc.code] = append(byCode[r.lc.code], r)
	}
	groups := map[string]*learnedGroup{}
	for _, r := range rows {
		redundant := false
		for _, o := range byCode[r.lc.code] {
			if o.words != r.words && containsWords(r.words, o.words) && o.lc.precision+0.05 >= r.lc.precision {
				redundant = true
				break
			}
		}
		if redundant {
			continue
		}
		g := groups[r.words]
		if g == nil {
			g = &learnedGroup{words: strings.Fields(r.words)}
			groups[r.words] = g
		}
		g.codes = append(g.codes, r.lc)
	}
	out := make([]learnedGroup, 0, len(groups))
	for _, g := range groups {
		sort.Slice(g.codes, func(a, b int) bool { return g.codes[a].code < g.codes[b].code })
		out = append(out, *g)
	}
	sort.Slice(out, func(a, b int) bool { return strings.Join(out[a].words, " ") < strings.Join(out[b].words, " ") })
	return out
}

// names reports whether a phrase shares a word with the words the
// classification names the code or its ancestors by: their tabular titles
// and inclusion terms, and the main terms of the Index entries that give
// them ("colic" for N23, Colic, renal; not "high" for fever, a subterm of
// Temperature).
func (m *miner) names(phrase, code string) bool {
	want := []string{code}
	for _, a := range m.rc.release.ICD.Ancestors(code) {
		want = append(want, a.Code)
	}
	// A one-word phrase must be a word of the tabular's own description: a
	// main term alone ("High, temperature") names nothing by itself.
	words := strings.Fields(phrase)
	tabularOnly := len(words) == 1
	for _, w := range words {
		for _, c := range want {
			if m.vocabulary.of(c, tabularOnly)[w] {
				return true
			}
		}
	}
	return false
}

// codeVocabulary holds, per code, the words the classification names it
// by, computed when first asked for.
type codeVocabulary struct {
	e     *Engine
	rc    *releaseCoder
	mains map[string][]*icd.Term // code → main terms of the Index entries giving it
	// words and tabular are the naming words of each code with and
	// without the Index main terms.
	words, tabular map[string]map[string]bool
}

func newCodeVocabulary(e *Engine, rc *releaseCoder) *codeVocabulary {
	v := &codeVocabulary{e: e, rc: rc, mains: map[string][]*icd.Term{}, words: map[string]map[string]bool{}, tabular: map[string]map[string]bool{}}
	for t := range rc.index.All() {
		if code := strings.TrimSuffix(t.Code, "-"); code != "" {
			v.mains[code] = append(v.mains[code], t.Main())
		}
	}
	return v
}

// of returns the naming words of a code: its tabular description's, with
// the Index main terms' unless tabularOnly.
func (v *codeVocabulary) of(code string, tabularOnly bool) map[string]bool {
	if set, ok := v.words[code]; ok {
		if tabularOnly {
			return v.tabular[code]
		}
		return set
	}
	tab, all := map[string]bool{}, map[string]bool{}
	add := func(text string, sets ...map[string]bool) {
		for _, w := range v.e.words(dropRaw(text, v.e.rules.dropWords)) {
			if !functionWords[w] {
				for _, s := range sets {
					s[w] = true
				}
			}
		}
	}
	if c, ok := v.rc.release.ICD.Lookup(code); ok {
		add(c.Title, tab, all)
		for _, n := range v.rc.release.ICD.NotesFor(c.Code) {
			if (n.Kind == icd.InclusionTerm || n.Kind == icd.Includes) && n.From == c.Code {
				add(n.Text, tab, all)
			}
		}
	}
	for _, m := range v.mains[code] {
		add(statedTitle(m), all)
	}
	v.words[code], v.tabular[code] = all, tab
	if tabularOnly {
		return tab
	}
	return all
}

// heldOut codes every training note with phrases mined on the other
// folds and the thresholds of lt, and returns the pooled run.
func (m *miner) heldOut(ctx context.Context, e *Engine, lt *learnedTable, dos time.Time) (*CodiEspRun, error) {
	pooled := &CodiEspRun{}
	for f := 0; f < m.p.Folds; f++ {
		var mineIdx, codeIdx []int
		for i := range m.docs {
			if i%m.p.Folds == f {
				codeIdx = append(codeIdx, i)
			} else {
				mineIdx = append(mineIdx, i)
			}
		}
		fold := *lt
		fold.groups = m.mine(mineIdx)
		docs := make([]evaluate.CodiEspDoc, len(codeIdx))
		texts := make([]string, len(codeIdx))
		for k, i := range codeIdx {
			docs[k], texts[k] = m.docs[i], m.texts[i]
		}
		run, err := RunCodiEsp(ctx, e.withLearned(&fold), docs, texts, dos, 0)
		if err != nil {
			return nil, err
		}
		pooled.Docs = append(pooled.Docs, run.Docs...)
		pooled.Score.Add(run.Score)
	}
	return pooled, nil
}

// tunePhrases picks the phrase thresholds that code the tuning notes best
// (the mean of full-code and category micro F1), without priors.
func (m *miner) tunePhrases(ctx context.Context, e *Engine, lt *learnedTable, tune Corpus, dos time.Time) (float64, error) {
	best := -1.0
	bestP, bestS := lt.minPrecision, lt.minSupport
	for _, p := range m.p.PrecisionGrid {
		for _, s := range m.p.SupportGrid {
			try := *lt
			try.minPrecision, try.minSupport, try.pruneBelow = p, s, 0
			f, err := tuneScore(ctx, e, &try, tune, dos)
			if err != nil {
				return 0, err
			}
			if f > best+1e-9 {
				best, bestP, bestS = f, p, s
			}
		}
	}
	lt.minPrecision, lt.minSupport = bestP, bestS
	return best, nil
}

// tunePrune picks the precision under which a code is pruned.
func (m *miner) tunePrune(ctx context.Context, e *Engine, lt *learnedTable, tune Corpus, dos time.Time) (float64, error) {
	best, bestPrune := -1.0, lt.pruneBelow
	for _, pr := range m.p.PruneGrid {
		try := *lt
		try.pruneBelow = pr
		f, err := tuneScore(ctx, e, &try, tune, dos)
		if err != nil {
			return 0, err
		}
		if f > best+1e-9 {
			best, bestPrune = f, pr
		}
	}
	lt.pruneBelow = bestPrune
	return best, nil
}

// tuneScore is the mean of full-code and category F1 on the tuning notes.
func tuneScore(ctx context.Context, e *Engine, lt *learnedTable, tune Corpus, dos time.Time) (float64, error) {
	run, err := RunCodiEsp(ctx, e.withLearned(lt), tune.Docs, tune.Texts, dos, 0)
	if err != nil {
		return 0, err
	}
	return (run.Score.Full.F1() + run.Score.Category.F1()) / 2, nil
}

// allKnown reports whether every word of a phrase occurs in the release's
// Index or tabular patterns.
func allKnown(rc *releaseCoder, phrase string) bool {
	for _, w := range strings.Fields(phrase) {
		if functionWords[w] || rc.lex.vocab.Lookup(w) == termmatch.NoToken {
			return false
		}
	}
	return true
}

// containsWords reports whether phrase long holds short as consecutive
// words.
func containsWords(long, short string) bool {
	return strings.Contains(" "+long+" ", " "+short+" ")
}

func uniqueCodes(codes []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, c := range codes {
		c = strings.ToUpper(strings.TrimSpace(c))
		if c != "" && !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	return out
}

// docGrams returns the affirmed word n-grams of a note: runs of content
// words within a clause, not negated, uncertain or hypothetical, not
// numbers.
func (e *Engine) docGrams(text string, maxWords int) map[string]bool {
	d := e.nlp.Analyze(text)
	out := map[string]bool{}
	var run []string
	flush := func() {
		for i := range run {
			for n := 1; n <= maxWords && i+n <= len(run); n++ {
				out[strings.Join(run[i:i+n], " ")] = true
			}
		}
		run = run[:0]
	}
	lastSent := -1
	nw := e.noteWords(d)
	for i := range d.Terms {
		t := &d.Terms[i]
		if nw[i].norm == "" {
			continue // a number read with its qualifier
		}
		if t.Sentence != lastSent || t.Has(nlp.BreakBefore) {
			flush()
			lastSent = t.Sentence
		}
		if t.Has(nlp.Stop) || t.Has(nlp.Ambiguous) || !hasLetter(t.Norm) || len(t.Norm) < 3 {
			flush()
			continue
		}
		if st := d.Assert(t.Start, t.End, 0).Status; st != nlp.Affirmed && st != nlp.Historical {
			flush()
			continue
		}
		run = append(run, nw[i].norm)
	}
	flush()
	return out
}

func hasLetter(s string) bool {
	for _, r := range s {
		if r >= 'a' && r <= 'z' {
			return true
		}
	}
	return false
}

// goldHas reports whether a proposal is right: the gold codes hold it, or
// hold the code it replaced in the release the notes were coded with (the
// gold's R51, a header since FY2021, for R51.9).
func goldHas(gold map[string]bool, tab *icd.Tabular, code string) bool {
	if gold[evaluate.NormalizeCode(code)] {
		return true
	}
	for _, a := range tab.Ancestors(code) {
		if !a.Billable && gold[evaluate.NormalizeCode(a.Code)] {
			return true
		}
	}
	return false
}

// priorsOf measures, per code, how often the engine's proposal was right.
func priorsOf(run *CodiEspRun, tab *icd.Tabular, minSupport int) map[string]learnedPrior {
	n, ok := map[string]int{}, map[string]int{}
	for _, d := range run.Docs {
		gold := map[string]bool{}
		for _, g := range d.Gold {
			gold[evaluate.NormalizeCode(g)] = true
		}
		for _, p := range d.Predicted {
			n[p.Code]++
			if goldHas(gold, tab, p.Code) {
				ok[p.Code]++
			}
		}
	}
	out := map[string]learnedPrior{}
	for code, k := range n {
		if k >= minSupport {
			out[code] = learnedPrior{precision: float64(ok[code]) / float64(k), support: k}
		}
	}
	return out
}

// calibrationOf fits a monotone map from raw confidence to precision (pool
// adjacent violators over the predictions sorted by raw confidence) and
// returns it as bins.
//
// A code counts right only when the gold holds it as it is (R51.9 against
// the gold's R51 counts wrong): the confidence means what the evaluation
// measures, and errs low for codes renamed since the gold's edition.
func calibrationOf(run *CodiEspRun) []calibrationBin {
	type point struct {
		raw float64
		ok  float64
	}
	var pts []point
	for _, d := range run.Docs {
		gold := map[string]bool{}
		for _, g := range d.Gold {
			gold[evaluate.NormalizeCode(g)] = true
		}
		for _, p := range d.Predicted {
			v := 0.0
			if gold[evaluate.NormalizeCode(p.Code)] {
				v = 1
			}
			pts = append(pts, point{raw: p.Confidence, ok: v})
		}
	}
	sort.Slice(pts, func(i, j int) bool { return pts[i].raw < pts[j].raw })
	type block struct {
		lo, hi, sum float64
		n           int
	}
	var blocks []block
	for _, pt := range pts {
		blocks = append(blocks, block{lo: pt.raw, hi: pt.raw, sum: pt.ok, n: 1})
		for len(blocks) > 1 {
			a, b := blocks[len(blocks)-2], blocks[len(blocks)-1]
			if a.sum/float64(a.n) <= b.sum/float64(b.n) && a.n >= minBinSize {
				break
			}
			blocks = append(blocks[:len(blocks)-2], block{lo: a.lo, hi: b.hi, sum: a.sum + b.sum, n: a.n + b.n})
		}
	}
	var out []calibrationBin
	for i, b := range blocks {
		lo, hi := b.lo, b.hi
		if i == 0 {
			lo = 0
		}
		if i == len(blocks)-1 {
			hi = 1
		} else {
			hi = blocks[i+1].lo
		}
		out = append(out, calibrationBin{lo: lo, hi: hi, precision: wilsonLower(b.sum, float64(b.n))})
	}
	return out
}

// wilsonLower is the lower end of the Wilson score interval (z = 2.33,
// 99% one-sided) of a proportion: the calibrated confidence errs low.
func wilsonLower(successes, n float64) float64 {
	if n == 0 {
		return 0
	}
	const z = 2.33
	p := successes / n
	d := 1 + z*z/n
	c := p + z*z/(2*n)
	r := z * math.Sqrt(p*(1-p)/n+z*z/(4*n*n))
	return max(0, (c-r)/d)
}

// minBinSize is the fewest predictions a calibration bin holds, so that
// its precision is a measurement and not noise.
const minBinSize = 40

// write prints the table in the tables/learned.tsv format.
func (lt *learnedTable) write(w io.Writer, docs int, tuned bool) error {
	var b strings.Builder
	b.WriteString(learnedHeader)
	rows := 0
	for _, g := range lt.groups {
		rows += len(g.codes)
	}
	how := "defaults"
	if tuned {
		how = "tuned on the dev split"
	}
	fmt.Fprintf(&b, "# %d training documents; %d phrases (%d phrase-code rows), %d priors, %d calibration bins; thresholds %s.\n\n", docs, len(lt.groups), rows, len(lt.priors), len(lt.bins), how)
	fmt.Fprintf(&b, "param\tphrase-precision\t%.2f\n", lt.minPrecision)
	fmt.Fprintf(&b, "param\tphrase-support\t%d\n", lt.minSupport)
	fmt.Fprintf(&b, "param\tprune-below\t%.2f\n", lt.pruneBelow)
	for _, g := range lt.groups {
		for _, lc := range g.codes {
			fmt.Fprintf(&b, "phrase\t%s\t%s\t%.3f\t%d\n", strings.Join(g.words, " "), lc.code, lc.precision, lc.support)
		}
	}
	codes := make([]string, 0, len(lt.priors))
	for c := range lt.priors {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	for _, c := range codes {
		p := lt.priors[c]
		fmt.Fprintf(&b, "prior\t%s\t%.3f\t%d\n", c, p.precision, p.support)
	}
	for _, bin := range lt.bins {
		fmt.Fprintf(&b, "calibrate\t%.4f\t%.4f\t%.3f\n", bin.lo, bin.hi, bin.precision)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// learnedHeader is the comment block of tables/learned.tsv.
const learnedHeader = `# Statistics learned from the CodiEsp training split (CC BY 4.0: Miranda-Escalada A, Gonzalez-Agirre A,
# Armengol-Estape J, Krallinger M. Overview of automatic clinical coding: annotations, guidelines, and
# solutions for non-English clinical cases at CodiEsp track of CLEF eHealth 2020). Built by
# ` + "`medcode eval codiesp --split train --learn internal/engine/tables/learned.tsv --tune dev`" + `
# (docs/engine.md); never edited by hand. Used by the abstract profile only.
#
# kind       columns
# phrase     words    code   precision support   normalized words several training notes share, a code
#                                                their coders gave, the code's share n/(df+1) of the notes
#                                                stating the phrase and the number n of those notes
# prior      code     precision   support        how often the engine's proposal of the code was right on
#                                                held-out training notes
# calibrate  lo       hi          precision      raw-confidence bin and its measured precision (held out)
# param      name     value                      phrase-precision, phrase-support: the phrase-code rows
#                                                applied; prune-below: proposals under this precision are
#                                                left out (tuned on the dev split)
`
