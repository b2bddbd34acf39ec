package codeset

import (
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/medcode/medcode/internal/datadir"
)

// The official data directory is loaded once for every test of the
// package that needs it, writing a snapshot to a cache directory of the
// test run.
var official struct {
	once  sync.Once
	set   *Set
	err   error
	dir   string
	cache string
}

func TestMain(m *testing.M) {
	cache, err := os.MkdirTemp("", "medcode-codeset-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	official.cache = cache
	code := m.Run()
	os.RemoveAll(cache)
	os.Exit(code)
}

func realSet(t testing.TB) *Set {
	t.Helper()
	official.once.Do(func() {
		official.dir, official.err = datadir.Resolve()
		if official.err != nil {
			return
		}
		official.set, official.err = OpenWith(official.dir, Options{CacheDir: official.cache})
	})
	if official.dir == "" {
		t.Skipf("official code-set data not installed: %v", official.err)
	}
	if official.err != nil {
		t.Fatal(official.err)
	}
	return official.set
}

func realRelease(t testing.TB, fy int) *Release {
	t.Helper()
	s := realSet(t)
	for _, r := range s.Releases() {
		if r.FiscalYear == fy {
			return r
		}
	}
	t.Skipf("FY%d release not installed in %s", fy, s.Dir)
	return nil
}

// The FY2021 tabular gives exactly the billable codes of the FY2021
// order file, code by code.
func TestFY2021BillableCodesMatchOrderFile(t *testing.T) {
	r := realRelease(t, 2021)
	if r.Order == nil {
		t.Skip("FY2021 order file not installed")
	}
	if got := r.Order.NumBillable(); got != 72621 {
		t.Errorf("order file billable lines = %d, want 72621", got)
	}
	if got := r.ICD.NumBillable(); got != r.Order.NumBillable() {
		t.Errorf("tabular billable codes = %d, order file = %d", got, r.Order.NumBillable())
	}
	mismatches := 0
	for _, e := range r.Order.Entries {
		c, ok := r.ICD.Lookup(e.Code)
		if !ok || c.Billable != e.Billable {
			mismatches++
			if mismatches <= 10 {
				t.Errorf("order file %s billable=%v; tabular found=%v", e.Code, e.Billable, ok)
			}
		}
	}
	for c := range r.ICD.BillableCodes() {
		if e, ok := r.Order.Lookup(c.Code); !ok || !e.Billable {
			mismatches++
			if mismatches <= 10 {
				t.Errorf("tabular billable %s is not a billable order-file line", c.Code)
			}
		}
	}
	if mismatches > 0 {
		t.Errorf("%d codes disagree", mismatches)
	}
}

func TestFY2025Counts(t *testing.T) {
	r := realRelease(t, 2025)
	if r.Index == nil || r.ExternalIndex == nil {
		t.Skip("FY2025 index files not installed")
	}
	checks := []struct {
		what      string
		got, want int
	}{
		{"tabular diag entries", r.ICD.NumDiag(), 46498},
		{"billable codes", r.ICD.NumBillable(), 74179},
		{"index main terms", len(r.Index.MainTerms()), 8100},
		{"index terms", r.Index.NumTerms(), 81024},
		{"external-cause index main terms", len(r.ExternalIndex.MainTerms()), 314},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.what, c.got, c.want)
		}
	}
}

// Codes that changed between FY2021 and FY2025 are valid only for their
// own dates of service.
func TestValidityByDateOfService(t *testing.T) {
	s := realSet(t)
	tests := []struct {
		dos   time.Time
		code  string
		valid bool
	}{
		{time.Date(2021, 3, 1, 0, 0, 0, 0, time.UTC), "R05", true},
		{time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), "R05", false},
		{time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), "R05.1", true},
		{time.Date(2021, 3, 1, 0, 0, 0, 0, time.UTC), "E66.811", false},
		{time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), "E66.811", true},
	}
	for _, tt := range tests {
		r, err := s.ForDate(tt.dos)
		if err != nil {
			t.Skipf("no release for %s: %v", tt.dos.Format(time.DateOnly), err)
		}
		if err := r.ICD.Validate(tt.code); (err == nil) != tt.valid {
			t.Errorf("%s on %s: Validate = %v, want valid=%v", tt.code, tt.dos.Format(time.DateOnly), err, tt.valid)
		}
	}
}
