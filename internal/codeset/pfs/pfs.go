// Package pfs loads the Medicare Physician Fee Schedule relative value
// file (PPRRVU, CSV as published in the CMS RVU release) and the
// geographic practice cost indices (GPCI, Addendum E), and prices a
// service at a locality.
//
// CPT descriptors in the RVU file are AMA copyright: the loader keeps a
// description only for HCPCS Level II codes (written by CMS) and drops it
// for CPT codes (starting with a digit) and CDT dental codes (D).
package pfs

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/medcode/medcode/internal/codeset/srcfile"
)

// RVU is one row of the relative value file.
type RVU struct {
	Code, Modifier string
	Description    string // HCPCS Level II only; "" for CPT and CDT codes
	Status         string // status code: A active, B bundled, C carrier priced, I not valid for Medicare, ...
	// NotUsedForPayment is the "not used for Medicare payment" flag.
	NotUsedForPayment string
	Work              float64
	NonFacilityPE     float64
	FacilityPE        float64
	MP                float64
	// NonFacilityNA and FacilityNA mark PE RVUs not applicable in that
	// setting.
	NonFacilityNA, FacilityNA bool
	NonFacilityTotal          float64
	FacilityTotal             float64
	PCTC                      string // professional/technical component indicator
	GlobalDays                string // 000, 010, 090, MMM, XXX, YYY, ZZZ
	PreOp, IntraOp, PostOp    float64
	MultipleProcedure         string
	BilateralSurgery          string
	AssistantSurgery          string
	CoSurgeons                string
	TeamSurgery               string
	EndoscopicBase            string
	ConversionFactor          float64
	PhysicianSupervision      string
	CalculationFlag           string
	ImagingFamily             string
	OPPSNonFacilityPE         float64
	OPPSFacilityPE            float64
	OPPSMP                    float64
}

// Schedule is one RVU release with its GPCIs.
type Schedule struct {
	// ConversionFactor is the file's conversion factor (the value most
	// rows carry).
	ConversionFactor float64
	rows             []RVU
	byKey            map[rvuKey]int
	localities       []Locality
}

// column is one column of the published PPRRVU layout: its position, the
// text of the header's last line there, and its full name for errors.
type column struct {
	pos          int
	header, name string
}

// The PPRRVU layout (RVUyy readme, "PPRRVU" file): the header's last line
// reads HCPCS, MOD, DESCRIPTION, CODE, PAYMENT, RVU, PE RVU, INDICATOR,
// PE RVU, INDICATOR, RVU, TOTAL, TOTAL, IND, DAYS, OP, OP, OP, PROC,
// SURG, SURG, SURG, SURG, BASE, FACTOR, PROCEDURES, FLAG, INDICATOR,
// AMOUNT, AMOUNT, AMOUNT.
var (
	colCode       = column{0, "hcpcs", "HCPCS"}
	colMod        = column{1, "mod", "MOD"}
	colDesc       = column{2, "description", "DESCRIPTION"}
	colStatus     = column{3, "code", "STATUS CODE"}
	colNotUsed    = column{4, "payment", "NOT USED FOR MEDICARE PAYMENT"}
	colWork       = column{5, "rvu", "WORK RVU"}
	colNonFacPE   = column{6, "pe rvu", "NON-FAC PE RVU"}
	colNonFacNA   = column{7, "indicator", "NON-FAC NA INDICATOR"}
	colFacPE      = column{8, "pe rvu", "FACILITY PE RVU"}
	colFacNA      = column{9, "indicator", "FACILITY NA INDICATOR"}
	colMP         = column{10, "rvu", "MP RVU"}
	colNonFacTot  = column{11, "total", "NON-FACILITY TOTAL"}
	colFacTot     = column{12, "total", "FACILITY TOTAL"}
	colPCTC       = column{13, "ind", "PCTC IND"}
	colGlobal     = column{14, "days", "GLOB DAYS"}
	colPreOp      = column{15, "op", "PRE OP"}
	colIntraOp    = column{16, "op", "INTRA OP"}
	colPostOp     = column{17, "op", "POST OP"}
	colMultProc   = column{18, "proc", "MULT PROC"}
	colBilat      = column{19, "surg", "BILAT SURG"}
	colAsst       = column{20, "surg", "ASST SURG"}
	colCoSurg     = column{21, "surg", "CO-SURG"}
	colTeam       = column{22, "surg", "TEAM SURG"}
	colEndo       = column{23, "base", "ENDO BASE"}
	colConv       = column{24, "factor", "CONV FACTOR"}
	colSuperv     = column{25, "procedures", "PHYSICIAN SUPERVISION OF DIAGNOSTIC PROCEDURES"}
	colCalcFlag   = column{26, "flag", "CALCULATION FLAG"}
	colImaging    = column{27, "indicator", "DIAGNOSTIC IMAGING FAMILY INDICATOR"}
	colOPPSNonFac = column{28, "amount", "NON-FACILITY PE USED FOR OPPS PAYMENT AMOUNT"}
	colOPPSFac    = column{29, "amount", "FACILITY PE USED FOR OPPS PAYMENT AMOUNT"}
	colOPPSMP     = column{30, "amount", "MP USED FOR OPPS PAYMENT AMOUNT"}
	layout        = []column{colCode, colMod, colDesc, colStatus, colNotUsed, colWork, colNonFacPE, colNonFacNA, colFacPE, colFacNA,
		colMP, colNonFacTot, colFacTot, colPCTC, colGlobal, colPreOp, colIntraOp, colPostOp, colMultProc, colBilat, colAsst,
		colCoSurg, colTeam, colEndo, colConv, colSuperv, colCalcFlag, colImaging, colOPPSNonFac, colOPPSFac, colOPPSMP}
)

// LoadRVU reads a PPRRVU file. file names the source in errors.
func LoadRVU(r io.Reader, file string) (*Schedule, error) {
	rs, err := srcfile.ReadRecords(r, file, ',', func(row []string) bool {
		return strings.EqualFold(srcfile.Cell(row, colCode.pos), colCode.header) && strings.EqualFold(srcfile.Cell(row, colMod.pos), colMod.header)
	})
	if err != nil {
		return nil, err
	}
	for _, c := range layout {
		if got := srcfile.Cell(rs.Header, c.pos); !strings.EqualFold(got, c.header) {
			return nil, srcfile.Errorf(file, rs.Line(), fmt.Sprintf("column %d (%s)", c.pos+1, c.name), "header reads %q where the PPRRVU layout has %q", got, strings.ToUpper(c.header))
		}
	}
	s := &Schedule{byKey: make(map[rvuKey]int)}
	cfCount := make(map[float64]int)
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
		rvu, bad := parseRow(row)
		if bad != nil {
			return nil, rs.Errorf(bad.column, "%s", bad.msg)
		}
		key := rvuKey{rvu.Code, rvu.Modifier}
		if _, dup := s.byKey[key]; dup {
			return nil, rs.Errorf("HCPCS", "%s %s listed twice", rvu.Code, rvu.Modifier)
		}
		s.byKey[key] = len(s.rows)
		s.rows = append(s.rows, rvu)
		if rvu.ConversionFactor > 0 {
			cfCount[rvu.ConversionFactor]++
		}
	}
	if len(s.rows) == 0 {
		return nil, srcfile.Errorf(file, 0, "", "no RVU rows")
	}
	s.rows = slices.Clone(s.rows) // drop the spare capacity of appending
	for cf, n := range cfCount {
		if n > cfCount[s.ConversionFactor] || n == cfCount[s.ConversionFactor] && cf > s.ConversionFactor {
			s.ConversionFactor = cf
		}
	}
	return s, nil
}

// rowError is a problem in one cell of a row.
type rowError struct{ column, msg string }

func parseRow(row []string) (RVU, *rowError) {
	cell := func(c column) string { return srcfile.Cell(row, c.pos) }
	r := RVU{
		Code:                 strings.ToUpper(cell(colCode)),
		Modifier:             strings.ToUpper(cell(colMod)),
		Status:               cell(colStatus),
		NotUsedForPayment:    cell(colNotUsed),
		NonFacilityNA:        strings.EqualFold(cell(colNonFacNA), "NA"),
		FacilityNA:           strings.EqualFold(cell(colFacNA), "NA"),
		PCTC:                 cell(colPCTC),
		GlobalDays:           cell(colGlobal),
		MultipleProcedure:    cell(colMultProc),
		BilateralSurgery:     cell(colBilat),
		AssistantSurgery:     cell(colAsst),
		CoSurgeons:           cell(colCoSurg),
		TeamSurgery:          cell(colTeam),
		EndoscopicBase:       cell(colEndo),
		PhysicianSupervision: cell(colSuperv),
		CalculationFlag:      cell(colCalcFlag),
		ImagingFamily:        cell(colImaging),
	}
	if len(r.Code) != 5 {
		return r, &rowError{colCode.name, fmt.Sprintf("code %q is not five characters", r.Code)}
	}
	if isLevelII(r.Code) {
		r.Description = cell(colDesc)
	}
	numbers := []struct {
		c   column
		dst *float64
	}{
		{colWork, &r.Work}, {colNonFacPE, &r.NonFacilityPE}, {colFacPE, &r.FacilityPE}, {colMP, &r.MP},
		{colNonFacTot, &r.NonFacilityTotal}, {colFacTot, &r.FacilityTotal}, {colPreOp, &r.PreOp}, {colIntraOp, &r.IntraOp},
		{colPostOp, &r.PostOp}, {colConv, &r.ConversionFactor}, {colOPPSNonFac, &r.OPPSNonFacilityPE},
		{colOPPSFac, &r.OPPSFacilityPE}, {colOPPSMP, &r.OPPSMP},
	}
	for _, n := range numbers {
		v, err := number(cell(n.c))
		if err != nil {
			return r, &rowError{n.c.name, err.Error()}
		}
		*n.dst = v
	}
	return r, nil
}

// isLevelII tells HCPCS Level II codes (a letter other than D, then four
// digits) from CPT and CDT codes, whose descriptors may not be shown.
func isLevelII(code string) bool {
	c := code[0]
	return 'A' <= c && c <= 'Z' && c != 'D'
}

func number(s string) (float64, error) {
	if s == "" {
		return 0, nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	return v, nil
}

// rvuKey identifies a row: a code with a modifier.
type rvuKey struct{ code, modifier string }

// Lookup returns the row of a code with a modifier ("" for the global
// service, "26" professional component, "TC" technical component, ...).
func (s *Schedule) Lookup(code, modifier string) (*RVU, bool) {
	i, ok := s.byKey[rvuKey{strings.ToUpper(strings.TrimSpace(code)), strings.ToUpper(strings.TrimSpace(modifier))}]
	if !ok {
		return nil, false
	}
	return &s.rows[i], true
}

// Len is the number of rows.
func (s *Schedule) Len() int { return len(s.rows) }

// Payment is the Medicare fee of a service at a locality:
// (work RVU × work GPCI + PE RVU × PE GPCI + MP RVU × MP GPCI) ×
// conversion factor, with the facility or non-facility PE RVU.
func (s *Schedule) Payment(r *RVU, loc Locality, facility bool) float64 {
	pe := r.NonFacilityPE
	if facility {
		pe = r.FacilityPE
	}
	cf := r.ConversionFactor
	if cf == 0 {
		cf = s.ConversionFactor
	}
	return (r.Work*loc.WorkGPCI + pe*loc.PEGPCI + r.MP*loc.MPGPCI) * cf
}
