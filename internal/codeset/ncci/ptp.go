// Package ncci loads the CMS National Correct Coding Initiative tables for
// practitioner services: procedure-to-procedure (PTP) edits and medically
// unlikely edits (MUE), in the column layouts CMS publishes them in.
package ncci

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/medcode/medcode/internal/codeset/snapio"
	"github.com/medcode/medcode/internal/codeset/srcfile"
)

// Modifier indicators of a PTP edit.
const (
	ModifierNotAllowed    = 0 // column 2 code never paid with column 1
	ModifierAllowed       = 1 // an NCCI-associated modifier may bypass the edit
	ModifierNotApplicable = 9 // edit deleted or not applicable
)

// PTPEdit is one column 1 / column 2 code pair.
type PTPEdit struct {
	Column1, Column2 string
	// Prior1996 marks edits in existence before 1996 ("*" in the file).
	Prior1996 bool
	Effective time.Time
	Deleted   time.Time // zero when the edit is current ("*")
	Modifier  int       // ModifierNotAllowed, ModifierAllowed or ModifierNotApplicable
	Rationale string
}

// ActiveOn reports whether the edit applies to a date of service: on or
// after its effective date and before its deletion date.
func (e PTPEdit) ActiveOn(dos time.Time) bool {
	return !dos.Before(e.Effective) && (e.Deleted.IsZero() || dos.Before(e.Deleted))
}

// PTP holds the PTP edits of one quarter, compactly: the practitioner
// tables hold millions of pairs.
type PTP struct {
	codes      []string
	ids        map[string]uint32
	rationales []string
	rows       []ptpRow // sorted by column 1, column 2, effective date
}

type ptpRow struct {
	c1, c2    uint32
	eff, del  int32 // days since 1970-01-01; del 0 when current
	rationale uint16
	modifier  uint8
	prior     bool
}

const day = 24 * time.Hour

func days(t time.Time) int32 { return int32(t.Unix() / int64(day/time.Second)) }
func date(d int32) time.Time { return time.Unix(int64(d)*int64(day/time.Second), 0).UTC() }

// PTP file columns, as headed in the CMS files: Column 1, Column 2,
// "*=in existence prior to 1996", Effective Date, "Deletion Date *=no
// data", "Modifier 0=not allowed 1=allowed 9=not applicable", PTP Edit
// Rationale.
const (
	ptpCol1 = iota
	ptpCol2
	ptpPrior
	ptpEffective
	ptpDeleted
	ptpModifier
	ptpRationale
	ptpColumns
)

// IsPTPHeader recognizes the header row of a PTP table.
func IsPTPHeader(row []string) bool {
	return len(row) >= ptpColumns-1 && compact(row[ptpCol1]) == "column1" && compact(row[ptpCol2]) == "column2"
}

// compact lower-cases s and drops its spaces ("Column 1" → "column1").
func compact(s string) string { return strings.ToLower(strings.ReplaceAll(s, " ", "")) }

// LoadPTP reads one PTP table: tab-separated text as in the CMS zip files
// (ccipra-vNNNrN-fN.txt) or the same columns as CSV. CMS splits the
// practitioner table over several files; Merge joins them.
func LoadPTP(r io.Reader, file string) (*PTP, error) {
	br, comma := sniffComma(r)
	rs, err := srcfile.ReadRecords(br, file, comma, IsPTPHeader)
	if err != nil {
		return nil, err
	}
	p := &PTP{ids: make(map[string]uint32)}
	rationales := make(map[string]uint16)
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
		e, msg := parsePTP(row)
		if msg != "" {
			return nil, rs.Errorf("", "%s", msg)
		}
		rid, ok := rationales[e.Rationale]
		if !ok {
			if len(p.rationales) > 0xFFFF {
				return nil, rs.Errorf("PTP Edit Rationale", "more than 65536 distinct rationales")
			}
			rid = uint16(len(p.rationales))
			rationales[e.Rationale] = rid
			p.rationales = append(p.rationales, e.Rationale)
		}
		p.rows = append(p.rows, ptpRow{
			c1: p.id(e.Column1), c2: p.id(e.Column2), eff: days(e.Effective), rationale: rid,
			modifier: uint8(e.Modifier), prior: e.Prior1996,
		})
		if !e.Deleted.IsZero() {
			p.rows[len(p.rows)-1].del = days(e.Deleted)
		}
	}
	if len(p.rows) == 0 {
		return nil, srcfile.Errorf(file, 0, "", "no PTP edits")
	}
	p.sort()
	return p, nil
}

// parsePTP reads one row, or says what is wrong with it.
func parsePTP(row []string) (PTPEdit, string) {
	e := PTPEdit{
		Column1:   strings.ToUpper(srcfile.Cell(row, ptpCol1)),
		Column2:   strings.ToUpper(srcfile.Cell(row, ptpCol2)),
		Prior1996: srcfile.Cell(row, ptpPrior) == "*",
		Rationale: srcfile.Cell(row, ptpRationale),
	}
	for _, c := range []struct{ name, code string }{{"Column 1", e.Column1}, {"Column 2", e.Column2}} {
		if !isProcedureCode(c.code) {
			return e, fmt.Sprintf("%s: %q is not a CPT/HCPCS code", c.name, c.code)
		}
	}
	var err error
	if e.Effective, err = srcfile.Date(srcfile.Cell(row, ptpEffective)); err != nil || e.Effective.IsZero() {
		return e, fmt.Sprintf("Effective Date: %q is not YYYYMMDD", srcfile.Cell(row, ptpEffective))
	}
	if del := srcfile.Cell(row, ptpDeleted); del != "*" && del != "" {
		if e.Deleted, err = srcfile.Date(del); err != nil {
			return e, fmt.Sprintf("Deletion Date: %q is neither * nor YYYYMMDD", del)
		}
	}
	switch srcfile.Cell(row, ptpModifier) {
	case "0":
		e.Modifier = ModifierNotAllowed
	case "1":
		e.Modifier = ModifierAllowed
	case "9":
		e.Modifier = ModifierNotApplicable
	default:
		return e, fmt.Sprintf("Modifier: %q is not 0, 1 or 9", srcfile.Cell(row, ptpModifier))
	}
	return e, ""
}

// isProcedureCode accepts five letters or digits (CPT, HCPCS Level II).
func isProcedureCode(s string) bool {
	if len(s) != 5 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

func (p *PTP) id(code string) uint32 {
	id, ok := p.ids[code]
	if !ok {
		id = uint32(len(p.codes))
		p.ids[code] = id
		p.codes = append(p.codes, code)
	}
	return id
}

func (p *PTP) sort() {
	sort.Slice(p.rows, func(i, j int) bool {
		a, b := p.rows[i], p.rows[j]
		if a.c1 != b.c1 {
			return p.codes[a.c1] < p.codes[b.c1]
		}
		if a.c2 != b.c2 {
			return p.codes[a.c2] < p.codes[b.c2]
		}
		return a.eff < b.eff
	})
}

// Merge joins PTP tables (the files of one quarter) into one.
func Merge(parts ...*PTP) *PTP {
	out := &PTP{ids: make(map[string]uint32)}
	rationales := make(map[string]uint16)
	for _, p := range parts {
		for _, r := range p.rows {
			rat := p.rationales[r.rationale]
			rid, ok := rationales[rat]
			if !ok {
				rid = uint16(len(out.rationales))
				rationales[rat] = rid
				out.rationales = append(out.rationales, rat)
			}
			r.c1, r.c2, r.rationale = out.id(p.codes[r.c1]), out.id(p.codes[r.c2]), rid
			out.rows = append(out.rows, r)
		}
	}
	out.sort()
	return out
}

func (p *PTP) edit(r ptpRow) PTPEdit {
	e := PTPEdit{
		Column1: p.codes[r.c1], Column2: p.codes[r.c2], Prior1996: r.prior,
		Effective: date(r.eff), Modifier: int(r.modifier), Rationale: p.rationales[r.rationale],
	}
	if r.del != 0 {
		e.Deleted = date(r.del)
	}
	return e
}

// span returns the rows whose column 1 is code.
func (p *PTP) span(code string) []ptpRow {
	code = strings.ToUpper(strings.TrimSpace(code))
	if _, ok := p.ids[code]; !ok {
		return nil
	}
	lo := sort.Search(len(p.rows), func(i int) bool { return p.codes[p.rows[i].c1] >= code })
	hi := lo
	for hi < len(p.rows) && p.codes[p.rows[hi].c1] == code {
		hi++
	}
	return p.rows[lo:hi]
}

// Edit returns the edit between a column 1 and a column 2 code in effect
// on the date of service.
func (p *PTP) Edit(column1, column2 string, dos time.Time) (PTPEdit, bool) {
	column2 = strings.ToUpper(strings.TrimSpace(column2))
	for _, r := range p.span(column1) {
		if p.codes[r.c2] == column2 {
			if e := p.edit(r); e.ActiveOn(dos) {
				return e, true
			}
		}
	}
	return PTPEdit{}, false
}

// Column2 returns the edits in effect on the date of service whose column
// 1 code is column1.
func (p *PTP) Column2(column1 string, dos time.Time) []PTPEdit {
	var out []PTPEdit
	for _, r := range p.span(column1) {
		if e := p.edit(r); e.ActiveOn(dos) {
			out = append(out, e)
		}
	}
	return out
}

// Len is the number of edits.
func (p *PTP) Len() int { return len(p.rows) }

// Encode writes the table to a snapshot.
func (p *PTP) Encode(w *snapio.Writer) {
	w.Strings(p.codes)
	w.Strings(p.rationales)
	w.Int(len(p.rows))
	for _, r := range p.rows {
		w.Uvarint(uint64(r.c1))
		w.Uvarint(uint64(r.c2))
		w.Int64(int64(r.eff))
		w.Int64(int64(r.del))
		w.Uvarint(uint64(r.rationale))
		w.Uvarint(uint64(r.modifier))
		w.Bool(r.prior)
	}
}

// DecodePTP reads a table written by Encode.
func DecodePTP(r *snapio.Reader) (*PTP, error) {
	p := &PTP{codes: r.Strings(), rationales: r.Strings()}
	p.ids = make(map[string]uint32, len(p.codes))
	for i, c := range p.codes {
		if !isProcedureCode(c) {
			r.Fail("PTP code malformed")
		}
		p.ids[c] = uint32(i)
	}
	p.rows = make([]ptpRow, r.Len())
	for i := range p.rows {
		row := ptpRow{
			c1: uint32(r.Int(len(p.codes) - 1)), c2: uint32(r.Int(len(p.codes) - 1)),
			eff: int32(r.Int64()), del: int32(r.Int64()),
			rationale: uint16(r.Int(len(p.rationales) - 1)), modifier: uint8(r.Int(ModifierNotApplicable)), prior: r.Bool(),
		}
		if row.modifier != ModifierNotAllowed && row.modifier != ModifierAllowed && row.modifier != ModifierNotApplicable {
			r.Fail("PTP modifier indicator not 0, 1 or 9")
		}
		p.rows[i] = row
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	if !sort.SliceIsSorted(p.rows, func(i, j int) bool { return p.codes[p.rows[i].c1] < p.codes[p.rows[j].c1] }) {
		r.Fail("PTP rows out of order")
		return nil, r.Err()
	}
	return p, nil
}

// sniffComma tells tab-separated text from CSV: whichever separator is
// more frequent in the first 8 KB.
func sniffComma(r io.Reader) (io.Reader, rune) {
	buf := make([]byte, 8192)
	n, _ := io.ReadFull(r, buf)
	buf = buf[:n]
	comma := ','
	if strings.Count(string(buf), "\t") > strings.Count(string(buf), ",") {
		comma = '\t'
	}
	return io.MultiReader(strings.NewReader(string(buf)), r), comma
}
