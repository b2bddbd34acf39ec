package engine

import (
	"bufio"
	"fmt"
	"io/fs"
	"strings"
)

// tsvRow is one data line of a hand-written table: a kind in the first
// column, then its fields. Blank lines and lines starting with # are
// comments.
type tsvRow struct {
	file   string
	line   int
	fields []string
}

func (r tsvRow) kind() string { return r.fields[0] }

// field returns column i (0 is the kind), "" when absent.
func (r tsvRow) field(i int) string {
	if i < len(r.fields) {
		return r.fields[i]
	}
	return ""
}

// want checks the number of columns, kind included.
func (r tsvRow) want(least, most int) error {
	if n := len(r.fields); n < least || n > most {
		return r.errorf("%s wants %d to %d columns, has %d", r.kind(), least, most, n)
	}
	return nil
}

func (r tsvRow) errorf(format string, args ...any) error {
	return fmt.Errorf("engine: %s line %d: %s", r.file, r.line, fmt.Sprintf(format, args...))
}

// readTSV reads a table from fsys.
func readTSV(fsys fs.FS, name string) ([]tsvRow, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, fmt.Errorf("engine: %w", err)
	}
	defer f.Close()
	var rows []tsvRow
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(text) == "" || strings.HasPrefix(text, "#") {
			continue
		}
		fields := strings.Split(text, "\t")
		for i := range fields {
			fields[i] = strings.TrimSpace(fields[i])
		}
		row := tsvRow{file: name, line: line, fields: fields}
		for i, f := range fields {
			if f == "" {
				return nil, row.errorf("column %d is empty", i+1)
			}
		}
		rows = append(rows, row)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("engine: %s: %w", name, err)
	}
	return rows, nil
}
