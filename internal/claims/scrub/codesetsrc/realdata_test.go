package codesetsrc

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/medcode/medcode/internal/claims"
	"github.com/medcode/medcode/internal/claims/scrub"
	"github.com/medcode/medcode/internal/codeset"
	"github.com/medcode/medcode/internal/datadir"
)

// The official data directory is opened once for the package's tests,
// with its snapshot in a cache directory of the test run.
var official struct {
	once  sync.Once
	set   *codeset.Set
	dir   string
	err   error
	cache string
}

func TestMain(m *testing.M) {
	cache, err := os.MkdirTemp("", "medcode-codesetsrc-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	official.cache = cache
	code := m.Run()
	os.RemoveAll(cache)
	os.Exit(code)
}

// realSet opens the official data directory, skipping the test when it is
// not installed.
func realSet(t testing.TB) *codeset.Set {
	t.Helper()
	official.once.Do(func() {
		official.dir, official.err = datadir.Resolve()
		if official.err != nil {
			return
		}
		official.set, official.err = codeset.OpenWith(official.dir, codeset.Options{CacheDir: official.cache})
	})
	if official.dir == "" {
		t.Skipf("official code-set data not installed: %v", official.err)
	}
	if official.err != nil {
		t.Fatal(official.err)
	}
	return official.set
}

// fy2025 is a date of service in the FY2025 release (the vignettes' date).
var fy2025 = time.Date(2025, time.March, 10, 0, 0, 0, 0, time.UTC)

// vignetteClaim is the scrub part of a vignette of
// internal/engine/testdata/vignettes.yaml.
type vignetteClaim struct {
	Age       int    `yaml:"age"`
	Sex       string `yaml:"sex"`
	Payer     string `yaml:"payer"`
	Diagnoses []string
	Lines     []struct {
		Code      string   `yaml:"code"`
		Modifiers []string `yaml:"modifiers"`
	}
	ExpectedEdits []string `yaml:"expected_edits"`
}

// readVignette reads the scrubber fixture of a vignette.
func readVignette(t *testing.T, id int) vignetteClaim {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "engine", "testdata", "vignettes.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var vignettes []struct {
		ID    int            `yaml:"id"`
		Scrub *vignetteClaim `yaml:"scrub"`
	}
	if err := yaml.Unmarshal(data, &vignettes); err != nil {
		t.Fatalf("vignettes.yaml: %v", err)
	}
	for _, v := range vignettes {
		if v.ID == id && v.Scrub != nil {
			return *v.Scrub
		}
	}
	t.Fatalf("vignettes.yaml has no scrub fixture with id %d", id)
	return vignetteClaim{}
}

// TestVignette40 scrubs the claim of vignette 40 (domain document section
// 9) with the FY2025 release: it must yield exactly the expected edits.
func TestVignette40(t *testing.T) {
	src := Sources(realSet(t))
	v := readVignette(t, 40)
	dos := claims.DateOf(fy2025)
	// The vignette lists the lines; the pointers are the ones its text
	// implies: the preventive visit to the gynecological exam, the
	// problem visit to the anemia in CKD.
	pointers := map[string][]int{"99384": {7}, "99213": {1, 2}}
	payer, err := claims.ParsePayerClass(v.Payer)
	if err != nil {
		t.Fatal(err)
	}
	c := &claims.Claim{
		ID: "V40", Frequency: "1", PlaceOfService: "11",
		Billing:   claims.Provider{NPI: "1234567893", Organization: "Test Clinic"},
		Payer:     claims.Payer{ID: "P1", Name: "Test Payer", Class: payer},
		Patient:   claims.Patient{Key: "v40", Age: v.Age, Sex: claims.Sex(v.Sex)},
		Diagnoses: v.Diagnoses,
	}
	for _, l := range v.Lines {
		c.Lines = append(c.Lines, claims.Line{Code: l.Code, Modifiers: l.Modifiers, Units: 1, Charge: 10000, DOS: dos, Pointers: pointers[l.Code]})
	}
	s, err := scrub.New(src, scrub.Options{Today: dos.AddDays(10)})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range s.Scrub([]*claims.Claim{c}) {
		got = append(got, f.Edit)
		t.Logf("%s %s %v: %s | %s", f.Edit, f.Severity, f.Codes, f.Message, f.Fix)
	}
	want := slices.Clone(v.ExpectedEdits)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("edits %v, want exactly %v", got, want)
	}
}

// fy2021 is a date of service in the FY2021 release.
var fy2021 = time.Date(2021, time.March, 10, 0, 0, 0, 0, time.UTC)

// TestRealDataFacts checks the answers the scrubber relies on against the
// installed releases, choosing the release by date of service.
func TestRealDataFacts(t *testing.T) {
	src := Sources(realSet(t))
	icdCases := []struct {
		code string
		dos  time.Time
		want scrub.ICDProblem
	}{
		{"E11.9", fy2025, scrub.ICDBillable},
		{"E11", fy2025, scrub.ICDHeader},
		{"S93.401", fy2025, scrub.ICDMissingSeventh},
		{"S93.401A", fy2025, scrub.ICDBillable},
		{"R05", fy2025, scrub.ICDHeader}, // split into R05.1-R05.9 in FY2022
		{"R05", fy2021, scrub.ICDBillable},
		{"R05.1", fy2021, scrub.ICDUnknown},
		{"E66.811", fy2025, scrub.ICDBillable}, // added in FY2025
	}
	for _, tc := range icdCases {
		if got := src.ICD.CheckICD(tc.code, tc.dos).Problem; got != tc.want {
			t.Errorf("CheckICD(%s, %s) = %d, want %d", tc.code, tc.dos.Format(time.DateOnly), got, tc.want)
		}
	}
	excludes := []struct {
		a, b string
		want bool
	}{
		{"R73.03", "E11.9", true},
		{"J45.909", "R06.2", true},
		{"N39.0", "N30.00", true},
		{"E10.9", "E11.9", true},
		{"I10", "E78.5", false},
	}
	for _, tc := range excludes {
		if got := src.Excludes.Excludes1(tc.a, tc.b, fy2025) || src.Excludes.Excludes1(tc.b, tc.a, fy2025); got != tc.want {
			t.Errorf("Excludes1 pair %s, %s = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
	if !src.Notes.Manifestation("D63.1", fy2025) || src.Notes.Manifestation("N18.4", fy2025) {
		t.Error("D63.1 is on the MCE manifestation list, N18.4 is not a manifestation")
	}
	if got, exhaustive := src.Notes.CodeFirst("D63.1", fy2025); !slices.Contains(got, "N18.-") || !exhaustive {
		t.Errorf("CodeFirst(D63.1) = %v, %v, want N18.-, exhaustive", got, exhaustive)
	}
	if got, exhaustive := src.Notes.CodeFirst("F02.80", fy2025); !slices.Contains(got, "G30.-") || exhaustive {
		t.Errorf("CodeFirst(F02.80) = %v, %v, want examples with G30.-", got, exhaustive)
	}
	useAdd := []struct {
		code string
		want []string
	}{
		{"E11.22", []string{"N18.1-N18.6"}},
		{"I11.0", []string{"I50.-"}},
		{"J06.9", nil}, // "to identify infectious agent, if known"
		{"J10.1", nil}, // "if applicable"
		{"E11.9", nil},
	}
	for _, tc := range useAdd {
		if got := src.Notes.UseAdditional(tc.code, fy2025); !slices.Equal(got, tc.want) {
			t.Errorf("UseAdditional(%s) = %v, want %v", tc.code, got, tc.want)
		}
	}
	for code, want := range map[string]claims.Sex{"Z01.419": claims.Female, "N40.1": claims.Male} {
		if got, ok := src.AgeSex.DiagnosisSex(code, fy2025); !ok || got != want {
			t.Errorf("DiagnosisSex(%s) = %q, %v, want %q", code, got, ok, want)
		}
	}
	procs := []struct {
		code  string
		valid bool
	}{
		{"99213", true}, {"99384", true}, {"G2211", true}, {"G0008", true}, {"J3301", true},
		{"99201", false}, // deleted in 2021: not in the 2025 fee schedule
	}
	for _, tc := range procs {
		if st := src.Procedures.CheckProcedure(tc.code, fy2025); (st.Known && st.Active) != tc.valid {
			t.Errorf("CheckProcedure(%s) = %+v, want valid %v", tc.code, st, tc.valid)
		}
	}
	if e, ok := src.PFS.FeeSchedule("20610", fy2025); !ok || e.GlobalDays != "000" || e.Bilateral != 1 {
		t.Errorf("FeeSchedule(20610) = %+v, %v", e, ok)
	}
}
