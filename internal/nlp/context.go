package nlp

import (
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

// Category is the kind of an assertion trigger.
type Category uint8

// Trigger categories (ConText). Confirmed marks a positive test result; it
// only settles a "rule out" (R/o strep; rapid strep positive).
const (
	CatNegated Category = iota + 1
	CatUncertain
	CatHypothetical
	CatHistorical
	CatFamily
	CatOther
	CatConfirmed
	catPseudo
)

var categoryNames = map[string]Category{
	"negated": CatNegated, "uncertain": CatUncertain, "hypothetical": CatHypothetical,
	"historical": CatHistorical, "family": CatFamily, "other": CatOther,
	"confirmed": CatConfirmed, "pseudo": catPseudo,
}

// String returns the lexicon name of the category.
func (c Category) String() string {
	for n, k := range categoryNames {
		if k == c {
			return n
		}
	}
	return "category(" + strconv.Itoa(int(c)) + ")"
}

// Direction says on which side of its trigger a concept is in scope.
type Direction uint8

const (
	// Pre: the trigger precedes the concept ("denies chest pain").
	Pre Direction = iota + 1
	// Post: the trigger follows the concept ("pneumonia is ruled out").
	Post
	// Both: either side ("sinusitis vs rhinitis").
	Both
)

// TriggerFlags qualify a trigger.
type TriggerFlags uint8

const (
	// Soft: a "history of" trigger that active care on a chronic condition
	// overrides (rule R8).
	Soft TriggerFlags = 1 << iota
	// Result: a test result ("negative", "positive").
	Result
	// List: the backward scope crosses commas.
	List
)

// Trigger is an assertion cue found in a sentence.
type Trigger struct {
	Category  Category
	Direction Direction
	Flags     TriggerFlags
	// Window is the most words between trigger and concept; 0 means up to
	// a terminator or the end of the sentence.
	Window               int
	Start, End           int
	FirstToken, EndToken int
	Sentence             int
}

type triggerDef struct {
	cat    Category
	dir    Direction
	window int
	flags  TriggerFlags
}

// contextLexicon holds data/context.tsv.
type contextLexicon struct {
	triggers    *phraseTable[*triggerDef]
	terminators *phraseTable[categorySet] // categories whose scope goes on
	clause      *phraseTable[categorySet] // clause opener -> categories whose scope goes on
	subjects    *phraseTable[struct{}]
	current     *phraseTable[struct{}]
}

// categorySet is a bit set of categories.
type categorySet uint16

func (s categorySet) has(c Category) bool { return s&(1<<c) != 0 }

func (a *Analyzer) loadContext(fsys fs.FS) (*contextLexicon, error) {
	rows, err := readRows(fsys, "data/context.tsv")
	if err != nil {
		return nil, err
	}
	lx := &contextLexicon{
		triggers:    newPhraseTable[*triggerDef](a, lowerKeys),
		terminators: newPhraseTable[categorySet](a, lowerKeys),
		clause:      newPhraseTable[categorySet](a, lowerKeys),
		subjects:    newPhraseTable[struct{}](a, lowerKeys),
		current:     newPhraseTable[struct{}](a, lowerKeys),
	}
	groups := map[string][]string{}
	seen := map[string]row{}
	add := func(r row, table func(keys []string)) error {
		for _, p := range expandGroups(alternatives(r.field(4)), groups) {
			keys := a.keys(p, lowerKeys)
			id := r.kind() + ":" + strings.Join(keys, " ")
			if r.kind() != "terminator" && r.kind() != "clause" && r.kind() != "subject" && r.kind() != "current" {
				id = "trigger:" + strings.Join(keys, " ")
			}
			if prev, dup := seen[id]; dup {
				return r.errorf("%q is already listed on line %d", p, prev.line)
			}
			seen[id] = r
			table(keys)
		}
		return nil
	}
	for _, r := range rows {
		if r.kind() == "group" {
			if err := r.want(3, 3); err != nil {
				return nil, err
			}
			groups[r.field(1)] = alternatives(r.field(2))
			continue
		}
		if err := r.want(5, 5); err != nil {
			return nil, err
		}
		switch r.kind() {
		case "negated", "uncertain", "hypothetical", "historical", "family", "other", "confirmed", "pseudo":
			def, err := parseTriggerDef(r)
			if err != nil {
				return nil, err
			}
			err = add(r, func(keys []string) { lx.triggers.add(keys, def) })
			if err != nil {
				return nil, err
			}
		case "terminator", "clause":
			keep, err := parseKeep(r)
			if err != nil {
				return nil, err
			}
			if r.kind() == "terminator" {
				err = add(r, func(keys []string) { lx.terminators.add(keys, keep) })
			} else {
				err = add(r, func(keys []string) { lx.clause.add(keys, keep) })
			}
			if err != nil {
				return nil, err
			}
		case "subject":
			if err := add(r, func(keys []string) { lx.subjects.add(keys, struct{}{}) }); err != nil {
				return nil, err
			}
		case "current":
			if err := add(r, func(keys []string) { lx.current.add(keys, struct{}{}) }); err != nil {
				return nil, err
			}
		default:
			return nil, r.errorf("unknown entry kind %q", r.kind())
		}
	}
	return lx, nil
}

// parseKeep reads the flags column of a terminator or clause verb:
// keep=KINDS lists the categories whose scope it does not close.
func parseKeep(r row) (categorySet, error) {
	var keep categorySet
	for _, f := range alternatives(r.field(3)) {
		if f == "-" {
			continue
		}
		names, ok := strings.CutPrefix(f, "keep=")
		if !ok {
			return 0, r.errorf("unknown flag %q", f)
		}
		for _, n := range strings.Split(names, ",") {
			c, ok := categoryNames[n]
			if !ok || c == catPseudo {
				return 0, r.errorf("unknown category %q", n)
			}
			keep |= 1 << c
		}
	}
	return keep, nil
}

// expandGroups replaces {group} references by each member of the group.
func expandGroups(phrases []string, groups map[string][]string) []string {
	var out []string
	for _, p := range phrases {
		expanded := false
		for name, members := range groups {
			ref := "{" + name + "}"
			if strings.Contains(p, ref) {
				for _, m := range members {
					out = append(out, expandGroups([]string{strings.ReplaceAll(p, ref, m)}, groups)...)
				}
				expanded = true
				break
			}
		}
		if !expanded {
			out = append(out, p)
		}
	}
	return out
}

func parseTriggerDef(r row) (*triggerDef, error) {
	def := &triggerDef{cat: categoryNames[r.kind()]}
	if def.cat == catPseudo {
		return def, nil
	}
	switch r.field(1) {
	case "pre":
		def.dir = Pre
	case "post":
		def.dir = Post
	case "both":
		def.dir = Both
	default:
		return nil, r.errorf("direction must be pre, post or both, not %q", r.field(1))
	}
	w, err := strconv.Atoi(r.field(2))
	if err != nil || w < 0 {
		return nil, r.errorf("window must be a whole number, not %q", r.field(2))
	}
	def.window = w
	for _, f := range alternatives(r.field(3)) {
		switch f {
		case "-":
		case "soft":
			def.flags |= Soft
		case "result":
			def.flags |= Result
		case "list":
			def.flags |= List
		default:
			return nil, r.errorf("unknown trigger flag %q", f)
		}
	}
	return def, nil
}

// findTriggers records the triggers of every sentence and marks the tokens
// that close scopes.
func (a *Analyzer) findTriggers(d *Doc) {
	toks := d.Tokens
	lx := a.context
	d.scopeStops = make([]scopeStop, len(toks))
	d.sentTriggers = make([]span32, len(d.Sentences))
	d.sentCare = make([]span32, len(d.Sentences))
	for si := range d.Sentences {
		s := &d.Sentences[si]
		first := len(d.Triggers)
		for i := s.FirstToken; i < s.EndToken; {
			def, n := lx.triggers.match(toks, i, s.EndToken)
			if n == 0 {
				i++
				continue
			}
			if def.cat != catPseudo {
				d.Triggers = append(d.Triggers, Trigger{
					Category: def.cat, Direction: def.dir, Flags: def.flags, Window: def.window,
					Start: toks[i].Start, End: toks[i+n-1].End,
					FirstToken: i, EndToken: i + n, Sentence: si,
				})
			}
			i += n
		}
		d.sentTriggers[si] = span32{int32(first), int32(len(d.Triggers))}
		a.markStops(d, s)
		careFirst := len(d.careCues)
		for i := s.FirstToken; i < s.EndToken; i++ {
			if _, n := lx.current.match(toks, i, s.EndToken); n > 0 {
				d.careCues = append(d.careCues, span32{int32(i), int32(i + n)})
				i += n - 1
			}
		}
		d.sentCare[si] = span32{int32(careFirst), int32(len(d.careCues))}
	}
	d.scope = buildScopeIndex(toks, d.scopeStops)
}

// scopeIndex holds prefix counts over the tokens so that a scope check
// between two tokens costs O(1) whatever the sentence length.
type scopeIndex struct {
	words  []int32            // words[k]: non-punctuation tokens before k
	commas []int32            // commas before k
	stops  [catPseudo][]int32 // stops[c][k]: tokens before k closing a scope of category c
}

func buildScopeIndex(toks []Token, stops []scopeStop) scopeIndex {
	n := len(toks) + 1
	all := make([]int32, (2+len(scopeIndex{}.stops))*n) // one allocation for every count
	idx := scopeIndex{words: all[:n:n], commas: all[n : 2*n : 2*n]}
	for c := range idx.stops {
		idx.stops[c] = all[(2+c)*n : (3+c)*n : (3+c)*n]
	}
	for k := range toks {
		idx.words[k+1] = idx.words[k]
		if toks[k].Kind != Punct {
			idx.words[k+1]++
		}
		idx.commas[k+1] = idx.commas[k]
		if toks[k].IsPunct(",") {
			idx.commas[k+1]++
		}
		for c := range idx.stops {
			idx.stops[c][k+1] = idx.stops[c][k]
			if stops[k].stop && !stops[k].keep.has(Category(c)) {
				idx.stops[c][k+1]++
			}
		}
	}
	return idx
}

// between reports the words, commas and scope stops of category c in
// tokens [from, to).
func (x *scopeIndex) between(from, to int, c Category) (words, commas, stops int32) {
	return x.words[to] - x.words[from], x.commas[to] - x.commas[from], x.stops[c][to] - x.stops[c][from]
}

// scopeStop marks a token that closes assertion scopes: all of them except
// the categories in keep.
type scopeStop struct {
	stop bool
	keep categorySet
}

// markStops flags terminators and clause starts ("..., has cough";
// "..., with a history of hypertension") in a sentence.
func (a *Analyzer) markStops(d *Doc, s *Sentence) {
	toks := d.Tokens
	lx := a.context
	for i := s.FirstToken; i < s.EndToken; i++ {
		if keep, n := lx.terminators.match(toks, i, s.EndToken); n > 0 {
			for k := i; k < i+n; k++ {
				d.addStop(k, keep)
			}
			i += n - 1
			continue
		}
		if toks[i].IsPunct("-") && toks[i].Has(SpaceBefore) && i+1 < s.EndToken && toks[i+1].Has(SpaceBefore) {
			// A spaced dash separates clauses as a semicolon does:
			// "cystitis without hematuria - nitrofurantoin".
			d.scopeStops[i] = scopeStop{stop: true}
			continue
		}
		if !(toks[i].IsPunct(",") || toks[i].Kind == Word && toks[i].Lower == "and") {
			continue
		}
		k := i + 1
		if k < s.EndToken {
			if _, n := lx.subjects.match(toks, k, s.EndToken); n > 0 {
				k += n
			}
		}
		if k < s.EndToken && toks[k].Kind == Word {
			if keep, n := lx.clause.match(toks, k, s.EndToken); n > 0 {
				d.addStop(k, keep)
			}
		}
	}
}

// addStop marks token k as closing every scope but those of keep; a token
// that already closes some scopes ("with" closes history scopes) closes
// the union ("..., with a history of" also closes a negation).
func (d *Doc) addStop(k int, keep categorySet) {
	if st := &d.scopeStops[k]; st.stop {
		st.keep &= keep
		return
	}
	d.scopeStops[k] = scopeStop{stop: true, keep: keep}
}

// Status is the combined assertion of a concept.
type Status uint8

// Assertion statuses. Only Affirmed concepts are coded as current
// conditions; Family maps to family-history codes, Other to exposure
// codes, Historical to personal-history codes.
const (
	Affirmed Status = iota
	Negated
	Uncertain
	Hypothetical
	Historical
	Family
	Other
)

var statusNames = [...]string{"affirmed", "negated", "uncertain", "hypothetical", "historical", "family", "other"}

// String returns the status name used in results ("affirmed", "negated").
func (s Status) String() string {
	if int(s) < len(statusNames) {
		return statusNames[s]
	}
	return fmt.Sprintf("status(%d)", s)
}

// Traits are what the caller knows about a concept.
type Traits uint8

const (
	// Chronic: a chronic condition. A soft history cue ("history of HTN")
	// with active care in the sentence (a current medication, a
	// measurement, "continue", "controlled") or in the A/P means current
	// (rule R8).
	Chronic Traits = 1 << iota
)

// Assertion is the resolved status of one concept mention.
type Assertion struct {
	Status Status
	// Trigger is the cue that decided the status; nil when none did
	// (affirmed, or family because the sentence is in family history).
	Trigger *Trigger
	// InScope lists, by precedence, the nearest trigger of each category
	// whose scope covers the concept.
	InScope []Trigger
	// Current is set when rule R8 turned a soft history cue into a current
	// condition; Trigger is then the history cue.
	Current bool
	// BySection is set when the status comes from the section (family
	// history) rather than a trigger.
	BySection bool
}

// statusOrder ranks categories when several triggers cover a concept:
// negation wins ("no family history of X" codes nothing), then
// hypothetical, experiencer, uncertainty, history.
var statusOrder = []struct {
	cat    Category
	status Status
}{
	{CatNegated, Negated}, {CatHypothetical, Hypothetical}, {CatFamily, Family},
	{CatOther, Other}, {CatUncertain, Uncertain}, {CatHistorical, Historical},
}

// maxScopeTokens bounds how far (in tokens) a trigger's scope may reach:
// generous for a sentence, and it keeps run-on text from costing the
// square of its length.
const maxScopeTokens = 64

// Assert resolves the assertion of the concept spanning text[start:end].
func (d *Doc) Assert(start, end int, traits Traits) Assertion {
	first, last := d.tokenRange(start, end)
	if first >= len(d.Tokens) || first >= last {
		return Assertion{}
	}
	si := d.Tokens[first].Sentence
	if si < 0 {
		return Assertion{}
	}
	var res Assertion
	// The nearest covering trigger of each category; triggers are in text
	// order, and none reaches farther than maxScopeTokens.
	var nearest [catPseudo]*Trigger
	var dist [catPseudo]int
	st := d.sentTriggers[si]
	ts := d.Triggers[st.first:st.end]
	lo := sort.Search(len(ts), func(k int) bool { return ts[k].EndToken > first-maxScopeTokens })
	for k := lo; k < len(ts) && ts[k].FirstToken < last+maxScopeTokens; k++ {
		tr := &ts[k]
		if tr.Category == CatConfirmed || !d.inScope(tr, first, last) {
			continue
		}
		gap := first - tr.EndToken
		if tr.FirstToken >= last {
			gap = tr.FirstToken - last
		}
		if nearest[tr.Category] == nil || gap < dist[tr.Category] {
			nearest[tr.Category], dist[tr.Category] = tr, gap
		}
	}
	for _, o := range statusOrder {
		if tr := nearest[o.cat]; tr != nil {
			res.InScope = append(res.InScope, *tr)
			if res.Trigger == nil {
				res.Status, res.Trigger = o.status, &res.InScope[len(res.InScope)-1]
			}
		}
	}
	if res.Status == Affirmed {
		if tr := d.listResult(si, first, last); tr != nil {
			res.Status, res.Trigger = Negated, tr
		}
	}
	switch res.Status {
	case Uncertain:
		if tr, status, ok := d.testResult(first, last); ok {
			res.Status, res.Trigger = status, tr
		}
	case Historical:
		if traits&Chronic != 0 && res.Trigger.Flags&Soft != 0 && d.activeCare(si, first, last) {
			res.Status, res.Current = Affirmed, true
		}
	}
	if res.Status == Affirmed || res.Status == Historical || res.Status == Uncertain {
		if d.Sections[d.Sentences[si].Section].Kind == SectionFH && !d.mentionsPatient(si) {
			res.Status, res.Trigger, res.BySection, res.Current = Family, nil, true, false
		}
	}
	return res
}

// inScope reports whether trigger tr covers the concept tokens
// [first, last).
func (d *Doc) inScope(tr *Trigger, first, last int) bool {
	var words, commas, stops int32
	switch {
	case tr.EndToken <= first && tr.Direction != Post:
		words, commas, stops = d.scope.between(tr.EndToken, first, tr.Category)
		if tr.Direction != Both {
			commas = 0 // pre scopes run through lists: "denies fever, chills"
		}
	case tr.FirstToken >= last && tr.Direction != Pre:
		words, commas, stops = d.scope.between(last, tr.FirstToken, tr.Category)
		if tr.Flags&List != 0 {
			commas = 0
		}
	default:
		return false
	}
	return stops == 0 && commas == 0 && (tr.Window == 0 || int(words) <= tr.Window)
}

// A list a negative result closes: at most maxListItems items of at most
// maxListItemWords words each.
const (
	maxListItems     = 8
	maxListItemWords = 4
)

// listResult finds the negative test result that closes a list holding the
// concept: "Serology for HBV, HCV and HIV negative" negates all three. The
// concept's item and the items after it up to the result are short and
// state no clause verb ("Patient has pneumonia, cultures negative" is not
// a list).
func (d *Doc) listResult(si, first, last int) *Trigger {
	toks := d.Tokens
	s := &d.Sentences[si]
	for k := first - 1; k >= s.FirstToken && !d.listSeparator(k); k-- {
		if toks[k].Kind == Punct || d.clauseVerbAt(k, s.EndToken) {
			return nil
		}
	}
	items, words := 1, 0
	for k := last; k < s.EndToken; k++ {
		if tr := d.negativeResultAt(si, k); tr != nil {
			return tr
		}
		switch {
		case d.listSeparator(k):
			items, words = items+1, 0
			if items > maxListItems {
				return nil
			}
		case toks[k].Kind == Punct || d.clauseVerbAt(k, s.EndToken):
			return nil
		default:
			if words++; words > maxListItemWords {
				return nil
			}
		}
	}
	return nil
}

// listSeparator reports a comma, slash, "and" or "or" between list items.
func (d *Doc) listSeparator(k int) bool {
	t := &d.Tokens[k]
	return t.IsPunct(",") || t.IsPunct("/") || t.Kind == Word && (t.Lower == "and" || t.Lower == "or")
}

// clauseVerbAt reports a clause verb or opener starting at token k.
func (d *Doc) clauseVerbAt(k, end int) bool {
	_, n := d.a.context.clause.match(d.Tokens, k, end)
	return n > 0
}

// negativeResultAt returns the negative test result trigger starting at
// token k of sentence si, or nil.
func (d *Doc) negativeResultAt(si, k int) *Trigger {
	st := d.sentTriggers[si]
	for ti := st.first; ti < st.end; ti++ {
		tr := &d.Triggers[ti]
		if tr.FirstToken == k && tr.Category == CatNegated && tr.Flags&Result != 0 && tr.Direction != Pre {
			found := *tr
			return &found
		}
	}
	return nil
}

// maxResultMentions bounds the later mentions testResult examines.
const maxResultMentions = 4

// testResult settles an uncertain concept by a later test result for it in
// the same or the next sentence: "R/o strep; rapid strep negative" is
// negated, "... rapid strep positive" affirmed.
func (d *Doc) testResult(first, last int) (*Trigger, Status, bool) {
	toks := d.Tokens
	head := ""
	for k := last - 1; k >= first; k-- {
		if toks[k].Kind == Word && !d.a.norm.stop[toks[k].Norm] {
			head = toks[k].Norm
			break
		}
	}
	if head == "" {
		return nil, 0, false
	}
	si := toks[first].Sentence
	limit := d.Sentences[si].EndToken
	if si+1 < len(d.Sentences) && d.Sentences[si+1].Section == d.Sentences[si].Section {
		limit = d.Sentences[si+1].EndToken
	}
	for k, seen := last, 0; k < limit && seen < maxResultMentions; k++ {
		if toks[k].Norm != head || toks[k].Sentence < 0 {
			continue
		}
		seen++
		st := d.sentTriggers[toks[k].Sentence]
		for ti := st.first; ti < st.end; ti++ {
			tr := &d.Triggers[ti]
			if tr.Flags&Result == 0 || !d.inScope(tr, k, k+1) {
				continue
			}
			found := *tr
			if tr.Category == CatConfirmed {
				return &found, Affirmed, true
			}
			return &found, Negated, true
		}
	}
	return nil, 0, false
}

// ActiveCare reports whether the sentence of the concept at text[start:end]
// shows it managed now (rule R8): the sentence is in the A/P or holds,
// outside the concept, a current-care cue, a current medication or a
// measurement.
func (d *Doc) ActiveCare(start, end int) bool {
	first, last := d.tokenRange(start, end)
	if first >= len(d.Tokens) || first >= last || d.Tokens[first].Sentence < 0 {
		return false
	}
	return d.activeCare(d.Tokens[first].Sentence, first, last)
}

// OpensClause reports whether token k starts a new clause that closes a
// negation: a terminator ("but", "which") or, after a comma or "and", a
// clause verb or history cue ("anxiety, he states ..."). A dictionary
// matcher should not read a phrase across it.
func (d *Doc) OpensClause(k int) bool {
	if k < 0 || k >= len(d.scopeStops) {
		return false
	}
	st := d.scopeStops[k]
	return st.stop && !st.keep.has(CatNegated)
}

// activeCare reports evidence that a condition is being managed now: the
// sentence is in the A/P, or holds outside the concept a current-care cue,
// a current medication or a measurement.
func (d *Doc) activeCare(si, first, last int) bool {
	if d.Sections[d.Sentences[si].Section].Kind == SectionAP || si < len(d.sentActive) && d.sentActive[si] {
		return true
	}
	sc := d.sentCare[si]
	for _, c := range d.careCues[sc.first:sc.end] {
		if int(c.end) <= first || int(c.first) >= last {
			return true
		}
	}
	return false
}

// markActive notes the sentences holding a current medication or a
// measurement, for rule R8.
func (d *Doc) markActive() {
	d.sentActive = make([]bool, len(d.Sentences))
	for _, m := range d.Medications {
		if m.Current {
			d.sentActive[m.Sentence] = true
		}
	}
	for _, m := range d.Measurements {
		if m.Kind != Age && m.Kind != Sex {
			d.sentActive[m.Sentence] = true
		}
	}
}

// mentionsPatient reports whether a sentence names the patient, which in
// family history means the patient is the experiencer.
func (d *Doc) mentionsPatient(si int) bool {
	s := &d.Sentences[si]
	for k := s.FirstToken; k < s.EndToken; k++ {
		switch d.Tokens[k].Lower {
		case "patient", "pt", "patient's", "pt's":
			return true
		}
	}
	return false
}
