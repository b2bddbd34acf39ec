package srcfile

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// Records reads a delimited file (CSV, or tab-separated text) whose data
// rows follow a header row, as CMS publishes them: often after a few lines
// of title and copyright notice.
type Records struct {
	file   string
	r      *csv.Reader
	line   int
	Header []string
}

// ErrNoHeader is wrapped by the error of ReadRecords when no row is a
// header.
var ErrNoHeader = errors.New("no header row")

// ReadRecords reads rows of r separated by comma until isHeader accepts
// one, and returns a Records positioned after it. Cells are trimmed; a
// byte-order mark is dropped.
func ReadRecords(r io.Reader, file string, comma rune, isHeader func(row []string) bool) (*Records, error) {
	cr := csv.NewReader(r)
	cr.Comma = comma
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.ReuseRecord = true
	rs := &Records{file: file, r: cr}
	for {
		row, err := rs.Next()
		if errors.Is(err, io.EOF) {
			return nil, Errorf(file, 0, "", "%v", ErrNoHeader)
		}
		if err != nil {
			return nil, err
		}
		if isHeader(row) {
			rs.Header = append([]string(nil), row...)
			return rs, nil
		}
	}
}

// Next returns the next row with its cells trimmed, or io.EOF. The slice
// is reused by the following call.
func (rs *Records) Next() ([]string, error) {
	row, err := rs.r.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, io.EOF
		}
		// With lazy quotes and free field counts, only reading fails.
		return nil, Errorf(rs.file, rs.line+1, "", "%v", err)
	}
	rs.line, _ = rs.r.FieldPos(0)
	for i, cell := range row {
		if i == 0 && rs.line == 1 {
			cell = strings.TrimPrefix(cell, "\ufeff")
		}
		if !utf8.ValidString(cell) {
			cell = strings.ToValidUTF8(cell, "\uFFFD")
		}
		row[i] = strings.TrimSpace(cell)
	}
	return row, nil
}

// Line is the line of the row last returned.
func (rs *Records) Line() int { return rs.line }

// Column returns the index of the first header cell for which match
// returns true, or -1.
func (rs *Records) Column(match func(header string) bool) int {
	for i, h := range rs.Header {
		if match(strings.ToLower(h)) {
			return i
		}
	}
	return -1
}

// Errorf reports a problem in the row last returned.
func (rs *Records) Errorf(column, format string, args ...any) error {
	return Errorf(rs.file, rs.line, column, format, args...)
}

// Cell returns row[i], or "" when the row is shorter.
func Cell(row []string, i int) string {
	if i < 0 || i >= len(row) {
		return ""
	}
	return row[i]
}

// Blank reports whether every cell of row is empty.
func Blank(row []string) bool {
	for _, c := range row {
		if c != "" {
			return false
		}
	}
	return true
}

// Date parses a CMS date written YYYYMMDD; "" gives the zero time.
func Date(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse("20060102", s)
	if err != nil {
		return time.Time{}, fmt.Errorf("date %q is not YYYYMMDD", s)
	}
	return t, nil
}
