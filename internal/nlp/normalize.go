package nlp

import (
	"io/fs"
	"strings"
)

// normalizer turns a folded word into its matching form. Note text and
// dictionary terms go through the same code so that "Fractures",
// "fractured" and "fracturing" all meet "fracture".
type normalizer struct {
	replace    map[string]string // misspellings, variants, irregular plurals
	numbers    map[string]string // number words and ordinals
	joinPrefix map[string]bool   // prefixes joined across a hyphen
	stop       map[string]bool   // function words, by normalized form
	romanAfter map[string]bool   // words (normalized) that make a following roman numeral a number
}

func loadNormalizer(fsys fs.FS) (*normalizer, error) {
	rows, err := readRows(fsys, "data/normalize.tsv")
	if err != nil {
		return nil, err
	}
	nz := &normalizer{
		replace:    map[string]string{},
		numbers:    map[string]string{},
		joinPrefix: map[string]bool{},
		stop:       map[string]bool{},
		romanAfter: map[string]bool{},
	}
	for _, r := range rows {
		switch r.kind() {
		case "spelling", "variant", "irregular":
			if err := r.want(3, 3); err != nil {
				return nil, err
			}
			from := foldWord(r.field(1), false)
			if _, dup := nz.replace[from]; dup {
				return nil, r.errorf("%q is listed twice", from)
			}
			nz.replace[from] = foldWord(r.field(2), false)
		case "number":
			if err := r.want(3, 3); err != nil {
				return nil, err
			}
			nz.numbers[r.field(1)] = r.field(2)
		case "prefix":
			if err := r.want(2, 2); err != nil {
				return nil, err
			}
			nz.joinPrefix[r.field(1)] = true
		case "stop", "roman-after":
			if err := r.want(2, 2); err != nil {
				return nil, err
			}
			if r.kind() == "stop" {
				nz.stop[r.field(1)] = true
			} else {
				nz.romanAfter[r.field(1)] = true
			}
		default:
			return nil, r.errorf("unknown entry kind %q", r.kind())
		}
	}
	// Stop and roman-context words are compared with normalized forms.
	nz.stop = nz.normalizedSet(nz.stop)
	nz.romanAfter = nz.normalizedSet(nz.romanAfter)
	return nz, nil
}

func (nz *normalizer) normalizedSet(words map[string]bool) map[string]bool {
	out := make(map[string]bool, len(words))
	for w := range words {
		out[nz.word(w)] = true
	}
	return out
}

// word normalizes one folded word (a Token's Lower): possessive dropped,
// spelling fixed, number words to digits, then a light stem. Words with
// digits or symbols ("t2dm", "s/p") are only stripped of possessives.
func (nz *normalizer) word(w string) string {
	folded := w
	if strings.HasSuffix(w, "'s") {
		w = w[:len(w)-2]
	}
	if strings.IndexByte(w, '\'') >= 0 {
		w = strings.ReplaceAll(w, "'", "")
	}
	if w == "" {
		return folded // a lone apostrophe-like letter ("ʼ")
	}
	if r, ok := nz.replace[w]; ok {
		w = r
	}
	if d, ok := nz.numbers[w]; ok {
		return d
	}
	for i := 0; i < len(w); i++ {
		if c := w[i]; !(c >= 'a' && c <= 'z' || c >= 0x80) {
			return w
		}
	}
	return stem(w)
}

// stem removes inflections with a few suffix rules after Porter's step 1
// and final-e step. It aims at conflating the forms clinical text uses for
// one concept (plural, past, gerund), not at linguistic roots: both sides of
// a match are stemmed alike, so a stem need not be a word ("fractur").
func stem(w string) string {
	if len(w) <= 3 {
		return w
	}
	switch {
	case strings.HasSuffix(w, "ies") && len(w) > 4:
		w = w[:len(w)-3] + "y"
	case strings.HasSuffix(w, "ied") && len(w) > 4:
		return w[:len(w)-3] + "y"
	case strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us") && !strings.HasSuffix(w, "is"):
		w = w[:len(w)-1]
	}
	switch {
	case strings.HasSuffix(w, "ing"):
		if s := w[:len(w)-3]; len(s) >= 2 && hasVowel(s) {
			return restoreE(s)
		}
	case strings.HasSuffix(w, "ed") && !strings.HasSuffix(w, "eed"):
		// "bleed" and "need" keep their double e.
		if s := w[:len(w)-2]; len(s) >= 2 && hasVowel(s) {
			return restoreE(s)
		}
	}
	return dropFinalE(w)
}

// restoreE repairs a stem after -ed or -ing the way Porter does, so the
// result equals the stem of the bare word: "stopp" -> "stop", "car"
// (caring) -> "care", "ulcerat" -> "ulcerat" (like "ulcerate").
func restoreE(s string) string {
	n := len(s)
	switch {
	case strings.HasSuffix(s, "at") || strings.HasSuffix(s, "bl") || strings.HasSuffix(s, "iz"):
		return dropFinalE(s + "e")
	case n >= 2 && s[n-1] == s[n-2] && consonant(s, n-1) && !strings.ContainsRune("lsz", rune(s[n-1])):
		return s[:n-1]
	case measure(s) == 1 && cvc(s):
		return s + "e"
	}
	return s
}

// dropFinalE removes a final e from longer stems ("fracture" -> "fractur",
// "disease" -> "diseas") but keeps it where it marks a long vowel ("care",
// "stage", "knee").
func dropFinalE(w string) string {
	if !strings.HasSuffix(w, "e") || len(w) <= 3 {
		return w
	}
	s := w[:len(w)-1]
	if m := measure(s); m > 1 || m == 1 && !cvc(s) {
		return s
	}
	return w
}

func hasVowel(s string) bool {
	for i := range len(s) {
		if !consonant(s, i) {
			return true
		}
	}
	return false
}

// consonant reports whether s[i] is a consonant in Porter's sense: not a
// vowel, and y only when it follows a vowel or starts the word.
func consonant(s string, i int) bool {
	switch s[i] {
	case 'a', 'e', 'i', 'o', 'u':
		return false
	case 'y':
		return i == 0 || !consonant(s, i-1)
	}
	return true
}

// measure counts the vowel-consonant sequences of s (Porter's m).
func measure(s string) int {
	m, vowel := 0, false
	for i := range len(s) {
		if consonant(s, i) {
			if vowel {
				m++
			}
			vowel = false
		} else {
			vowel = true
		}
	}
	return m
}

// cvc reports a consonant-vowel-consonant ending whose last letter is not
// w, x or y ("hop", "car"): the shape of a short stem that lost an e.
func cvc(s string) bool {
	n := len(s)
	if n < 3 || !consonant(s, n-1) || consonant(s, n-2) || !consonant(s, n-3) {
		return false
	}
	c := s[n-1]
	return c != 'w' && c != 'x' && c != 'y'
}

// roman converts a roman numeral from i to x, optionally followed by a
// sub-stage letter ("iiia" -> "3a"), to digits.
func roman(w string) (string, bool) {
	suffix := ""
	if n := len(w); n >= 2 && (w[n-1] == 'a' || w[n-1] == 'b' || w[n-1] == 'c') {
		w, suffix = w[:n-1], w[n-1:]
	}
	numerals := [...]string{"i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x"}
	digits := [...]string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10"}
	for k, r := range numerals {
		if w == r {
			return digits[k] + suffix, true
		}
	}
	return "", false
}
