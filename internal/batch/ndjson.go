package batch

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Line is one note of a batch: one JSON object per line of the upload
// (NDJSON), the fields of POST /api/v1/analyses plus the client's own id.
type Line struct {
	ID            string `json:"id,omitempty"`
	Note          string `json:"note"`
	NoPHIAttested bool   `json:"no_phi_attested"`
	SavePreview   bool   `json:"save_preview,omitempty"`
	Profile       string `json:"profile,omitempty"`
}

// MaxIDLen bounds the client's id of a note.
const MaxIDLen = 200

// Reader reads the lines of an upload. A bad line is reported with its
// number and does not stop the reader; an error of the stream itself does.
type Reader struct {
	br      *bufio.Reader
	maxLine int
	n       int // number of the last line read
}

// NewReader reads r; lines longer than maxLine bytes are refused.
func NewReader(r io.Reader, maxLine int) *Reader {
	return &Reader{br: bufio.NewReaderSize(r, 64<<10), maxLine: maxLine}
}

// Next returns the next non-blank line: its number, and either the parsed
// line or badLine naming what is wrong with it. err is io.EOF at the end of
// the upload, or the error that broke the stream.
func (r *Reader) Next() (n int, line Line, badLine error, err error) {
	for {
		raw, tooLong, err := r.readLine()
		if err != nil && (err != io.EOF || (len(raw) == 0 && !tooLong)) {
			return 0, Line{}, nil, err
		}
		r.n++
		if tooLong {
			return r.n, Line{}, fmt.Errorf("line %d is longer than %d bytes", r.n, r.maxLine), nil
		}
		raw = bytes.TrimSpace(raw)
		if len(raw) == 0 {
			if err == io.EOF {
				return 0, Line{}, nil, io.EOF
			}
			continue
		}
		line, bad := parseLine(raw)
		if bad != nil {
			bad = fmt.Errorf("line %d: %w", r.n, bad)
		}
		return r.n, line, bad, nil
	}
}

// readLine returns one line without its newline; tooLong when it passed
// maxLine bytes (the rest of it is skipped).
func (r *Reader) readLine() ([]byte, bool, error) {
	var buf []byte
	tooLong := false
	for {
		chunk, err := r.br.ReadSlice('\n')
		if !tooLong {
			buf = append(buf, chunk...)
			if len(buf) > r.maxLine+1 {
				tooLong, buf = true, nil
			}
		}
		switch {
		case err == nil:
			return bytes.TrimSuffix(buf, []byte("\n")), tooLong, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		default:
			return buf, tooLong, err
		}
	}
}

func parseLine(raw []byte) (Line, error) {
	var l Line
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&l); err != nil {
		var syntax *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syntax):
			return Line{}, fmt.Errorf("not a JSON object (at byte %d)", syntax.Offset)
		case errors.As(err, &typ):
			return Line{}, fmt.Errorf("field %q must be a %s", typ.Field, typ.Type)
		case strings.HasPrefix(err.Error(), "json: unknown field"):
			return Line{}, fmt.Errorf("%s", strings.TrimPrefix(err.Error(), "json: "))
		default:
			return Line{}, fmt.Errorf("not a JSON object")
		}
	}
	if dec.More() {
		return Line{}, errors.New("more than one JSON value")
	}
	if len(l.ID) > MaxIDLen || !utf8.ValidString(l.ID) {
		return Line{}, fmt.Errorf("the id must be UTF-8 text of at most %d bytes", MaxIDLen)
	}
	return l, nil
}
