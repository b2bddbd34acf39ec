package engine

import (
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"strings"
	"unicode"

	"github.com/medcode/medcode/internal/codeset/icd"
	"github.com/medcode/medcode/internal/engine/termmatch"
)

// wordsFunc turns a dictionary phrase into the normalized content words
// note tokens are matched in (the nlp normalizer), stopwords left out.
type wordsFunc func(phrase string) []string

// sourceKind says where a pattern comes from; it orders rival readings
// and is reported in each code's rules.
type sourceKind uint8

const (
	srcIndex   sourceKind = iota + 1 // Alphabetic Index path
	srcSkip                          // Index path without a grouping subterm
	srcLexicon                       // hand-written synonym (tables/synonyms.tsv)
	srcTabular                       // tabular title or inclusion term
	srcLearned                       // learned from CodiEsp train
)

// target is what a pattern stands for: an Index term, or a code.
type target struct {
	source sourceKind
	term   *icd.Term // srcIndex, srcSkip, srcLexicon pointing at a term
	code   string    // srcTabular, srcLearned, srcLexicon pointing at a code
	group  int32     // srcLearned patterns: the learned phrase group
}

// lexicon is the compiled pattern set of one Index and Tabular.
type lexicon struct {
	vocab   *termmatch.Vocab
	matcher *termmatch.Matcher
	targets []target
	managed []managedTerm
}

// indexRules are the knobs of tables/index_terms.tsv.
type indexRules struct {
	needsSubterm map[string]bool     // MatchKey of main terms
	adjective    map[string]string   // MatchKey of main terms → normalized words of the adjective spelling
	skipSubterm  map[string]bool     // MatchKey of subterm titles
	implicitMain map[string]bool     // MatchKey of main terms
	noteWideWith map[string]bool     // MatchKey of main terms
	blocked      map[string]bool     // MatchKey of index paths
	unstated     map[string][]string // MatchKey of main terms → words a note leaves out
	closedGroup  map[string]bool     // MatchKey of grouping subterms never looked through
	connectors   []string            // lower-case words, longest first
	dropWords    map[string]bool     // lower-case words as written ("nos", not the stem of "nose")
}

func loadIndexRules(fsys fs.FS, words wordsFunc) (*indexRules, error) {
	rows, err := readTSV(fsys, "tables/index_terms.tsv")
	if err != nil {
		return nil, err
	}
	r := &indexRules{needsSubterm: map[string]bool{}, skipSubterm: map[string]bool{}, implicitMain: map[string]bool{}, noteWideWith: map[string]bool{}, blocked: map[string]bool{}, dropWords: map[string]bool{}, unstated: map[string][]string{}, closedGroup: map[string]bool{}, adjective: map[string]string{}}
	for _, row := range rows {
		if row.kind() == "adjective" {
			if err := row.want(3, 3); err != nil {
				return nil, err
			}
			ws := words(row.field(2))
			if len(ws) == 0 || !strings.Contains(strings.ToLower(row.field(1)), strings.ToLower(row.field(2))) {
				return nil, row.errorf("adjective %q is not a spelling of main term %q", row.field(2), row.field(1))
			}
			r.adjective[icd.MatchKey(row.field(1))] = strings.Join(ws, " ")
			continue
		}
		if row.kind() == "unstated" {
			if err := row.want(3, 3); err != nil {
				return nil, err
			}
			ws := words(row.field(2))
			if len(ws) == 0 || !strings.Contains(strings.ToLower(row.field(1)), strings.ToLower(row.field(2))) {
				return nil, row.errorf("unstated words %q are not words of main term %q", row.field(2), row.field(1))
			}
			r.unstated[icd.MatchKey(row.field(1))] = ws
			continue
		}
		if err := row.want(2, 2); err != nil {
			return nil, err
		}
		v := row.field(1)
		switch row.kind() {
		case "needs-subterm":
			r.needsSubterm[icd.MatchKey(v)] = true
		case "skip-subterm":
			r.skipSubterm[icd.MatchKey(v)] = true
		case "closed-group":
			r.closedGroup[icd.MatchKey(v)] = true
		case "implicit-main":
			r.implicitMain[icd.MatchKey(v)] = true
		case "note-wide-with":
			r.noteWideWith[icd.MatchKey(v)] = true
		case "block":
			r.blocked[icd.MatchKey(v)] = true
		case "connector":
			r.connectors = append(r.connectors, strings.ToLower(v))
		case "drop-word":
			r.dropWords[strings.ToLower(v)] = true
		default:
			return nil, row.errorf("unknown kind %q", row.kind())
		}
	}
	sort.SliceStable(r.connectors, func(i, j int) bool { return len(r.connectors[i]) > len(r.connectors[j]) })
	return r, nil
}

// maxAlternatives bounds how many spelling alternatives one Index path
// expands to ("Diabetes, diabetic" × "epigastric, epigastrium").
const maxAlternatives = 4

// Pattern ranks: among rival readings with as many words, the lower rank
// wins. An Index entry that sends the coder on "by type" or "by site" takes
// the other documented words into account, so it outranks a plain entry.
const (
	rankLexicon int8 = iota // a hand-written wording outranks the raw entry it corrects
	rankIndexBy
	rankIndex
	rankSkip
	rankTabular
	rankLearned
)

// indexRank is the rank of the pattern of Index term t.
func indexRank(t *icd.Term, skipped bool) int8 {
	switch {
	case skipped:
		return rankSkip
	case strings.Contains(strings.ToLower(t.See), ", by "):
		return rankIndexBy
	}
	return rankIndex
}

// pathWords is one way of writing an Index path.
type pathWords struct {
	narrow, wide []string
	head         string
}

// lexiconBuilder collects patterns.
type lexiconBuilder struct {
	words    wordsFunc
	rules    *indexRules
	vocab    *termmatch.Vocab
	patterns []termmatch.Pattern
	targets  []target
	seen     map[string]bool
	managed  []managedTerm
}

// managedTerm is a synonyms.tsv "managed" row: words that name a
// condition when its control status and a medication of one of the
// classes share their sentence.
type managedTerm struct {
	words   []string
	term    *icd.Term
	classes []string
}

func newLexiconBuilder(words wordsFunc, rules *indexRules) *lexiconBuilder {
	return &lexiconBuilder{words: words, rules: rules, vocab: termmatch.NewVocab(), seen: map[string]bool{}}
}

// build freezes the patterns into a lexicon.
func (b *lexiconBuilder) build() *lexicon {
	return &lexicon{vocab: b.vocab, matcher: termmatch.New(b.patterns, nil), targets: b.targets, managed: b.managed}
}

// add records one pattern unless the same words already lead to the same
// target.
func (b *lexiconBuilder) add(pw pathWords, rank int8, t target) {
	if len(pw.narrow) == 0 {
		return
	}
	key := patternKey(pw, t)
	if b.seen[key] {
		return
	}
	b.seen[key] = true
	p := termmatch.Pattern{Rank: rank, Payload: int32(len(b.targets))}
	for _, w := range pw.narrow {
		p.Narrow = append(p.Narrow, b.vocab.ID(w))
	}
	for _, w := range pw.wide {
		p.Wide = append(p.Wide, b.vocab.ID(w))
	}
	if pw.head != "" {
		p.Head = b.vocab.ID(pw.head)
	}
	b.patterns = append(b.patterns, p)
	b.targets = append(b.targets, t)
}

func patternKey(pw pathWords, t target) string {
	n, w := slices.Clone(pw.narrow), slices.Clone(pw.wide)
	slices.Sort(n)
	slices.Sort(w)
	ref := t.code
	if t.term != nil {
		ref = fmt.Sprintf("%p", t.term)
	}
	return strings.Join(n, " ") + "|" + strings.Join(w, " ") + "|" + ref
}

// addIndex adds a pattern for every path of the Index.
func (b *lexiconBuilder) addIndex(ix *icd.Index) {
	for _, m := range ix.MainTerms() {
		alts, _, ok := b.titleWords(statedTitle(m), true)
		// A one-letter main term ("H disease" flattened to "H") or one that
		// stands for "anything else" ("Symptoms NEC") cannot be found by
		// its words.
		if !ok || !statable(m.Title) || len(strings.TrimSpace(m.Title)) == 1 || b.rules.blocked[icd.MatchKey(m.Title)] {
			continue
		}
		var states []pathWords
		for _, a := range alts {
			if len(a) == 0 {
				continue
			}
			states = append(states, pathWords{narrow: a, head: a[len(a)-1]})
			// "Fracture, traumatic" is what a note calls "fracture".
			if drop := b.rules.unstated[icd.MatchKey(m.Title)]; len(drop) > 0 {
				if rest := slices.DeleteFunc(slices.Clone(a), func(w string) bool { return slices.Contains(drop, w) }); len(rest) > 0 {
					states = append(states, pathWords{narrow: rest, head: rest[len(rest)-1]})
				}
			}
		}
		if len(states) == 0 {
			continue
		}
		key := icd.MatchKey(m.Title)
		if !b.rules.needsSubterm[key] && !b.rules.needsSubterm[icd.MatchKey(firstPart(m.Title))] {
			adj, hasAdj := b.rules.adjective[key]
			for _, s := range states {
				// The adjective spelling alone qualifies another finding
				// ("hemorrhagic cyst"); it codes only through a subterm.
				if hasAdj && strings.Join(s.narrow, " ") == adj {
					continue
				}
				b.add(s, indexRank(m, false), target{source: srcIndex, term: m})
			}
		}
		implicit := b.rules.implicitMain[key] || b.rules.implicitMain[icd.MatchKey(firstPart(m.Title))]
		for _, c := range m.Children {
			b.addSubterm(c, states, false, false)
			if implicit {
				b.addSubterm(c, []pathWords{{}}, false, false)
			}
		}
	}
}

// addSubterm adds the patterns of subterm t below the path states;
// skipped is set below a grouping subterm left out of the path.
func (b *lexiconBuilder) addSubterm(t *icd.Term, parents []pathWords, afterConnector, skipped bool) {
	alts, connector, ok := b.titleWords(statedTitle(t), false)
	if !ok || b.rules.blocked[icd.MatchKey(t.PathString())] {
		return
	}
	wide := afterConnector || connector
	var states []pathWords
	for _, p := range parents {
		for _, a := range alts {
			if len(a) > 0 && addsNothing(a, p) {
				// "Cholesterol, elevated, with elevated": the flattened Index
				// lost the words that set the subterm apart ("with elevated
				// (high) triglycerides"); it cannot be told from its parent.
				continue
			}
			s := pathWords{narrow: slices.Clone(p.narrow), wide: slices.Clone(p.wide), head: p.head}
			if wide {
				s.wide = append(s.wide, a...)
			} else {
				s.narrow = append(s.narrow, a...)
			}
			states = append(states, s)
			if len(states) == maxAlternatives {
				break
			}
		}
	}
	source := srcIndex
	if skipped {
		source = srcSkip
	}
	// A subterm that adds no words ("specified NEC") or stands for "any
	// other" ("specified disease NEC") cannot be recognised in a note: the
	// note would have to name the specific thing.
	own := statable(t.Title)
	hasWords := false
	for _, a := range alts {
		hasWords = hasWords || len(a) > 0
	}
	own = own && hasWords
	for _, s := range states {
		if !own {
			break // the subterm adds no words ("specified NEC"): its pattern would be its parent's
		}
		// A path with no narrow words of its own besides the head would
		// match the head alone; implicit main terms need two words.
		if s.head == "" && len(s.narrow) < 2 {
			continue
		}
		b.add(s, indexRank(t, skipped), target{source: source, term: t})
	}
	for _, c := range t.Children {
		b.addSubterm(c, states, wide, skipped)
	}
	if !skipped && !connector && b.rules.skipSubterm[icd.MatchKey(t.Title)] {
		for _, c := range t.Children {
			b.addSubterm(c, parents, afterConnector, true)
		}
	}
}

// statedTitle is how a note states an Index term: its title, with a
// nonessential modifier that continues the last word by a hyphen joined to
// it ("May (-Hegglin)" is the May-Hegglin anomaly, not the word "may").
func statedTitle(t *icd.Term) string {
	if len(t.Nemod) > 0 && strings.HasPrefix(t.Nemod[0], "-") {
		return t.Title + strings.Fields(t.Nemod[0])[0]
	}
	return t.Title
}

// addsNothing reports whether every word of a subterm is already a word of
// the path above it.
func addsNothing(words []string, path pathWords) bool {
	for _, w := range words {
		if !slices.Contains(path.narrow, w) && !slices.Contains(path.wide, w) {
			return false
		}
	}
	return true
}

// titleWords splits an Index title into its spelling alternatives, each a
// list of normalized words, and says whether it starts with a connector
// ("with", "due to"). ok is false for a subterm the note cannot state
// positively ("without ...").
func (b *lexiconBuilder) titleWords(title string, main bool) (alts [][]string, connector, ok bool) {
	text := strings.TrimSpace(title)
	if i := strings.Index(text, " - "); i >= 0 {
		text = text[:i] // "insulin dependent - code to type of diabetes"
	}
	lower := strings.ToLower(text)
	if lower == "without" || strings.HasPrefix(lower, "without ") {
		return nil, false, false
	}
	// A subterm that starts with a conjunction lost its first words when
	// the Index was flattened ("and chronic" for "acute and chronic"); it
	// cannot be read safely.
	if strings.HasPrefix(lower, "and ") || strings.HasPrefix(lower, "or ") || lower == "and" || lower == "or" {
		return nil, false, false
	}
	if !main {
		for _, c := range b.rules.connectors {
			if lower == c || strings.HasPrefix(lower, c+" ") {
				connector = true
				text = strings.TrimSpace(text[len(c):])
				break
			}
		}
	}
	for _, part := range variants(text) {
		ws := b.contentWords(part)
		if lostWords(part, ws) {
			// A content word normalized into a function word ("Andes" into
			// "and"): the pattern would match far more than the entry.
			return nil, false, false
		}
		alts = append(alts, ws)
	}
	return alts, connector, true
}

// functionWords are the words an Index title may lose to normalization
// without losing its meaning.
var functionWords = map[string]bool{"of": true, "the": true, "and": true, "or": true, "in": true, "with": true, "to": true, "for": true, "by": true, "on": true, "at": true, "a": true, "an": true, "as": true, "from": true, "nec": true, "nos": true, "unspecified": true, "specified": true, "other": true, "not": true, "elsewhere": true, "classified": true}

// lostWords reports whether normalizing phrase into ws dropped a content
// word (a qualifier bound to its number counts as two).
func lostWords(phrase string, ws []string) bool {
	n := 0
	for _, f := range strings.FieldsFunc(phrase, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\'' }) {
		if !functionWords[strings.ToLower(f)] {
			n++
		}
	}
	kept := 0
	for _, w := range ws {
		kept += 1 + strings.Count(w, "_")
	}
	return kept < n
}

// contentWords normalizes a phrase and removes the words a note never
// has to state. A single capital letter is a word of its own here
// ("Influenza, A", "Hepatitis, viral, type B"), not the article.
func (b *lexiconBuilder) contentWords(phrase string) []string {
	if p := strings.TrimSpace(phrase); len(p) == 1 && p[0] >= 'A' && p[0] <= 'Z' {
		return []string{p} // kept in capitals: only a capital in the note matches it
	}
	return b.words(dropRaw(phrase, b.rules.dropWords))
}

// pluralMarks are the optional plural endings tabular titles write in
// brackets ("vertebra(e)", "finger(s)").
var pluralMarks = strings.NewReplacer("(s)", "", "(e)", "", "(es)", "")

// dropRaw removes the words of drop from a phrase as written, before
// normalization (NOS is dropped, "nose" is not, though both stem alike).
func dropRaw(phrase string, drop map[string]bool) string {
	phrase = pluralMarks.Replace(phrase)
	fields := strings.FieldsFunc(phrase, func(r rune) bool { return r == ' ' || r == ',' || r == '(' || r == ')' || r == '[' || r == ']' })
	kept := fields[:0]
	for _, f := range fields {
		if !drop[strings.ToLower(f)] {
			kept = append(kept, f)
		}
	}
	return strings.Join(kept, " ")
}

// variants splits a title at commas when the parts are alternative
// spellings of one word ("Diabetes, diabetic", "epigastric,
// epigastrium"); otherwise the comma only inverts the phrase
// ("glomerulonephrosis, intracapillary") and every part is required.
func variants(title string) []string {
	parts := strings.Split(title, ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	if len(parts) == 1 {
		// "acute or subacute": two single words joined by "or" are
		// alternatives.
		if a, b, ok := strings.Cut(parts[0], " or "); ok && !strings.ContainsAny(a, " -") && !strings.ContainsAny(b, " -") {
			return []string{a, b}
		}
		return parts
	}
	for _, p := range parts {
		if strings.ContainsAny(p, " -") || p == "" {
			return []string{strings.Join(parts, " ")}
		}
	}
	for i := 1; i < len(parts); i++ {
		if !sameStem(parts[0], parts[i]) {
			return []string{strings.Join(parts, " ")}
		}
	}
	return parts
}

// sameStem reports whether two single words are forms of one word: they
// share their first three letters, or one contains the other ("acute,
// subacute").
func sameStem(a, b string) bool {
	a, b = strings.ToLower(a), strings.ToLower(b)
	if strings.Contains(a, b) || strings.Contains(b, a) {
		return true
	}
	return len(a) >= 3 && len(b) >= 3 && a[:3] == b[:3]
}

func firstPart(title string) string {
	first, _, _ := strings.Cut(title, ",")
	return first
}

// tabularConnectors split a tabular title into the condition (narrow)
// and a linked condition (wide); words after "without" up to the next
// comma are left out.
var tabularConnectors = []string{"associated with", "due to", "with", "without"}

// addTabular adds a pattern for the title and the inclusion terms of every
// tabular entry.
func (b *lexiconBuilder) addTabular(tab *icd.Tabular) {
	for c := range tab.All() {
		// 7-character expansions only add the encounter.
		if c.Base != "" {
			continue
		}
		t := target{source: srcTabular, code: c.Code}
		// An "unspecified" title is the case the Index reaches by its main
		// term, and its extra words ("of skin, unspecified") would outweigh
		// the site the note does state; an "other" title stands for types
		// the note would have to name. Their inclusion terms still count.
		if title := " " + strings.ToLower(c.Title) + " "; !strings.Contains(title, "unspecified") && !strings.Contains(title, " other ") {
			b.add(b.tabularWords(c.Title), rankTabular, t)
		}
		for _, n := range tab.NotesFor(c.Code) {
			if (n.Kind == icd.InclusionTerm || n.Kind == icd.Includes) && n.From == c.Code {
				pw := b.tabularWords(n.Text)
				// An "Includes" note of one word names what the category
				// covers ("F15 ... Includes: caffeine" is caffeine-related
				// disorders), not a diagnosis the word alone states.
				if n.Kind == icd.Includes && len(pw.narrow)+len(pw.wide) < 2 {
					continue
				}
				b.add(pw, rankTabular, t)
			}
		}
	}
}

// tabularWords reads a tabular title: "Type 2 diabetes mellitus with
// diabetic chronic kidney disease" needs the diabetes words together and
// the kidney words anywhere in the sentence.
func (b *lexiconBuilder) tabularWords(title string) pathWords {
	var pw pathWords
	title = stripParens(title)
	mode := "" // "", "with", "without"
	for _, clause := range strings.Split(title, ",") {
		if mode == "without" {
			mode = ""
		}
		rest := strings.Fields(strings.ToLower(clause))
		var chunk []string
		flush := func() {
			ws := b.contentWords(strings.Join(chunk, " "))
			switch mode {
			case "":
				pw.narrow = append(pw.narrow, ws...)
			case "with":
				pw.wide = append(pw.wide, ws...)
			}
			chunk = chunk[:0]
		}
		for i := 0; i < len(rest); i++ {
			matched := ""
			for _, c := range tabularConnectors {
				cw := strings.Fields(c)
				if i+len(cw) <= len(rest) && slices.Equal(rest[i:i+len(cw)], cw) {
					matched = c
					i += len(cw) - 1
					break
				}
			}
			if matched == "" {
				chunk = append(chunk, rest[i])
				continue
			}
			flush()
			if matched == "without" {
				mode = "without"
			} else {
				mode = "with"
			}
		}
		flush()
	}
	return pw
}

// addSynonyms adds the hand-written wordings of tables/synonyms.tsv, each
// pointing at an Index entry.
func (b *lexiconBuilder) addSynonyms(fsys fs.FS, ix *icd.Index) error {
	rows, err := readTSV(fsys, "tables/synonyms.tsv")
	if err != nil {
		return err
	}
	for _, r := range rows {
		switch r.kind() {
		case "term":
			if err := r.want(3, 3); err != nil {
				return err
			}
		case "managed":
			if err := r.want(4, 4); err != nil {
				return err
			}
			res, ok := ix.Resolve(r.field(2))
			ws := b.contentWords(r.field(1))
			if !ok || res.Target() == nil || len(res.Rest) > 0 || len(ws) == 0 {
				return r.errorf("index path %q is not in the Alphabetic Index, or phrase %q has no words", r.field(2), r.field(1))
			}
			b.managed = append(b.managed, managedTerm{words: ws, term: res.Target(), classes: strings.Split(r.field(3), "|")})
			continue
		default:
			return r.errorf("unknown kind %q", r.kind())
		}
		res, ok := ix.Resolve(r.field(2))
		if !ok || res.Target() == nil || len(res.Rest) > 0 {
			return r.errorf("index path %q is not in the Alphabetic Index", r.field(2))
		}
		ws := b.contentWords(r.field(1))
		if len(ws) == 0 {
			return r.errorf("phrase %q has no words", r.field(1))
		}
		b.add(pathWords{narrow: ws, head: ws[len(ws)-1]}, rankLexicon, target{source: srcLexicon, term: res.Target()})
	}
	return nil
}

// stripParens removes parenthesized words: in tabular titles they are
// nonessential ("Chronic systolic (congestive) heart failure").
func stripParens(s string) string {
	if !strings.Contains(s, "(") {
		return s
	}
	var b strings.Builder
	depth := 0
	for _, r := range s {
		switch {
		case r == '(':
			depth++
		case r == ')' && depth > 0:
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// statable reports whether a note can state a subterm: "specified NEC",
// "specified disease NEC", "site NEC" stand for anything not listed and
// cannot be recognised by their words, while "neck NEC" (Pain, neck NEC)
// is the neck, whatever the Index lists elsewhere.
func statable(title string) bool {
	lt := strings.ToLower(strings.TrimSpace(title))
	if lt == "nec" || strings.HasPrefix(lt, "specified") || strings.HasPrefix(lt, "other ") {
		return false
	}
	rest, isNEC := strings.CutSuffix(lt, " nec")
	if !isNEC {
		before, _, inner := strings.Cut(lt, " nec ")
		rest, isNEC = before, inner
	}
	if !isNEC {
		return true
	}
	for _, w := range strings.FieldsFunc(rest, func(r rune) bool { return r == ' ' || r == ',' || r == '(' || r == ')' }) {
		if !catchAllWords[w] {
			return true
		}
	}
	return false
}

// catchAllWords are the words of an Index subterm that names no particular
// thing: "type NEC", "organ or site NEC", "complication NEC".
var catchAllWords = map[string]bool{
	"type": true, "types": true, "site": true, "sites": true, "organ": true, "organs": true, "or": true, "and": true,
	"part": true, "parts": true, "region": true, "complication": true, "complications": true, "disease": true,
	"diseases": true, "disorder": true, "disorders": true, "condition": true, "conditions": true, "form": true,
	"forms": true, "cause": true, "causes": true, "reason": true, "reasons": true, "kind": true, "with": true,
	"of": true, "in": true, "due": true, "to": true, "other": true, "specified": true, "unspecified": true,
	"symptom": true, "symptoms": true, "sign": true, "signs": true, "finding": true, "findings": true,
}
