package report

import (
	"fmt"
	"math"

	"github.com/medcode/medcode/internal/claims"
)

// usd writes an amount with cents and thousands separators: $1,234.56.
func usd(m claims.Money) string {
	neg := m < 0
	if neg {
		m = -m
	}
	s := "$" + groupThousands(fmt.Sprint(int64(m)/100)) + fmt.Sprintf(".%02d", int64(m)%100)
	if neg {
		return "-" + s
	}
	return s
}

// usd0 writes an amount in whole dollars: $1,235.
func usd0(m claims.Money) string {
	d := int64(math.Round(float64(m) / 100))
	if d < 0 {
		return "-$" + groupThousands(fmt.Sprint(-d))
	}
	return "$" + groupThousands(fmt.Sprint(d))
}

// pct writes a fraction as a percentage with one decimal.
func pct(f float64) string { return fmt.Sprintf("%.1f%%", 100*f) }

// signalText explains a distribution's test result.
func signalText(d Distribution) string {
	switch {
	case d.Total == 0:
		return "no visits"
	case !d.Tested:
		return fmt.Sprintf("not tested (%d visits, %d needed)", d.Total, MinVisits)
	case d.Signal == "lower":
		return fmt.Sprintf("lower than benchmark (p %s): audit for under-coding", pValue(d.P))
	case d.Signal == "higher":
		return fmt.Sprintf("higher than benchmark (p %s): audit for over-coding", pValue(d.P))
	}
	return fmt.Sprintf("in line with benchmark (p %s)", pValue(d.P))
}

// pValue writes "< 0.001" or "= 0.042".
func pValue(p float64) string {
	if p < 0.001 {
		return "< 0.001"
	}
	return fmt.Sprintf("= %.3f", p)
}

// plural writes "1 claim" or "3 claims".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
