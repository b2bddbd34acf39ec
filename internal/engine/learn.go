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
	"github.com/medcode/medcode/internal/engine/evaluate"
	"github.com/medcode/medcode/internal/engine/termmatch"
	"github.com/medcode/medcode/internal/nlp"
)

// LearnParams are the thresholds of Learn.
type LearnParams struct {
	// MinSupport is how many training documents must share a phrase and a
	// code; MinPrecision how many of the documents with the phrase must
	// have the code.
	MinSupport   int
	MinPrecision float64
	// MaxWords is the longest phrase mined.
	MaxWords int
	// MinPriorSupport is how many proposals of a code a prior needs.
	MinPriorSupport int
	// PruneBelow is the measured precision under which a code is left out
	// of abstracts.
	PruneBelow float64
}

// DefaultLearnParams are the thresholds the committed table was built with.
var DefaultLearnParams = LearnParams{MinSupport: 4, MinPrecision: 0.7, MaxWords: 3, MinPriorSupport: 3, PruneBelow: 0.2}

// Learn builds the learned table from coded training notes (the CodiEsp
// train split): the phrases the coders consistently code that the Index
// misses, how often each code the engine proposes is right, and the
// calibration of the confidence. It writes the table in the format of
// tables/learned.tsv. Only phrases shared by several documents and counts
// are kept: no document text or id.
func Learn(ctx context.Context, e *Engine, docs []evaluate.CodiEspDoc, texts []string, dos time.Time, p LearnParams, w io.Writer) error {
	base := e.withLearned(&learnedTable{priors: map[string]learnedPrior{}})
	run0, err := RunCodiEsp(ctx, base, docs, texts, dos, 0)
	if err != nil {
		return err
	}
	rc, _, err := base.coderFor(dos)
	if err != nil {
		return err
	}
	phrases := base.minePhrases(rc, docs, texts, run0, p)
	lt := &learnedTable{phrases: phrases, priors: map[string]learnedPrior{}}
	withPhrases := e.withLearned(lt)
	run1, err := RunCodiEsp(ctx, withPhrases, docs, texts, dos, 0)
	if err != nil {
		return err
	}
	lt.priors = priorsOf(run1, p.MinPriorSupport)
	lt.pruneBelow = p.PruneBelow
	withPriors := e.withLearned(lt)
	run2, err := RunCodiEsp(ctx, withPriors, docs, texts, dos, 0)
	if err != nil {
		return err
	}
	lt.bins = calibrationOf(run2)
	return lt.write(w, len(docs))
}

// withLearned returns an engine like e with another learned table and its
// own compiled releases.
func (e *Engine) withLearned(lt *learnedTable) *Engine {
	return &Engine{set: e.set, nlp: e.nlp, tables: e.tables, rules: e.rules, learned: lt, context: e.context, forms: e.forms, proc: e.proc, now: e.now, version: e.version, releases: map[*codeset.Release]*releaseOnce{}}
}

// minePhrases finds the word n-grams that predict a gold code the engine
// missed.
func (e *Engine) minePhrases(rc *releaseCoder, docs []evaluate.CodiEspDoc, texts []string, run *CodiEspRun, p LearnParams) []learnedPhrase {
	df := map[string]int{}            // phrase → documents
	co := map[string]map[string]int{} // phrase → gold code → documents
	gain := map[string]map[string]int{}
	for i, d := range docs {
		grams := e.docGrams(texts[i], p.MaxWords)
		predicted := map[string]bool{}
		for _, pd := range run.Docs[i].Predicted {
			predicted[evaluate.NormalizeCode(pd.Code)] = true
		}
		for g := range grams {
			df[g]++
			for _, code := range uniqueCodes(d.Codes) {
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
	type scored struct {
		words     string
		code      string
		support   int
		precision float64
	}
	var kept []scored
	for g, codes := range co {
		// A phrase is a wording of a condition: every word of it is a word
		// the Index or the tabular uses ("elevation transaminas", not
		// "1st cycl").
		if !allKnown(rc, g) {
			continue
		}
		best := scored{}
		for code, n := range codes {
			prec := float64(n) / float64(df[g])
			if n < p.MinSupport || prec < p.MinPrecision || gain[g][code]*2 < n {
				continue
			}
			if n > best.support || n == best.support && (prec > best.precision || prec == best.precision && code < best.code) {
				best = scored{words: g, code: code, support: n, precision: prec}
			}
		}
		if best.code != "" {
			kept = append(kept, best)
		}
	}
	// A longer phrase that says no more than a shorter one it contains is
	// left out.
	byCode := map[string][]scored{}
	for _, s := range kept {
		byCode[s.code] = append(byCode[s.code], s)
	}
	var out []learnedPhrase
	for _, s := range kept {
		redundant := false
		for _, o := range byCode[s.code] {
			if o.words != s.words && containsWords(s.words, o.words) && o.precision+0.05 >= s.precision {
				redundant = true
				break
			}
		}
		if !redundant {
			out = append(out, learnedPhrase{words: strings.Fields(s.words), code: s.code})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := strings.Join(out[i].words, " "), strings.Join(out[j].words, " ")
		if a != b {
			return a < b
		}
		return out[i].code < out[j].code
	})
	return out
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
// words within a sentence, not negated, not numbers.
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
		if st := d.Assert(t.Start, t.End, 0).Status; st != nlp.Affirmed {
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

// priorsOf measures, per code, how often the engine's proposal was right.
func priorsOf(run *CodiEspRun, minSupport int) map[string]learnedPrior {
	n, ok := map[string]int{}, map[string]int{}
	for _, d := range run.Docs {
		gold := map[string]bool{}
		for _, g := range d.Gold {
			gold[evaluate.NormalizeCode(g)] = true
		}
		for _, p := range d.Predicted {
			n[p.Code]++
			if gold[evaluate.NormalizeCode(p.Code)] {
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
// 99% one-sided) of a proportion: the calibrated confidence errs low, since
// the training notes the bins are measured on also taught the phrases.
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
func (lt *learnedTable) write(w io.Writer, docs int) error {
	var b strings.Builder
	b.WriteString(learnedHeader)
	fmt.Fprintf(&b, "# %d training documents; %d phrases, %d priors, %d calibration bins.\n\n", docs, len(lt.phrases), len(lt.priors), len(lt.bins))
	for _, p := range lt.phrases {
		fmt.Fprintf(&b, "phrase\t%s\t%s\n", strings.Join(p.words, " "), p.code)
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
	fmt.Fprintf(&b, "param\tprune-below\t%.3f\n", lt.pruneBelow)
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
# ` + "`medcode eval codiesp --split train --learn internal/engine/tables/learned.tsv`" + ` (docs/engine.md);
# never edited by hand. Used by the abstract profile only.
#
# kind       columns
# phrase     words    code                  normalized words several training notes share, coded alike
# prior      code     precision   support   how often the engine's proposal of the code was right
# calibrate  lo       hi          precision raw-confidence bin and its measured precision
# param      name     value                 prune-below: proposals under this precision are left out
`
