package procedure

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Descriptors are a clinic's licensed CPT descriptors, which replace our own
// descriptions in output. The file format is documented in DESCRIPTORS.md.
type Descriptors map[string]string

// maxDescriptor bounds one descriptor; the AMA's longest run to a few
// hundred characters.
const maxDescriptor = 4000

// LoadDescriptors reads a licensed CPT descriptor file: one code per line,
// the five-character code, a tab or spaces, then the descriptor; blank
// lines and lines starting with '#' are skipped, and so is a first line
// that is a column header ("Code<TAB>Descriptor"). Errors name the line.
func LoadDescriptors(r io.Reader) (Descriptors, error) {
	d := Descriptors{}
	firstLine := map[string]int{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	header := true
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimRight(sc.Text(), "\r")
		if line == 1 {
			text = strings.TrimPrefix(text, "\ufeff")
		}
		if strings.TrimSpace(text) == "" || strings.HasPrefix(text, "#") {
			continue
		}
		if !utf8.ValidString(text) {
			return nil, fmt.Errorf("cpt descriptors: line %d: not valid UTF-8", line)
		}
		code, desc, ok := splitCodeLine(text)
		wasHeader := header
		header = false
		if wasHeader && !isCPTCode(code) && strings.Contains(strings.ToLower(code), "code") {
			continue
		}
		switch {
		case !ok:
			return nil, fmt.Errorf("cpt descriptors: line %d: want a code, a tab or spaces, and a descriptor", line)
		case !isCPTCode(code):
			return nil, fmt.Errorf("cpt descriptors: line %d: %q is not a CPT code (four digits then a digit, F, T or U)", line, code)
		case len(desc) > maxDescriptor:
			return nil, fmt.Errorf("cpt descriptors: line %d: descriptor of %s is longer than %d bytes", line, code, maxDescriptor)
		case strings.IndexFunc(desc, func(r rune) bool { return r < ' ' && r != '\t' }) >= 0:
			return nil, fmt.Errorf("cpt descriptors: line %d: descriptor of %s holds a control character", line, code)
		}
		if prev, dup := firstLine[code]; dup {
			return nil, fmt.Errorf("cpt descriptors: line %d: code %s already given on line %d", line, code, prev)
		}
		firstLine[code] = line
		d[code] = desc
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("cpt descriptors: %w", err)
	}
	if len(d) == 0 {
		return nil, fmt.Errorf("cpt descriptors: the file holds no descriptors")
	}
	return d, nil
}

// splitCodeLine splits "CODE<TAB>text" or "CODE text".
func splitCodeLine(text string) (string, string, bool) {
	i := strings.IndexAny(text, "\t ")
	if i <= 0 {
		return text, "", false
	}
	desc := strings.TrimSpace(text[i:])
	return text[:i], desc, desc != ""
}

// isCPTCode reports a CPT code: four digits and a digit (Category I), F
// (Category II), T (Category III) or U (proprietary laboratory analyses).
func isCPTCode(s string) bool {
	if len(s) != 5 {
		return false
	}
	for i := 0; i < 4; i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return isDigit(s[4]) || s[4] == 'F' || s[4] == 'T' || s[4] == 'U'
}
