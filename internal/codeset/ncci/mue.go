package ncci

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/medcode/medcode/internal/codeset/snapio"
	"github.com/medcode/medcode/internal/codeset/srcfile"
)

// MUE adjudication indicators.
const (
	MAILine         = 1 // claim line edit
	MAIDatePolicy   = 2 // date of service edit, policy: an absolute limit
	MAIDateClinical = 3 // date of service edit, clinical: may be exceeded on appeal
)

// Headings of the MUE table's second and third columns.
const (
	mueValuesSuffix    = "mue values"
	mueIndicatorHeader = "mue adjudication indicator"
)

// MUEEdit is the most units of a code a provider reports for one patient
// on one date of service.
type MUEEdit struct {
	Code      string
	Units     int
	MAI       int    // MAILine, MAIDatePolicy or MAIDateClinical
	MAIText   string // as published, e.g. "2 Date of Service Edit: Policy"
	Rationale string
}

// MUE is one MUE table (practitioner, outpatient hospital or DME
// supplier services).
type MUE struct {
	// Service is the heading of the values column, e.g. "Practitioner
	// Services MUE Values".
	Service string
	edits   []MUEEdit
	byCode  map[string]int
}

// IsMUEHeader recognizes the header row of an MUE table: "HCPCS/CPT Code",
// "<service> MUE Values", "MUE Adjudication Indicator", "MUE Rationale".
func IsMUEHeader(row []string) bool {
	return len(row) >= 3 && strings.Contains(strings.ToLower(row[0]), "hcpcs") &&
		strings.HasSuffix(strings.ToLower(row[1]), mueValuesSuffix) && strings.ToLower(row[2]) == mueIndicatorHeader
}

// LoadMUE reads an MUE table as CSV (MCR_MUE_PractitionerServices_Eff_<date>.csv)
// or tab-separated text, with the published columns.
func LoadMUE(r io.Reader, file string) (*MUE, error) {
	br, comma := sniffComma(r)
	rs, err := srcfile.ReadRecords(br, file, comma, IsMUEHeader)
	if err != nil {
		return nil, err
	}
	m := &MUE{Service: rs.Header[1], byCode: make(map[string]int)}
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
		e := MUEEdit{Code: strings.ToUpper(srcfile.Cell(row, 0)), MAIText: srcfile.Cell(row, 2), Rationale: srcfile.Cell(row, 3)}
		if msg := parseMUE(&e, srcfile.Cell(row, 1)); msg != "" {
			return nil, rs.Errorf("", "%s", msg)
		}
		if _, dup := m.byCode[e.Code]; dup {
			return nil, rs.Errorf(rs.Header[0], "%s listed twice", e.Code)
		}
		m.byCode[e.Code] = len(m.edits)
		m.edits = append(m.edits, e)
	}
	if len(m.edits) == 0 {
		return nil, srcfile.Errorf(file, 0, "", "no MUE rows")
	}
	return m, nil
}

// parseMUE fills the units and indicator of e, or says what is wrong.
func parseMUE(e *MUEEdit, units string) string {
	if !isProcedureCode(e.Code) {
		return fmt.Sprintf("HCPCS/CPT Code: %q is not a CPT/HCPCS code", e.Code)
	}
	var err error
	if e.Units, err = strconv.Atoi(units); err != nil || e.Units < 0 {
		return fmt.Sprintf("MUE Values: %q is not a number of units", units)
	}
	// The indicator is published with its meaning: "1 Line Edit".
	first, _, _ := strings.Cut(e.MAIText, " ")
	if e.MAI, err = strconv.Atoi(first); err != nil || e.MAI < MAILine || e.MAI > MAIDateClinical {
		return fmt.Sprintf("MUE Adjudication Indicator: %q does not start with 1, 2 or 3", e.MAIText)
	}
	return ""
}

// Lookup returns the MUE of a code.
func (m *MUE) Lookup(code string) (MUEEdit, bool) {
	i, ok := m.byCode[strings.ToUpper(strings.TrimSpace(code))]
	if !ok {
		return MUEEdit{}, false
	}
	return m.edits[i], true
}

// Len is the number of codes with an MUE.
func (m *MUE) Len() int { return len(m.edits) }

// Encode writes the table to a snapshot.
func (m *MUE) Encode(w *snapio.Writer) {
	w.Str(m.Service)
	w.Int(len(m.edits))
	for _, e := range m.edits {
		w.Str(e.Code)
		w.Int(e.Units)
		w.Str(e.MAIText)
		w.Str(e.Rationale)
	}
}

// DecodeMUE reads a table written by Encode.
func DecodeMUE(r *snapio.Reader) (*MUE, error) {
	m := &MUE{Service: r.Str(), byCode: make(map[string]int)}
	m.edits = make([]MUEEdit, r.Len())
	for i := range m.edits {
		e := MUEEdit{Code: r.Str()}
		units := r.Int(1 << 30)
		e.MAIText, e.Rationale = r.Str(), r.Str()
		if r.Err() == nil && parseMUE(&e, strconv.Itoa(units)) != "" {
			r.Fail("MUE row malformed")
		}
		m.edits[i] = e
		m.byCode[e.Code] = i
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	return m, nil
}
