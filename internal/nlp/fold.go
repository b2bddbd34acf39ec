package nlp

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// foldTable maps letters with diacritics and typographic variants to their
// plain lower-case ASCII spelling, so "Sjögren", "Sjogren" and "SJÖGREN"
// compare equal.
var foldTable = func() map[rune]string {
	groups := []struct{ from, to string }{
		{"ÀÁÂÃÄÅàáâãäåĀāĂăĄą", "a"}, {"Ææ", "ae"}, {"ÇçĆćĈĉĊċČč", "c"}, {"ĎďĐđÐð", "d"},
		{"ÈÉÊËèéêëĒēĔĕĖėĘęĚě", "e"}, {"ĜĝĞğĠġĢģ", "g"}, {"ĤĥĦħ", "h"}, {"ÌÍÎÏìíîïĨĩĪīĬĭĮįİı", "i"},
		{"Ĳĳ", "ij"}, {"Ĵĵ", "j"}, {"Ķķ", "k"}, {"ĹĺĻļĽľĿŀŁł", "l"}, {"ÑñŃńŅņŇň", "n"},
		{"ÒÓÔÕÖØòóôõöøŌōŎŏŐő", "o"}, {"Œœ", "oe"}, {"ŔŕŖŗŘř", "r"}, {"ŚśŜŝŞşŠš", "s"}, {"ß", "ss"},
		{"ŢţŤťŦŧ", "t"}, {"Þþ", "th"}, {"ÙÚÛÜùúûüŨũŪūŬŭŮůŰűŲų", "u"}, {"Ŵŵ", "w"}, {"ÝýÿŶŷŸ", "y"},
		{"ŹźŻżŽž", "z"}, {"µμ", "u"}, {"ﬁ", "fi"}, {"ﬂ", "fl"}, {"ﬀ", "ff"},
		{"’‘ʼ′`´", "'"}, {"‐‑‒–—―−", "-"}, {"×", "x"}, {"“”„″", "\""},
	}
	m := make(map[rune]string)
	for _, g := range groups {
		for _, r := range g.from {
			m[r] = g.to
		}
	}
	return m
}()

// foldWord lower-cases a word token and folds it to ASCII where a mapping
// exists. Dotted abbreviations lose their dots ("b.i.d" -> "bid"). Pure
// lower-case ASCII input is returned without allocating.
func foldWord(s string, dropDots bool) string {
	plain := !dropDots
	for i := 0; i < len(s) && plain; i++ {
		c := s[i]
		if c >= utf8.RuneSelf || c >= 'A' && c <= 'Z' {
			plain = false
		}
	}
	if plain {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '.' && dropDots:
		case r < utf8.RuneSelf:
			if r >= 'A' && r <= 'Z' {
				r += 'a' - 'A'
			}
			b.WriteByte(byte(r))
		case unicode.Is(unicode.Mn, r):
			// Combining accents are dropped with the accent they carry.
		default:
			if f, ok := foldTable[r]; ok {
				b.WriteString(f)
			} else {
				b.WriteRune(unicode.ToLower(r))
			}
		}
	}
	return b.String()
}

// foldPunct gives the folded form of a non-ASCII punctuation character.
func foldPunct(s string, r rune) string {
	if f, ok := foldTable[r]; ok {
		return f
	}
	return s
}
