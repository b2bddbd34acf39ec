package web

import (
	"strconv"
	"strings"

	"github.com/medcode/medcode/internal/claims"
)

// plural writes "1 claim", "2 claims".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// usd writes an amount as "$1,234.56" ("-$12.00" below zero).
func usd(m claims.Money) string {
	sign := ""
	if m < 0 {
		sign, m = "-", -m
	}
	whole, cents := strconv.FormatInt(int64(m)/100, 10), int64(m)%100
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return sign + "$" + b.String() + "." + strconv.FormatInt(100+cents, 10)[1:]
}
