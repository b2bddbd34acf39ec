package pfs

import (
	"bytes"
	"errors"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/medcode/medcode/internal/codeset/snapio"
	"github.com/medcode/medcode/internal/codeset/srcfile"
)

func open(t testing.TB, name string) *os.File {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func loadFixture(t testing.TB) *Schedule {
	t.Helper()
	s, err := LoadRVU(open(t, "PPRRVU.csv"), "PPRRVU.csv")
	if err != nil {
		t.Fatal(err)
	}
	locs, err := LoadGPCI(open(t, "GPCI.csv"), "GPCI.csv")
	if err != nil {
		t.Fatal(err)
	}
	s.SetLocalities(locs)
	return s
}

func TestLoadRVU(t *testing.T) {
	s := loadFixture(t)
	if s.Len() != 6 || s.ConversionFactor != 32.3465 {
		t.Errorf("rows %d, conversion factor %v", s.Len(), s.ConversionFactor)
	}
	em, ok := s.Lookup("99213", "")
	if !ok || em.Work != 1.30 || em.NonFacilityPE != 1.35 || em.FacilityPE != 0.55 || em.MP != 0.10 || em.GlobalDays != "XXX" || em.Status != "A" {
		t.Errorf("99213 = %+v", em)
	}
	if pc, ok := s.Lookup("93010", "26"); !ok || pc.PCTC != "1" {
		t.Errorf("93010-26 = %+v", pc)
	}
	if _, ok := s.Lookup("93010", ""); ok {
		t.Error("93010 without modifier should not be found")
	}
	inj, _ := s.Lookup("20610", "")
	if inj.GlobalDays != "000" || !inj.FacilityNA || inj.NonFacilityNA || inj.MultipleProcedure != "2" || inj.BilateralSurgery != "1" || inj.IntraOp != 0.80 {
		t.Errorf("20610 = %+v", inj)
	}
}

// CPT and CDT descriptors are copyright of the AMA and ADA: only CMS's own
// HCPCS Level II descriptions are kept.
func TestDescriptorsKeptOnlyForLevelII(t *testing.T) {
	s := loadFixture(t)
	for code, want := range map[string]string{"99213": "", "93000": "", "20610": "", "D0120": "", "G2211": "Complex visit add-on"} {
		r, _ := s.Lookup(code, "")
		if r.Description != want {
			t.Errorf("%s description = %q, want %q", code, r.Description, want)
		}
	}
}

func TestPayment(t *testing.T) {
	s := loadFixture(t)
	ak, ok := s.Locality("02102", "1")
	if !ok || ak.Name != "ALASKA" || ak.WorkGPCI != 1.5 {
		t.Fatalf("Alaska = %+v", ak)
	}
	em, _ := s.Lookup("99213", "")
	// (1.30×1.5 + 1.35×1.081 + 0.10×0.592) × 32.3465
	want := (1.30*1.5 + 1.35*1.081 + 0.10*0.592) * 32.3465
	if got := s.Payment(em, ak, false); math.Abs(got-want) > 1e-9 {
		t.Errorf("non-facility payment = %v, want %v", got, want)
	}
	want = (1.30*1.5 + 0.55*1.081 + 0.10*0.592) * 32.3465
	if got := s.Payment(em, ak, true); math.Abs(got-want) > 1e-9 {
		t.Errorf("facility payment = %v, want %v", got, want)
	}
	if len(s.Localities()) != 2 {
		t.Errorf("%d localities, want 2 (footnotes skipped)", len(s.Localities()))
	}
	if _, ok := s.Locality("99999", "00"); ok {
		t.Error("unknown locality found")
	}
}

func TestLoadRVUErrors(t *testing.T) {
	header, err := os.ReadFile("testdata/PPRRVU.csv")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(header), "\n")
	head := strings.Join(lines[:5], "")
	row := "99213,,x,A,,1.30,1.35,,0.55,,0.10,2.75,1.95,0,XXX,0.00,0.00,0.00,0,0,0,0,0,,32.3465,09,,99,0.00,0.00,0.00\n"
	tests := []struct {
		name, doc string
		line      int
		msg       string
	}{
		{"no header", "x,y\n", 0, "no header row"},
		{"changed layout", strings.Replace(head, "FACTOR", "FACTORS", 1), 5, `where the PPRRVU layout has "FACTOR"`},
		{"bad number", head + strings.Replace(row, "1.30", "1,30", 1), 6, "is not a number"},
		{"short code", head + strings.Replace(row, "99213", "9921", 1), 6, "not five characters"},
		{"duplicate", head + row + row, 7, "listed twice"},
		{"no rows", head, 0, "no RVU rows"},
	}
	for _, tt := range tests {
		_, err := LoadRVU(strings.NewReader(tt.doc), "r.csv")
		var se *srcfile.Error
		if !errors.As(err, &se) || se.Line != tt.line || !strings.Contains(se.Msg, tt.msg) {
			t.Errorf("%s: %v, want line %d containing %q", tt.name, err, tt.line, tt.msg)
		}
	}
}

func TestLoadGPCIErrors(t *testing.T) {
	head := "MAC,State,Locality Number,Locality Name,PW GPCI,PE GPCI,MP GPCI\n"
	tests := []struct{ name, doc, msg string }{
		{"no header", "a,b\n", "no header row"},
		{"missing column", "MAC,State,Locality Number,Locality Name,PW GPCI,PE GPCI\n", "MP GPCI: column missing"},
		{"bad index", head + "10112,AL,00,ALABAMA,1,x,0.5\n", "not a positive index"},
		{"duplicate", head + "10112,AL,00,A,1,1,1\n10112,AL,00,A,1,1,1\n", "listed twice"},
		{"empty", head, "no localities"},
	}
	for _, tt := range tests {
		_, err := LoadGPCI(strings.NewReader(tt.doc), "g.csv")
		if err == nil || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.msg)
		}
	}
}

func TestSnapshotRoundTrip(t *testing.T) {
	s := loadFixture(t)
	w := snapio.NewWriter()
	s.Encode(w)
	r, err := snapio.NewReader(w.Bytes("p", 1), "p", 1)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Decode(r)
	if err != nil {
		t.Fatal(err)
	}
	if back.ConversionFactor != s.ConversionFactor || back.Len() != s.Len() || len(back.Localities()) != len(s.Localities()) {
		t.Fatalf("decoded %+v", back)
	}
	for i := range s.rows {
		if s.rows[i] != back.rows[i] {
			t.Errorf("row %d:\n got %+v\nwant %+v", i, back.rows[i], s.rows[i])
		}
	}
	for i := range s.localities {
		if s.localities[i] != back.localities[i] {
			t.Errorf("locality %d: %+v", i, back.localities[i])
		}
	}
}

func FuzzLoadRVU(f *testing.F) {
	data, err := os.ReadFile("testdata/PPRRVU.csv")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := LoadRVU(bytes.NewReader(data), "fuzz")
		if err != nil {
			var se *srcfile.Error
			if !errors.As(err, &se) || se.File != "fuzz" {
				t.Fatalf("error %v does not name the file", err)
			}
			return
		}
		for _, r := range s.rows {
			if r.Description != "" && !isLevelII(r.Code) {
				t.Fatalf("kept the descriptor of %s", r.Code)
			}
		}
	})
}

func FuzzLoadGPCI(f *testing.F) {
	data, err := os.ReadFile("testdata/GPCI.csv")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Fuzz(func(t *testing.T, data []byte) {
		locs, err := LoadGPCI(bytes.NewReader(data), "fuzz")
		if err == nil && len(locs) == 0 {
			t.Fatal("no error and no localities")
		}
	})
}
