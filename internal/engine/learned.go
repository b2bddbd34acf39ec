package engine

import (
	"io/fs"
	"sort"
	"strconv"
	"strings"

	"github.com/medcode/medcode/internal/codeset/icd"
)

// learnedTable is tables/learned.tsv: statistics learned from the CodiEsp
// training split (CC BY 4.0, Miranda-Escalada et al., CLEF eHealth 2020)
// by `medcode eval codiesp --learn` (see docs/engine.md). It holds no
// document text and no document ids: only phrases that several documents
// share, per-code precisions and the confidence calibration.
type learnedTable struct {
	phrases []learnedPhrase
	// priors[code] is how often the engine's proposal of code was right on
	// the training notes.
	priors map[string]learnedPrior
	// bins map the heuristic confidence to measured precision.
	bins []calibrationBin
	// pruneBelow is the precision under which a frequently proposed code
	// is left out of abstracts.
	pruneBelow float64
}

type learnedPhrase struct {
	words []string
	code  string
}

type learnedPrior struct {
	precision float64
	support   int
}

type calibrationBin struct {
	lo, hi, precision float64
}

// minPriorSupport is how many training proposals a code needs before its
// own precision is trusted over the source's.
const minPriorSupport = 5

func loadLearned(fsys fs.FS, name string) (*learnedTable, error) {
	lt := &learnedTable{priors: map[string]learnedPrior{}}
	rows, err := readTSV(fsys, name)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		switch r.kind() {
		case "phrase":
			if err := r.want(3, 3); err != nil {
				return nil, err
			}
			if _, ok := icd.Key(r.field(2)); !ok {
				return nil, r.errorf("%q is not a code", r.field(2))
			}
			lt.phrases = append(lt.phrases, learnedPhrase{words: strings.Fields(r.field(1)), code: r.field(2)})
		case "prior":
			if err := r.want(4, 4); err != nil {
				return nil, err
			}
			p, err1 := strconv.ParseFloat(r.field(2), 64)
			n, err2 := strconv.Atoi(r.field(3))
			if err1 != nil || err2 != nil || !(p >= 0 && p <= 1) || n <= 0 {
				return nil, r.errorf("prior wants a precision in [0,1] and a positive support")
			}
			lt.priors[r.field(1)] = learnedPrior{precision: p, support: n}
		case "param":
			if err := r.want(3, 3); err != nil {
				return nil, err
			}
			v, err := strconv.ParseFloat(r.field(2), 64)
			if err != nil || !(v >= 0 && v <= 1) {
				return nil, r.errorf("param %s wants a number in [0,1]", r.field(1))
			}
			switch r.field(1) {
			case "prune-below":
				lt.pruneBelow = v
			default:
				return nil, r.errorf("unknown param %q", r.field(1))
			}
		case "calibrate":
			if err := r.want(4, 4); err != nil {
				return nil, err
			}
			var v [3]float64
			for i := range v {
				f, err := strconv.ParseFloat(r.field(i+1), 64)
				if err != nil || !(f >= 0 && f <= 1) {
					return nil, r.errorf("calibrate wants three numbers in [0,1]")
				}
				v[i] = f
			}
			if v[1] < v[0] {
				return nil, r.errorf("calibration bin %v-%v is empty", v[0], v[1])
			}
			lt.bins = append(lt.bins, calibrationBin{lo: v[0], hi: v[1], precision: v[2]})
		default:
			return nil, r.errorf("unknown kind %q", r.kind())
		}
	}
	sort.Slice(lt.bins, func(i, j int) bool { return lt.bins[i].lo < lt.bins[j].lo })
	return lt, nil
}

// lexicon compiles the learned phrases into their own pattern set, which
// only the abstract profile matches.
func (lt *learnedTable) lexicon(words wordsFunc, rules *indexRules) *lexicon {
	b := newLexiconBuilder(words, rules)
	for _, p := range lt.phrases {
		b.add(pathWords{narrow: p.words}, rankLearned, target{source: srcLearned, code: p.code})
	}
	return b.build()
}

// prune reports whether a code's measured precision is too low to report
// it in the abstract profile.
func (lt *learnedTable) prune(code string) bool {
	p, ok := lt.priors[code]
	return ok && p.support >= minPriorSupport && p.precision < lt.pruneBelow
}

// rawConfidence combines the heuristic with the code's learned precision.
func (lt *learnedTable) rawConfidence(f features) float64 {
	conf := f.heuristic()
	if p, ok := lt.priors[f.code]; ok && p.support >= minPriorSupport {
		w := float64(p.support) / float64(p.support+20)
		conf = (1-w)*conf + w*p.precision*(0.7+0.3*f.section)/0.85
	}
	return min(max(conf, 0), 1)
}

// calibrate maps the raw confidence through the calibration bins, which
// are monotone: the measured precision of the training codes in the bin.
func (lt *learnedTable) calibrate(f features) float64 {
	raw := lt.rawConfidence(f)
	for _, b := range lt.bins {
		if raw >= b.lo && raw <= b.hi {
			return b.precision
		}
	}
	return raw
}
