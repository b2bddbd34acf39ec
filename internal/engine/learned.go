package engine

import (
	"io/fs"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/medcode/medcode/internal/codeset/icd"
)

// learnedTable is tables/learned.tsv: statistics learned from the CodiEsp
// training split (CC BY 4.0, Miranda-Escalada et al., CLEF eHealth 2020)
// by `medcode eval codiesp --learn` (see docs/engine.md). It holds no
// document text and no document ids: only phrases that several documents
// share with the codes their coders gave, per-code precisions, the
// thresholds tuned on the development split and the confidence calibration.
type learnedTable struct {
	// groups are the learned phrases, each with the codes it predicts.
	groups []learnedGroup
	// priors[code] is how often the engine's proposal of code was right on
	// held-out training notes.
	priors map[string]learnedPrior
	// bins map the raw confidence to measured precision.
	bins []calibrationBin
	// pruneBelow is the precision under which a frequently proposed code
	// is left out of abstracts.
	pruneBelow float64
	// minPrecision and minSupport select the phrase-code rows the abstract
	// profile applies: P(code | phrase) at least minPrecision over at least
	// minSupport training notes.
	minPrecision float64
	minSupport   int
}

// learnedGroup is one phrase and the codes the coders gave the notes that
// state it.
type learnedGroup struct {
	words []string
	codes []learnedCode
}

// learnedCode is a code a phrase predicts: the share of the training notes
// stating the phrase that carry the code, and how many they are.
type learnedCode struct {
	code      string
	precision float64
	support   int
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
	lt := &learnedTable{priors: map[string]learnedPrior{}, minSupport: 1}
	rows, err := readTSV(fsys, name)
	if err != nil {
		return nil, err
	}
	byWords := map[string]int{}
	for _, r := range rows {
		switch r.kind() {
		case "phrase":
			if err := r.want(5, 5); err != nil {
				return nil, err
			}
			if _, ok := icd.Key(r.field(2)); !ok {
				return nil, r.errorf("%q is not a code", r.field(2))
			}
			p, n, err := precisionSupport(r, 3)
			if err != nil {
				return nil, err
			}
			words := strings.Fields(r.field(1))
			if len(words) == 0 {
				return nil, r.errorf("phrase has no words")
			}
			key := strings.Join(words, " ")
			i, ok := byWords[key]
			if !ok {
				i = len(lt.groups)
				byWords[key] = i
				lt.groups = append(lt.groups, learnedGroup{words: words})
			}
			lt.groups[i].codes = append(lt.groups[i].codes, learnedCode{code: r.field(2), precision: p, support: n})
		case "prior":
			if err := r.want(4, 4); err != nil {
				return nil, err
			}
			p, n, err := precisionSupport(r, 2)
			if err != nil {
				return nil, err
			}
			lt.priors[r.field(1)] = learnedPrior{precision: p, support: n}
		case "param":
			if err := r.want(3, 3); err != nil {
				return nil, err
			}
			v, err := strconv.ParseFloat(r.field(2), 64)
			if err != nil || math.IsNaN(v) {
				return nil, r.errorf("param %s wants a number", r.field(1))
			}
			switch r.field(1) {
			case "prune-below", "phrase-precision":
				if !(v >= 0 && v <= 1) {
					return nil, r.errorf("param %s wants a number in [0,1]", r.field(1))
				}
				if r.field(1) == "prune-below" {
					lt.pruneBelow = v
				} else {
					lt.minPrecision = v
				}
			case "phrase-support":
				if v < 1 || v != math.Trunc(v) {
					return nil, r.errorf("param phrase-support wants a whole number of notes, at least 1")
				}
				lt.minSupport = int(v)
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

// precisionSupport reads a precision in [0,1] and a positive support from
// columns i and i+1.
func precisionSupport(r tsvRow, i int) (float64, int, error) {
	p, err1 := strconv.ParseFloat(r.field(i), 64)
	n, err2 := strconv.Atoi(r.field(i + 1))
	if err1 != nil || err2 != nil || !(p >= 0 && p <= 1) || n <= 0 {
		return 0, 0, r.errorf("%s wants a precision in [0,1] and a positive support", r.kind())
	}
	return p, n, nil
}

// applies reports whether a phrase-code row passes the tuned thresholds.
func (lt *learnedTable) applies(lc learnedCode) bool {
	return lc.precision >= lt.minPrecision && lc.support >= lt.minSupport
}

// lexicon compiles the learned phrases with a code that passes the
// thresholds into their own pattern set, which only the abstract profile
// matches. A pattern's payload is its group; expandLearned turns a match
// into one mention per code.
func (lt *learnedTable) lexicon(words wordsFunc, rules *indexRules) *lexicon {
	b := newLexiconBuilder(words, rules)
	for i, g := range lt.groups {
		for _, lc := range g.codes {
			if lt.applies(lc) {
				b.add(pathWords{narrow: g.words}, rankLearned, target{source: srcLearned, group: int32(i)})
				break
			}
		}
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
// are monotone: the measured precision of held-out training codes in the
// bin.
func (lt *learnedTable) calibrate(f features) float64 {
	raw := lt.rawConfidence(f)
	for _, b := range lt.bins {
		if raw >= b.lo && raw <= b.hi {
			return b.precision
		}
	}
	return raw
}
