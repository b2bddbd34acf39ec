package engine

import (
	"slices"
	"strings"

	"github.com/medcode/medcode/internal/codeset/icd"
)

// Neoplasm Table columns, as headed in the release file.
var neoplasmColumns = []struct{ word, heading string }{
	{"secondary", "Malignant Secondary"},
	{"in situ", "Ca in situ"},
	{"uncertain", "Uncertain Behavior"},
	{"unspecified", "Unspecified Behavior"},
	{"benign", "Benign"},
	{"malignant", "Malignant Primary"},
}

// neoplasmRef is an Index cross-reference into the Neoplasm Table:
// "Neoplasm, skin, malignant" names a site and a behavior column.
type neoplasmRef struct {
	site []string // normalized site words the reference fixes ("skin")
	// stated is set when the site words are the note's own ("lung
	// metastases"), so a row naming only them is a site stated.
	stated  bool
	heading string // column heading
}

// neoplasmRow is one row of the Neoplasm Table with the words of its site
// path: one entry per path level, each a list of spelling alternatives
// ("nose, nasal").
type neoplasmRow struct {
	term   *icd.Term
	levels [][][]string
	nwords int
}

// neoplasmCoder codes a neoplasm from its behavior and the site the note
// states (Guidelines I.C.2; rule NEOPLASM).
type neoplasmCoder struct {
	table *icd.Table
	words wordsFunc
	rows  []neoplasmRow
	// byFirst indexes the rows below a main term by the first word of each
	// alternative of their top level, which a mention must state for the
	// row to apply; mainRows are the main terms' own rows (no level).
	byFirst  map[string][]int
	mainRows []int
	// siteWords are the words of the Table's site rows.
	siteWords map[string]bool
}

func newNeoplasmCoder(table *icd.Table, words wordsFunc, drop map[string]bool) *neoplasmCoder {
	n := &neoplasmCoder{table: table, words: words, byFirst: map[string][]int{}, siteWords: map[string]bool{}}
	if table == nil {
		return n
	}
	// Behavior words qualify a row ("Meckel diverticulum, malignant"); they
	// are not site words.
	behavior := map[string]bool{}
	for _, w := range words("neoplasm neoplastic") {
		behavior[w] = true
	}
	for _, c := range neoplasmColumns {
		for _, w := range words(c.word) {
			behavior[w] = true
		}
	}
	var walk func(t *icd.Term, parent neoplasmRow)
	walk = func(t *icd.Term, parent neoplasmRow) {
		for _, ch := range t.Children {
			// Site titles list a noun and its adjective ("nose, nasal"):
			// each comma part is an alternative.
			var alts [][]string
			for _, v := range siteParts(ch.Title) {
				if ws := words(dropRaw(v, drop)); len(ws) > 0 {
					alts = append(alts, ws)
				}
			}
			for _, a := range alts {
				for _, w := range a {
					if !behavior[w] {
						n.siteWords[w] = true
					}
				}
			}
			row := neoplasmRow{term: ch, levels: append(append([][][]string(nil), parent.levels...), alts), nwords: parent.nwords + 1}
			n.rows = append(n.rows, row)
			walk(ch, row)
		}
	}
	for _, m := range table.MainTerms() {
		n.rows = append(n.rows, neoplasmRow{term: m})
		walk(m, neoplasmRow{})
	}
	for i, row := range n.rows {
		if len(row.levels) == 0 {
			n.mainRows = append(n.mainRows, i)
			continue
		}
		for _, a := range row.levels[0] {
			if rs := n.byFirst[a[0]]; len(rs) == 0 || rs[len(rs)-1] != i {
				n.byFirst[a[0]] = append(rs, i)
			}
		}
	}
	return n
}

// candidateRows returns, in Table order, the rows whose top level the
// words can state.
func (n *neoplasmCoder) candidateRows(near map[string]bool, site []string) []int {
	out := append([]int(nil), n.mainRows...)
	for w := range near {
		out = append(out, n.byFirst[w]...)
	}
	for _, w := range site {
		out = append(out, n.byFirst[w]...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// bySite returns the Neoplasm Table column in which a tabular neoplasm
// code stated by behavior and site ("Malignant neoplasm of ...", or of
// unspecified site, C80.1) is looked up again: the Index codes neoplasms by
// the Table, whose rows read the site the note states ("malignant neoplasm
// of the skin of the back" is the row "skin, back", not the tabular
// wording "back NOS" of soft tissue). Codes named by histology (melanoma,
// lymphoma) are left as they are.
func (n *neoplasmCoder) bySite(code string, title string) (neoplasmRef, bool) {
	t := strings.ToLower(title)
	generic := strings.HasPrefix(code, "C80")
	for _, p := range []string{"malignant neoplasm of ", "secondary malignant neoplasm of ", "benign neoplasm of ", "carcinoma in situ of ", "neoplasm of uncertain behavior of ", "neoplasm of unspecified behavior of "} {
		generic = generic || strings.HasPrefix(t, p)
	}
	if n.table == nil || !generic {
		return neoplasmRef{}, false
	}
	var heading string
	switch {
	case code >= "C00" && code < "C77" || strings.HasPrefix(code, "C80"):
		heading = "Malignant Primary"
	case code >= "C77" && code < "C80":
		heading = "Malignant Secondary"
	case code >= "D00" && code < "D10":
		heading = "Ca in situ"
	case code >= "D10" && code < "D37":
		heading = "Benign"
	case code >= "D37" && code < "D49":
		heading = "Uncertain Behavior"
	case strings.HasPrefix(code, "D49"):
		heading = "Unspecified Behavior"
	default:
		return neoplasmRef{}, false
	}
	if n.table.Column(heading) < 0 {
		return neoplasmRef{}, false
	}
	return neoplasmRef{heading: heading}, true
}

// siteParts splits a site title into its spelling alternatives ("nose,
// nasal"); a part naming a behavior ("Meckel diverticulum, malignant") is
// a qualifier of the site, not another way to write it.
func siteParts(title string) []string {
	parts := strings.Split(title, ",")
	for _, p := range parts[1:] {
		lp := strings.ToLower(strings.TrimSpace(p))
		for _, c := range neoplasmColumns {
			if strings.Contains(lp, c.word) {
				return []string{title}
			}
		}
	}
	return parts
}

// also returns the Neoplasm Table reference a morphology term points to
// with "see also" (on itself, in its nonessential modifiers, or on an
// ancestor): "Carcinoma, basal cell C44.91 (see also Neoplasm, skin,
// malignant)" is coded by site when the note gives one.
func (n *neoplasmCoder) also(t *icd.Term) (neoplasmRef, bool) {
	for p := t; p != nil; p = p.Parent {
		refs := []string{p.SeeAlso}
		for _, nm := range p.Nemod {
			nm = strings.Join(strings.Fields(strings.Trim(nm, "()")), " ")
			if i := strings.Index(strings.ToLower(nm), "see also"); i >= 0 {
				refs = append(refs, strings.TrimSpace(nm[i+len("see also"):]))
			}
		}
		for _, ref := range refs {
			if r, ok := n.ref(ref); ok {
				return r, true
			}
		}
	}
	return neoplasmRef{}, false
}

// ref reads a cross-reference into the Neoplasm Table.
func (n *neoplasmCoder) ref(see string) (neoplasmRef, bool) {
	if n.table == nil {
		return neoplasmRef{}, false
	}
	parts := strings.Split(see, ",")
	head := strings.ToLower(strings.TrimSpace(parts[0]))
	if !strings.HasPrefix(head, "neoplasm") && head != "table of neoplasms" {
		return neoplasmRef{}, false
	}
	var r neoplasmRef
	for _, p := range parts[1:] {
		lp := strings.ToLower(strings.TrimSpace(p))
		if lp == "by site" || lp == "" {
			continue
		}
		heading := ""
		for _, c := range neoplasmColumns {
			if strings.Contains(lp, c.word) {
				heading = c.heading
				break
			}
		}
		if heading != "" {
			r.heading = heading
			continue
		}
		r.site = append(r.site, n.words(lp)...)
	}
	if r.heading == "" {
		// A neoplasm whose behavior the note does not state is coded to
		// unspecified behavior (Guidelines I.C.2.a; D49).
		r.heading = "Unspecified Behavior"
	}
	if n.table.Column(r.heading) < 0 {
		return neoplasmRef{}, false
	}
	return r, true
}

// code finds the row whose site path the mention's phrase states (the
// reference's own site words granted), the most specific one, and
// completes its code in the column.
func (n *neoplasmCoder) code(nav *navigator, r neoplasmRef, ctx navContext, needSite bool) (*icd.Code, []navStep, bool) {
	site := map[string]bool{}
	for _, w := range r.site {
		site[w] = true
	}
	stated := func(ws []string) bool {
		for _, w := range ws {
			if !ctx.near[w] && !site[w] {
				return false
			}
		}
		return true
	}
	var best *neoplasmRow
	var bestHead bool
	var rowWords []string
	for _, i := range n.candidateRows(ctx.near, r.site) {
		row := &n.rows[i]
		ok := true
		// head is set when the deepest level is stated by its first part,
		// the row's own noun: "renal" is the row "renal" (kidney) before
		// the row "calyx, renal", which it states only as a qualifier.
		head := false
		rowWords = rowWords[:0]
		for _, alts := range row.levels {
			levelOK := false
			for j, a := range alts {
				if stated(a) {
					levelOK, head = true, j == 0
					rowWords = append(rowWords, a...)
					break
				}
			}
			if !levelOK {
				ok = false
				break
			}
		}
		// The row must name every site word the reference fixes, on any
		// level of its path ("skin, back").
		hasSite := containsAll(rowWords, r.site)
		// A row without codes is a cross-reference ("cutaneous - see
		// Neoplasm, skin"): the row it points to is read instead.
		better := best == nil || row.nwords > best.nwords || row.nwords == best.nwords && head && !bestHead
		if ok && hasSite && better && hasCells(row.term) {
			best, bestHead = row, head
		}
	}
	if best == nil || (needSite && best.nwords == len(r.site) && !r.stated) {
		return nil, nil, false
	}
	for t := best.term; t != nil; t = t.Parent {
		cell := n.table.Cell(t, r.heading)
		if cell == "" || cell == "-" || cell == "--" {
			continue
		}
		code, steps, ok := nav.complete(cell, ctx, "")
		if !ok {
			return nil, nil, false
		}
		step := navStep{rule: "NEOPLASM", detail: "Neoplasm Table, " + strings.Join(rowPath(t), ", ") + ", " + r.heading + ": " + cell}
		if better, bsteps, ok := n.byHistology(nav, code, ctx); ok {
			return better, append([]navStep{step}, bsteps...), true
		}
		return code, append([]navStep{step}, steps...), true
	}
	return nil, nil, false
}

// byHistology refines a site code the table gives for a neoplasm of
// unstated type ("Unspecified malignant neoplasm of skin of other part of
// trunk") when the note names the histology the tabular splits the site
// by: from the subcategory two levels up, the child whose title the note
// states ("Basal cell carcinoma of skin of trunk"), then the same site
// position as the table's code (C44.509 → C44.519).
func (n *neoplasmCoder) byHistology(nav *navigator, code *icd.Code, ctx navContext) (*icd.Code, []navStep, bool) {
	if !strings.HasPrefix(strings.ToLower(code.Title), "unspecified") {
		return nil, nil, false
	}
	anc := nav.tab.Ancestors(code.Code)
	if len(anc) < 2 {
		return nil, nil, false
	}
	better, steps, ok := nav.complete(anc[1].Code, ctx, code.Code)
	if !ok || better.Code == code.Code || len(steps) == 0 || steps[0].rule != "SPECIFICITY" {
		return nil, nil, false
	}
	return better, steps, true
}

// hasCells reports whether a table row gives any code.
func hasCells(t *icd.Term) bool {
	for _, c := range t.Cells {
		if c != "" && c != "-" && c != "--" {
			return true
		}
	}
	return false
}

func rowPath(t *icd.Term) []string {
	var out []string
	for p := t; p != nil; p = p.Parent {
		out = append([]string{p.Title}, out...)
	}
	return out
}

func containsAll(have, want []string) bool {
	for _, w := range want {
		found := false
		for _, h := range have {
			if h == w {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}
