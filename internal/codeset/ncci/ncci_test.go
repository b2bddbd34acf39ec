package ncci

import (
	"bytes"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

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

func ymd(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }

func loadPTP(t testing.TB) *PTP {
	t.Helper()
	a, err := LoadPTP(open(t, "ptp.txt"), "ptp.txt")
	if err != nil {
		t.Fatal(err)
	}
	b, err := LoadPTP(open(t, "ptp.csv"), "ptp.csv")
	if err != nil {
		t.Fatal(err)
	}
	return Merge(a, b)
}

func TestPTP(t *testing.T) {
	p := loadPTP(t)
	if p.Len() != 6 {
		t.Fatalf("%d edits, want 6", p.Len())
	}
	e, ok := p.Edit("93000", "93010", ymd(2025, 1, 1))
	if !ok || e.Modifier != ModifierNotAllowed || !e.Prior1996 || e.Rationale != "Fixture rationale A" || !e.Deleted.IsZero() {
		t.Errorf("93000/93010 = %+v, %v", e, ok)
	}
	if e, ok := p.Edit("17000", "11102", ymd(2025, 1, 1)); !ok || e.Modifier != ModifierAllowed || e.Rationale != "Fixture rationale, with a comma" {
		t.Errorf("CSV edit = %+v, %v", e, ok)
	}
	// Two versions of one pair: the deleted one applies before its
	// deletion date, the later one from its effective date.
	tests := []struct {
		dos  time.Time
		mod  int
		want bool
	}{
		{ymd(2009, 12, 31), 0, false},
		{ymd(2010, 1, 1), ModifierAllowed, true},
		{ymd(2019, 12, 31), ModifierAllowed, true},
		{ymd(2020, 1, 1), ModifierNotApplicable, true},
	}
	for _, tt := range tests {
		e, ok := p.Edit("99213", "36415", tt.dos)
		if ok != tt.want || ok && e.Modifier != tt.mod {
			t.Errorf("99213/36415 on %s = %+v, %v", tt.dos.Format(time.DateOnly), e, ok)
		}
	}
	if _, ok := p.Edit("93010", "93000", ymd(2025, 1, 1)); ok {
		t.Error("edits are not symmetric: column 1 comes first")
	}
	var col2 []string
	for _, e := range p.Column2("93000", ymd(2025, 1, 1)) {
		col2 = append(col2, e.Column2)
	}
	if !slices.Equal(col2, []string{"93005", "93010"}) {
		t.Errorf("Column2(93000) = %v", col2)
	}
	if p.Column2("00000", ymd(2025, 1, 1)) != nil {
		t.Error("Column2 of an unknown code")
	}
}

func TestMUE(t *testing.T) {
	m, err := LoadMUE(open(t, "mue.csv"), "mue.csv")
	if err != nil {
		t.Fatal(err)
	}
	if m.Len() != 3 || m.Service != "Practitioner Services MUE Values" {
		t.Errorf("%d rows, service %q", m.Len(), m.Service)
	}
	for code, want := range map[string]MUEEdit{
		"17000": {Code: "17000", Units: 1, MAI: MAIDatePolicy, MAIText: "2 Date of Service Edit: Policy", Rationale: "Fixture rationale"},
		"96372": {Code: "96372", Units: 4, MAI: MAILine, MAIText: "1 Line Edit", Rationale: "Fixture rationale"},
		"99213": {Code: "99213", Units: 1, MAI: MAIDateClinical, MAIText: "3 Date of Service Edit: Clinical", Rationale: "Fixture rationale"},
	} {
		if got, ok := m.Lookup(code); !ok || got != want {
			t.Errorf("Lookup(%s) = %+v", code, got)
		}
	}
}

func TestSniff(t *testing.T) {
	for name, want := range map[string]Kind{"ptp.txt": KindPTP, "ptp.csv": KindPTP, "mue.csv": KindMUE} {
		if got := Sniff(open(t, name)); got != want {
			t.Errorf("Sniff(%s) = %v", name, got)
		}
	}
	if Sniff(strings.NewReader("HCPC,RECID\n")) != KindUnknown {
		t.Error("an unrelated table sniffed as NCCI")
	}
}

func TestLoadErrors(t *testing.T) {
	ptpHead := "Column 1\tColumn 2\t*=in existence prior to 1996\tEffective Date\tDeletion Date *=no data\tModifier 0=not allowed 1=allowed 9=not applicable\tPTP Edit Rationale\n"
	mueHead := "HCPCS/CPT Code,Practitioner Services MUE Values,MUE Adjudication Indicator,MUE Rationale\n"
	tests := []struct {
		name, doc string
		load      func(string) error
		line      int
		msg       string
	}{
		{"ptp no header", "a\tb\n", ptp, 0, "no header row"},
		{"ptp bad code", ptpHead + "9300\t93010\t\t19960101\t*\t0\tx\n", ptp, 2, "Column 1"},
		{"ptp bad date", ptpHead + "93000\t93010\t\t1996-01-01\t*\t0\tx\n", ptp, 2, "Effective Date"},
		{"ptp bad deletion", ptpHead + "93000\t93010\t\t19960101\tnever\t0\tx\n", ptp, 2, "Deletion Date"},
		{"ptp bad modifier", ptpHead + "93000\t93010\t\t19960101\t*\t2\tx\n", ptp, 2, "not 0, 1 or 9"},
		{"ptp empty", ptpHead, ptp, 0, "no PTP edits"},
		{"mue bad units", mueHead + "17000,one,1 Line Edit,x\n", mue, 2, "not a number of units"},
		{"mue bad indicator", mueHead + "17000,1,Line Edit,x\n", mue, 2, "does not start with 1, 2 or 3"},
		{"mue duplicate", mueHead + "17000,1,1 Line Edit,x\n17000,1,1 Line Edit,x\n", mue, 3, "listed twice"},
		{"mue empty", mueHead, mue, 0, "no MUE rows"},
	}
	for _, tt := range tests {
		err := tt.load(tt.doc)
		var se *srcfile.Error
		if !errors.As(err, &se) || se.Line != tt.line || !strings.Contains(se.Error(), tt.msg) {
			t.Errorf("%s: %v, want line %d containing %q", tt.name, err, tt.line, tt.msg)
		}
	}
}

func ptp(doc string) error { _, err := LoadPTP(strings.NewReader(doc), "p.txt"); return err }
func mue(doc string) error { _, err := LoadMUE(strings.NewReader(doc), "m.csv"); return err }

func TestSnapshotRoundTrip(t *testing.T) {
	p := loadPTP(t)
	m, err := LoadMUE(open(t, "mue.csv"), "mue.csv")
	if err != nil {
		t.Fatal(err)
	}
	w := snapio.NewWriter()
	p.Encode(w)
	m.Encode(w)
	r, err := snapio.NewReader(w.Bytes("n", 1), "n", 1)
	if err != nil {
		t.Fatal(err)
	}
	p2, err := DecodePTP(r)
	if err != nil {
		t.Fatal(err)
	}
	m2, err := DecodeMUE(r)
	if err != nil {
		t.Fatal(err)
	}
	dos := ymd(2015, 6, 1)
	for _, c1 := range []string{"93000", "20610", "99213", "17000"} {
		if a, b := p.Column2(c1, dos), p2.Column2(c1, dos); !slices.Equal(a, b) {
			t.Errorf("Column2(%s): %+v, want %+v", c1, b, a)
		}
	}
	for _, code := range []string{"17000", "96372", "99213"} {
		a, _ := m.Lookup(code)
		if b, ok := m2.Lookup(code); !ok || a != b {
			t.Errorf("MUE of %s after the round trip: %+v, want %+v", code, b, a)
		}
	}
}

func FuzzLoadPTP(f *testing.F) {
	for _, name := range []string{"ptp.txt", "ptp.csv"} {
		data, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := LoadPTP(bytes.NewReader(data), "fuzz")
		if err != nil {
			return
		}
		for _, r := range p.rows {
			e := p.edit(r)
			if got, ok := p.Edit(e.Column1, e.Column2, e.Effective); e.ActiveOn(e.Effective) && (!ok || got.Column1 != e.Column1) {
				t.Fatalf("edit %+v not found on its effective date", e)
			}
		}
	})
}

func FuzzLoadMUE(f *testing.F) {
	data, err := os.ReadFile("testdata/mue.csv")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := LoadMUE(bytes.NewReader(data), "fuzz")
		if err != nil {
			return
		}
		for _, e := range m.edits {
			if got, ok := m.Lookup(e.Code); !ok || got != e {
				t.Fatalf("Lookup(%s) = %+v", e.Code, got)
			}
		}
	})
}
