package cli

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medcode/medcode/internal/datadir"
	"github.com/medcode/medcode/internal/engine"
)

// needCodeSets skips a test when no code-set data is installed.
func needCodeSets(t *testing.T) {
	t.Helper()
	if _, err := datadir.Resolve(); err != nil {
		t.Skipf("code-set data not installed: %v", err)
	}
}

const testNote = "Established patient, 58-year-old male.\nHPI: Denies chest pain.\nA/P: Essential HTN, at goal - continue lisinopril.\n"

func TestCodeJSON(t *testing.T) {
	needCodeSets(t)
	code, out, errOut := runCLI(t, testNote, "code", "--dos", "2025-03-10")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var res engine.Result
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("output is not the result JSON: %v\n%s", err, out)
	}
	if len(res.Diagnoses) != 1 || res.Diagnoses[0].Code != "I10" || res.Profile != "outpatient" || !strings.Contains(res.Codeset, "FY2025") {
		t.Fatalf("got %+v", res)
	}
	for _, ev := range res.Diagnoses[0].Evidence {
		if testNote[ev.Start:ev.End] != ev.Text {
			t.Fatalf("evidence %+v is not note[start:end]", ev)
		}
	}
}

func TestCodeTextFromFile(t *testing.T) {
	needCodeSets(t)
	path := filepath.Join(t.TempDir(), "note.txt")
	if err := os.WriteFile(path, []byte(testNote), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "", "code", "--format", "text", "--dos", "2025-03-10", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"CODE", "I10", "why:", "rules:", "A/P"} {
		if !strings.Contains(out, want) {
			t.Errorf("text output lacks %q:\n%s", want, out)
		}
	}
}

func TestCodeUsageErrors(t *testing.T) {
	tests := [][]string{
		{"code", "--profile", "inpatient"},
		{"code", "--dos", "10/03/2025"},
		{"code", "--payer", "cash"},
		{"code", "--sex", "X"},
		{"code", "--format", "xml"},
		{"code", "a.txt", "b.txt"},
		{"batch", "--in", "x.jsonl"},
		{"batch", "--in", "x", "--out", "y", "--workers", "0"},
		{"bench"},
		{"bench", "nothing"},
	}
	for _, args := range tests {
		if code, _, _ := runCLI(t, "", args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

func TestBatchJSONL(t *testing.T) {
	needCodeSets(t)
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.jsonl"), filepath.Join(dir, "out.jsonl")
	lines := []string{
		`{"id":"b","text":"A/P: Acute cystitis without hematuria.","dos":"2025-03-10"}`,
		`{"id":"a","text":"A/P: Type 2 diabetes with CKD stage 3a.","dos":"2025-03-10","age":60}`,
		`{"id":"c","text":"Cough.","dos":"2025-13-40"}`,
	}
	if err := os.WriteFile(in, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runCLI(t, "", "batch", "--in", in, "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(errOut, "3 notes in") || !strings.Contains(errOut, "notes/s") || !strings.Contains(errOut, "1 errors") {
		t.Errorf("no throughput summary on stderr: %s", errOut)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var got []batchLine
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var l batchLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatal(err)
		}
		got = append(got, l)
	}
	if len(got) != 3 || got[0].ID != "b" || got[1].ID != "a" || got[2].ID != "c" {
		t.Fatalf("output lines not one per note in input order: %+v", got)
	}
	if got[0].Result == nil || got[0].Result.Diagnoses[0].Code != "N30.00" || got[1].Result == nil || got[2].Error == "" {
		t.Fatalf("unexpected results: %+v", got)
	}
}

func TestBatchDirectory(t *testing.T) {
	needCodeSets(t)
	dir := t.TempDir()
	notes := filepath.Join(dir, "notes")
	if err := os.Mkdir(notes, 0o700); err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string]string{"n2.txt": "A/P: Viral URI.", "n1.txt": testNote} {
		if err := os.WriteFile(filepath.Join(notes, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	code, out, errOut := runCLI(t, "", "batch", "--in", notes, "--out", "-", "--quiet", "--dos", "2025-03-10")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	rows := strings.Split(strings.TrimSpace(out), "\n")
	if len(rows) != 2 || !strings.HasPrefix(rows[0], `{"id":"n1"`) || !strings.HasPrefix(rows[1], `{"id":"n2"`) {
		t.Fatalf("want n1 then n2, got:\n%s", out)
	}
}

func TestParseBatchJSONLErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"{\"id\":\"a\"}\n", "line 1: note \"a\" has no"},
		{"{\"text\":\"x\"}\n", "missing \"id\""},
		{"{\"id\":\"a\",\"text\":\"x\"}\n{\"id\":\"a\",\"text\":\"y\"}\n", "line 2: id \"a\" appears twice"},
		{"{\"id\":\"a\",\"text\":\"x\",\"colour\":1}\n", "line 1"},
		{"not json\n", "line 1"},
	}
	for _, tt := range tests {
		_, err := parseBatchJSONL(strings.NewReader(tt.in))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: got %v, want %q", tt.in, err, tt.want)
		}
	}
	notes, err := parseBatchJSONL(strings.NewReader("\n{\"id\":\"a\",\"note\":\"x\",\"sex\":\"f\"}\n"))
	if err != nil || len(notes) != 1 || notes[0].Text != "x" {
		t.Fatalf("got %+v, %v", notes, err)
	}
}

func FuzzParseBatchJSONL(f *testing.F) {
	f.Add("{\"id\":\"a\",\"text\":\"cough\"}\n")
	f.Add("{\"id\":\"a\",\"text\":\"x\",\"dos\":\"2025-03-10\",\"age\":3}\n{\"id\":\"b\",\"note\":\"y\"}")
	f.Add("{")
	f.Fuzz(func(t *testing.T, in string) {
		notes, err := parseBatchJSONL(strings.NewReader(in))
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, n := range notes {
			if n.ID == "" || n.Text == "" || seen[n.ID] {
				t.Fatalf("accepted invalid note %+v", n)
			}
			seen[n.ID] = true
		}
	})
}

func TestEvalVignettesCommand(t *testing.T) {
	needCodeSets(t)
	code, out, errOut := runCLI(t, "", "eval", "vignettes")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "ICD-10-CM exact code sets (optional codes ignored):") || !strings.Contains(out, " 1  ICD pass  I10") {
		t.Fatalf("unexpected output:\n%s", out)
	}
	code, out, errOut = runCLI(t, "", "eval", "vignettes", "--set", "cases")
	if code != 0 || !strings.Contains(out, "of 100 notes") || !strings.Contains(out, "101  ICD ") {
		t.Fatalf("--set cases: exit %d: %s\n%s", code, errOut, out)
	}
	if code, _, _ := runCLI(t, "", "eval", "vignettes", "--set", "other"); code != 2 {
		t.Errorf("--set other: exit %d, want 2", code)
	}
}

func TestEvalCodiEspCommand(t *testing.T) {
	needCodeSets(t)
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "dev"), 0o700); err != nil {
		t.Fatal(err)
	}
	docs := map[string]string{"d1": "Fever and cough. Acute bronchitis.", "d2": "History of hypertension on lisinopril."}
	var gold strings.Builder
	for id, text := range docs {
		if err := os.WriteFile(filepath.Join(dir, "dev", id+".txt"), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		codes := `["J20.9","R50.9","R05.9"]`
		if id == "d2" {
			codes = `["I10"]`
		}
		gold.WriteString(`{"id":"` + id + `","split":"dev","text_path":"dev/` + id + `.txt","icd10cm_dx":` + codes + "}\n")
	}
	goldPath := filepath.Join(dir, "gold.jsonl")
	if err := os.WriteFile(goldPath, []byte(gold.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "", "eval", "codiesp", "--gold", goldPath, "--dos", "2025-03-10", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var rep struct {
		Documents int
		Full      struct{ TP, FN int }
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Documents != 2 || rep.Full.TP < 3 {
		t.Fatalf("unexpected report: %s", out)
	}
	if code, _, _ := runCLI(t, "", "eval", "codiesp", "--gold", goldPath, "--split", "test"); code != 2 {
		t.Fatalf("--split test: exit %d, want 2", code)
	}
}

func TestBenchEngineCommand(t *testing.T) {
	needCodeSets(t)
	in := filepath.Join(t.TempDir(), "in.jsonl")
	if err := os.WriteFile(in, []byte(`{"id":"a","text":"A/P: Viral URI."}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "", "bench", "engine", "--in", in, "--rounds", "1", "--dos", "2025-03-10")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"notes/s", "p99", "peak resident memory"} {
		if !strings.Contains(out, want) {
			t.Errorf("bench output lacks %q:\n%s", want, out)
		}
	}
}

// TestCodeDateOutsideReleases codes notes dated after the newest and
// before the oldest installed release: the nearest release codes them and
// a warning says to verify.
func TestCodeDateOutsideReleases(t *testing.T) {
	needCodeSets(t)
	tests := []struct{ dos, want string }{
		{"2099-01-15", "is after the newest installed release"},
		{"1999-01-15", "is before the oldest installed release"},
	}
	for _, tt := range tests {
		code, out, errOut := runCLI(t, testNote, "code", "--dos", tt.dos)
		if code != 0 {
			t.Fatalf("--dos %s: exit %d: %s", tt.dos, code, errOut)
		}
		var res engine.Result
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatal(err)
		}
		found := false
		for _, w := range res.Warnings {
			found = found || w.Kind == "codeset" && strings.Contains(w.Message, tt.want) && strings.Contains(w.Message, "medcode codesets install")
		}
		if !found || len(res.Diagnoses) == 0 || res.Diagnoses[0].Code != "I10" {
			t.Errorf("--dos %s: want I10 and a codeset warning %q, got %+v", tt.dos, tt.want, res)
		}
	}
}
