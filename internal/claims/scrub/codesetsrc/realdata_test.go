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
