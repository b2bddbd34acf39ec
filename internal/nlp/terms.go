package nlp

// TermFlags describe a Term.
type TermFlags uint8

const (
	// Expanded: the word comes from an abbreviation's expansion; its span
	// is the whole abbreviation.
	Expanded TermFlags = 1 << iota
	// Ambiguous: an ambiguous abbreviation left unresolved. It must not be
	// part of a coded concept.
	Ambiguous
	// Stop: a function word ("the", "of") a matcher may skip.
	Stop
	// BreakBefore: a comma, semicolon, colon or bracket separates the term
	// from the previous one (a clause or list-entry boundary).
	BreakBefore
)

// Term is one word as a dictionary matcher sees it: normalized, with
// abbreviations replaced by their expansion, numbers kept, punctuation
// dropped. Start and End always span original text, so a match over terms
// reports note[Start:End] as its evidence.
type Term struct {
	Norm       string
	Start, End int
	// Token is the index of the first token the term comes from.
	Token    int
	Sentence int
	Flags    TermFlags
}

// Has reports whether all of f are set.
func (t *Term) Has(f TermFlags) bool { return t.Flags&f == f }

// buildTerms fills d.Terms sentence by sentence.
func (a *Analyzer) buildTerms(d *Doc) {
	toks := d.Tokens
	d.Terms = make([]Term, 0, len(toks))
	ab := 0
	for si := range d.Sentences {
		s := &d.Sentences[si]
		var pending TermFlags
		for i := s.FirstToken; i < s.EndToken; i++ {
			for ab < len(d.Abbreviations) && d.Abbreviations[ab].EndToken <= i {
				ab++
			}
			if ab < len(d.Abbreviations) && d.Abbreviations[ab].FirstToken == i {
				x := &d.Abbreviations[ab]
				switch {
				case !x.Resolved:
					d.Terms = append(d.Terms, Term{Norm: toks[i].Norm, Start: x.Start, End: x.End, Token: i, Sentence: si, Flags: pending | Ambiguous})
				case !x.NoExpand:
					for k, w := range x.terms {
						f := Expanded
						if k == 0 {
							f |= pending
						}
						if a.norm.stop[w] {
							f |= Stop
						}
						d.Terms = append(d.Terms, Term{Norm: w, Start: x.Start, End: x.End, Token: i, Sentence: si, Flags: f})
					}
				}
				pending = 0
				i = x.EndToken - 1
				continue
			}
			t := &toks[i]
			if t.Kind == Punct {
				if breaksTerms(t.Lower) {
					pending = BreakBefore
				}
				continue
			}
			norm, n := a.joinedPrefix(toks, i, s.EndToken)
			f := pending
			if n == 1 && a.stopID[t.nid] {
				f |= Stop
			}
			d.Terms = append(d.Terms, Term{Norm: norm, Start: t.Start, End: toks[i+n-1].End, Token: i, Sentence: si, Flags: f})
			pending = 0
			i += n - 1
		}
	}
}

// breaksTerms reports punctuation that separates clauses or list entries.
// Hyphens, slashes, apostrophes, periods inside a sentence and symbols do
// not.
func breaksTerms(p string) bool {
	switch p {
	case ",", ";", ":", "(", ")", "[", "]", "{", "}", "\"", "•":
		return true
	}
	return false
}

// joinedPrefix normalizes the word at toks[i], joining a hyphenated prefix
// with its word ("pre-diabetes" -> "prediabet", "non-healing" ->
// "nonheal"). It returns the normalized form and the tokens used.
func (a *Analyzer) joinedPrefix(toks []Token, i, end int) (string, int) {
	t := &toks[i]
	if t.Kind == Word && i+2 < end &&
		toks[i+1].IsPunct("-") && !toks[i+1].Has(SpaceBefore) &&
		toks[i+2].Kind == Word && !toks[i+2].Has(SpaceBefore) && a.norm.joinPrefix[t.Lower] {
		return a.norm.word(t.Lower + toks[i+2].Lower), 3
	}
	return t.Norm, 1
}

// NormalizePhrase turns dictionary text (an index term, a synonym) into the
// normalized words the note's Terms are compared with: the same folding,
// spelling fixes, number words, roman numerals after "type"/"stage",
// hyphenated prefixes and stemming, punctuation dropped. Abbreviations are
// not expanded: dictionary text is written out.
func (a *Analyzer) NormalizePhrase(s string) []string {
	toks := tokenize(s, nil)
	a.normalizeTokens(toks)
	out := make([]string, 0, len(toks))
	for i := 0; i < len(toks); i++ {
		if toks[i].Kind == Punct {
			continue
		}
		norm, n := a.joinedPrefix(toks, i, len(toks))
		out = append(out, norm)
		i += n - 1
	}
	return out
}

// Normalize returns the normalized form of one word ("Fractures" ->
// "fractur", "Crohn's" -> "crohn", "twelve" -> "12").
func (a *Analyzer) Normalize(word string) string {
	return a.norm.word(foldWord(word, false))
}

// IsStop reports whether a normalized word is a function word.
func (a *Analyzer) IsStop(norm string) bool { return a.norm.stop[norm] }

// NormalizePhrase runs the default analyzer's NormalizePhrase.
func NormalizePhrase(s string) []string { return Default().NormalizePhrase(s) }

// Normalize runs the default analyzer's Normalize.
func Normalize(word string) string { return Default().Normalize(word) }
