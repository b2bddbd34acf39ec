package nlp

import (
	"sort"
	"strings"
	"unicode"
)

// Span is a byte range of the note: text[Start:End].
type Span struct {
	Start, End int
}

// ItemKind tells how a list item is marked.
type ItemKind uint8

const (
	// Bulleted items start with a bullet ("•", "-", "*").
	Bulleted ItemKind = iota + 1
	// Numbered items start with an enumerator ("1.", "2)", "#3", "a)").
	Numbered
)

// Item is a bulleted or numbered line of the note with its continuation
// lines, such as one problem of a numbered assessment and plan.
type Item struct {
	Kind ItemKind
	// Label is the enumerator without punctuation ("1", "a") or the bullet.
	Label string
	// Start, End span the item from its marker to its last character.
	Start, End int
	Section    int
	// FirstToken, EndToken delimit the item's content tokens (after the
	// marker).
	FirstToken, EndToken int
}

// Sentence is a sentence, or a line that stands alone (a list entry, a
// vitals line), inside one section and at most one item.
type Sentence struct {
	Start, End int
	Section    int
	// Item is the index in Doc.Items of the enclosing item, or -1.
	Item int
	// FirstToken, EndToken delimit the sentence's tokens.
	FirstToken, EndToken int
	// Elements are the comma- or semicolon-separated parts of a sentence
	// that reads as a list ("HTN, DM2, HLD"), nil otherwise. A matcher
	// should not join words across elements.
	Elements []Span
}

// maxElementWords is the longest part (in words) a list element may have;
// longer comma-separated parts are clauses of prose.
const maxElementWords = 6

// segment finds list items and sentences section by section.
func (a *Analyzer) segment(d *Doc) {
	toks := d.Tokens
	for si := range d.Sections {
		sec := &d.Sections[si]
		a.findItems(d, si, sec.FirstToken, sec.EndToken)
	}
	for i := range toks {
		toks[i].Sentence = -1
	}
	for si := range d.Sections {
		sec := &d.Sections[si]
		start := -1
		for i := sec.FirstToken; i < sec.EndToken; i++ {
			t := &toks[i]
			if t.Has(Header) || t.Has(ItemMarker) {
				if start >= 0 {
					a.addSentence(d, si, start, i)
					start = -1
				}
				continue
			}
			if start >= 0 && a.breaksBefore(toks, start, i) {
				a.addSentence(d, si, start, i)
				start = -1
			}
			if start < 0 {
				start = i
			}
			if isSentenceEnd(t) {
				// Closing quotes and brackets stay with their sentence.
				last := i
				for last+1 < sec.EndToken && isCloser(&toks[last+1]) && !toks[last+1].Has(SpaceBefore) {
					last++
				}
				if a.breaksAfter(d.Text, toks, last, sec.EndToken) {
					a.addSentence(d, si, start, last+1)
					start = -1
					i = last
				}
			}
		}
		if start >= 0 {
			a.addSentence(d, si, start, sec.EndToken)
		}
	}
}

// breaksAfter reports whether the sentence-final mark at or just before
// toks[i] (a closing quote may follow it) ends the sentence: it is followed
// by the end, a new line, or a capitalised word, number or symbol, and it
// does not close a title abbreviation ("Dr.").
func (a *Analyzer) breaksAfter(text string, toks []Token, i, end int) bool {
	if i+1 >= end {
		return true
	}
	next := &toks[i+1]
	if next.Has(LineStart) {
		return true
	}
	if !next.Has(SpaceBefore) {
		return false
	}
	if toks[i].Lower == "." && i > 0 && toks[i-1].Kind == Word && a.sections.nobreak[toks[i-1].Lower] {
		return false
	}
	switch next.Kind {
	case Word:
		// "eGFR 52." starts a sentence as surely as "BP 120/80." does.
		return strings.IndexFunc(text[next.Start:next.End], unicode.IsUpper) >= 0
	case Number:
		return true
	}
	return next.Lower != "," && next.Lower != ";" && next.Lower != ")" && next.Lower != "."
}

// breaksBefore reports whether a new line starting at toks[i] begins a new
// sentence. A blank line always does; otherwise the previous line must not
// end in a word or mark that continues ("with", ",") and the new line must
// start like a new statement (capital, number, symbol).
func (a *Analyzer) breaksBefore(toks []Token, start, i int) bool {
	t := &toks[i]
	if !t.Has(LineStart) || i == start {
		return false
	}
	if t.Has(BlankBefore) {
		return true
	}
	prev := &toks[i-1]
	if prev.Kind == Punct && (prev.Lower == ":" || prev.Lower == ";") {
		return true
	}
	if prev.Kind == Punct && (prev.Lower == "," || prev.Lower == "-" || prev.Lower == "(" || prev.Lower == "/") {
		return false
	}
	if prev.Kind == Word && a.sections.lineContinues[prev.Lower] {
		return false
	}
	switch t.Kind {
	case Word:
		return t.Has(Capitalized) || t.Has(AllUpper)
	case Number:
		return true
	}
	return t.Lower != "(" && t.Lower != ","
}

// addSentence records tokens [first, end) as a sentence, dropping edge
// whitespace-only results.
func (a *Analyzer) addSentence(d *Doc, sec, first, end int) {
	if first >= end {
		return
	}
	toks := d.Tokens
	s := Sentence{
		Start:      toks[first].Start,
		End:        toks[end-1].End,
		Section:    sec,
		Item:       -1,
		FirstToken: first,
		EndToken:   end,
	}
	if it := d.itemAtToken(first); it >= 0 {
		s.Item = it
	}
	s.Elements = listElements(toks, first, end)
	idx := len(d.Sentences)
	for k := first; k < end; k++ {
		toks[k].Sentence = idx
	}
	d.Sentences = append(d.Sentences, s)
}

// listElements splits a sentence at commas and semicolons when every part
// is short enough to be a list entry.
func listElements(toks []Token, first, end int) []Span {
	var parts []Span
	words, partStart := 0, first
	flush := func(k int) bool {
		// Trim a leading conjunction ("..., or palpitations").
		for partStart < k && toks[partStart].Kind == Word && (toks[partStart].Lower == "and" || toks[partStart].Lower == "or") {
			partStart++
		}
		last := k
		for last > partStart && toks[last-1].Kind == Punct && (toks[last-1].Lower == "." || toks[last-1].Lower == "!") {
			last--
		}
		if last > partStart {
			parts = append(parts, Span{toks[partStart].Start, toks[last-1].End})
		}
		return words <= maxElementWords
	}
	separators := 0
	for k := first; k < end; k++ {
		t := &toks[k]
		if t.Kind == Punct && (t.Lower == "," || t.Lower == ";") {
			separators++
			if !flush(k) {
				return nil
			}
			words, partStart = 0, k+1
			continue
		}
		if t.Kind != Punct {
			words++
		}
	}
	if separators == 0 || !flush(end) || len(parts) < 2 {
		return nil
	}
	return parts
}

// findItems marks bullets and enumerators at line starts within
// [first, end) and records each item up to the next marker, blank line or
// the end of the section.
func (a *Analyzer) findItems(d *Doc, sec, first, end int) {
	toks := d.Tokens
	open := -1
	closeItem := func(k int) {
		if open < 0 {
			return
		}
		it := &d.Items[open]
		it.EndToken = max(k, it.FirstToken)
		if k > 0 && k-1 >= it.FirstToken {
			it.End = toks[k-1].End
		}
		open = -1
	}
	for i := first; i < end; i++ {
		t := &toks[i]
		if !t.Has(LineStart) || t.Has(Header) {
			continue
		}
		if t.Has(BlankBefore) {
			closeItem(i)
		}
		kind, label, n := itemMarker(toks, i, end)
		if n == 0 {
			continue
		}
		closeItem(i)
		for k := i; k < i+n; k++ {
			toks[k].Flags |= ItemMarker
		}
		d.Items = append(d.Items, Item{
			Kind: kind, Label: label, Start: t.Start, End: toks[i+n-1].End,
			Section: sec, FirstToken: i + n, EndToken: i + n,
		})
		open = len(d.Items) - 1
	}
	closeItem(end)
}

// itemMarker recognises a bullet or enumerator at toks[i] and returns how
// many tokens it covers. The marker must be followed by content on the
// same line.
func itemMarker(toks []Token, i, end int) (ItemKind, string, int) {
	t := &toks[i]
	followed := func(n int) bool {
		return i+n < end && !toks[i+n].Has(LineStart) && toks[i+n].Has(SpaceBefore)
	}
	switch t.Kind {
	case Punct:
		switch t.Lower {
		case "•", "·", "▪", "◦", "‣", "○", "●", "■", "□", "➢", "►", "✓":
			if i+1 < end && !toks[i+1].Has(LineStart) {
				return Bulleted, t.Lower, 1
			}
		case "-", "*", ">", "+":
			if followed(1) {
				return Bulleted, t.Lower, 1
			}
		case "#":
			if i+1 < end && toks[i+1].Kind == Number && !toks[i+1].Has(SpaceBefore) && len(toks[i+1].Lower) <= 2 {
				n := 2
				if i+2 < end && (toks[i+2].IsPunct(".") || toks[i+2].IsPunct(")") || toks[i+2].IsPunct(":")) {
					n = 3
				}
				if followed(n) {
					return Numbered, toks[i+1].Lower, n
				}
			}
		case "(":
			if i+2 < end && toks[i+1].Kind == Number && len(toks[i+1].Lower) <= 2 && toks[i+2].IsPunct(")") && followed(3) {
				return Numbered, toks[i+1].Lower, 3
			}
		}
	case Number:
		if len(t.Lower) <= 2 && i+1 < end && (toks[i+1].IsPunct(".") || toks[i+1].IsPunct(")")) && !toks[i+1].Has(SpaceBefore) && followed(2) {
			return Numbered, t.Lower, 2
		}
	case Word:
		if t.End-t.Start == 1 && t.Lower >= "a" && t.Lower <= "h" && !t.Has(AllUpper) && i+1 < end && toks[i+1].IsPunct(")") && followed(2) {
			return Numbered, t.Lower, 2
		}
	}
	return 0, "", 0
}

// itemAtToken returns the index of the item whose content holds token i,
// or -1.
func (d *Doc) itemAtToken(i int) int {
	k := sort.Search(len(d.Items), func(m int) bool { return d.Items[m].EndToken > i })
	if k < len(d.Items) && d.Items[k].FirstToken <= i {
		return k
	}
	return -1
}
