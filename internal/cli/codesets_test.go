package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medcode/medcode/internal/datadir"
)

// TestCodesetsOfficialData runs the reading subcommands on the installed
// official data; the subtests share one snapshot cache, so only the first
// loads the release files.
func TestCodesetsOfficialData(t *testing.T) {
	dir, err := datadir.Resolve()
	if err != nil {
		t.Skipf("official code-set data not installed: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "icd10cm", "fy2025")); err != nil {
		t.Skipf("FY2025 release not installed in %s", dir)
	}
	t.Setenv("MEDCODE_CACHE", t.TempDir())
	t.Run("info", func(t *testing.T) { testCodesetsInfo(t, dir) })
	t.Run("lookup", func(t *testing.T) { testCodesetsLookup(t, dir) })
	t.Run("search", func(t *testing.T) { testCodesetsSearch(t, dir) })
}

func testCodesetsInfo(t *testing.T, dir string) {
	code, out, errOut := runCLI(t, "", "codesets", "info", "--data", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"FY2025 (fiscal year 2025)",
		"tabular diag entries             46498",
		"billable codes                   74179",
		"index main terms                 8100",
		"index terms                      81024",
		"external-cause index main terms  314",
		"sha256 ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("info lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = runCLI(t, "", "codesets", "info", "--data", dir, "--json")
	var info struct {
		Releases []struct {
			FiscalYear int `json:"fiscal_year"`
			Counts     []struct {
				What  string `json:"what"`
				Count int    `json:"count"`
			} `json:"counts"`
		} `json:"releases"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &info) != nil || len(info.Releases) == 0 {
		t.Fatalf("--json: exit %d, %q", code, out)
	}
	last := info.Releases[len(info.Releases)-1]
	if last.FiscalYear != 2025 || last.Counts[1].What != "billable codes" || last.Counts[1].Count != 74179 {
		t.Errorf("JSON release %+v", last)
	}
}

func testCodesetsLookup(t *testing.T, dir string) {
	tests := []struct {
		args   []string
		code   int
		want   []string
		absent []string
	}{
		{[]string{"E11.22"}, 0, []string{"E11.22  Type 2 diabetes mellitus with diabetic chronic kidney disease", "billable", "useAdditionalCode (E11.22)", "excludes1 (E11)"}, nil},
		{[]string{"e11"}, 0, []string{"not billable", "(header)", "codes below: E11.0 "}, nil},
		{[]string{"S06.377"}, 0, []string{"7th characters: A initial encounter\n", "missing 7th character"}, nil},
		{[]string{"S06.377D"}, 1, []string{"bad 7th character", "6th character 7"}, nil},
		{[]string{"--dos", "2021-03-01", "R05"}, 0, []string{"R05  Cough", "FY2021, billable"}, nil},
		{[]string{"--dos", "2025-03-01", "R05"}, 0, []string{"FY2025, not billable"}, nil},
		{[]string{"G2211", "99213"}, 0, []string{"G2211  fee schedule: status A, work RVU 0.33", "99213  fee schedule"}, nil},
		// A HCPCS code that also spells an ICD-10-CM code without its dot
		// is the HCPCS code; the diagnosis needs its dot.
		{[]string{"G0439"}, 0, []string{"G0439  Annual wellness visit", "HCPCS Level II code", "ICD-10-CM G04.39 is another code"},
			[]string{"encephalopathy"}},
		{[]string{"G04.39"}, 0, []string{"G04.39  Other acute necrotizing hemorrhagic encephalopathy"}, []string{"Annual wellness"}},
		{[]string{"E1122"}, 0, []string{"E11.22  Type 2 diabetes mellitus"}, nil},
		{[]string{"--dos", "2019-01-01", "E11.9"}, 1, nil, nil},
		{[]string{"--dos", "tomorrow", "E11.9"}, 2, nil, nil},
		{nil, 2, nil, nil},
	}
	for _, tt := range tests {
		code, out, errOut := runCLI(t, "", append([]string{"codesets", "lookup", "--data", dir}, tt.args...)...)
		if code != tt.code {
			t.Errorf("lookup %v: exit %d, want %d; stderr %s", tt.args, code, tt.code, errOut)
		}
		for _, w := range tt.want {
			if !strings.Contains(out, w) {
				t.Errorf("lookup %v lacks %q:\n%s", tt.args, w, out)
			}
		}
		for _, a := range tt.absent {
			if strings.Contains(out, a) {
				t.Errorf("lookup %v shows %q:\n%s", tt.args, a, out)
			}
		}
	}
	// No CPT descriptor is ever printed: the fee schedule line of a CPT
	// code carries numbers only.
	_, out, _ := runCLI(t, "", "codesets", "lookup", "--data", dir, "--json", "99213")
	var views []struct {
		PFS struct {
			Description string `json:"description"`
			Work        float64
		} `json:"pfs"`
	}
	if err := json.Unmarshal([]byte(out), &views); err != nil || len(views) != 1 || views[0].PFS.Description != "" {
		t.Errorf("99213 JSON: %v %s", err, out)
	}
}

func testCodesetsSearch(t *testing.T, dir string) {
	code, out, errOut := runCLI(t, "", "codesets", "search", "--data", dir, "--limit", "5", "chronic", "kidney", "disease", "stage", "3")
	if code != 0 || !strings.Contains(out, "N18.30") {
		t.Errorf("search: exit %d %s\n%s", code, errOut, out)
	}
	if lines := strings.Count(out, "\n"); lines > 5 || lines == 0 {
		t.Errorf("search printed %d lines with --limit 5", lines)
	}
	if code, _, _ := runCLI(t, "", "codesets", "search", "--data", dir, "qqqqqq"); code != 1 {
		t.Errorf("search with no match: exit %d", code)
	}
	if code, _, _ := runCLI(t, "", "codesets", "search", "--data", dir); code != 2 {
		t.Errorf("search without text: exit %d", code)
	}
}

func TestCodesetsInstall(t *testing.T) {
	src := t.TempDir()
	tabular, err := os.ReadFile(filepath.Join("..", "codeset", "icd", "testdata", "tabular.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(src, "icd10cm", "fy2099"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "icd10cm", "fy2099", "tabular.xml"), tabular, 0o644); err != nil {
		t.Fatal(err)
	}
	sums := "c0ffee" + strings.Repeat("0", 58) + "  icd10cm/fy2099/tabular.xml\n"
	if err := os.WriteFile(filepath.Join(src, "SHA256SUMS"), []byte(sums), 0o644); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(t.TempDir(), "data")
	t.Setenv("MEDCODE_CACHE", t.TempDir())
	code, _, errOut := runCLI(t, "", "codesets", "install", "--from", src, "--data", data)
	if code != 1 || !strings.Contains(errOut, "checksum") {
		t.Errorf("bad checksum: exit %d, %s", code, errOut)
	}
	sum := codesetSHA256Hex(tabular)
	if err := os.WriteFile(filepath.Join(src, "SHA256SUMS"), []byte(sum+"  icd10cm/fy2099/tabular.xml\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "", "codesets", "install", "--from", src, "--data", data)
	if code != 0 || !strings.Contains(out, "installed 1 files") || !strings.Contains(out, sum) {
		t.Fatalf("install: exit %d %s\n%s", code, errOut, out)
	}
	code, out, _ = runCLI(t, "", "codesets", "info", "--data", data)
	if code != 0 || !strings.Contains(out, "FY2099") {
		t.Errorf("info after install: exit %d\n%s", code, out)
	}
	if code, _, _ := runCLI(t, "", "codesets", "install", "--data", data); code != 2 {
		t.Errorf("install without --from: exit %d", code)
	}
}

func TestCodesetsUsage(t *testing.T) {
	for _, args := range [][]string{{"codesets"}, {"codesets", "frobnicate"}} {
		if code, _, errOut := runCLI(t, "", args...); code != 2 || !strings.Contains(errOut, "install|info|lookup|search") {
			t.Errorf("%v: exit %d %s", args, code, errOut)
		}
	}
}

func codesetSHA256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
