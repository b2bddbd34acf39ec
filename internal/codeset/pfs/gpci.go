package pfs

import (
	"io"
	"strings"

	"github.com/medcode/medcode/internal/codeset/snapio"
	"github.com/medcode/medcode/internal/codeset/srcfile"
)

// Locality is a Medicare payment locality with its GPCIs.
type Locality struct {
	MAC      string // Medicare Administrative Contractor number
	State    string
	Number   string // locality number within the MAC
	Name     string
	WorkGPCI float64
	PEGPCI   float64
	MPGPCI   float64
}

// LoadGPCI reads the GPCI table (Addendum E, "GPCIyyyy.csv"): columns found
// by their headings (MAC, State, Locality Number, Locality Name, PW GPCI,
// PE GPCI, MP GPCI); title and footnote rows are skipped.
func LoadGPCI(r io.Reader, file string) ([]Locality, error) {
	rs, err := srcfile.ReadRecords(r, file, ',', func(row []string) bool {
		return containsHeader(row, "locality number") && containsHeader(row, "gpci")
	})
	if err != nil {
		return nil, err
	}
	has := func(sub string) func(string) bool { return func(h string) bool { return strings.Contains(h, sub) } }
	cols := []struct {
		name string
		i    int
	}{
		{"MAC", rs.Column(func(h string) bool { return strings.Contains(h, "contractor") || strings.Contains(h, "mac") })},
		{"State", rs.Column(has("state"))},
		{"Locality Number", rs.Column(has("locality number"))},
		{"Locality Name", rs.Column(has("locality name"))},
		{"PW GPCI", rs.Column(func(h string) bool { return strings.Contains(h, "pw gpci") || strings.Contains(h, "work gpci") })},
		{"PE GPCI", rs.Column(has("pe gpci"))},
		{"MP GPCI", rs.Column(has("mp gpci"))},
	}
	for _, c := range cols {
		if c.i < 0 {
			return nil, srcfile.Errorf(file, rs.Line(), c.name, "column missing from the header")
		}
	}
	var out []Locality
	seen := make(map[string]bool)
	for {
		row, err := rs.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		mac := srcfile.Cell(row, cols[0].i)
		if !isDigits(mac) {
			continue // blank separator or footnote
		}
		// Names carry footnote marks ("ALASKA*").
		loc := Locality{MAC: mac, State: srcfile.Cell(row, cols[1].i), Number: srcfile.Cell(row, cols[2].i), Name: strings.TrimRight(srcfile.Cell(row, cols[3].i), "*")}
		for i, dst := range []*float64{&loc.WorkGPCI, &loc.PEGPCI, &loc.MPGPCI} {
			v, err := number(srcfile.Cell(row, cols[4+i].i))
			if err != nil || v <= 0 {
				return nil, rs.Errorf(cols[4+i].name, "%q is not a positive index", srcfile.Cell(row, cols[4+i].i))
			}
			*dst = v
		}
		if seen[loc.MAC+"/"+loc.Number] {
			return nil, rs.Errorf("Locality Number", "MAC %s locality %s listed twice", loc.MAC, loc.Number)
		}
		seen[loc.MAC+"/"+loc.Number] = true
		out = append(out, loc)
	}
	if len(out) == 0 {
		return nil, srcfile.Errorf(file, 0, "", "no localities")
	}
	return out, nil
}

func containsHeader(row []string, sub string) bool {
	for _, c := range row {
		if strings.Contains(strings.ToLower(c), sub) {
			return true
		}
	}
	return false
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// SetLocalities attaches the GPCI table to the schedule.
func (s *Schedule) SetLocalities(locs []Locality) { s.localities = locs }

// Localities returns the GPCI table, nil when none was loaded.
func (s *Schedule) Localities() []Locality { return s.localities }

// Locality finds a locality by MAC and locality number ("01" and "1" are
// the same locality).
func (s *Schedule) Locality(mac, number string) (Locality, bool) {
	for _, l := range s.localities {
		if l.MAC == mac && strings.TrimLeft(l.Number, "0") == strings.TrimLeft(number, "0") {
			return l, true
		}
	}
	return Locality{}, false
}

// Encode writes the schedule to a snapshot.
func (s *Schedule) Encode(w *snapio.Writer) {
	w.Float64(s.ConversionFactor)
	w.Int(len(s.rows))
	for _, r := range s.rows {
		for _, str := range []string{r.Code, r.Modifier, r.Description, r.Status, r.NotUsedForPayment, r.PCTC, r.GlobalDays,
			r.MultipleProcedure, r.BilateralSurgery, r.AssistantSurgery, r.CoSurgeons, r.TeamSurgery, r.EndoscopicBase,
			r.PhysicianSupervision, r.CalculationFlag, r.ImagingFamily} {
			w.Str(str)
		}
		w.Bool(r.NonFacilityNA)
		w.Bool(r.FacilityNA)
		for _, f := range []float64{r.Work, r.NonFacilityPE, r.FacilityPE, r.MP, r.NonFacilityTotal, r.FacilityTotal,
			r.PreOp, r.IntraOp, r.PostOp, r.ConversionFactor, r.OPPSNonFacilityPE, r.OPPSFacilityPE, r.OPPSMP} {
			w.Float64(f)
		}
	}
	w.Int(len(s.localities))
	for _, l := range s.localities {
		w.Str(l.MAC)
		w.Str(l.State)
		w.Str(l.Number)
		w.Str(l.Name)
		w.Float64(l.WorkGPCI)
		w.Float64(l.PEGPCI)
		w.Float64(l.MPGPCI)
	}
}

// Decode reads a schedule written by Encode.
func Decode(r *snapio.Reader) (*Schedule, error) {
	s := &Schedule{ConversionFactor: r.Float64(), byKey: make(map[rvuKey]int)}
	s.rows = make([]RVU, r.Len())
	for i := range s.rows {
		v := &s.rows[i]
		for _, dst := range []*string{&v.Code, &v.Modifier, &v.Description, &v.Status, &v.NotUsedForPayment, &v.PCTC, &v.GlobalDays,
			&v.MultipleProcedure, &v.BilateralSurgery, &v.AssistantSurgery, &v.CoSurgeons, &v.TeamSurgery, &v.EndoscopicBase,
			&v.PhysicianSupervision, &v.CalculationFlag, &v.ImagingFamily} {
			*dst = r.Str()
		}
		v.NonFacilityNA = r.Bool()
		v.FacilityNA = r.Bool()
		for _, dst := range []*float64{&v.Work, &v.NonFacilityPE, &v.FacilityPE, &v.MP, &v.NonFacilityTotal, &v.FacilityTotal,
			&v.PreOp, &v.IntraOp, &v.PostOp, &v.ConversionFactor, &v.OPPSNonFacilityPE, &v.OPPSFacilityPE, &v.OPPSMP} {
			*dst = r.Float64()
		}
		if r.Err() == nil && (len(v.Code) != 5 || v.Description != "" && !isLevelII(v.Code)) {
			r.Fail("RVU row with a malformed code")
		}
		s.byKey[rvuKey{v.Code, v.Modifier}] = i
	}
	s.localities = make([]Locality, r.Len())
	for i := range s.localities {
		s.localities[i] = Locality{MAC: r.Str(), State: r.Str(), Number: r.Str(), Name: r.Str(), WorkGPCI: r.Float64(), PEGPCI: r.Float64(), MPGPCI: r.Float64()}
	}
	if len(s.localities) == 0 {
		s.localities = nil
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	return s, nil
}
