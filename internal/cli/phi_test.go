package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medcode/medcode/internal/datadir"
)

const phiNote = "Pt John Smith, DOB 03/14/1951, MRN 00483921, seen for cough. BP 120/80."

func TestPHIScan(t *testing.T) {
	code, out, errOut := runCLI(t, phiNote, "phi", "scan")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got struct {
		Spans []struct {
			Start, End int
			Type, Text string
			Confidence float64
		} `json:"spans"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	want := map[string]string{"NAME": "John Smith", "DATE": "03/14/1951", "MRN": "00483921"}
	if len(got.Spans) != len(want) {
		t.Fatalf("spans %+v", got.Spans)
	}
	for _, s := range got.Spans {
		if want[s.Type] != s.Text || phiNote[s.Start:s.End] != s.Text || s.Confidence <= 0 {
			t.Errorf("span %+v", s)
		}
	}
}

func TestPHIScanEmptyInputPrintsNoSpans(t *testing.T) {
	code, out, _ := runCLI(t, "", "phi", "scan", "-")
	if code != 0 || !strings.Contains(out, `"spans": []`) {
		t.Fatalf("exit %d output %q", code, out)
	}
}

func TestPHIRedact(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"phi", "redact"}, "Pt [NAME], DOB [DATE], MRN [MRN], seen for cough. BP 120/80."},
		{[]string{"phi", "redact", "--pseudonyms"}, "Pt Alex Example, DOB [DATE-1], MRN [MRN-1], seen for cough. BP 120/80."},
	}
	for _, tt := range tests {
		code, out, errOut := runCLI(t, phiNote, tt.args...)
		if code != 0 || out != tt.want {
			t.Errorf("%v: exit %d, got %q want %q (%s)", tt.args, code, out, tt.want, errOut)
		}
	}
	code, out, _ := runCLI(t, phiNote, "phi", "redact", "--format", "json")
	var r struct {
		Text         string
		Replacements []struct{ Start, End, RedactedStart, RedactedEnd int } `json:"replacements"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &r) != nil || len(r.Replacements) != 3 {
		t.Fatalf("json redaction: exit %d %s", code, out)
	}
}

func TestPHIReadsFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "note.txt")
	if err := os.WriteFile(path, []byte(phiNote), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "", "phi", "redact", path)
	if code != 0 || !strings.HasPrefix(out, "Pt [NAME]") {
		t.Fatalf("exit %d out %q err %q", code, out, errOut)
	}
}

func TestPHIUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"phi"},
		{"phi", "nope"},
		{"phi", "redact", "--format", "xml"},
		{"phi", "scan", "--min-confidence", "2"},
		{"phi", "scan", "a.txt", "b.txt"},
	} {
		if code, _, _ := runCLI(t, phiNote, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
	if code, _, errOut := runCLI(t, "", "phi", "scan", "/no/such/file"); code != 1 || errOut == "" {
		t.Errorf("missing file: exit %d %q", code, errOut)
	}
}

func TestEvalUsage(t *testing.T) {
	if code, _, errOut := runCLI(t, "", "eval"); code != 2 || !strings.Contains(errOut, "phi") {
		t.Errorf("eval without a name: exit %d, stderr %q", code, errOut)
	}
	if code, _, _ := runCLI(t, "", "eval", "nope"); code != 2 {
		t.Errorf("unknown evaluation: exit %d", code)
	}
}

func TestEvalPHI(t *testing.T) {
	dir := datadir.EvalDev()
	if dir == "" {
		t.Skip("no ../shared/eval-dev beside the checkout: the evaluation data is needed")
	}
	code, out, errOut := runCLI(t, "", "eval", "phi", "--data", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"NAME", "ADDRESS", "recall", "precision", "ACI-Bench"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = runCLI(t, "", "eval", "phi", "--data", dir, "--format", "json")
	var rep map[string]json.RawMessage
	if code != 0 || json.Unmarshal([]byte(out), &rep) != nil || rep["presidio"] == nil || rep["aci_names"] == nil {
		t.Fatalf("json report: exit %d\n%s", code, out)
	}
}
