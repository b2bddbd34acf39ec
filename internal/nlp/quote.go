package nlp

import "strings"

// Explanations (reasoning, warnings) set the note's own words in curly
// quotes and nothing else in them, so that a stored result can keep the
// explanation while dropping the note's text (ElideNoteQuotes): the privacy
// promise is that no note text outlives the request.
const (
	noteQuoteOpen  = "“"
	noteQuoteClose = "”"
	// ElidedQuote stands for note text removed from a stored explanation.
	ElidedQuote = noteQuoteOpen + "…" + noteQuoteClose
)

var straightenQuotes = strings.NewReplacer(noteQuoteOpen, `"`, noteQuoteClose, `"`)

// QuoteNote quotes words taken from the note for an explanation: white
// space collapsed, the note's own curly quotes straightened so the quote
// stays one unit for ElideNoteQuotes.
func QuoteNote(s string) string {
	return noteQuoteOpen + straightenQuotes.Replace(strings.Join(strings.Fields(s), " ")) + noteQuoteClose
}

// ElideNoteQuotes replaces every QuoteNote quote in s by ElidedQuote. An
// opening quote left unclosed elides the rest of s: when in doubt, the
// note's words go.
func ElideNoteQuotes(s string) string {
	if !strings.Contains(s, noteQuoteOpen) {
		return s
	}
	var b strings.Builder
	for {
		before, after, found := strings.Cut(s, noteQuoteOpen)
		b.WriteString(before)
		if !found {
			return b.String()
		}
		b.WriteString(ElidedQuote)
		_, rest, closed := strings.Cut(after, noteQuoteClose)
		if !closed {
			return b.String()
		}
		s = rest
	}
}
