package engine

import (
	"io/fs"
	"strings"

	"github.com/medcode/medcode/internal/nlp"
)

// wordForms is tables/word_forms.tsv: the canonical form of words the Index
// and notes write differently, and the qualifiers that own the number
// beside them.
type wordForms struct {
	canon map[string]string
	// bindNext are qualifiers that own the number right after them ("type
	// 2", "stage 3a", "class 1"); bindPrev those that own the ordinal right
	// before them ("2nd degree").
	bindNext, bindPrev map[string]bool
}

// loadWordForms reads tables/word_forms.tsv, normalizing every word.
func loadWordForms(fsys fs.FS, a *nlp.Analyzer) (*wordForms, error) {
	rows, err := readTSV(fsys, "tables/word_forms.tsv")
	if err != nil {
		return nil, err
	}
	wf := &wordForms{canon: map[string]string{}, bindNext: map[string]bool{}, bindPrev: map[string]bool{}}
	for _, r := range rows {
		switch r.kind() {
		case "form":
			if err := r.want(3, 3); err != nil {
				return nil, err
			}
			from, to := a.Normalize(r.field(1)), a.Normalize(r.field(2))
			if from == "" || to == "" || strings.ContainsRune(r.field(1), ' ') {
				return nil, r.errorf("a form maps one word to one word")
			}
			if prev, dup := wf.canon[from]; dup && prev != to {
				return nil, r.errorf("%q already maps to %q", r.field(1), prev)
			}
			if from != to {
				wf.canon[from] = to
			}
		case "qualifier":
			if err := r.want(3, 3); err != nil {
				return nil, err
			}
			w := a.Normalize(r.field(1))
			if w == "" || strings.ContainsRune(r.field(1), ' ') {
				return nil, r.errorf("a qualifier is one word")
			}
			switch r.field(2) {
			case "next":
				wf.bindNext[w] = true
			case "previous":
				wf.bindPrev[w] = true
			default:
				return nil, r.errorf("qualifier position %q (want next or previous)", r.field(2))
			}
		default:
			return nil, r.errorf("unknown kind %q", r.kind())
		}
	}
	return wf, nil
}

// form returns the canonical form of a normalized word.
func (wf *wordForms) form(w string) string {
	if f, ok := wf.canon[w]; ok {
		return f
	}
	return w
}

// bound returns the one word a qualifier and its number make ("type_2"),
// or "" when a and b are not a qualifier and its number. Both are
// canonical forms, a before b in the text.
func (wf *wordForms) bound(a, b string) string {
	switch {
	case wf.bindNext[a] && isNumberWord(b):
		return a + "_" + b
	case wf.bindPrev[b] && isNumberWord(a):
		return b + "_" + a
	}
	return ""
}

// bind joins each qualifier of a dictionary phrase with its number, as the
// note's words are joined (noteWords), so "stage 2" can only match a note
// that says "stage 2" and never the "2" of "type 2".
func (wf *wordForms) bind(ws []string) []string {
	if len(ws) < 2 {
		return ws
	}
	out := ws[:0]
	for i := 0; i < len(ws); i++ {
		if i+1 < len(ws) {
			if b := wf.bound(ws[i], ws[i+1]); b != "" {
				out = append(out, b)
				i++
				continue
			}
		}
		out = append(out, ws[i])
	}
	return out
}

// isNumberWord reports a stage, type or class number as the normalizer
// writes it: digits with at most a two-letter suffix ("2", "3a", "2nd").
func isNumberWord(w string) bool {
	i := 0
	for i < len(w) && w[i] >= '0' && w[i] <= '9' {
		i++
	}
	if i == 0 || len(w)-i > 2 {
		return false
	}
	for _, r := range w[i:] {
		if r < 'a' || r > 'z' {
			return false
		}
	}
	return true
}

// noteWord is one doc term as the engine matches it: its canonical form,
// a qualifier and its number read as one word.
type noteWord struct {
	// norm is "" for a number bound into the term before it.
	norm string
	// end is the byte end of the word, its bound number included.
	end int
}

// noteWords reads doc.Terms as the engine matches them: canonical forms,
// and a number joined to the qualifier that owns it ("type 2 diabetes with
// stage 3a CKD" reads type_2, diabet, with, stage_3a, ...).
func (e *Engine) noteWords(d *nlp.Doc) []noteWord {
	out := make([]noteWord, len(d.Terms))
	for i := range d.Terms {
		t := &d.Terms[i]
		if out[i].end != 0 { // already bound into the previous word
			continue
		}
		out[i] = noteWord{norm: e.form(t.Norm), end: t.End}
		if i+1 < len(d.Terms) {
			n := &d.Terms[i+1]
			if n.Sentence == t.Sentence && !n.Has(nlp.BreakBefore) {
				if b := e.forms.bound(out[i].norm, e.form(n.Norm)); b != "" {
					out[i] = noteWord{norm: b, end: max(t.End, n.End)}
					out[i+1] = noteWord{end: n.End}
				}
			}
		}
	}
	return out
}
