package icd

import (
	"encoding/xml"
	"io"
	"strconv"
	"strings"

	"github.com/medcode/medcode/internal/codeset/srcfile"
)

// maxColumns bounds a table's columns; the schema allows col 1-9.
const maxColumns = 9

// LoadIndex reads an index XML document (<ICD10CM.index>): the Alphabetic
// Index (icd10cm-index-<year>.xml) or the External Cause Index
// (icd10cm-eindex-<year>.xml). file names the source in errors.
func LoadIndex(r io.Reader, file string) (*Index, error) {
	p := &indexParser{x: newXMLReader(r, file), ix: &Index{}}
	if _, err := p.x.root("ICD10CM.index"); err != nil {
		return nil, err
	}
	err := p.x.children(func(se xml.StartElement) error {
		switch se.Name.Local {
		case "version":
			return p.textInto(&p.ix.Version)
		case "title":
			return p.textInto(&p.ix.Title)
		case "indexHeading":
			return p.heading()
		case "letter":
			return p.letter()
		}
		return p.x.skip()
	})
	if err != nil {
		return nil, err
	}
	if len(p.ix.mainTerms) == 0 {
		return nil, srcfile.Errorf(file, 0, "<ICD10CM.index>", "no <mainTerm> entries")
	}
	p.ix.build()
	return p.ix, nil
}

// LoadTable reads the Table of Drugs and Chemicals
// (icd10cm-drug-<year>.xml) or the Neoplasm Table
// (icd10cm-neoplasm-<year>.xml): an index document with column headings.
func LoadTable(r io.Reader, file string) (*Table, error) {
	ix, err := LoadIndex(r, file)
	if err != nil {
		return nil, err
	}
	if len(ix.Columns) < 2 {
		return nil, srcfile.Errorf(file, 0, "<indexHeading>", "a table needs column headings (<head col=...>)")
	}
	return &Table{Index: *ix}, nil
}

type indexParser struct {
	x  *xmlReader
	ix *Index
}

func (p *indexParser) textInto(dst *string) error {
	text, err := p.x.text()
	*dst = text
	return err
}

// column reads a col attribute (1-9).
func (p *indexParser) column(se xml.StartElement) (int, error) {
	col, err := strconv.Atoi(strings.TrimSpace(attr(se, "col")))
	if err != nil || col < 1 || col > maxColumns {
		return 0, p.x.errorf("<"+se.Name.Local+">", "col attribute %q is not a column number 1-%d", attr(se, "col"), maxColumns)
	}
	return col, nil
}

func (p *indexParser) heading() error {
	return p.x.children(func(se xml.StartElement) error {
		if se.Name.Local != "head" {
			return p.x.skip()
		}
		col, err := p.column(se)
		if err != nil {
			return err
		}
		text, err := p.x.text()
		if err != nil {
			return err
		}
		for len(p.ix.Columns) < col {
			p.ix.Columns = append(p.ix.Columns, "")
		}
		p.ix.Columns[col-1] = text
		return nil
	})
}

func (p *indexParser) letter() error {
	return p.x.children(func(se xml.StartElement) error {
		if se.Name.Local != "mainTerm" {
			return p.x.skip()
		}
		t, err := p.term(nil, 0)
		if err != nil {
			return err
		}
		p.ix.mainTerms = append(p.ix.mainTerms, t)
		return nil
	})
}

// term reads a mainTerm (level 0) or a nested term. The nesting gives the
// level; the level attribute repeats it.
func (p *indexParser) term(parent *Term, level int) (*Term, error) {
	t := &Term{Parent: parent, Level: level}
	line := p.x.line()
	hasTitle := false
	err := p.x.children(func(se xml.StartElement) error {
		switch se.Name.Local {
		case "title":
			hasTitle = true
			return p.title(t)
		case "code":
			return p.textInto(&t.Code)
		case "manif":
			return p.textInto(&t.Manif)
		case "see":
			return p.textInto(&t.See)
		case "seeAlso":
			return p.textInto(&t.SeeAlso)
		case "seecat", "subcat":
			return p.textInto(&t.SeeCode)
		case "cell":
			return p.cell(t, se)
		case "term":
			c, err := p.term(t, level+1)
			if err == nil {
				t.Children = append(t.Children, c)
			}
			return err
		}
		return p.x.skip()
	})
	if err != nil {
		return nil, err
	}
	if !hasTitle || t.Title == "" && len(t.Nemod) == 0 {
		return nil, srcfile.Errorf(p.x.file, line, "<"+termElement(level)+">", "missing <title>")
	}
	return t, nil
}

func termElement(level int) string {
	if level == 0 {
		return "mainTerm"
	}
	return "term"
}

// title reads a mixed-content title, setting the nonessential modifiers
// (<nemod>) apart.
func (p *indexParser) title(t *Term) error {
	var b strings.Builder
	err := p.x.collect(&b, func(se xml.StartElement) error {
		if se.Name.Local != "nemod" {
			return p.x.collect(&b, nil)
		}
		text, err := p.x.text()
		if err != nil {
			return err
		}
		t.Nemod = append(t.Nemod, splitNemod(text)...)
		b.WriteByte(' ')
		return nil
	})
	t.Title = collapseSpace(b.String())
	return err
}

// splitNemod splits "(acute) (double) (migratory)" into its parenthesized
// words; text without parentheses is one modifier.
func splitNemod(text string) []string {
	var out []string
	depth, start := 0, -1
	for i, r := range text {
		switch r {
		case '(':
			if depth == 0 {
				start = i + 1
			}
			depth++
		case ')':
			if depth > 0 {
				depth--
				if depth == 0 && start >= 0 {
					if s := collapseSpace(text[start:i]); s != "" {
						out = append(out, s)
					}
					start = -1
				}
			}
		}
	}
	if len(out) == 0 {
		if s := strings.Trim(collapseSpace(text), "()"); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func (p *indexParser) cell(t *Term, se xml.StartElement) error {
	col, err := p.column(se)
	if err != nil {
		return err
	}
	text, err := p.x.text()
	if err != nil {
		return err
	}
	if strings.Trim(text, "-— ") == "" {
		text = ""
	}
	for len(t.Cells) < col {
		t.Cells = append(t.Cells, "")
	}
	t.Cells[col-1] = text
	return nil
}
