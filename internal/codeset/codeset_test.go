package codeset

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fixtureDataDir builds a data directory from the icd package's
// hand-written fixtures: fy2098 (tabular and order file), fy2099 (every
// ICD-10-CM kind) and fy2099-april (tabular only).
func fixtureDataDir(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	install := func(release string, files ...string) {
		rdir := filepath.Join(dir, "icd10cm", release)
		if err := os.MkdirAll(rdir, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			data, err := os.ReadFile(filepath.Join("icd", "testdata", f))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(rdir, "x-"+f), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	install("fy2098", "tabular.xml", "order.txt")
	install("fy2099", "tabular.xml", "index.xml", "eindex.xml", "drug.xml", "neoplasm.xml")
	install("FY2099-april", "tabular.xml")
	copyTo := func(dst, src string) {
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	copyTo(filepath.Join(dir, "hcpcs", "2097-10", "anweb.csv"), "hcpcs/testdata/fixture-anweb-layout.csv")
	copyTo(filepath.Join(dir, "hcpcs", "2099-01", "anweb.csv"), "hcpcs/testdata/fixture-anweb-layout.csv")
	copyTo(filepath.Join(dir, "pfs", "rvu99a", "PPRRVU99_JAN.csv"), "pfs/testdata/PPRRVU.csv")
	copyTo(filepath.Join(dir, "pfs", "rvu99a", "GPCI2099.csv"), "pfs/testdata/GPCI.csv")
	copyTo(filepath.Join(dir, "mce", "mce_v37.txt"), "mce/testdata/mce.txt")
	copyTo(filepath.Join(dir, "ncci", "2099-q1", "ccipra-f1.txt"), "ncci/testdata/ptp.txt")
	copyTo(filepath.Join(dir, "ncci", "2099-q1", "ccipra-f2.csv"), "ncci/testdata/ptp.csv")
	copyTo(filepath.Join(dir, "ncci", "2099-q1", "mue.csv"), "ncci/testdata/mue.csv")
	// Not release directories or files: ignored.
	if err := os.MkdirAll(filepath.Join(dir, "icd10cm", "notes"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "icd10cm", "fy2099", "readme.pdf"), []byte("%PDF"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestOpenFixture(t *testing.T) {
	s, err := OpenWith(fixtureDataDir(t), Options{NoSnapshot: true})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range s.Releases() {
		names = append(names, r.Name+" "+r.EffectiveFrom.Format(time.DateOnly)+".."+r.EffectiveTo.Format(time.DateOnly))
	}
	want := "FY2098 2097-10-01..2098-09-30|FY2099 2098-10-01..2099-03-31|FY2099 April update 2099-04-01..2099-09-30"
	if got := strings.Join(names, "|"); got != want {
		t.Errorf("releases:\n got %s\nwant %s", got, want)
	}
	fy99 := s.Releases()[1]
	if fy99.ICD == nil || fy99.Index == nil || fy99.ExternalIndex == nil || fy99.Drugs == nil || fy99.Neoplasms == nil || fy99.Order != nil {
		t.Errorf("FY2099 files not all loaded: %+v", fy99.Files)
	}
	if len(fy99.Files) != 12 || fy99.Files[0].Kind != "tabular" || len(fy99.Files[0].SHA256) != 64 {
		t.Errorf("FY2099 files: %+v", fy99.Files)
	}
	fy98 := s.Releases()[0]
	if fy98.Order == nil || fy98.Order.NumBillable() != 2 {
		t.Error("FY2098: order file not loaded")
	}
	if s.Latest() != s.Releases()[2] {
		t.Error("Latest is not the April update")
	}
	if !strings.Contains(strings.Join(fy98.Notes, " "), "version 2099") {
		t.Errorf("FY2098 notes do not flag the tabular's version: %q", fy98.Notes)
	}
}

// Each release gets the version of every other code set in effect by its
// end, or the earliest one with a note.
func TestCodeSetsAttached(t *testing.T) {
	s, err := OpenWith(fixtureDataDir(t), Options{NoSnapshot: true})
	if err != nil {
		t.Fatal(err)
	}
	versions := func(r *Release) string {
		var names []string
		for _, v := range r.CodeSets {
			names = append(names, v.Set+" "+v.Name)
		}
		return strings.Join(names, ", ")
	}
	fy98, fy99 := s.Releases()[0], s.Releases()[1]
	if got, want := versions(fy98), "hcpcs 2097-10, pfs rvu99a, mce v37, ncci 2099-q1"; got != want {
		t.Errorf("FY2098 code sets: %s, want %s", got, want)
	}
	if got, want := versions(fy99), "hcpcs 2099-01, pfs rvu99a, mce v37, ncci 2099-q1"; got != want {
		t.Errorf("FY2099 code sets: %s, want %s", got, want)
	}
	notes := strings.Join(fy98.Notes, "\n")
	for _, want := range []string{"pfs rvu99a takes effect 2099-01-01, after this release", "ncci 2099-q1 takes effect 2099-01-01"} {
		if !strings.Contains(notes, want) {
			t.Errorf("FY2098 notes lack %q:\n%s", want, notes)
		}
	}
	if fy99.HCPCS == nil || fy99.PFS == nil || fy99.MCE == nil || fy99.PTP == nil || fy99.MUE == nil {
		t.Fatal("FY2099 lacks a code set")
	}
	if fy99.PTP.Len() != 6 || fy99.MUE.Len() != 3 || len(fy99.PFS.Localities()) != 2 || fy99.MCE.Version != 37 {
		t.Errorf("PTP %d, MUE %d, localities %d, MCE v%d", fy99.PTP.Len(), fy99.MUE.Len(), len(fy99.PFS.Localities()), fy99.MCE.Version)
	}
	var kinds []string
	for _, f := range fy99.Files {
		kinds = append(kinds, f.Kind)
	}
	if got, want := strings.Join(kinds, ","), "tabular,index,external-cause index,drug table,neoplasm table,hcpcs,pfs rvu,pfs gpci,mce,ncci ptp,ncci ptp,ncci mue"; got != want {
		t.Errorf("FY2099 files: %s\nwant %s", got, want)
	}
}

func TestVersionDate(t *testing.T) {
	tests := []struct {
		set, name string
		want      string
	}{
		{SetHCPCS, "2020-10", "2020-10-01"},
		{SetNCCI, "2025-Q3", "2025-07-01"},
		{SetNCCI, "2025-04", "2025-04-01"},
		{SetPFS, "rvu25d", "2025-10-01"},
		{SetPFS, "RVU26A", "2026-01-01"},
		{SetPFS, "2025-10", ""},
		{SetHCPCS, "2020-13", ""},
		{SetHCPCS, "2025-q1", ""},
		{SetHCPCS, "latest", ""},
	}
	for _, tt := range tests {
		d, ok := versionDate(tt.set, tt.name)
		got := ""
		if ok {
			got = d.Format(time.DateOnly)
		}
		if got != tt.want {
			t.Errorf("versionDate(%s, %s) = %q, want %q", tt.set, tt.name, got, tt.want)
		}
	}
}

func TestForDate(t *testing.T) {
	s, err := OpenWith(fixtureDataDir(t), Options{NoSnapshot: true})
	if err != nil {
		t.Fatal(err)
	}
	ny, _ := time.LoadLocation("America/New_York")
	tests := []struct {
		dos  time.Time
		want string
	}{
		{time.Date(2097, 10, 1, 0, 0, 0, 0, time.UTC), "FY2098"},
		{time.Date(2098, 9, 30, 23, 59, 0, 0, time.UTC), "FY2098"},
		{time.Date(2098, 9, 30, 23, 0, 0, 0, ny), "FY2098"}, // the date where the service took place
		{time.Date(2098, 10, 1, 0, 0, 0, 0, time.UTC), "FY2099"},
		{time.Date(2099, 3, 31, 0, 0, 0, 0, time.UTC), "FY2099"},
		{time.Date(2099, 4, 1, 0, 0, 0, 0, time.UTC), "FY2099 April update"},
		{time.Date(2099, 9, 30, 0, 0, 0, 0, time.UTC), "FY2099 April update"},
		{time.Date(2099, 10, 1, 0, 0, 0, 0, time.UTC), ""},
		{time.Date(2097, 9, 30, 0, 0, 0, 0, time.UTC), ""},
	}
	for _, tt := range tests {
		r, err := s.ForDate(tt.dos)
		if tt.want == "" {
			var nre *NoReleaseError
			if !errors.As(err, &nre) || !strings.Contains(err.Error(), "FY2099 April update") {
				t.Errorf("ForDate(%s) = %v, %v; want NoReleaseError listing the releases", tt.dos, r, err)
			}
			continue
		}
		if err != nil || r.Name != tt.want {
			t.Errorf("ForDate(%s) = %v, %v; want %s", tt.dos, r, err, tt.want)
		}
	}
}

func TestOpenErrors(t *testing.T) {
	empty := t.TempDir()
	if _, err := OpenWith(empty, Options{NoSnapshot: true}); !errors.Is(err, ErrNoReleases) {
		t.Errorf("empty data dir: %v", err)
	}
	noTabular := t.TempDir()
	if err := os.MkdirAll(filepath.Join(noTabular, "icd10cm", "fy2025"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenWith(noTabular, Options{NoSnapshot: true}); err == nil || !strings.Contains(err.Error(), "no ICD-10-CM tabular") {
		t.Errorf("release without tabular: %v", err)
	}
	broken := fixtureDataDir(t)
	path := filepath.Join(broken, "icd10cm", "fy2099", "x-index.xml")
	if err := os.WriteFile(path, []byte("<ICD10CM.index>\n<letter><mainTerm><title>a</title>\n<cell col=\"0\"/>"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := OpenWith(broken, Options{NoSnapshot: true})
	if err == nil || !strings.Contains(err.Error(), filepath.Join("icd10cm", "fy2099", "x-index.xml")+":3: <cell>") {
		t.Errorf("malformed index: %v", err)
	}
}
