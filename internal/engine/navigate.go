package engine

import (
	"fmt"
	"slices"
	"strings"

	"github.com/medcode/medcode/internal/codeset/icd"
)

// Encounter phases, the meaning of the injury 7th character.
const (
	phaseInitial    = "initial"
	phaseSubsequent = "subsequent"
	phaseSequela    = "sequela"
)

// Sides, as the tabular writes them.
const (
	sideRight     = "right"
	sideLeft      = "left"
	sideBilateral = "bilateral"
)

// navContext is what the note says around a mention that can complete a
// code: its words (normalized), the side and the encounter phase.
type navContext struct {
	words map[string]bool // the sentence (shared, read-only)
	extra map[string]bool // words the context implies: side, cues, acuity
	near  map[string]bool // the clause of the mention
	side  string
	phase string
}

func (c navContext) has(w string) bool { return c.words[w] || c.extra[w] }

// navStep records one decision of tabular navigation for the reasoning.
type navStep struct {
	rule   string // rule id: SPECIFICITY, LATERALITY, SEVENTH, DEFAULT-UNSPECIFIED, PLACEHOLDER
	detail string
}

// navigator completes codes in one tabular.
type navigator struct {
	tab   *icd.Tabular
	words wordsFunc
	drop  map[string]bool
	// generic words a child title adds without distinguishing it ("ear"
	// in "..., right ear").
	generic map[string]bool
	// sideWords are the normalized forms of the side words.
	sideWords map[string]string
	// phaseWords are the normalized 7th-character words.
	phaseWords map[string]string
	// connective are words that link a title's parts ("with", "due to"):
	// the linked condition must be stated, not the link.
	connective map[string]bool
	cache      map[string][]string // title words
}

func newNavigator(tab *icd.Tabular, words wordsFunc, drop map[string]bool) *navigator {
	n := &navigator{tab: tab, words: words, drop: drop, generic: map[string]bool{}, sideWords: map[string]string{}, phaseWords: map[string]string{}, connective: map[string]bool{}}
	for _, w := range words("with in due to") {
		n.connective[w] = true
	}
	for _, g := range []string{"ear", "eye", "side", "site", "part", "limb", "extremity", "organ", "region"} {
		for _, w := range words(g) {
			n.generic[w] = true
		}
	}
	for _, s := range []string{sideRight, sideLeft, sideBilateral} {
		for _, w := range words(s) {
			n.sideWords[w] = s
		}
	}
	for _, p := range []string{phaseInitial, phaseSubsequent, phaseSequela} {
		for _, w := range words(p) {
			n.phaseWords[w] = p
		}
	}
	return n
}

// titleWords returns the distinguishing words of a tabular title.
func (n *navigator) titleWords(title string) []string {
	return n.words(dropRaw(title, n.drop))
}

// lookup finds code in the tabular, climbing to the nearest ancestor the
// release knows when the code was found in a newer Index (a code added
// after the date of service's release).
func (n *navigator) lookup(code string) (*icd.Code, bool) {
	code = strings.TrimRight(strings.TrimSpace(code), "-.")
	for len(code) >= 3 {
		if c, ok := n.tab.Lookup(code); ok {
			return c, true
		}
		code = strings.TrimRight(code[:len(code)-1], ".")
	}
	return nil, false
}

// complete turns an Index or tabular code, possibly incomplete ("H66.9-")
// or a header, into a billable code using ctx; analog is a complete code
// found higher on the same Index path, used as a last resort ("Influenza
// J11.1" guides "Influenza, A J10-" to J10.1). ok is false when the code
// is unknown to the release.
func (n *navigator) complete(code string, ctx navContext, analog string) (*icd.Code, []navStep, bool) {
	c, ok := n.lookup(code)
	if !ok {
		return nil, nil, false
	}
	var steps []navStep
	for !c.Billable {
		children := n.tab.Children(c.Code)
		if len(children) == 0 {
			return nil, steps, false
		}
		var next *icd.Code
		var step navStep
		if children[0].SeventhChar != "" {
			next, step = n.seventh(c, children, ctx)
			if placeholder(next) {
				steps = append(steps, navStep{rule: "PLACEHOLDER", detail: "placeholder X fills the empty positions before the 7th character"})
			}
		} else {
			next, step = n.child(c, children, ctx, analog)
		}
		steps = append(steps, step)
		c = next
	}
	level := c // the code a sibling can replace: a 7th-character code's base
	if c.SeventhChar != "" {
		if b, ok := n.tab.Lookup(c.Base); ok {
			level = b
		}
	}
	if better, step, ok := n.specify(level, ctx); ok {
		if better.Billable {
			return better, append(steps, step), true
		}
		if done, more, ok := n.complete(better.Code, navContext{words: ctx.words, extra: ctx.extra, side: ctx.side, phase: ctx.phase}, ""); ok {
			return done, append(append(steps, step), more...), true
		}
	}
	return c, steps, true
}

// specify replaces an unspecified billable code by the sibling whose
// distinguishing words the mention's clause states: the Index may stop at
// "Disorder, depressive, major, recurrent" (F33.9) while the note goes on
// "recurrent, severe without psychotic features" (F33.2, a sibling).
func (n *navigator) specify(code *icd.Code, ctx navContext) (*icd.Code, navStep, bool) {
	if !isUnspecified(code.Title) || code.Parent == "" || len(ctx.near) == 0 {
		return nil, navStep{}, false
	}
	parent, ok := n.tab.Lookup(code.Parent)
	if !ok {
		return nil, navStep{}, false
	}
	// Words the code's own title has distinguish nothing: the sibling must
	// add some ("Other hyperlipidemia" adds none to "Hyperlipidemia,
	// unspecified").
	parentWords := map[string]bool{}
	for _, w := range append(n.titleWords(parent.Title), n.statedWords(code.Title)...) {
		parentWords[w] = true
	}
	clause := n.splitBilateral(n.tab.Children(parent.Code), navContext{words: ctx.near, extra: ctx.extra, side: ctx.side})
	var best *icd.Code
	bestScore := 0
	for _, sib := range n.tab.Children(parent.Code) {
		// A sibling less unspecified than the code: H66.92 "..., unspecified,
		// left ear" for H66.90 "..., unspecified, unspecified ear".
		if sib == code || unspecifiedCount(sib.Title) >= unspecifiedCount(code.Title) {
			continue
		}
		if score, _, ok := n.satisfied(sib.Title, parent.Title, parentWords, clause); ok && score > bestScore {
			best, bestScore = sib, score
		}
	}
	if best == nil {
		return nil, navStep{}, false
	}
	return best, navStep{rule: "SPECIFICITY", detail: fmt.Sprintf("%s: %s", best.Code, best.Title)}, true
}

// child picks the child of parent whose distinguishing words the context
// states; else the unspecified child; else the child that mirrors the
// analog code; else the first billable child.
func (n *navigator) child(parent *icd.Code, children []*icd.Code, ctx navContext, analog string) (*icd.Code, navStep) {
	// Words every child shares are implied by the parent ("radius" under
	// "Colles' fracture"), so they distinguish nothing.
	parentWords := map[string]bool{}
	for _, w := range n.titleWords(parent.Title) {
		parentWords[w] = true
	}
	shared := map[string]int{}
	for _, ch := range children {
		seen := map[string]bool{}
		for _, w := range n.titleWords(ch.Title) {
			if !seen[w] {
				seen[w] = true
				shared[w]++
			}
		}
	}
	for w, k := range shared {
		if k == len(children) && len(children) > 1 {
			parentWords[w] = true
		}
	}
	ctx = n.splitBilateral(children, ctx)
	var best *icd.Code
	bestScore := 0
	bestSide := false
	var unspecified, without *icd.Code
	unspecWords := 0
	for _, ch := range children {
		title := strings.ToLower(ch.Title)
		// The unspecified child that adds least: "..., unspecified ear", not
		// "..., recurrent, unspecified ear".
		if n := len(n.titleWords(ch.Title)); (moreUnspecified(ch.Title, parent.Title) || strings.HasSuffix(title, " nos")) && (unspecified == nil || n < unspecWords) {
			unspecified, unspecWords = ch, n
		}
		if without == nil && (strings.Contains(title, "without") && !strings.Contains(strings.ToLower(parent.Title), "without") || strings.Contains(title, "uncomplicated")) {
			without = ch
		}
		score, side, ok := n.satisfied(ch.Title, parent.Title, parentWords, ctx)
		if ok && score > bestScore {
			best, bestScore, bestSide = ch, score, side
		}
	}
	switch {
	case best != nil:
		rule := "SPECIFICITY"
		if bestSide {
			rule = "LATERALITY"
		}
		return best, navStep{rule: rule, detail: fmt.Sprintf("%s: %s", best.Code, best.Title)}
	case without != nil:
		// "Without complications" is the default of a "with/without" split
		// (E11.9, not E11.8 "with unspecified complications").
		return without, navStep{rule: "DEFAULT-UNSPECIFIED", detail: fmt.Sprintf("%s: %s", without.Code, without.Title)}
	case unspecified != nil:
		return unspecified, navStep{rule: "DEFAULT-UNSPECIFIED", detail: fmt.Sprintf("%s: %s", unspecified.Code, unspecified.Title)}
	}
	if a := n.mirror(parent, children, analog); a != nil {
		return a, navStep{rule: "DEFAULT-UNSPECIFIED", detail: fmt.Sprintf("%s: %s (as %s)", a.Code, a.Title, analog)}
	}
	for _, ch := range children {
		if ch.Billable {
			return ch, navStep{rule: "DEFAULT-UNSPECIFIED", detail: fmt.Sprintf("%s: %s", ch.Code, ch.Title)}
		}
	}
	return children[0], navStep{rule: "DEFAULT-UNSPECIFIED", detail: fmt.Sprintf("%s: %s", children[0].Code, children[0].Title)}
}

// satisfied reports whether every word a child title adds to its parent's
// is stated in the context, and how many it adds. A side word must match
// the documented side.
func (n *navigator) satisfied(title, parentTitle string, parentWords map[string]bool, ctx navContext) (score int, side, ok bool) {
	if moreUnspecified(title, parentTitle) {
		return 0, false, false
	}
	for _, w := range n.statedWords(title) {
		if parentWords[w] || n.generic[w] || n.connective[w] {
			continue
		}
		if s, isSide := n.sideWords[w]; isSide {
			if s != ctx.side {
				return 0, false, false
			}
			side = true
			score++
			continue
		}
		if !ctx.has(w) {
			return 0, false, false
		}
		score++
	}
	return score, side, score > 0
}

// otherSide returns, for a code completed to the right side of a
// condition documented on both sides whose subcategory has no bilateral
// code ("low back pain with bilateral sciatica": M54.41 right, M54.42
// left), the left side's code, completed the same way.
func (n *navigator) otherSide(code *icd.Code, ctx navContext) (*icd.Code, bool) {
	if ctx.side != sideBilateral {
		return nil, false
	}
	level := code
	if code.SeventhChar != "" {
		if b, ok := n.tab.Lookup(code.Base); ok {
			level = b
		}
	}
	parent, ok := n.tab.Lookup(level.Parent)
	if !ok {
		return nil, false
	}
	siblings := n.tab.Children(parent.Code)
	var right, left *icd.Code
	for _, sib := range siblings {
		switch n.sideOf(sib.Title) {
		case sideBilateral:
			return nil, false // the subcategory codes both sides at once
		case sideRight:
			if right == nil {
				right = sib
			}
		case sideLeft:
			if left == nil {
				left = sib
			}
		}
	}
	if right == nil || left == nil || right.Code != level.Code {
		return nil, false
	}
	done, _, ok := n.complete(left.Code, navContext{words: ctx.words, extra: ctx.extra, side: sideLeft, phase: ctx.phase}, "")
	return done, ok
}

// splitBilateral reads a bilateral condition as its right side among
// children that code each side but not both (otherSide adds the left).
func (n *navigator) splitBilateral(children []*icd.Code, ctx navContext) navContext {
	if ctx.side != sideBilateral {
		return ctx
	}
	for _, ch := range children {
		if n.sideOf(ch.Title) == sideBilateral {
			return ctx
		}
	}
	ctx.side = sideRight
	return ctx
}

// sideOf is the side a title names, "" for none.
func (n *navigator) sideOf(title string) string {
	for _, w := range n.titleWords(title) {
		if s, ok := n.sideWords[w]; ok {
			return s
		}
	}
	return ""
}

// unspecifiedCount is how many times a title says "unspecified".
func unspecifiedCount(title string) int {
	return strings.Count(strings.ToLower(title), "unspecified")
}

// statedWords are the words of a title a note must state: those after
// "without" name what is absent ("severe without psychotic features"),
// which a note may say or leave unsaid.
func (n *navigator) statedWords(title string) []string {
	if !strings.Contains(strings.ToLower(title), "without ") {
		return n.titleWords(title)
	}
	parts := strings.Split(title, ",")
	for i, p := range parts {
		lp := strings.ToLower(p)
		if j := strings.Index(lp, "without "); j >= 0 && (j == 0 || lp[j-1] == ' ') {
			parts[i] = p[:j]
		}
	}
	return n.titleWords(strings.Join(parts, ","))
}

// moreUnspecified reports whether a child title adds an "unspecified" to
// its parent's ("... of unspecified tibia" under "Unspecified fracture of
// shaft of tibia").
func moreUnspecified(child, parent string) bool {
	return strings.Count(strings.ToLower(child), "unspecified") > strings.Count(strings.ToLower(parent), "unspecified")
}

// mirror returns the child of parent whose last character is the one the
// analog code has at the same position.
func (n *navigator) mirror(parent *icd.Code, children []*icd.Code, analog string) *icd.Code {
	a := strings.ReplaceAll(analog, ".", "")
	p := strings.ReplaceAll(parent.Code, ".", "")
	if len(a) <= len(p) {
		return nil
	}
	want := p + a[len(p):len(p)+1]
	for _, ch := range children {
		if strings.ReplaceAll(ch.Code, ".", "") == want {
			return ch
		}
	}
	return nil
}

// seventh picks the 7th character: the encounter phase first (initial when
// nothing says otherwise), then the details the context states (open,
// delayed healing), else the first listed, which the tabular orders as the
// default (closed fracture, routine healing).
func (n *navigator) seventh(base *icd.Code, children []*icd.Code, ctx navContext) (*icd.Code, navStep) {
	phase := ctx.phase
	if phase == "" {
		phase = phaseInitial
	}
	meanings := n.tab.SeventhChars(base.Code)
	meaning := func(ch string) string {
		for _, m := range meanings {
			if m.Char == ch {
				return m.Meaning
			}
		}
		return ""
	}
	hasPhases := slices.ContainsFunc(children, func(c *icd.Code) bool { return n.phaseOf(meaning(c.SeventhChar)) != "" })
	var best *icd.Code
	bestScore := -1
	for _, ch := range children {
		m := meaning(ch.SeventhChar)
		if hasPhases && n.phaseOf(m) != phase {
			continue
		}
		score, sideMismatch := 0, false
		for _, w := range n.titleWords(m) {
			if _, isPhase := n.phaseWords[w]; isPhase {
				continue
			}
			// A side (the eye of a diabetic retinopathy) must be the one
			// documented; with none, the unspecified character.
			if s, isSide := n.sideWords[w]; isSide {
				if s != ctx.side {
					sideMismatch = true
					break
				}
				score += 2
				continue
			}
			if ctx.has(w) {
				score++
			}
		}
		if !sideMismatch && score > bestScore {
			best, bestScore = ch, score
		}
	}
	if best == nil {
		best = children[0]
	}
	step := navStep{rule: "SEVENTH", detail: fmt.Sprintf("7th character %s: %s", best.SeventhChar, meaning(best.SeventhChar))}
	return best, step
}

// placeholder reports whether code was padded with X to take its 7th
// character (the base has fewer than six characters).
func placeholder(code *icd.Code) bool {
	return code.SeventhChar != "" && len(strings.ReplaceAll(code.Base, ".", "")) < 6
}

// phaseOf names the encounter phase a 7th-character meaning states.
func (n *navigator) phaseOf(meaning string) string {
	for _, w := range n.titleWords(meaning) {
		if p, ok := n.phaseWords[w]; ok {
			return p
		}
	}
	return ""
}
