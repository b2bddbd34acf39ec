package icd

import (
	"github.com/medcode/medcode/internal/codeset/snapio"
)

// The snapshot keeps what the files state; Decode rebuilds what build
// derives (citations, restrictions, 7th-character codes, indexes).

// maxTermDepth bounds index nesting in a snapshot (the schema allows
// levels 1-9 below the main term).
const maxTermDepth = 16

// Encode writes the tabular to a snapshot.
func (t *Tabular) Encode(w *snapio.Writer) {
	w.Str(t.Version)
	sections := make(map[*Section]int)
	w.Int(len(t.chapters))
	for _, ch := range t.chapters {
		w.Str(ch.Name)
		w.Str(ch.Title)
		encodeScope(w, ch.scope)
		w.Int(len(ch.Sections))
		for _, s := range ch.Sections {
			sections[s] = len(sections)
			w.Str(s.ID)
			w.Str(s.Title)
			encodeScope(w, s.scope)
		}
	}
	position := make(map[*Code]int, len(t.diags))
	w.Int(len(t.diags))
	for i, c := range t.diags {
		position[c] = i
		w.Str(c.Code)
		w.Str(c.Title)
		if c.parent == nil {
			w.Int(0)
		} else {
			w.Int(position[c.parent] + 1)
		}
		w.Int(sections[c.section])
		encodeScope(w, c.scope)
	}
}

func encodeScope(w *snapio.Writer, s *scope) {
	w.Bool(s != nil)
	if s == nil {
		return
	}
	w.Int(len(s.notes))
	for _, n := range s.notes {
		w.Int(int(n.Kind))
		w.Str(n.Text)
	}
	w.Int(len(s.seventh))
	for _, sc := range s.seventh {
		w.Str(sc.Char)
		w.Str(sc.Meaning)
	}
}

// DecodeTabular reads a tabular written by Encode.
func DecodeTabular(r *snapio.Reader) (*Tabular, error) {
	t := &Tabular{Version: r.Str()}
	var sections []*Section
	t.chapters = make([]*Chapter, r.Len())
	for i := range t.chapters {
		ch := &Chapter{Name: r.Str(), Title: r.Str(), scope: decodeScope(r)}
		ch.Sections = make([]*Section, r.Len())
		for j := range ch.Sections {
			ch.Sections[j] = &Section{ID: r.Str(), Title: r.Str(), Chapter: ch, scope: decodeScope(r)}
		}
		sections = append(sections, ch.Sections...)
		t.chapters[i] = ch
	}
	// The entries are allocated in one piece.
	entries := make([]Code, r.Len())
	t.diags = make([]*Code, len(entries))
	for i := range t.diags {
		c := &entries[i]
		c.Code, c.Title = r.Str(), r.Str()
		if p := r.Int(i); p > 0 {
			c.parent = t.diags[p-1]
		}
		if s := r.Int(len(sections)); s < len(sections) {
			c.section = sections[s]
		} else {
			r.Fail("diag outside any section")
		}
		c.scope = decodeScope(r)
		t.diags[i] = c
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	if len(t.diags) == 0 {
		r.Fail("tabular without codes")
		return nil, r.Err()
	}
	if err := t.build(); err != nil {
		r.Fail(err.Error())
		return nil, r.Err()
	}
	return t, nil
}

func decodeScope(r *snapio.Reader) *scope {
	if !r.Bool() {
		return nil
	}
	s := &scope{}
	if n := r.Len(); n > 0 {
		s.notes = make([]Note, n)
		for i := range s.notes {
			kind := NoteKind(r.Int(int(SeventhCharNote)))
			if kind == 0 {
				r.Fail("note without kind")
			}
			s.notes[i] = Note{Kind: kind, Text: r.Str()}
		}
	}
	if n := r.Len(); n > 0 {
		s.seventh = make([]SeventhChar, n)
		for i := range s.seventh {
			s.seventh[i] = SeventhChar{Char: r.Str(), Meaning: r.Str()}
			if len(s.seventh[i].Char) != 1 {
				r.Fail("7th character not one character")
			}
		}
	}
	return s
}

// Encode writes the index (or table) to a snapshot.
func (ix *Index) Encode(w *snapio.Writer) {
	w.Str(ix.Version)
	w.Str(ix.Title)
	w.Strings(ix.Columns)
	w.Int(ix.numTerms)
	encodeTerms(w, ix.mainTerms)
}

func encodeTerms(w *snapio.Writer, terms []*Term) {
	w.Int(len(terms))
	for _, t := range terms {
		w.Str(t.Title)
		w.Strings(t.Nemod)
		w.Str(t.Code)
		w.Str(t.Manif)
		w.Str(t.See)
		w.Str(t.SeeAlso)
		w.Str(t.SeeCode)
		w.Strings(t.Cells)
		encodeTerms(w, t.Children)
	}
}

// DecodeIndex reads an index written by Encode.
func DecodeIndex(r *snapio.Reader) (*Index, error) {
	ix := &Index{Version: r.Str(), Title: r.Str(), Columns: r.Strings()}
	// The terms, and the slices of their children, are allocated in one
	// piece each.
	n := r.Len()
	d := termDecoder{r: r, terms: make([]Term, n), ptrs: make([]*Term, n)}
	ix.mainTerms = d.decode(nil, 0)
	if err := r.Err(); err != nil {
		return nil, err
	}
	if d.used != n {
		r.Fail("index term count differs from its terms")
		return nil, r.Err()
	}
	if len(ix.mainTerms) == 0 {
		r.Fail("index without main terms")
		return nil, r.Err()
	}
	ix.build()
	return ix, nil
}

type termDecoder struct {
	r     *snapio.Reader
	terms []Term  // every term
	ptrs  []*Term // the Children slices
	used  int     // terms decoded
	given int     // pointers handed out
}

// decode reads a list of sibling terms.
func (d *termDecoder) decode(parent *Term, level int) []*Term {
	n := d.r.Len()
	if n == 0 || d.r.Err() != nil {
		return nil
	}
	if level > maxTermDepth || n > len(d.ptrs)-d.given {
		d.r.Fail("index terms nested too deep or more than counted")
		return nil
	}
	list := d.ptrs[d.given : d.given+n : d.given+n]
	d.given += n
	for i := range list {
		if d.used == len(d.terms) {
			d.r.Fail("more index terms than counted")
			return nil
		}
		t := &d.terms[d.used]
		d.used++
		r := d.r
		t.Parent, t.Level = parent, level
		t.Title = r.Str()
		t.Nemod = r.Strings()
		t.Code = r.Str()
		t.Manif = r.Str()
		t.See = r.Str()
		t.SeeAlso = r.Str()
		t.SeeCode = r.Str()
		t.Cells = r.Strings()
		list[i] = t
		t.Children = d.decode(t, level+1)
	}
	return list
}

// DecodeTable reads a table written by Encode.
func DecodeTable(r *snapio.Reader) (*Table, error) {
	ix, err := DecodeIndex(r)
	if err != nil {
		return nil, err
	}
	if len(ix.Columns) < 2 {
		r.Fail("table without column headings")
		return nil, r.Err()
	}
	return &Table{Index: *ix}, nil
}

// Encode writes the order file to a snapshot.
func (o *OrderFile) Encode(w *snapio.Writer) {
	w.Int(len(o.Entries))
	for _, e := range o.Entries {
		w.Int(e.Order)
		w.Str(e.Code)
		w.Bool(e.Billable)
		w.Str(e.Short)
		w.Str(e.Long)
	}
}

// DecodeOrder reads an order file written by Encode.
func DecodeOrder(r *snapio.Reader) (*OrderFile, error) {
	o := &OrderFile{Entries: make([]OrderEntry, r.Len())}
	o.byCode = make(map[string]int, len(o.Entries))
	for i := range o.Entries {
		e := OrderEntry{Order: r.Int(1 << 30), Code: r.Str(), Billable: r.Bool(), Short: r.Str(), Long: r.Str()}
		if code, ok := canonical(e.Code); !ok || code != e.Code {
			r.Fail("order entry with a malformed code")
			break
		}
		o.byCode[e.Code] = i
		o.Entries[i] = e
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	return o, nil
}
