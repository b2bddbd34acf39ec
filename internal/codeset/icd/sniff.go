package icd

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
)

// Kind is the kind of an ICD-10-CM release file.
type Kind uint8

// Release file kinds.
const (
	KindUnknown Kind = iota
	KindTabular
	KindIndex
	KindExternalIndex
	KindDrugTable
	KindNeoplasmTable
	KindOrder
)

var kindNames = [...]string{
	KindUnknown:       "unknown",
	KindTabular:       "tabular",
	KindIndex:         "index",
	KindExternalIndex: "external-cause index",
	KindDrugTable:     "drug table",
	KindNeoplasmTable: "neoplasm table",
	KindOrder:         "order file",
}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// sniffLen is how much of a file Sniff reads: enough for the XML
// prologue, the version, title and column headings.
const sniffLen = 64 << 10

// Sniff tells which release file r holds from its first bytes: the XML
// document element (and, for index documents, the title and column
// headings), or the order-file line layout. It returns a reader of the
// whole content, first bytes included.
func Sniff(r io.Reader) (Kind, io.Reader) {
	br := bufio.NewReaderSize(r, sniffLen)
	head, _ := br.Peek(sniffLen)
	trimmed := bytes.TrimLeft(head, " \t\r\n\ufeff")
	if bytes.HasPrefix(trimmed, []byte("<")) {
		return sniffXML(head), br
	}
	line, _, _ := bytes.Cut(head, []byte("\n"))
	if _, err := parseOrderLine(strings.TrimRight(string(line), "\r")); err == nil {
		return KindOrder, br
	}
	return KindUnknown, br
}

func sniffXML(head []byte) Kind {
	d := xml.NewDecoder(bytes.NewReader(head))
	var path []string
	var title, firstHead string
	for {
		tok, err := d.Token()
		if err != nil {
			// The sniffed prefix may end mid-document; decide on what was seen.
			if errors.Is(err, io.EOF) || len(path) > 0 {
				break
			}
			return KindUnknown
		}
		switch t := tok.(type) {
		case xml.StartElement:
			path = append(path, t.Name.Local)
			if len(path) == 1 {
				switch t.Name.Local {
				case "ICD10CM.tabular":
					return KindTabular
				case "ICD10CM.index":
				default:
					return KindUnknown
				}
			}
			if t.Name.Local == "letter" {
				return indexKind(title, firstHead)
			}
		case xml.EndElement:
			if len(path) > 0 {
				path = path[:len(path)-1]
			}
		case xml.CharData:
			where := strings.Join(path, "/")
			switch {
			case where == "ICD10CM.index/title":
				title += string(t)
			case where == "ICD10CM.index/indexHeading/head" && firstHead == "":
				firstHead = strings.TrimSpace(string(t))
			}
		}
	}
	if len(path) > 0 && path[0] == "ICD10CM.index" {
		return indexKind(title, firstHead)
	}
	return KindUnknown
}

// indexKind classifies an index document by its title (the External Cause
// Index is titled so) or its first column heading (the tables).
func indexKind(title, firstHead string) Kind {
	head := Normalize(firstHead)
	switch {
	case strings.Contains(head, "neoplasm"):
		return KindNeoplasmTable
	case strings.Contains(head, "substance") || strings.Contains(head, "drug"):
		return KindDrugTable
	case firstHead != "":
		return KindUnknown
	case strings.Contains(Normalize(title), "external cause"):
		return KindExternalIndex
	}
	return KindIndex
}
