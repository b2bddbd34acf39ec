package scan

import (
	"bufio"
	"bytes"
	_ "embed"
	"fmt"
	"sort"
	"strings"
)

// Kind is the kind of section a sentence sits in. The coders use it to tell
// a service done today (procedure note, plan, results) from one only
// mentioned (history, medication list, review of systems).
type Kind string

// Section kinds. Other is text under no recognized heading, which short
// notes and dictations often are entirely.
const (
	Other        Kind = "other"
	Complaint    Kind = "complaint"
	HPI          Kind = "hpi"
	History      Kind = "history"
	Medications  Kind = "medications"
	Allergies    Kind = "allergies"
	ROS          Kind = "ros"
	Exam         Kind = "exam"
	Vitals       Kind = "vitals"
	Results      Kind = "results"
	Assessment   Kind = "assessment"
	Plan         Kind = "plan"
	Procedure    Kind = "procedure"
	Instructions Kind = "instructions"
)

var validKinds = map[Kind]bool{
	Other: true, Complaint: true, HPI: true, History: true, Medications: true, Allergies: true,
	ROS: true, Exam: true, Vitals: true, Results: true, Assessment: true, Plan: true,
	Procedure: true, Instructions: true,
}

//go:embed data/sections.tsv
var sectionsTSV []byte

// sectionKinds maps a normalized heading to its kind.
var sectionKinds = mustParseSections(sectionsTSV)

func mustParseSections(data []byte) map[string]Kind {
	m, err := parseSections(data)
	if err != nil {
		panic(err) // embedded data is checked by tests; a failure here is a build defect
	}
	return m
}

func parseSections(data []byte) (map[string]Kind, error) {
	m := make(map[string]Kind)
	sc := bufio.NewScanner(bytes.NewReader(data))
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if strings.TrimSpace(text) == "" || strings.HasPrefix(text, "#") {
			continue
		}
		heading, kind, ok := strings.Cut(text, "\t")
		if !ok {
			return nil, fmt.Errorf("scan: sections.tsv line %d: want heading<TAB>kind", line)
		}
		k := Kind(strings.TrimSpace(kind))
		if !validKinds[k] {
			return nil, fmt.Errorf("scan: sections.tsv line %d: unknown kind %q", line, kind)
		}
		key := strings.Join(NormalizePhrase(heading), " ")
		if key == "" {
			return nil, fmt.Errorf("scan: sections.tsv line %d: empty heading", line)
		}
		if _, dup := m[key]; dup {
			return nil, fmt.Errorf("scan: sections.tsv line %d: duplicate heading %q", line, heading)
		}
		m[key] = k
	}
	return m, sc.Err()
}

// KindOf returns the section kind for a heading as written in a note or as
// named by the nlp pipeline ("Assessment and Plan", "assessment_plan",
// "A/P"). Unknown headings are Other.
func KindOf(heading string) Kind {
	key := strings.Join(NormalizePhrase(strings.ReplaceAll(heading, "_", " ")), " ")
	if k, ok := sectionKinds[key]; ok {
		return k
	}
	return Other
}

// Span is a sentence boundary with the kind of its section.
type Span struct {
	Start, End int
	Section    Kind
}

// Sentence is one sentence of the note, tokenized.
type Sentence struct {
	Start, End int
	Section    Kind
	Tokens     []Token

	// the phrases of one dictionary found in the sentence, on first use
	hits    []hit
	hitDict *Dictionary
}

// Note is a note prepared for the procedure and E/M coders.
type Note struct {
	Text      string
	Sentences []Sentence
	// Age is the patient's age in completed years as the note states it,
	// -1 when it does not.
	Age int
}

// New tokenizes each sentence span of text. Spans are taken in text order;
// a span outside the text or overlapping the one before is clipped, and
// empty ones are dropped.
func New(text string, spans []Span, age int) *Note {
	n := &Note{Text: text, Sentences: make([]Sentence, 0, len(spans)), Age: age}
	// one backing array for all tokens: about one token per five bytes
	slab := make([]Token, 0, len(text)/5+16)
	lower := asciiLower(text)
	prevEnd := 0
	for _, sp := range spans {
		start, end := max(sp.Start, prevEnd), min(sp.End, len(text))
		if start >= end {
			continue
		}
		prevEnd = end
		first := len(slab)
		slab = appendTokens(slab, text, lower, start, end)
		if len(slab) == first {
			continue
		}
		n.Sentences = append(n.Sentences, Sentence{Start: start, End: end, Section: sp.Section})
	}
	// slices are taken after the slab stops growing, so none points into a
	// discarded array
	k := 0
	for i := range n.Sentences {
		s := &n.Sentences[i]
		first := k
		for k < len(slab) && slab[k].Start < s.End {
			k++
		}
		s.Tokens = slab[first:k:k]
	}
	return n
}

// Clause returns the token range [from, to) of the clause around token i:
// the tokens between the nearest clause punctuation on each side. Commas do
// not end a clause (lists of tests or drugs are joined by them), and neither
// does a colon that introduces a result ("rapid strep: positive").
func (s *Sentence) Clause(i int) (from, to int) {
	from, to = i, i+1
	for from > 0 && !isClauseBreak(s.Tokens[from-1]) {
		from--
	}
	for to < len(s.Tokens) && !isClauseBreak(s.Tokens[to]) {
		to++
	}
	return from, to
}

func isClauseBreak(t Token) bool {
	return t.Punct && (t.Norm == ";" || t.Norm == "." || t.Norm == "-" || t.Norm == "?")
}

// Words returns the normalized non-punctuation tokens of tokens[from:to],
// for messages and tests.
func (s *Sentence) Words(from, to int) string {
	var b strings.Builder
	for _, t := range s.Tokens[from:to] {
		if t.Punct {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(t.Norm)
	}
	return b.String()
}

// SentenceAt returns the index of the sentence holding byte offset off, or
// -1.
func (n *Note) SentenceAt(off int) int {
	i := sort.Search(len(n.Sentences), func(i int) bool { return n.Sentences[i].End > off })
	if i < len(n.Sentences) && n.Sentences[i].Start <= off {
		return i
	}
	return -1
}

// TokenRange returns the tokens [from, to) a byte span of the sentence
// covers, at least one token.
func (s *Sentence) TokenRange(start, end int) (int, int) {
	from := sort.Search(len(s.Tokens), func(i int) bool { return s.Tokens[i].End > start })
	to := sort.Search(len(s.Tokens), func(i int) bool { return s.Tokens[i].Start >= end })
	if from >= len(s.Tokens) {
		from = len(s.Tokens) - 1
	}
	if to <= from {
		to = from + 1
	}
	return from, to
}
