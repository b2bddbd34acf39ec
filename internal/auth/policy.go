package auth

import (
	"bufio"
	"embed"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/medcode/medcode/internal/apperr"
)

// Password length bounds. The upper bound keeps argon2id's input sane.
const (
	MinPasswordLen = 12
	MaxPasswordLen = 128
)

//go:embed data/*.txt
var dataFS embed.FS

// policyLists are the offline weak-password lists in data/.
type policyLists struct {
	passwords map[string]bool // whole breached passwords
	words     map[string]bool // base words padded with digits/symbols
	runs      []string        // keyboard and alphabet runs
}

var lists = mustLoadLists()

func mustLoadLists() *policyLists {
	l, err := loadLists()
	if err != nil {
		panic(err) // the files are embedded at build time; a bad one is a build bug caught by the tests
	}
	return l
}

func loadLists() (*policyLists, error) {
	l := &policyLists{passwords: map[string]bool{}, words: map[string]bool{}}
	read := func(name string, add func(string)) error {
		f, err := dataFS.Open("data/" + name)
		if err != nil {
			return fmt.Errorf("auth: %w", err)
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		for n := 1; sc.Scan(); n++ {
			line := strings.TrimSpace(sc.Text())
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			if line != strings.ToLower(line) {
				return fmt.Errorf("auth: data/%s:%d: %q is not lower case", name, n, line)
			}
			add(line)
		}
		return sc.Err()
	}
	if err := read("common-passwords.txt", func(s string) { l.passwords[s] = true }); err != nil {
		return nil, err
	}
	if err := read("common-words.txt", func(s string) { l.words[s] = true }); err != nil {
		return nil, err
	}
	if err := read("keyboard-runs.txt", func(s string) { l.runs = append(l.runs, s, reverse(s)) }); err != nil {
		return nil, err
	}
	return l, nil
}

func reverse(s string) string {
	r := []rune(s)
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	return string(r)
}

// leet undoes the usual letter substitutions.
var leet = strings.NewReplacer("@", "a", "4", "a", "8", "b", "3", "e", "1", "i", "!", "i", "0", "o", "$", "s", "5", "s", "7", "t", "+", "t")

// CheckPassword applies the password policy offline: length, known breached
// passwords, padded common words, keyboard runs, too few distinct
// characters, and the account's own email. The error says which rule failed.
func CheckPassword(password, email string) error {
	n := utf8.RuneCountInString(password)
	if n < MinPasswordLen {
		return apperr.New(apperr.Invalid, "Password must be at least %d characters long.", MinPasswordLen)
	}
	if n > MaxPasswordLen {
		return apperr.New(apperr.Invalid, "Password must be at most %d characters long.", MaxPasswordLen)
	}
	lower := strings.ToLower(password)
	if lists.passwords[lower] {
		return apperr.New(apperr.Invalid, "This password appears in lists of breached passwords; choose another.")
	}
	if distinct(lower) < 5 {
		return apperr.New(apperr.Invalid, "Password uses too few different characters.")
	}
	if isPaddedWord(lower) {
		return apperr.New(apperr.Invalid, "Password is a common word with digits or symbols added; choose something less guessable.")
	}
	if runCoverage(lower) >= 0.75 {
		return apperr.New(apperr.Invalid, "Password is mostly a keyboard or alphabet sequence.")
	}
	if containsEmail(lower, strings.ToLower(email)) {
		return apperr.New(apperr.Invalid, "Password must not contain your email address.")
	}
	return nil
}

func distinct(s string) int {
	seen := map[rune]bool{}
	for _, r := range s {
		seen[r] = true
	}
	return len(seen)
}

// isPaddedWord trims non-letters from both ends, undoes substitutions, and
// checks the core against the word list: one word, one word repeated, or two
// words joined.
func isPaddedWord(lower string) bool {
	core := strings.TrimFunc(lower, func(r rune) bool { return !unicode.IsLetter(r) })
	core = strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) {
			return r
		}
		return -1
	}, leet.Replace(core))
	if core == "" {
		return false
	}
	if lists.words[core] {
		return true
	}
	for i := 1; i < len(core); i++ {
		head, tail := core[:i], core[i:]
		if !lists.words[head] {
			continue
		}
		if lists.words[tail] || strings.Trim(tail, head) == "" && len(tail)%len(head) == 0 {
			return true
		}
	}
	return false
}

// runCoverage is the share of characters that sit in stretches of at least
// four consecutive characters of one keyboard or alphabet run.
func runCoverage(lower string) float64 {
	covered := 0
	for i := 0; i < len(lower); {
		best := 0
		for _, run := range lists.runs {
			for k := len(lower) - i; k > best && k >= 4; k-- {
				if strings.Contains(run, lower[i:i+k]) {
					best = k
					break
				}
			}
		}
		if best >= 4 {
			covered += best
			i += best
		} else {
			i++
		}
	}
	return float64(covered) / float64(len(lower))
}

// containsEmail reports whether the password holds the email's local part
// or the first label of its domain (when 4 or more characters).
func containsEmail(lower, email string) bool {
	local, domain, _ := strings.Cut(email, "@")
	label, _, _ := strings.Cut(domain, ".")
	for _, part := range []string{local, label} {
		if len(part) >= 4 && strings.Contains(lower, part) {
			return true
		}
	}
	return false
}
