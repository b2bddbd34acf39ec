package icd

import (
	"encoding/xml"
	"io"
	"strings"

	"github.com/medcode/medcode/internal/codeset/srcfile"
)

// LoadTabular reads a Tabular List XML document (<ICD10CM.tabular>, as in
// the CDC files icd10cm-tabular-<year>.xml). file names the source in
// errors.
func LoadTabular(r io.Reader, file string) (*Tabular, error) {
	p := &tabularParser{x: newXMLReader(r, file), t: &Tabular{}, seen: make(map[string]int)}
	if _, err := p.x.root("ICD10CM.tabular"); err != nil {
		return nil, err
	}
	err := p.x.children(func(se xml.StartElement) error {
		switch se.Name.Local {
		case "version":
			v, err := p.x.text()
			p.t.Version = v
			return err
		case "chapter":
			return p.chapter()
		}
		return p.x.skip()
	})
	if err != nil {
		return nil, err
	}
	if len(p.t.diags) == 0 {
		return nil, srcfile.Errorf(file, 0, "<ICD10CM.tabular>", "no <diag> entries")
	}
	if err := p.t.build(); err != nil {
		return nil, srcfile.Errorf(file, 0, "", "%v", err)
	}
	return p.t, nil
}

type tabularParser struct {
	x    *xmlReader
	t    *Tabular
	seen map[string]int // code → line of its <diag>, to report duplicates
}

func (p *tabularParser) chapter() error {
	ch := &Chapter{}
	line := p.x.line()
	err := p.x.children(func(se xml.StartElement) error {
		switch se.Name.Local {
		case "name":
			return p.textInto(&ch.Name)
		case "desc":
			return p.textInto(&ch.Title)
		case "section":
			return p.section(ch, attr(se, "id"))
		}
		return p.scopeElement(se, &ch.scope)
	})
	if err != nil {
		return err
	}
	if ch.Name == "" {
		return srcfile.Errorf(p.x.file, line, "<chapter>", "missing <name>")
	}
	p.t.chapters = append(p.t.chapters, ch)
	return nil
}

func (p *tabularParser) section(ch *Chapter, id string) error {
	s := &Section{ID: id, Chapter: ch}
	line := p.x.line()
	if id == "" {
		return srcfile.Errorf(p.x.file, line, "<section>", "missing id attribute")
	}
	err := p.x.children(func(se xml.StartElement) error {
		switch se.Name.Local {
		case "desc":
			return p.textInto(&s.Title)
		case "diag":
			return p.diag(s, nil)
		}
		return p.scopeElement(se, &s.scope)
	})
	if err != nil {
		return err
	}
	ch.Sections = append(ch.Sections, s)
	return nil
}

func (p *tabularParser) diag(s *Section, parent *Code) error {
	c := &Code{section: s, parent: parent}
	line := p.x.line()
	p.t.diags = append(p.t.diags, c)
	err := p.x.children(func(se xml.StartElement) error {
		switch se.Name.Local {
		case "name":
			if err := p.textInto(&c.Code); err != nil {
				return err
			}
			return p.checkCode(c, line)
		case "desc":
			return p.textInto(&c.Title)
		case "diag":
			if c.Code == "" {
				return p.x.errorf("<diag>", "nested <diag> before the parent's <name>")
			}
			return p.diag(s, c)
		}
		return p.scopeElement(se, &c.scope)
	})
	if err != nil {
		return err
	}
	if c.Code == "" {
		return srcfile.Errorf(p.x.file, line, "<diag>", "missing <name>")
	}
	return nil
}

// checkCode validates a diag's name: ICD-10-CM form, properly nested
// under its parent (see nestingProblem), not seen before.
func (p *tabularParser) checkCode(c *Code, line int) error {
	code, ok := canonical(c.Code)
	if !ok {
		return srcfile.Errorf(p.x.file, line, "<diag>", "name %q is not an ICD-10-CM code", c.Code)
	}
	c.Code = code
	if c.parent != nil {
		if msg := nestingProblem(code, c.parent.Code); msg != "" {
			return srcfile.Errorf(p.x.file, line, "<diag>", "%s", msg)
		}
	}
	if prev, dup := p.seen[code]; dup {
		return srcfile.Errorf(p.x.file, line, "<diag>", "%s already defined at line %d", code, prev)
	}
	p.seen[code] = line
	return nil
}

// scopeElement reads a note block or a 7th-character definition into the
// scope s (allocated on first use); other elements are skipped.
func (p *tabularParser) scopeElement(se xml.StartElement, s **scope) error {
	name := se.Name.Local
	if name == "sevenChrDef" {
		return p.seventhDef(s)
	}
	kind := noteKindOf(name)
	if kind == 0 {
		return p.x.skip()
	}
	return p.x.children(func(note xml.StartElement) error {
		if note.Name.Local != "note" {
			return p.x.skip()
		}
		text, err := p.x.text()
		if err != nil || text == "" {
			return err
		}
		sc := ensureScope(s)
		sc.notes = append(sc.notes, Note{Kind: kind, Text: text})
		return nil
	})
}

func (p *tabularParser) seventhDef(s **scope) error {
	sc := ensureScope(s)
	if len(sc.seventh) > 0 {
		return p.x.errorf("<sevenChrDef>", "second 7th-character definition for the same entry")
	}
	err := p.x.children(func(se xml.StartElement) error {
		switch se.Name.Local {
		case "extension":
			char := strings.ToUpper(strings.TrimSpace(attr(se, "char")))
			if len(char) != 1 || !isAlnum(char[0]) {
				return p.x.errorf("<extension>", "char attribute %q is not one letter or digit", attr(se, "char"))
			}
			meaning, err := p.x.text()
			if err != nil {
				return err
			}
			for _, prev := range sc.seventh {
				if prev.Char == char {
					return p.x.errorf("<extension>", "7th character %s defined twice", char)
				}
			}
			sc.seventh = append(sc.seventh, SeventhChar{Char: char, Meaning: meaning})
			return nil
		case "note":
			text, err := p.x.text()
			if err == nil && text != "" {
				sc.notes = append(sc.notes, Note{Kind: SeventhCharNote, Text: text})
			}
			return err
		}
		return p.x.skip()
	})
	if err != nil {
		return err
	}
	if len(sc.seventh) == 0 {
		return p.x.errorf("<sevenChrDef>", "no <extension> characters")
	}
	return nil
}

func ensureScope(s **scope) *scope {
	if *s == nil {
		*s = &scope{}
	}
	return *s
}

func (p *tabularParser) textInto(dst *string) error {
	text, err := p.x.text()
	*dst = text
	return err
}
