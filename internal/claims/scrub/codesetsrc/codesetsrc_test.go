package codesetsrc

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/medcode/medcode/internal/claims"
	"github.com/medcode/medcode/internal/claims/scrub"
	"github.com/medcode/medcode/internal/codeset"
	"github.com/medcode/medcode/internal/codeset/icd"
)

// fixtureDOS is a date of service in the fixture release (FY2099).
var fixtureDOS = time.Date(2099, time.March, 10, 0, 0, 0, 0, time.UTC)

// fixtureSet opens a data directory built from the hand-written fixtures
// of internal/codeset: an FY2099 ICD-10-CM tabular and, unless tabularOnly,
// a HCPCS file, a fee schedule, MCE lists and NCCI tables of 2099.
func fixtureSet(t *testing.T, tabularOnly bool) *codeset.Set {
	t.Helper()
	dir := t.TempDir()
	copies := [][2]string{{"icd/testdata/tabular.xml", "icd10cm/fy2099/tabular.xml"}}
	if !tabularOnly {
		copies = append(copies,
			[2]string{"hcpcs/testdata/fixture-anweb-layout.csv", "hcpcs/2099-01/anweb.csv"},
			[2]string{"pfs/testdata/PPRRVU.csv", "pfs/rvu99a/PPRRVU99_JAN.csv"},
			[2]string{"pfs/testdata/GPCI.csv", "pfs/rvu99a/GPCI2099.csv"},
			[2]string{"mce/testdata/mce.txt", "mce/mce_v37.txt"},
			[2]string{"ncci/testdata/ptp.txt", "ncci/2099-q1/ccipra-f1.txt"},
			[2]string{"ncci/testdata/ptp.csv", "ncci/2099-q1/ccipra-f2.csv"},
			[2]string{"ncci/testdata/mue.csv", "ncci/2099-q1/mue.csv"},
		)
	}
	for _, c := range copies {
		data, err := os.ReadFile(filepath.Join("..", "..", "..", "codeset", c[0]))
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(dir, c[1])
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	set, err := codeset.OpenWith(dir, codeset.Options{NoSnapshot: true})
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func TestSourcesAndAbsent(t *testing.T) {
	full := Sources(fixtureSet(t, false))
	if full.ICD == nil || full.Excludes == nil || full.Notes == nil || full.AgeSex == nil || full.Procedures == nil ||
		full.PFS == nil || full.PTP == nil || full.MUE == nil {
		t.Fatalf("a source is missing with every file installed: %+v", full)
	}
	if got := Absent(full); len(got) != 1 || got["CLIA"] == "" {
		t.Errorf("with every file installed only the CLIA list is absent, got %v", got)
	}

	bare := Sources(fixtureSet(t, true))
	if bare.AgeSex != nil || bare.Procedures != nil || bare.PFS != nil || bare.PTP != nil || bare.MUE != nil {
		t.Errorf("sources set without their files: %+v", bare)
	}
	absent := Absent(bare)
	for _, name := range []string{"AgeSex", "Procedures", "PFS", "PTP", "MUE", "CLIA"} {
		if absent[name] == "" {
			t.Errorf("Absent does not name the file of %s: %v", name, absent)
		}
	}
	if _, ok := absent["ICD"]; ok {
		t.Errorf("the tabular is installed but reported absent: %v", absent)
	}
	// The scrubber reports the edits of the absent files inactive.
	s, err := scrub.New(bare, scrub.Options{Today: claims.DateOf(fixtureDOS)})
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range s.Status() {
		for _, m := range st.Missing {
			if absent[m] == "" {
				t.Errorf("%s misses %s, which Absent does not describe", st.ID, m)
			}
		}
	}
}

func TestCheckICD(t *testing.T) {
	src := Sources(fixtureSet(t, false))
	cases := []struct {
		code  string
		dos   time.Time
		want  scrub.ICDProblem
		title string
	}{
		{"E11.9", fixtureDOS, scrub.ICDBillable, "Type 2 diabetes without complications"},
		{"E11", fixtureDOS, scrub.ICDHeader, "Type 2 diabetes"},
		{"S01.01", fixtureDOS, scrub.ICDMissingSeventh, "Laceration of scalp without foreign body"},
		{"S01.01XA", fixtureDOS, scrub.ICDBillable, "Laceration of scalp without foreign body, initial encounter"},
		{"S01.01A", fixtureDOS, scrub.ICDUnknown, ""}, // the scrubber proposes S01.01XA itself
		{"S06.377D", fixtureDOS, scrub.ICDBadSeventh, ""},
		{"Q99.9", fixtureDOS, scrub.ICDUnknown, ""},
		{"E11.9", time.Date(2101, time.January, 5, 0, 0, 0, 0, time.UTC), scrub.ICDNoRelease, ""},
	}
	for _, tc := range cases {
		st := src.ICD.CheckICD(tc.code, tc.dos)
		if st.Problem != tc.want || st.Title != tc.title {
			t.Errorf("CheckICD(%s, %s) = %+v, want problem %d title %q", tc.code, tc.dos.Format(time.DateOnly), st, tc.want, tc.title)
		}
	}
}

func TestNotesAndMCE(t *testing.T) {
	src := Sources(fixtureSet(t, false))
	if !src.Notes.Manifestation("G63", fixtureDOS) || src.Notes.Manifestation("E11.9", fixtureDOS) {
		t.Error("G63 (in diseases classified elsewhere) is a manifestation, E11.9 is not")
	}
	// N18.30 inherits the code-first note of N18; its citations of
	// categories the fixture lacks (I12, I13) are not kept by the loader.
	if got, exhaustive := src.Notes.CodeFirst("N18.30", fixtureDOS); !slices.Equal(got, []string{"E11.22"}) || !exhaustive {
		t.Errorf("CodeFirst(N18.30) = %v, %v, want [E11.22], exhaustive", got, exhaustive)
	}
	// "underlying disease, such as amyloidosis (E85.-)": E85 is not in the
	// fixture, but the note still gives examples.
	if got, exhaustive := src.Notes.CodeFirst("G63", fixtureDOS); len(got) != 0 || exhaustive {
		t.Errorf("CodeFirst(G63) = %v, %v, want no codes, not exhaustive", got, exhaustive)
	}
	if got := src.Notes.UseAdditional("E11.22", fixtureDOS); !slices.Equal(got, []string{"N18.1-N18.6"}) {
		t.Errorf("UseAdditional(E11.22) = %v, want [N18.1-N18.6]", got)
	}
	// E11's own note is not inherited by E11.9.
	if got := src.Notes.UseAdditional("E11.9", fixtureDOS); got != nil {
		t.Errorf("UseAdditional(E11.9) = %v, want none", got)
	}
	if src.Excludes.Excludes1("E11.9", "N18.30", fixtureDOS) {
		t.Error("E11.9 does not exclude N18.30")
	}
	r, ok := src.AgeSex.DiagnosisAge("O80", fixtureDOS)
	if !ok || r.Min != 12 || r.Max != 55 || r.Edit != "MCE v37 maternity (12-55)" {
		t.Errorf("DiagnosisAge(O80) = %+v, %v", r, ok)
	}
	if r, ok := src.AgeSex.DiagnosisAge("P07.00", fixtureDOS); !ok || r.Max != 0 {
		t.Errorf("DiagnosisAge(P07.00) = %+v, %v, want newborn", r, ok)
	}
	if _, ok := src.AgeSex.DiagnosisAge("E11.9", fixtureDOS); ok {
		t.Error("E11.9 has no MCE age edit")
	}
	if sex, ok := src.AgeSex.DiagnosisSex("O80", fixtureDOS); !ok || sex != claims.Female {
		t.Errorf("DiagnosisSex(O80) = %q, %v", sex, ok)
	}
	if _, ok := src.AgeSex.DiagnosisSex("P07.00", fixtureDOS); ok {
		t.Error("P07.00 has no MCE sex edit")
	}
}

func TestInstructions(t *testing.T) {
	cases := []struct {
		name  string
		lines []string
		want  []string // the citations of the instructions that are required
	}{
		{"single required", []string{"code to identify stage of chronic kidney disease (N18.1-N18.6)"}, []string{"N18.1-N18.6"}},
		{"if applicable", []string{"code for associated pleural effusion, if applicable (J91.8)", "code for associated sinusitis, if applicable (J01.-)"}, nil},
		{"list after a colon", []string{"code (B95-B97) to identify infectious agent, if known, such as:", "respiratory syncytial virus (RSV) (B97.4)"}, nil},
		{"alternatives", []string{"code to identify:", "tobacco use (Z72.0)", "tobacco dependence (F17.-)"}, nil},
		{"organism", []string{"code to identify the organism (B95, B96)"}, nil},
		{"any associated", []string{"code for any associated ulcer (L97.-)"}, nil},
		// The notes do not mark where a list ends: a line after one is
		// taken as one of its items.
		{"line after a list", []string{"code to identify:", "tobacco use (Z72.0)", "code to identify type of heart failure (I50.-)"}, nil},
		{"list of another entry", []string{"code to identify:", "tobacco use (Z72.0)", "@E11.22", "code to identify type of heart failure (I50.-)"}, []string{"I50.-"}},
		{"two required", []string{"code to identify type of heart failure (I50.-)", "code to identify the stage of chronic kidney disease (N18.5, N18.6)"}, []string{"I50.-", "N18.5", "N18.6"}},
	}
	for _, tc := range cases {
		var notes []icd.Note
		from := "E11"
		for _, l := range tc.lines {
			if at, ok := strings.CutPrefix(l, "@"); ok {
				from = at // the following lines are attached elsewhere
				continue
			}
			notes = append(notes, icd.Note{Kind: icd.UseAdditionalCode, Text: l, From: from, Refs: icd.ParseRefs(l)})
		}
		notes = append(notes, icd.Note{Kind: icd.Excludes1, Text: "other kinds are ignored (E10.-)", Refs: icd.ParseRefs("(E10.-)")})
		var got []string
		for _, in := range instructions(notes, icd.UseAdditionalCode) {
			if !in.conditional {
				got = append(got, in.refs...)
			}
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: required %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestCheckProcedure(t *testing.T) {
	src := Sources(fixtureSet(t, false))
	inQuarter := fixtureDOS                                              // the HCPCS file's quarter and the fee schedule's year
	nextYear := time.Date(2099, time.September, 1, 0, 0, 0, 0, time.UTC) // same fee-schedule year, past the HCPCS quarter
	cases := []struct {
		code   string
		dos    time.Time
		known  bool
		active bool
		reason string
	}{
		{"99213", inQuarter, true, true, ""},   // in the fee schedule
		{"99201", inQuarter, false, false, ""}, // a CPT code the fee schedule of the year lacks
		{"0001U", inQuarter, true, true, ""},   // PLA codes are not in the fee schedule: not judged
		{"G0008", inQuarter, true, true, ""},   // HCPCS, active
		{"G0500", inQuarter, true, false, "terminated 2017-12-31"},
		{"G2211", inQuarter, true, true, ""},                                               // not in the HCPCS file but priced in the fee schedule
		{"G9999", inQuarter, false, false, ""},                                             // in neither, within the HCPCS file's quarter
		{"G9999", nextYear, true, true, ""},                                                // after the quarter the file cannot tell
		{"99201", time.Date(2098, time.December, 1, 0, 0, 0, 0, time.UTC), true, true, ""}, // another fee-schedule year
	}
	for _, tc := range cases {
		st := src.Procedures.CheckProcedure(tc.code, tc.dos)
		if st.Known != tc.known || st.Active != tc.active || st.Reason != tc.reason {
			t.Errorf("CheckProcedure(%s, %s) = %+v, want known %v active %v reason %q", tc.code, tc.dos.Format(time.DateOnly), st, tc.known, tc.active, tc.reason)
		}
	}
}

func TestFeeScheduleAndNCCI(t *testing.T) {
	src := Sources(fixtureSet(t, false))
	if e, ok := src.PFS.FeeSchedule("20610", fixtureDOS); !ok || e.GlobalDays != "000" || e.Bilateral != 1 {
		t.Errorf("FeeSchedule(20610) = %+v, %v", e, ok)
	}
	if e, ok := src.PFS.FeeSchedule("93000", fixtureDOS); !ok || e.GlobalDays != "XXX" || e.Bilateral != 0 {
		t.Errorf("FeeSchedule(93000) = %+v, %v", e, ok)
	}
	if _, ok := src.PFS.FeeSchedule("93010", fixtureDOS); ok {
		t.Error("93010 is in the fixture only with modifier 26")
	}
	ptp := []struct {
		c1, c2 string
		dos    time.Time
		ok     bool
		mi     int
	}{
		{"93000", "93010", fixtureDOS, true, 0},
		{"20610", "20611", fixtureDOS, true, 1},
		{"17000", "11102", fixtureDOS, true, 1},
		{"99213", "36415", fixtureDOS, true, 9},
		{"93010", "93000", fixtureDOS, false, 0},
	}
	for _, tc := range ptp {
		e, ok := src.PTP.PTP(tc.c1, tc.c2, tc.dos)
		if ok != tc.ok || e.ModifierIndicator != tc.mi {
			t.Errorf("PTP(%s, %s) = %+v, %v", tc.c1, tc.c2, e, ok)
		}
	}
	if m, ok := src.MUE.MUE("17000", fixtureDOS); !ok || m.Value != 1 || m.Adjudication != 2 {
		t.Errorf("MUE(17000) = %+v, %v", m, ok)
	}
	if _, ok := src.MUE.MUE("99214", fixtureDOS); ok {
		t.Error("99214 has no MUE in the fixture")
	}
}

// TestScrubWithFixture runs the scrubber over the fixture sources: the
// NCCI and MUE edits, which the official data directory cannot exercise
// (no NCCI tables are installed there).
func TestScrubWithFixture(t *testing.T) {
	s, err := scrub.New(Sources(fixtureSet(t, false)), scrub.Options{Today: claims.DateOf(fixtureDOS).AddDays(5)})
	if err != nil {
		t.Fatal(err)
	}
	dos := claims.DateOf(fixtureDOS)
	c := &claims.Claim{
		ID: "F1", Frequency: "1", PlaceOfService: "11",
		Billing:   claims.Provider{NPI: "1234567893", Organization: "Test Clinic"},
		Payer:     claims.Payer{ID: "P1", Name: "Test Payer", Class: claims.Commercial},
		Patient:   claims.Patient{Key: "f1", Age: 60, Sex: claims.Female},
		Diagnoses: []string{"E11.22", "N18.30"},
		Lines: []claims.Line{
			{Code: "93000", Units: 1, Charge: 5000, DOS: dos, Pointers: []int{1}},
			{Code: "93010", Modifiers: []string{"26"}, Units: 1, Charge: 2000, DOS: dos, Pointers: []int{1}},
			{Code: "99213", Units: 2, Charge: 2000, DOS: dos, Pointers: []int{1}},
		},
	}
	var got []string
	for _, f := range s.Scrub([]*claims.Claim{c}) {
		got = append(got, f.Edit+" "+string(f.Severity))
	}
	want := []string{"PX-04 ERROR", "PX-05 ERROR"}
	if !slices.Equal(got, want) {
		t.Errorf("findings %v, want %v", got, want)
	}
}
