package icd

import (
	"encoding/xml"
	"errors"
	"io"
	"strings"

	"github.com/medcode/medcode/internal/codeset/srcfile"
)

// xmlReader walks an official ICD-10-CM XML file token by token, keeping
// the file name so every error can say where the problem is.
type xmlReader struct {
	d    *xml.Decoder
	file string
}

func newXMLReader(r io.Reader, file string) *xmlReader {
	d := xml.NewDecoder(r)
	return &xmlReader{d: d, file: file}
}

func (x *xmlReader) line() int {
	line, _ := x.d.InputPos()
	return line
}

func (x *xmlReader) errorf(element, format string, args ...any) error {
	return srcfile.Errorf(x.file, x.line(), element, format, args...)
}

// token returns the next token, turning a syntax error (including a
// premature end) into an error naming the file and line.
func (x *xmlReader) token() (xml.Token, error) {
	tok, err := x.d.Token()
	if err == nil {
		return tok, nil
	}
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return nil, srcfile.Errorf(x.file, se.Line, "", "malformed XML: %s", se.Msg)
	}
	return nil, x.errorf("", "%v", err)
}

// root reads up to the document element and checks its name.
func (x *xmlReader) root(want string) (xml.StartElement, error) {
	for {
		tok, err := x.d.Token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return xml.StartElement{}, x.errorf("", "empty document: no <%s> element", want)
			}
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				return xml.StartElement{}, srcfile.Errorf(x.file, se.Line, "", "malformed XML: %s", se.Msg)
			}
			return xml.StartElement{}, x.errorf("", "%v", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if se.Name.Local != want {
				return se, x.errorf("<"+se.Name.Local+">", "document element is <%s>, want <%s>", se.Name.Local, want)
			}
			return se, nil
		}
	}
}

// children calls fn for each child element of the element just opened,
// and returns when its end tag is reached. Character data between child
// elements is ignored.
func (x *xmlReader) children(fn func(se xml.StartElement) error) error {
	for {
		tok, err := x.token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if err := fn(t); err != nil {
				return err
			}
		case xml.EndElement:
			return nil
		}
	}
}

// skip consumes the rest of the element just opened.
func (x *xmlReader) skip() error {
	if err := x.d.Skip(); err != nil {
		return x.errorf("", "malformed XML: %v", err)
	}
	return nil
}

// text returns the character data of the element just opened, including
// that of nested inline elements, with whitespace collapsed. Text marked
// <old> (removed text in addenda files) is left out.
func (x *xmlReader) text() (string, error) {
	var b strings.Builder
	if err := x.collect(&b, nil); err != nil {
		return "", err
	}
	return collapseSpace(b.String()), nil
}

// collect appends the element's character data to b. When inline is not
// nil, nested elements are handed to it instead of being read as text.
func (x *xmlReader) collect(b *strings.Builder, inline func(se xml.StartElement) error) error {
	for {
		tok, err := x.token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.CharData:
			b.Write(t)
		case xml.StartElement:
			switch {
			case t.Name.Local == "old":
				if err := x.skip(); err != nil {
					return err
				}
			case inline != nil:
				if err := inline(t); err != nil {
					return err
				}
			default:
				if err := x.collect(b, nil); err != nil {
					return err
				}
			}
		case xml.EndElement:
			return nil
		}
	}
}

func attr(se xml.StartElement, name string) string {
	for _, a := range se.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// collapseSpace trims s and turns every run of white space into one space
// (returning s itself when it has nothing to change, as most texts).
func collapseSpace(s string) string {
	clean := true
	for i := 0; i < len(s) && clean; i++ {
		switch s[i] {
		case ' ':
			clean = i > 0 && i < len(s)-1 && s[i+1] != ' '
		case '\t', '\n', '\r', '\v', '\f':
			clean = false
		default:
			// Non-ASCII text may hold Unicode spaces; let Fields decide.
			clean = s[i] < 0x80
		}
	}
	if clean {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}
