// Package mce loads Medicare Code Editor (MCE) edit lists: the codes that
// each list edit (newborn, pediatric, maternity, adult, sex, manifestation
// as principal diagnosis, non-covered procedure, ...) applies to, as a
// tab-separated table with the columns MCE_Version, ICD_Version,
// MCE_Section, MCE_Subsection, MCE_Edit_Type, ICD_Code_Type, ICD_Code,
// ICD_Desc.
package mce

import (
	"bufio"
	"bytes"
	_ "embed"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/medcode/medcode/internal/codeset/snapio"
	"github.com/medcode/medcode/internal/codeset/srcfile"
)

// Edit is one code on one edit list.
type Edit struct {
	Section  string // MCE section and subsection, e.g. "4A", "6"
	Type     string // e.g. "Newborn_Only", "Principal_Manifestation"
	CodeType string // "D" diagnosis (ICD-10-CM), "P" procedure (ICD-10-PCS)
	Code     string // without its dot
	Title    string
}

// Edits is one MCE version's edit lists.
type Edits struct {
	Version int
	edits   []Edit // sorted by code, in file order for a code
}

// Rule is what an edit type checks: the patient's sex, or an age range in
// years (MinAge and MaxAge are -1 when the edit has no age condition).
type Rule struct {
	Type           string
	Sex            string // "F", "M" or ""
	MinAge, MaxAge int
}

var headers = []string{"MCE_Version", "ICD_Version", "MCE_Section", "MCE_Subsection", "MCE_Edit_Type", "ICD_Code_Type", "ICD_Code", "ICD_Desc"}

// Load reads an MCE edit table. file names the source in errors.
func Load(r io.Reader, file string) (*Edits, error) {
	rs, err := srcfile.ReadRecords(r, file, '\t', func(row []string) bool {
		return strings.EqualFold(srcfile.Cell(row, 0), headers[0])
	})
	if err != nil {
		return nil, err
	}
	col := make(map[string]int, len(headers))
	for _, h := range headers {
		i := rs.Column(func(got string) bool { return got == strings.ToLower(h) })
		if i < 0 {
			return nil, srcfile.Errorf(file, rs.Line(), h, "column missing from the header")
		}
		col[h] = i
	}
	e := &Edits{}
	for {
		row, err := rs.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if srcfile.Blank(row) {
			continue
		}
		v, err := strconv.Atoi(srcfile.Cell(row, col["MCE_Version"]))
		if err != nil || v <= 0 {
			return nil, rs.Errorf("MCE_Version", "%q is not a version number", srcfile.Cell(row, col["MCE_Version"]))
		}
		if e.Version == 0 {
			e.Version = v
		} else if v != e.Version {
			return nil, rs.Errorf("MCE_Version", "version %d in a table of version %d", v, e.Version)
		}
		sub := srcfile.Cell(row, col["MCE_Subsection"])
		if sub == "_" {
			sub = ""
		}
		ed := Edit{
			Section:  srcfile.Cell(row, col["MCE_Section"]) + sub,
			Type:     srcfile.Cell(row, col["MCE_Edit_Type"]),
			CodeType: strings.ToUpper(srcfile.Cell(row, col["ICD_Code_Type"])),
			Code:     strings.ToUpper(strings.ReplaceAll(srcfile.Cell(row, col["ICD_Code"]), ".", "")),
			Title:    srcfile.Cell(row, col["ICD_Desc"]),
		}
		if msg := checkEdit(ed); msg != "" {
			return nil, rs.Errorf("", "%s", msg)
		}
		e.edits = append(e.edits, ed)
	}
	if len(e.edits) == 0 {
		return nil, srcfile.Errorf(file, 0, "", "no edits")
	}
	sort.SliceStable(e.edits, func(i, j int) bool { return e.edits[i].Code < e.edits[j].Code })
	return e, nil
}

// checkEdit says what is wrong with an edit row, or "".
func checkEdit(ed Edit) string {
	switch {
	case ed.CodeType != "D" && ed.CodeType != "P":
		return fmt.Sprintf("ICD_Code_Type %q is not D or P", ed.CodeType)
	case ed.Type == "":
		return "MCE_Edit_Type is empty"
	case len(ed.Code) < 3 || len(ed.Code) > 7:
		return fmt.Sprintf("ICD_Code %q is not an ICD-10 code", ed.Code)
	}
	return ""
}

func (e *Edits) lookup(codeType, code string) []Edit {
	code = strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(code), ".", ""))
	var out []Edit
	for i := sort.Search(len(e.edits), func(i int) bool { return e.edits[i].Code >= code }); i < len(e.edits) && e.edits[i].Code == code; i++ {
		if e.edits[i].CodeType == codeType {
			out = append(out, e.edits[i])
		}
	}
	return out
}

// Diagnosis returns the edits listing an ICD-10-CM code (with or without
// its dot).
func (e *Edits) Diagnosis(code string) []Edit { return e.lookup("D", code) }

// Procedure returns the edits listing an ICD-10-PCS code.
func (e *Edits) Procedure(code string) []Edit { return e.lookup("P", code) }

// Len is the number of edit rows.
func (e *Edits) Len() int { return len(e.edits) }

// Types returns the edit types present with their number of codes.
func (e *Edits) Types() map[string]int {
	out := make(map[string]int)
	for _, ed := range e.edits {
		out[ed.Type]++
	}
	return out
}

//go:embed data/edit_rules.tsv
var rulesTSV []byte

// ruleRow is a row of data/edit_rules.tsv.
type ruleRow struct {
	Rule
	fromVersion int
}

var rules = mustParseRules(rulesTSV)

func mustParseRules(data []byte) []ruleRow {
	rows, err := parseRules(data)
	if err != nil {
		panic("mce: data/edit_rules.tsv: " + err.Error())
	}
	return rows
}

func parseRules(data []byte) ([]ruleRow, error) {
	var rows []ruleRow
	sc := bufio.NewScanner(bytes.NewReader(data))
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		f := strings.Split(text, "\t")
		if len(f) != 5 {
			return nil, fmt.Errorf("line %d: %d columns, want 5", line, len(f))
		}
		row := ruleRow{Rule: Rule{Type: f[0], MinAge: -1, MaxAge: -1}}
		var err error
		if row.fromVersion, err = strconv.Atoi(f[1]); err != nil {
			return nil, fmt.Errorf("line %d: version %q", line, f[1])
		}
		switch f[2] {
		case "F", "M":
			row.Sex = f[2]
		case "-":
		default:
			return nil, fmt.Errorf("line %d: sex %q is not F, M or -", line, f[2])
		}
		for i, dst := range []*int{&row.MinAge, &row.MaxAge} {
			if f[3+i] == "-" {
				continue
			}
			if *dst, err = strconv.Atoi(f[3+i]); err != nil || *dst < 0 {
				return nil, fmt.Errorf("line %d: age %q", line, f[3+i])
			}
		}
		if (row.MinAge < 0) != (row.MaxAge < 0) || row.MinAge > row.MaxAge {
			return nil, fmt.Errorf("line %d: age range %s-%s", line, f[3], f[4])
		}
		rows = append(rows, row)
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].fromVersion < rows[j].fromVersion })
	return rows, nil
}

// Rule returns the condition an edit type checks in this MCE version: the
// rule of the latest version not after it.
func (e *Edits) Rule(editType string) (Rule, bool) {
	var found *Rule
	for i := range rules {
		if rules[i].Type == editType && rules[i].fromVersion <= e.Version {
			found = &rules[i].Rule
		}
	}
	if found == nil {
		return Rule{}, false
	}
	return *found, true
}

// Encode writes the edits to a snapshot.
func (e *Edits) Encode(w *snapio.Writer) {
	w.Int(e.Version)
	w.Int(len(e.edits))
	for _, ed := range e.edits {
		w.Str(ed.Section)
		w.Str(ed.Type)
		w.Str(ed.CodeType)
		w.Str(ed.Code)
		w.Str(ed.Title)
	}
}

// Decode reads edits written by Encode.
func Decode(r *snapio.Reader) (*Edits, error) {
	e := &Edits{Version: r.Int(1 << 20)}
	e.edits = make([]Edit, r.Len())
	for i := range e.edits {
		ed := Edit{Section: r.Str(), Type: r.Str(), CodeType: r.Str(), Code: r.Str(), Title: r.Str()}
		if r.Err() != nil {
			break
		}
		if checkEdit(ed) != "" || i > 0 && ed.Code < e.edits[i-1].Code {
			r.Fail("MCE edit with a malformed code or out of order")
			break
		}
		e.edits[i] = ed
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	return e, nil
}
