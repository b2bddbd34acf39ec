// Package evaluate measures the coding engine against labelled notes: the
// CodiEsp corpus (document-level code sets, micro precision/recall/F1) and
// the outpatient vignette fixture (exact code sets per note).
package evaluate

import (
	"fmt"
	"sort"
	"strings"
)

// Counts are micro-averaged confusion counts over (document, code) pairs.
type Counts struct {
	TP, FP, FN int
}

// Add accumulates other into c.
func (c *Counts) Add(other Counts) {
	c.TP += other.TP
	c.FP += other.FP
	c.FN += other.FN
}

// Precision is TP/(TP+FP), 0 when nothing was predicted.
func (c Counts) Precision() float64 { return ratio(c.TP, c.TP+c.FP) }

// Recall is TP/(TP+FN), 0 when nothing was expected.
func (c Counts) Recall() float64 { return ratio(c.TP, c.TP+c.FN) }

// F1 is the harmonic mean of precision and recall.
func (c Counts) F1() float64 {
	p, r := c.Precision(), c.Recall()
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

func (c Counts) String() string {
	return fmt.Sprintf("P=%.3f R=%.3f F1=%.3f (tp=%d fp=%d fn=%d)", c.Precision(), c.Recall(), c.F1(), c.TP, c.FP, c.FN)
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// Score is one comparison at the full-code and the 3-character category
// level.
type Score struct {
	Full     Counts
	Category Counts
}

// Add accumulates other into s.
func (s *Score) Add(other Score) {
	s.Full.Add(other.Full)
	s.Category.Add(other.Category)
}

// NormalizeCode puts a code in the scoring form: upper case, no dot, no
// surrounding space.
func NormalizeCode(code string) string {
	return strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(code), ".", ""))
}

// Category is the 3-character category of a normalized code.
func Category(code string) string {
	if len(code) <= 3 {
		return code
	}
	return code[:3]
}

// CompareSets scores one document: predicted against gold codes, both as
// sets after normalization, at both levels.
func CompareSets(gold, predicted []string) Score {
	g, p := codeSet(gold, NormalizeCode), codeSet(predicted, NormalizeCode)
	gc, pc := codeSet(gold, func(c string) string { return Category(NormalizeCode(c)) }),
		codeSet(predicted, func(c string) string { return Category(NormalizeCode(c)) })
	return Score{Full: compare(g, p), Category: compare(gc, pc)}
}

func codeSet(codes []string, norm func(string) string) map[string]bool {
	set := make(map[string]bool, len(codes))
	for _, c := range codes {
		if n := norm(c); n != "" {
			set[n] = true
		}
	}
	return set
}

func compare(gold, predicted map[string]bool) Counts {
	var c Counts
	for code := range predicted {
		if gold[code] {
			c.TP++
		} else {
			c.FP++
		}
	}
	for code := range gold {
		if !predicted[code] {
			c.FN++
		}
	}
	return c
}

// SetDiff returns the codes of want missing from got and the codes of got
// absent from want and from allowed, each sorted, comparing normalized
// codes but returning them as written.
func SetDiff(want, allowed, got []string) (missing, extra []string) {
	w, a, g := codeSet(want, NormalizeCode), codeSet(allowed, NormalizeCode), codeSet(got, NormalizeCode)
	for _, c := range want {
		if !g[NormalizeCode(c)] {
			missing = append(missing, c)
		}
	}
	for _, c := range got {
		n := NormalizeCode(c)
		if !w[n] && !a[n] {
			extra = append(extra, c)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	return missing, extra
}

// Contains reports whether codes holds code, compared normalized.
func Contains(codes []string, code string) bool {
	n := NormalizeCode(code)
	for _, c := range codes {
		if NormalizeCode(c) == n {
			return true
		}
	}
	return false
}
