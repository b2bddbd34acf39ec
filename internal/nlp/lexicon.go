package nlp

import (
	"bufio"
	"embed"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
)

// dataFS holds the hand-written lexicons. Each file is tab-separated: the
// first column names the entry kind, '#' starts a comment line, blank lines
// are ignored, and alternatives inside a column are separated by '|'.
//
//go:embed data/*.tsv
var dataFS embed.FS

// row is one data line with its location, for error messages.
type row struct {
	file   string
	line   int
	fields []string
}

func (r row) kind() string { return r.fields[0] }

// errorf reports a problem with a data line, naming the file and line.
func (r row) errorf(format string, args ...any) error {
	return fmt.Errorf("nlp: %s:%d: %s", r.file, r.line, fmt.Sprintf(format, args...))
}

// want checks the column count: at least min and at most max fields.
func (r row) want(min, max int) error {
	if len(r.fields) < min || len(r.fields) > max {
		if min == max {
			return r.errorf("%s entry needs %d columns, has %d", r.kind(), min, len(r.fields))
		}
		return r.errorf("%s entry needs %d to %d columns, has %d", r.kind(), min, max, len(r.fields))
	}
	return nil
}

// field returns column i, or "" when the row is shorter.
func (r row) field(i int) string {
	if i < len(r.fields) {
		return r.fields[i]
	}
	return ""
}

// number parses column i as a float.
func (r row) number(i int) (float64, error) {
	v, err := strconv.ParseFloat(r.field(i), 64)
	if err != nil {
		return 0, r.errorf("column %d: %q is not a number", i+1, r.field(i))
	}
	return v, nil
}

// readRows parses one data file into rows.
func readRows(fsys fs.FS, name string) ([]row, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, fmt.Errorf("nlp: open lexicon: %w", err)
	}
	defer f.Close()
	var rows []row
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), " \r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		fields := strings.Split(line, "\t")
		for i := range fields {
			fields[i] = strings.TrimSpace(fields[i])
		}
		for len(fields) > 1 && fields[len(fields)-1] == "" {
			fields = fields[:len(fields)-1]
		}
		rows = append(rows, row{file: name, line: n, fields: fields})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("nlp: read %s: %w", name, err)
	}
	return rows, nil
}

// alternatives splits a '|'-separated column into its non-empty parts.
func alternatives(s string) []string {
	var out []string
	for _, p := range strings.Split(s, "|") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// keyFunc picks the form of a token a phrase table is keyed by.
type keyFunc func(*Token) string

func lowerKey(t *Token) string { return t.Lower }
func normKey(t *Token) string  { return t.Norm }

// Placeholders usable inside lexicon phrases.
const (
	anyNumber = "{num}"  // any number token
	anyYear   = "{year}" // a four-digit year, 1900-2099
)

// phrase is one lexicon phrase, pre-tokenized into keys.
type phrase[T any] struct {
	keys []string
	val  T
}

// phraseTable finds the longest lexicon phrase starting at a token. Phrases
// are indexed by their first key, longest first, so a lookup is one map
// access plus a few slice comparisons.
type phraseTable[T any] struct {
	key     keyFunc
	byFirst map[string][]phrase[T]
	maxLen  int
}

func newPhraseTable[T any](key keyFunc) *phraseTable[T] {
	return &phraseTable[T]{key: key, byFirst: make(map[string][]phrase[T])}
}

// add registers keys (already in the table's key form) for val. When the
// same keys are already present it keeps the first value and returns it
// with ok false.
func (p *phraseTable[T]) add(keys []string, val T) (prev T, ok bool) {
	if len(keys) == 0 {
		return prev, true
	}
	first := keys[0]
	for _, ph := range p.byFirst[first] {
		if slices.Equal(ph.keys, keys) {
			return ph.val, false
		}
	}
	list := append(p.byFirst[first], phrase[T]{keys: keys, val: val})
	slices.SortStableFunc(list, func(a, b phrase[T]) int { return len(b.keys) - len(a.keys) })
	p.byFirst[first] = list
	p.maxLen = max(p.maxLen, len(keys))
	return prev, true
}

// addDistinct adds a lexicon phrase and reports a data error when the same
// words already mean something else. Spellings that normalize alike
// ("tablet|tablets") may repeat a meaning.
func addDistinct[T comparable](r row, p *phraseTable[T], keys []string, val T, phrase string) error {
	if prev, ok := p.add(keys, val); !ok && prev != val {
		return r.errorf("%q is already listed with another meaning", phrase)
	}
	return nil
}

// has reports whether some phrase starts with key.
func (p *phraseTable[T]) has(key string) bool {
	_, ok := p.byFirst[key]
	return ok
}

// match returns the longest phrase starting at toks[i] that ends before
// toks[limit], and the number of tokens it covers (0 when none matches).
func (p *phraseTable[T]) match(toks []Token, i, limit int) (val T, n int) {
	return p.matchFirst(p.key(&toks[i]), toks, i, limit)
}

// matchFirst is match with the first token's key given by the caller
// (used to look up a plural abbreviation without its "s").
func (p *phraseTable[T]) matchFirst(first string, toks []Token, i, limit int) (val T, n int) {
	best := -1
	var bestVal T
	try := func(list []phrase[T]) {
		for _, ph := range list {
			if len(ph.keys) <= best || i+len(ph.keys) > limit {
				continue
			}
			ok := true
			for k := 1; k < len(ph.keys); k++ {
				if !keyMatches(ph.keys[k], &toks[i+k], p.key) {
					ok = false
					break
				}
			}
			if ok {
				best, bestVal = len(ph.keys), ph.val
				return // lists are sorted longest first
			}
		}
	}
	try(p.byFirst[first])
	if toks[i].Kind == Number {
		try(p.byFirst[anyNumber])
		if isYear(&toks[i]) {
			try(p.byFirst[anyYear])
		}
	}
	if best < 0 {
		return val, 0
	}
	return bestVal, best
}

func keyMatches(want string, t *Token, key keyFunc) bool {
	switch want {
	case anyNumber:
		return t.Kind == Number
	case anyYear:
		return isYear(t)
	}
	return key(t) == want
}

func isYear(t *Token) bool {
	if t.Kind != Number || t.End-t.Start != 4 {
		return false
	}
	s := t.Lower
	return s[:2] == "19" || s[:2] == "20"
}
