package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// vignette40CSV is the scrubber fixture of the domain document as a claims CSV.
const vignette40CSV = "claim_id,place_of_service,billing_npi,payer_class,patient_age,patient_sex,diagnoses,dos,code,modifiers,units,charge,pointers\n" +
	"V40,11,1234567893,commercial,45,M,D63.1;N18.4;E11;S93.401;R73.03;E11.9;Z01.419,2025-03-10,99384,,1,260,7\n" +
	"V40,,,,,,,2025-03-10,99213,,1,150,1;2\n"

func TestScrubCommand(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "v40.csv")
	if err := os.WriteFile(file, []byte(vignette40CSV), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "", "scrub", "--today", "2025-03-20", file)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var rep scrubReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("output is not the JSON report: %v\n%s", err, out)
	}
	found := map[string]bool{}
	for _, f := range rep.Findings {
		found[f.Edit] = true
	}
	// Without code-set data only the edits driven by the scrubber's own
	// data files run; those of vignette 40 must all be there.
	for _, id := range []string{"PX-02", "PX-10", "DX-08"} {
		if !found[id] {
			t.Errorf("no %s in %s", id, out)
		}
	}
	if rep.Claims != 1 || rep.Summary["ERROR"] != len(rep.Findings) {
		t.Errorf("summary %+v", rep)
	}

	code, out, _ = runCLI(t, vignette40CSV, "scrub", "--format", "table", "--today", "2025-03-20", "-")
	if code != 0 || !strings.Contains(out, "PX-02") || !strings.Contains(out, "Use 99386 or 99396") {
		t.Fatalf("table output (exit %d):\n%s", code, out)
	}
}

func TestScrubListsEdits(t *testing.T) {
	code, out, _ := runCLI(t, "", "scrub", "--list", "--format", "table")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"DX-01", "CLM-04", "off", "active"} {
		if !strings.Contains(out, want) {
			t.Errorf("--list output lacks %q:\n%s", want, out)
		}
	}
}

func TestScrubCommandErrors(t *testing.T) {
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"scrub"}, 2, "one claims file"},
		{[]string{"scrub", "--format", "xml", "x"}, 2, "--format"},
		{[]string{"scrub", "--today", "tomorrow", "x"}, 2, "--today"},
		{[]string{"scrub", "/no/such/file.csv"}, 1, "read claims"},
	}
	for _, tc := range cases {
		code, _, errOut := runCLI(t, "", tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q", tc.args, code, errOut)
		}
	}
	code, _, errOut := runCLI(t, "claim_id,code\nA,99213\n", "scrub", "-")
	if code != 1 || !strings.Contains(errOut, "place_of_service") {
		t.Errorf("malformed CSV: exit %d, stderr %q", code, errOut)
	}
}

func TestClaimsCommands(t *testing.T) {
	dir := t.TempDir()
	csv, remits, x837, partners := filepath.Join(dir, "c.csv"), filepath.Join(dir, "r.835"), filepath.Join(dir, "c.837"), filepath.Join(dir, "p.json")
	if code, _, errOut := runCLI(t, "", "claims", "generate", "--n", "30", "--seed", "7", "--identified", "--start", "2025-01-02", "--remits", remits, "--out", csv); code != 0 {
		t.Fatalf("generate: %s", errOut)
	}
	cfg := `{"envelope":{"sender_id":"CLINIC01","receiver_id":"CLEARHOUSE","control_number":12},
		"submitter":{"name":"Riverbend Billing","id":"SUB123","contact":"Billing Office","phone":"5555550100"},
		"receiver":{"name":"Clearing House","id":"RCV456"}}`
	if err := os.WriteFile(partners, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := runCLI(t, "", "claims", "export", "--partners", partners, "--test", "--out", x837, csv); code != 0 {
		t.Fatalf("export: %s", errOut)
	}
	code, out, errOut := runCLI(t, "", "claims", "import", x837)
	if code != 0 {
		t.Fatalf("import: %s", errOut)
	}
	want, _ := os.ReadFile(csv)
	if out != string(want) {
		t.Fatalf("CSV → 837P → CSV changed the claims:\n%s\nvs\n%s", out, want)
	}
	key := filepath.Join(dir, "key")
	if err := os.WriteFile(key, []byte("a secret of the organization"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, _ = runCLI(t, "", "claims", "import", "--format", "json", "--deidentify-key", key, x837)
	if code != 0 || strings.Contains(out, `"identity"`) || !strings.Contains(out, `"key"`) {
		t.Fatalf("de-identified import kept identities or lost keys (exit %d)", code)
	}
	code, out, errOut = runCLI(t, "", "claims", "remit", remits)
	if code != 0 {
		t.Fatalf("remit: %s", errOut)
	}
	var rep struct {
		Remittances []struct {
			Balanced bool `json:"balanced"`
			Claims   []struct {
				Patient any `json:"patient"`
			} `json:"claims"`
		} `json:"remittances"`
		Reasons map[string]struct{ Fix string } `json:"reasons"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Remittances) == 0 || rep.Reasons["45"].Fix == "" {
		t.Fatalf("remit report: %s", out)
	}
	for _, r := range rep.Remittances {
		if !r.Balanced {
			t.Error("a generated remittance does not balance")
		}
		for _, c := range r.Claims {
			if c.Patient != nil {
				t.Error("patient names printed without --with-patient")
			}
		}
	}
	if code, out, _ = runCLI(t, "", "claims", "remit", "--format", "table", remits); code != 0 || !strings.Contains(out, "CO-45") {
		t.Fatalf("remit table (exit %d):\n%s", code, out)
	}
}

func TestClaimsCommandErrors(t *testing.T) {
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"claims"}, 2, "no subcommand"},
		{[]string{"claims", "frobnicate"}, 2, "unknown subcommand"},
		{[]string{"claims", "export", "x.csv"}, 2, "--partners"},
		{[]string{"claims", "import", "--format", "xml", "x"}, 2, "csv or json"},
		{[]string{"claims", "generate", "--n", "0"}, 2, "positive"},
	}
	for _, tc := range cases {
		code, _, errOut := runCLI(t, "", tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q", tc.args, code, errOut)
		}
	}
	code, _, errOut := runCLI(t, "ISA*00*", "claims", "remit", "-")
	if code != 1 || !strings.Contains(errOut, "x835: x12: segment 1") {
		t.Errorf("malformed 835: exit %d, stderr %q", code, errOut)
	}
}
