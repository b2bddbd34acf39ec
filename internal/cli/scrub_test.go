package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/medcode/medcode/internal/datadir"
)

// vignette40Edits are the edits vignette 40 of the domain document expects.
var vignette40Edits = []string{"DX-01", "DX-02", "DX-03", "DX-06", "DX-08", "DX-13", "PX-02", "PX-10"}

func reportEdits(t *testing.T, out string) scrubReport {
	t.Helper()
	var rep scrubReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("output is not the JSON report: %v\n%s", err, out)
	}
	return rep
}

// TestScrubOfficialData scrubs vignette 40 with the installed code sets:
// exactly the expected edits, in JSON and as a table, and the edits the
// missing NCCI and CLIA files turn off.
func TestScrubOfficialData(t *testing.T) {
	dir, err := datadir.Resolve()
	if err != nil {
		t.Skipf("official code-set data not installed: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "icd10cm", "fy2025")); err != nil {
		t.Skipf("FY2025 release not installed in %s", dir)
	}
	t.Setenv("MEDCODE_CACHE", t.TempDir())
	file := filepath.Join(t.TempDir(), "v40.csv")
	if err := os.WriteFile(file, []byte(vignette40CSV), 0o600); err != nil {
		t.Fatal(err)
	}

	code, out, errOut := runCLI(t, "", "scrub", "--data", dir, "--today", "2025-03-20", file)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	rep := reportEdits(t, out)
	var got []string
	for _, f := range rep.Findings {
		got = append(got, f.Edit)
	}
	slices.Sort(got)
	if !slices.Equal(got, vignette40Edits) {
		t.Errorf("edits %v, want exactly %v", got, vignette40Edits)
	}
	if rep.Claims != 1 || rep.Summary["ERROR"] != len(vignette40Edits) {
		t.Errorf("summary %+v", rep.Summary)
	}
	// The official data directory has no NCCI tables and no CLIA list.
	for _, src := range []string{"PTP", "MUE", "CLIA"} {
		if rep.MissingData[src] == "" {
			t.Errorf("missing_data does not name the file for %s: %v", src, rep.MissingData)
		}
	}
	if _, ok := rep.MissingData["ICD"]; ok {
		t.Errorf("the ICD-10-CM release is installed but reported missing: %v", rep.MissingData)
	}

	code, out, errOut = runCLI(t, vignette40CSV, "scrub", "--data", dir, "--format", "table", "--today", "2025-03-20", "-")
	if code != 0 {
		t.Fatalf("table: exit %d: %s", code, errOut)
	}
	for _, want := range append(slices.Clone(vignette40Edits), "Use 99386 or 99396", "Sequence N18.4 first", "8 error(s)") {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "PX-04 (off); needs the NCCI practitioner PTP edits") {
		t.Errorf("stderr does not say which file PX-04 needs: %q", errOut)
	}

	code, out, _ = runCLI(t, "", "scrub", "--data", dir, "--list", "--format", "table")
	if code != 0 || !strings.Contains(out, "DX-06") || !strings.Contains(out, "MUE: PX-05 (off)") {
		t.Errorf("--list (exit %d):\n%s", code, out)
	}
}

// TestScrubWithoutCodeSets runs the scrubber on a data directory with no
// release: the edits of its own data files still run, and the report
// names the files the others need.
func TestScrubWithoutCodeSets(t *testing.T) {
	empty := t.TempDir()
	code, out, errOut := runCLI(t, vignette40CSV, "scrub", "--data", empty, "--today", "2025-03-20", "-")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(errOut, "running without code sets") {
		t.Errorf("stderr does not say the code sets are missing: %q", errOut)
	}
	rep := reportEdits(t, out)
	var got []string
	for _, f := range rep.Findings {
		got = append(got, f.Edit)
	}
	slices.Sort(got)
	if want := []string{"DX-08", "PX-02", "PX-10"}; !slices.Equal(got, want) {
		t.Errorf("edits without code sets %v, want %v", got, want)
	}
	for _, src := range []string{"ICD", "Notes", "AgeSex", "Procedures", "PFS", "PTP", "MUE", "CLIA"} {
		if rep.MissingData[src] == "" {
			t.Errorf("missing_data does not name the file for %s: %v", src, rep.MissingData)
		}
	}

	if code, _, errOut := runCLI(t, vignette40CSV, "scrub", "--data", filepath.Join(empty, "absent"), "-"); code != 2 || !strings.Contains(errOut, "not a directory") {
		t.Errorf("a data directory that does not exist: exit %d, stderr %q", code, errOut)
	}
}
