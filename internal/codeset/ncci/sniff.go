package ncci

import (
	"io"

	"github.com/medcode/medcode/internal/codeset/srcfile"
)

// Kind is the kind of an NCCI table.
type Kind uint8

// NCCI table kinds.
const (
	KindUnknown Kind = iota
	KindPTP
	KindMUE
)

// sniffLen bounds how far Sniff looks for the header row.
const sniffLen = 8 << 10

// Sniff tells a PTP table from an MUE table by its header row, looked for
// in the first 8 KB.
func Sniff(r io.Reader) Kind {
	br, comma := sniffComma(io.LimitReader(r, sniffLen))
	rs, err := srcfile.ReadRecords(br, "", comma, func(row []string) bool { return IsPTPHeader(row) || IsMUEHeader(row) })
	switch {
	case err != nil:
		return KindUnknown
	case IsPTPHeader(rs.Header):
		return KindPTP
	}
	return KindMUE
}
