package icd

import (
	"iter"
	"regexp"
	"strings"
	"unicode"
)

// Index is a loaded ICD-10-CM index: the Alphabetic Index to Diseases and
// Injuries, the External Cause of Injuries Index, or (with Columns) the
// Table of Drugs and Chemicals or the Neoplasm Table, which share its
// schema.
type Index struct {
	Version string
	Title   string
	// Columns are the table's column headings (<indexHeading>), first the
	// heading of the row titles ("Substance", "Neoplasm"); nil for the
	// alphabetic indexes.
	Columns   []string
	mainTerms []*Term
	byTitle   map[string][]*Term
	numTerms  int
}

// Term is a main term (Level 0) or a subterm of the index.
type Term struct {
	Title string // without its nonessential modifiers
	// Nemod are the nonessential modifiers, the parenthesized words that do
	// not change the code: "Pneumonia (acute) (double)" → ["acute", "double"].
	Nemod []string
	// Code is the code the index gives; a trailing "-" means incomplete
	// (the tabular supplies the remaining characters).
	Code string
	// Manif is a manifestation code printed in brackets, to be sequenced
	// after Code: "Dementia in Alzheimer's disease G30.9 [F02.80]".
	Manif string
	// See is a mandatory cross-reference ("see Disease, kidney, chronic"),
	// SeeAlso an optional one.
	See, SeeAlso string
	// SeeCode is a tabular category or subcategory to consult instead of a
	// code (<seecat>, <subcat>).
	SeeCode string
	// Cells holds a table row's codes by column, aligned with the table's
	// Columns ("" where the table prints "--" or nothing).
	Cells    []string
	Level    int
	Children []*Term
	Parent   *Term
}

// Incomplete reports whether the term's code needs more characters from
// the tabular.
func (t *Term) Incomplete() bool { return strings.HasSuffix(t.Code, "-") }

// Main returns the term's main term.
func (t *Term) Main() *Term {
	for t.Parent != nil {
		t = t.Parent
	}
	return t
}

// Path returns the terms from the main term down to t.
func (t *Term) Path() []*Term {
	path := make([]*Term, t.Level+1)
	for p := t; p != nil; p = p.Parent {
		path[p.Level] = p
	}
	return path
}

// PathString joins the titles of the path with ", ", the way index
// cross-references are written ("Disease, kidney, chronic").
func (t *Term) PathString() string {
	path := t.Path()
	titles := make([]string, len(path))
	for i, p := range path {
		titles[i] = p.Title
	}
	return strings.Join(titles, ", ")
}

// Child returns the subterm of t that title names, trying in turn: the
// same title (see MatchKey); a title listing it among comma-separated
// variants ("vision, visual" for "visual"); the title less a trailing
// "NEC" ("drug NEC" for "drug"); the shortest title that starts with its
// words ("metatarsal bone" for "metatarsal"). Index cross-references are
// written in these shortened forms.
func (t *Term) Child(title string) *Term {
	want := MatchKey(title)
	if want == "" {
		return nil
	}
	var variant, nec, prefix *Term
	for _, c := range t.Children {
		key := MatchKey(c.Title)
		switch {
		case key == want:
			return c
		case variant == nil && strings.Contains(c.Title, ",") && hasVariant(c.Title, want):
			variant = c
		case nec == nil && strings.TrimSuffix(key, " nec") == want:
			nec = c
		case strings.HasPrefix(key, want+" ") && (prefix == nil || len(key) < len(MatchKey(prefix.Title))):
			prefix = c
		}
	}
	for _, c := range []*Term{variant, nec, prefix} {
		if c != nil {
			return c
		}
	}
	return nil
}

func hasVariant(title, want string) bool {
	for _, part := range strings.Split(title, ",") {
		if MatchKey(part) == want {
			return true
		}
	}
	return false
}

// MainTerms returns the main terms in index order.
func (ix *Index) MainTerms() []*Term { return ix.mainTerms }

// NumTerms counts main terms and subterms.
func (ix *Index) NumTerms() int { return ix.numTerms }

// MainTerm returns the main terms whose title matches title (see
// MatchKey). A main term written with variants after a comma ("Disease,
// diseased") is also found by its first part ("disease"); exact titles
// come first.
func (ix *Index) MainTerm(title string) []*Term {
	return ix.byTitle[MatchKey(title)]
}

// All yields every term in index order, each main term before its
// subterms.
func (ix *Index) All() iter.Seq[*Term] {
	return func(yield func(*Term) bool) {
		var walk func(ts []*Term) bool
		walk = func(ts []*Term) bool {
			for _, t := range ts {
				if !yield(t) || !walk(t.Children) {
					return false
				}
			}
			return true
		}
		walk(ix.mainTerms)
	}
}

// Resolution is where an index cross-reference leads.
type Resolution struct {
	// Terms is the matched path: a main term, then subterms.
	Terms []*Term
	// Rest holds trailing parts of the reference that name no subterm,
	// such as "by site" in "Neoplasm, malignant, by site".
	Rest []string
	// Code is set when the reference points to the tabular instead
	// ("see category M01", "see also subcategory M14.8-").
	Code string
}

// Target returns the deepest matched term, or nil.
func (r Resolution) Target() *Term {
	if len(r.Terms) == 0 {
		return nil
	}
	return r.Terms[len(r.Terms)-1]
}

var tabularRefRe = regexp.MustCompile(`^(?i:sub)?(?i:category)\s+([A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?-?)$`)

// Resolve follows a see or see-also reference such as "Disease, kidney,
// chronic": the longest leading parts that name a main term, then
// subterms for as many following parts as match. ok is false when the
// reference names no main term and no tabular category.
func (ix *Index) Resolve(ref string) (res Resolution, ok bool) {
	ref = collapseSpace(ref)
	if m := tabularRefRe.FindStringSubmatch(ref); m != nil {
		return Resolution{Code: m[1]}, true
	}
	parts := strings.Split(ref, ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	for n := len(parts); n >= 1; n-- {
		head := strings.Join(parts[:n], ", ")
		mains := ix.MainTerm(head)
		if len(mains) == 0 && strings.HasSuffix(head, "s") {
			// "Complications" is printed "Complication(s)".
			mains = ix.MainTerm(strings.TrimSuffix(head, "s"))
		}
		if len(mains) == 0 {
			continue
		}
		best := Resolution{}
		for _, m := range mains {
			r := walkParts(m, parts[n:])
			if best.Terms == nil || len(r.Terms) > len(best.Terms) {
				best = r
			}
		}
		return best, true
	}
	return Resolution{}, false
}

// walkParts descends from main through subterms named by parts. Parts
// that repeat the main term's own comma-separated title ("Findings,
// abnormal, in blood" under "Findings, abnormal, inconclusive, without
// diagnosis") are consumed first. A subterm title may itself contain
// commas, so longer joins are tried first.
func walkParts(main *Term, parts []string) Resolution {
	res := Resolution{Terms: []*Term{main}}
	titleParts := strings.Split(main.Title, ",")[1:]
	for len(parts) > 0 && len(titleParts) > 0 {
		if MatchKey(parts[0]) == MatchKey(titleParts[0]) {
			parts = parts[1:]
		}
		titleParts = titleParts[1:]
	}
	cur := main
	for len(parts) > 0 {
		var next *Term
		used := 0
		for n := len(parts); n >= 1 && next == nil; n-- {
			if c := cur.Child(strings.Join(parts[:n], ", ")); c != nil {
				next, used = c, n
			}
		}
		if next == nil {
			break
		}
		res.Terms = append(res.Terms, next)
		cur, parts = next, parts[used:]
	}
	res.Rest = parts
	return res
}

// MatchKey is the form titles are compared in: parenthesized words
// (nonessential modifiers such as "(of)" in "Loss (of)", or "(s)" in
// "Disturbance(s)") removed, then Normalize.
func MatchKey(s string) string {
	if strings.IndexByte(s, '(') >= 0 {
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
		s = b.String()
	}
	return Normalize(s)
}

// Normalize folds a title for matching: lower case, apostrophes dropped,
// every other run of non-alphanumeric characters turned into one space.
func Normalize(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case r == '\'' || r == '’':
			continue
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(unicode.ToLower(foldAccent(r)))
		default:
			space = true
		}
	}
	return b.String()
}

// foldAccent maps the accented letters found in index titles (Sézary,
// Charcôt, Sträussler) to their base letter.
func foldAccent(r rune) rune {
	if r < 0xC0 {
		return r
	}
	const from = "ÀÁÂÃÄÅàáâãäåÈÉÊËèéêëÌÍÎÏìíîïÒÓÔÕÖØòóôõöøÙÚÛÜùúûüÇçÑñÝýÿ"
	const to = "AAAAAAaaaaaaEEEEeeeeIIIIiiiiOOOOOOooooooUUUUuuuuCcNnYyy"
	i := 0
	for _, f := range from {
		if f == r {
			return rune(to[i])
		}
		i++
	}
	return r
}

// build indexes main terms by title and counts terms.
func (ix *Index) build() {
	ix.byTitle = make(map[string][]*Term, len(ix.mainTerms)*2)
	for _, m := range ix.mainTerms {
		full := MatchKey(m.Title)
		ix.byTitle[full] = append(ix.byTitle[full], m)
	}
	// Aliases by first comma part go after every exact title.
	for _, m := range ix.mainTerms {
		if first, _, ok := strings.Cut(m.Title, ","); ok {
			alias := MatchKey(first)
			if alias != MatchKey(m.Title) {
				ix.byTitle[alias] = append(ix.byTitle[alias], m)
			}
		}
	}
	ix.numTerms = 0
	for range ix.All() {
		ix.numTerms++
	}
}

// Table is the Table of Drugs and Chemicals or the Neoplasm Table: index
// terms whose codes sit in columns.
type Table struct {
	Index
}

// Column returns the position in Columns of the heading (compared after
// normalization), or -1.
func (tb *Table) Column(heading string) int {
	want := Normalize(heading)
	for i, h := range tb.Columns {
		if Normalize(h) == want {
			return i
		}
	}
	return -1
}

// Cell returns term's code under the column heading, "" when none.
func (tb *Table) Cell(t *Term, heading string) string {
	i := tb.Column(heading)
	if i < 0 || i >= len(t.Cells) {
		return ""
	}
	return t.Cells[i]
}
