package nlp

import (
	"strings"
	"testing"
)

func TestElideNoteQuotes(t *testing.T) {
	tests := []struct{ in, want string }{
		{"no quotes here", "no quotes here"},
		{QuoteNote("Type 2\n diabetes") + " (A/P) is indexed at Diabetes", "“…” (A/P) is indexed at Diabetes"},
		{"a " + QuoteNote("x") + " and " + QuoteNote("y") + ".", "a “…” and “…”."},
		{`the Index lists "with" under ` + QuoteNote(`he said “fine”`), `the Index lists "with" under “…”`},
		{"unclosed “secret words", "unclosed “…”"},
	}
	for _, tt := range tests {
		if got := ElideNoteQuotes(tt.in); got != tt.want {
			t.Errorf("ElideNoteQuotes(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if q := QuoteNote("a “b”  c"); strings.Count(q, "“") != 1 || !strings.Contains(q, `a "b" c`) {
		t.Errorf("QuoteNote kept the note's curly quotes or spacing: %q", q)
	}
}
