package mce

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/medcode/medcode/internal/codeset/snapio"
)

func loadFixture(t testing.TB) *Edits {
	t.Helper()
	f, err := os.Open("testdata/mce.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	e, err := Load(f, "mce.txt")
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestLoad(t *testing.T) {
	e := loadFixture(t)
	if e.Version != 37 || e.Len() != 5 {
		t.Fatalf("version %d, %d edits", e.Version, e.Len())
	}
	o80 := e.Diagnosis("o80")
	if len(o80) != 2 || o80[0].Type != "Maternity_Only" || o80[0].Section != "4C" || o80[1].Type != "Female_Only" {
		t.Errorf("O80 edits = %+v", o80)
	}
	if g := e.Diagnosis("G63"); len(g) != 1 || g[0].Section != "6" {
		t.Errorf("G63 = %+v (subsection _ means none)", g)
	}
	if p := e.Procedure("0VT00ZZ"); len(p) != 1 || p[0].Type != "Male_Only" {
		t.Errorf("procedure edits = %+v", p)
	}
	if e.Diagnosis("0VT00ZZ") != nil && len(e.Diagnosis("0VT00ZZ")) != 0 {
		t.Error("a procedure code found among diagnoses")
	}
	if e.Types()["Female_Only"] != 1 {
		t.Errorf("Types = %v", e.Types())
	}
}

// One test per kind of row in data/edit_rules.tsv: age ranges, sex
// limits, and versions before the first row.
func TestRules(t *testing.T) {
	e := loadFixture(t)
	tests := []struct {
		editType string
		want     Rule
	}{
		{"Newborn_Only", Rule{Type: "Newborn_Only", MinAge: 0, MaxAge: 0}},
		{"Pediatric_Only", Rule{Type: "Pediatric_Only", MinAge: 0, MaxAge: 17}},
		{"Maternity_Only", Rule{Type: "Maternity_Only", MinAge: 12, MaxAge: 55}},
		{"Adult_Only", Rule{Type: "Adult_Only", MinAge: 15, MaxAge: 124}},
		{"Female_Only", Rule{Type: "Female_Only", Sex: "F", MinAge: -1, MaxAge: -1}},
		{"Male_Only", Rule{Type: "Male_Only", Sex: "M", MinAge: -1, MaxAge: -1}},
	}
	for _, tt := range tests {
		if got, ok := e.Rule(tt.editType); !ok || got != tt.want {
			t.Errorf("Rule(%s) = %+v, %v; want %+v", tt.editType, got, ok, tt.want)
		}
	}
	if _, ok := e.Rule("Principal_Manifestation"); ok {
		t.Error("an edit without age or sex condition has a rule")
	}
	old := &Edits{Version: 30}
	if _, ok := old.Rule("Newborn_Only"); ok {
		t.Error("a version older than every rule row has a rule")
	}
}

func TestParseRules(t *testing.T) {
	bad := map[string]string{
		"columns": "Newborn_Only\t37\t-\t0\n",
		"version": "Newborn_Only\tv37\t-\t0\t0\n",
		"sex":     "Newborn_Only\t37\tX\t0\t0\n",
		"age":     "Newborn_Only\t37\t-\tzero\t0\n",
		"range":   "Newborn_Only\t37\t-\t5\t-\n",
	}
	for name, data := range bad {
		if _, err := parseRules([]byte(data)); err == nil {
			t.Errorf("%s: accepted %q", name, data)
		}
	}
	rows, err := parseRules([]byte("# comment\n\nAdult_Only\t40\t-\t18\t124\nAdult_Only\t37\t-\t15\t124\n"))
	if err != nil || len(rows) != 2 || rows[0].fromVersion != 37 {
		t.Errorf("rows %+v, %v", rows, err)
	}
}

func TestLoadErrors(t *testing.T) {
	head := strings.Join(headers, "\t") + "\n"
	tests := map[string]string{
		"no header":     "a\tb\n",
		"missing col":   "MCE_Version\tICD_Code\n37\tA00\n",
		"bad version":   head + "x\t10\t4\tA\tNewborn_Only\tD\tP0700\tx\n",
		"mixed version": head + "37\t10\t4\tA\tNewborn_Only\tD\tP0700\tx\n38\t10\t4\tA\tNewborn_Only\tD\tP0701\tx\n",
		"bad type":      head + "37\t10\t4\tA\tNewborn_Only\tX\tP0700\tx\n",
		"bad code":      head + "37\t10\t4\tA\tNewborn_Only\tD\tP0\tx\n",
		"empty":         head,
	}
	for name, doc := range tests {
		if _, err := Load(strings.NewReader(doc), "m.txt"); err == nil || !strings.HasPrefix(err.Error(), "m.txt") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestSnapshotRoundTrip(t *testing.T) {
	e := loadFixture(t)
	w := snapio.NewWriter()
	e.Encode(w)
	r, err := snapio.NewReader(w.Bytes("m", 1), "m", 1)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Decode(r)
	if err != nil {
		t.Fatal(err)
	}
	if back.Version != e.Version || back.Len() != e.Len() || len(back.Diagnosis("O80")) != 2 {
		t.Errorf("decoded %+v", back)
	}
}

func FuzzLoad(f *testing.F) {
	data, err := os.ReadFile("testdata/mce.txt")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := Load(bytes.NewReader(data), "fuzz")
		if err == nil && e.Len() == 0 {
			t.Fatal("no error and no edits")
		}
	})
}
