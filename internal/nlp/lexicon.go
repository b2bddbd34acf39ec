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

// keySpace picks the form of a token a phrase table is keyed by: its
// folded surface (Lower) or its normalized form (Norm).
type keySpace uint8

const (
	lowerKeys keySpace = iota
	normKeys
)

// of returns the token's key string in the space.
func (k keySpace) of(t *Token) string {
	if k == normKeys {
		return t.Norm
	}
	return t.Lower
}

// id returns the token's vocabulary id in the space.
func (k keySpace) id(t *Token) uint32 {
	if k == normKeys {
		return t.nid
	}
	return t.lid
}

// Placeholders usable inside lexicon phrases, and their reserved ids.
const (
	anyNumber = "{num}"  // any number token
	anyYear   = "{year}" // a four-digit year, 1900-2099

	unknownID   uint32 = 0
	anyNumberID uint32 = 1
	anyYearID   uint32 = 2
)

// vocab interns every word of every lexicon. A note token is looked up
// once (by its folded form) and from then on compared by number, so that
// probing twenty lexicons at each token costs twenty array reads rather
// than twenty string hashes.
type vocab struct {
	ids   map[string]uint32
	words []vocabWord // by id
	// numberHead marks the tables with phrases that start with {num} or
	// {year}.
	numberHead uint64
}

// vocabWord is what a token with that folded form normalizes to, and the
// tables that hold a phrase starting with the word (one bit per table, in
// each key space).
type vocabWord struct {
	norm      string
	normID    uint32
	lowerHead uint64
	normHead  uint64
}

func newVocab() *vocab {
	v := &vocab{ids: map[string]uint32{}}
	v.intern("")
	v.intern(anyNumber)
	v.intern(anyYear)
	return v
}

func (v *vocab) intern(s string) uint32 {
	if id, ok := v.ids[s]; ok {
		return id
	}
	id := uint32(len(v.words))
	v.ids[s] = id
	v.words = append(v.words, vocabWord{})
	return id
}

// finish precomputes the normalized form of every interned string, read as
// a folded surface form.
func (v *vocab) finish(nz *normalizer) {
	for s, id := range v.ids {
		if id > anyYearID {
			norm := nz.word(s)
			v.words[id] = vocabWord{norm: norm, normID: v.ids[norm]}
		}
	}
}

// phrase is one lexicon phrase, pre-tokenized into vocabulary ids.
type phrase[T any] struct {
	keys []uint32
	val  T
}

// phraseTable finds the longest lexicon phrase starting at a token. Phrases
// are indexed by the id of their first key, longest first; after freeze
// the index is a slice, and each token carries a bit per table telling
// whether any phrase of it starts there, so most lookups end at one AND.
type phraseTable[T any] struct {
	space   keySpace
	vocab   *vocab
	bit     uint64                 // this table's bit in Token.heads
	pending map[uint32][]phrase[T] // while lexicons load
	heads   []int32                // after freeze: first-key id -> lists index, or -1
	lists   [][]phrase[T]
}

// freezer is a table that turns its loading index into a slice once the
// vocabulary is complete, and marks the words that start its phrases.
type freezer interface{ freeze(v *vocab) }

// maxTables is the number of table bits a token carries.
const maxTables = 64

// newPhraseTable creates a table registered with the analyzer, which
// freezes it when every lexicon is loaded (and fails the load when there
// are more tables than token bits).
func newPhraseTable[T any](a *Analyzer, space keySpace) *phraseTable[T] {
	p := &phraseTable[T]{space: space, vocab: a.vocab, pending: map[uint32][]phrase[T]{}}
	if len(a.tables) < maxTables {
		p.bit = 1 << len(a.tables)
	}
	a.tables = append(a.tables, p)
	return p
}

func (p *phraseTable[T]) freeze(v *vocab) {
	p.heads = make([]int32, len(v.words))
	for i := range p.heads {
		p.heads[i] = -1
	}
	for id, list := range p.pending {
		p.heads[id] = int32(len(p.lists))
		p.lists = append(p.lists, list)
		switch {
		case id == anyNumberID || id == anyYearID:
			v.numberHead |= p.bit
		case p.space == normKeys:
			v.words[id].normHead |= p.bit
		default:
			v.words[id].lowerHead |= p.bit
		}
	}
	p.pending = nil
}

// add registers keys (strings in the table's key space) for val. When the
// same keys are already present it keeps the first value and returns it
// with ok false.
func (p *phraseTable[T]) add(keys []string, val T) (prev T, ok bool) {
	if len(keys) == 0 {
		return prev, true
	}
	ids := make([]uint32, len(keys))
	for i, k := range keys {
		ids[i] = p.vocab.intern(k)
	}
	for _, ph := range p.pending[ids[0]] {
		if slices.Equal(ph.keys, ids) {
			return ph.val, false
		}
	}
	list := append(p.pending[ids[0]], phrase[T]{keys: ids, val: val})
	slices.SortStableFunc(list, func(a, b phrase[T]) int { return len(b.keys) - len(a.keys) })
	p.pending[ids[0]] = list
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

// list returns the phrases whose first key has the given id.
func (p *phraseTable[T]) list(id uint32) []phrase[T] {
	if p.heads == nil {
		return p.pending[id]
	}
	if int(id) >= len(p.heads) || p.heads[id] < 0 {
		return nil
	}
	return p.lists[p.heads[id]]
}

// has reports whether some phrase starts with the token.
func (p *phraseTable[T]) has(t *Token) bool {
	return len(p.list(p.space.id(t))) > 0
}

// match returns the longest phrase starting at toks[i] that ends before
// toks[limit], and the number of tokens it covers (0 when none matches).
func (p *phraseTable[T]) match(toks []Token, i, limit int) (val T, n int) {
	if toks[i].heads&p.bit == 0 && p.heads != nil {
		return val, 0
	}
	return p.matchFirst(p.space.id(&toks[i]), toks, i, limit)
}

// matchFirst is match with the first token's id given by the caller (used
// to look up a plural abbreviation without its "s").
func (p *phraseTable[T]) matchFirst(first uint32, toks []Token, i, limit int) (val T, n int) {
	if first != unknownID {
		val, n = p.longest(p.list(first), toks, i, limit, 0)
	}
	if toks[i].Kind == Number {
		if v, m := p.longest(p.list(anyNumberID), toks, i, limit, n); m > n {
			val, n = v, m
		}
		if isYear(&toks[i]) {
			if v, m := p.longest(p.list(anyYearID), toks, i, limit, n); m > n {
				val, n = v, m
			}
		}
	}
	return val, n
}

// longest returns the first phrase of list (sorted longest first) longer
// than min tokens that matches at toks[i].
func (p *phraseTable[T]) longest(list []phrase[T], toks []Token, i, limit, min int) (val T, n int) {
next:
	for _, ph := range list {
		if len(ph.keys) <= min || i+len(ph.keys) > limit {
			continue
		}
		for k := 1; k < len(ph.keys); k++ {
			if !p.keyMatches(ph.keys[k], &toks[i+k]) {
				continue next
			}
		}
		return ph.val, len(ph.keys)
	}
	return val, 0
}

func (p *phraseTable[T]) keyMatches(want uint32, t *Token) bool {
	switch want {
	case anyNumberID:
		return t.Kind == Number
	case anyYearID:
		return isYear(t)
	}
	return p.space.id(t) == want
}

func isYear(t *Token) bool {
	if t.Kind != Number || t.End-t.Start != 4 {
		return false
	}
	s := t.Lower
	return s[:2] == "19" || s[:2] == "20"
}
