package claims

import (
	"fmt"
	"strconv"
	"strings"
)

// Money is an amount in cents. X12 and CSV amounts are decimal dollars with
// at most two fractional digits; keeping cents as an integer makes the 835
// balancing checks exact.
type Money int64

// ParseMoney reads a dollar amount such as "150", "80.5", "-12.25" or
// "1,200.00". More than two fractional digits is an error, not a rounding.
func ParseMoney(s string) (Money, error) {
	s = strings.TrimSpace(strings.ReplaceAll(s, ",", ""))
	s = strings.TrimPrefix(s, "$")
	if s == "" {
		return 0, fmt.Errorf("empty amount")
	}
	neg := false
	switch s[0] {
	case '-':
		neg = true
		s = s[1:]
	case '+':
		s = s[1:]
	}
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" && (!hasDot || frac == "") {
		return 0, fmt.Errorf("amount %q has no digits", s)
	}
	if len(frac) > 2 {
		return 0, fmt.Errorf("amount %q has more than two decimal places", s)
	}
	if !allDigits(whole) || !allDigits(frac) {
		return 0, fmt.Errorf("amount %q is not a decimal number", s)
	}
	if len(whole) > 15 {
		return 0, fmt.Errorf("amount %q is too large", s)
	}
	var cents int64
	if whole != "" {
		w, err := strconv.ParseInt(whole, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("amount %q: %w", s, err)
		}
		cents = w * 100
	}
	for len(frac) < 2 {
		frac += "0"
	}
	f, _ := strconv.ParseInt(frac, 10, 64)
	cents += f
	if neg {
		cents = -cents
	}
	return Money(cents), nil
}

// String formats the amount the way X12 wants it: no trailing zeros after
// the point and no point for whole dollars ("150", "80.5", "-12.25").
func (m Money) String() string {
	sign := ""
	c := int64(m)
	if c < 0 {
		sign = "-"
		c = -c
	}
	whole, frac := c/100, c%100
	switch {
	case frac == 0:
		return fmt.Sprintf("%s%d", sign, whole)
	case frac%10 == 0:
		return fmt.Sprintf("%s%d.%d", sign, whole, frac/10)
	default:
		return fmt.Sprintf("%s%d.%02d", sign, whole, frac)
	}
}

// Dollars formats the amount with two decimals, for tables and CSV.
func (m Money) Dollars() string {
	sign := ""
	c := int64(m)
	if c < 0 {
		sign = "-"
		c = -c
	}
	return fmt.Sprintf("%s%d.%02d", sign, c/100, c%100)
}

// MarshalJSON writes the amount as a JSON number of dollars.
func (m Money) MarshalJSON() ([]byte, error) { return []byte(m.Dollars()), nil }

// UnmarshalJSON reads a JSON number or string of dollars.
func (m *Money) UnmarshalJSON(b []byte) error {
	v, err := ParseMoney(strings.Trim(string(b), `"`))
	if err != nil {
		return err
	}
	*m = v
	return nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
