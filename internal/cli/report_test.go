package cli

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medcode/medcode/internal/datadir"
)

func TestDemoDataIsReproducible(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	for _, dir := range []string{a, b} {
		if code, _, errOut := runCLI(t, "", "demo-data", "--out", dir, "--claims", "150", "--seed", "3"); code != 0 {
			t.Fatalf("demo-data: exit %d: %s", code, errOut)
		}
	}
	for _, name := range []string{"claims.csv", "claims.837", "remits.835", "planted.csv", "README.txt"} {
		x, err := os.ReadFile(filepath.Join(a, name))
		if err != nil {
			t.Fatal(err)
		}
		y, _ := os.ReadFile(filepath.Join(b, name))
		if len(x) == 0 || !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs with one seed", name)
		}
	}
	notes, _ := os.ReadDir(filepath.Join(a, "notes"))
	if len(notes) < 100 {
		t.Errorf("%d notes for 150 claims", len(notes))
	}
	planted, _ := os.ReadFile(filepath.Join(a, "planted.csv"))
	for _, kind := range []string{"denial", "billing-error"} {
		if !bytes.Contains(planted, []byte(","+kind+",")) {
			t.Errorf("planted.csv lists no %s", kind)
		}
	}
}

func TestReportCommand(t *testing.T) {
	if _, err := datadir.Resolve(); err != nil {
		t.Skipf("no code-set data directory (%v): no fee schedule to price the report", err)
	}
	dir := t.TempDir()
	if code, _, errOut := runCLI(t, "", "demo-data", "--out", dir, "--claims", "300"); code != 0 {
		t.Fatalf("demo-data: exit %d: %s", code, errOut)
	}
	out := func(name string) string { return filepath.Join(dir, name) }
	code, _, errOut := runCLI(t, "", "report", "--claims", out("claims.837"), "--remits", out("remits.835"), "--notes", out("notes"),
		"--locality", "01112-54", "--out", out("report.pdf"), "--out", out("report.html"), "--out", out("findings.csv"))
	if code != 0 {
		t.Fatalf("report: exit %d: %s", code, errOut)
	}
	if !strings.Contains(errOut, "notes re-coded (0 failed") {
		t.Errorf("summary: %s", errOut)
	}
	pdf, _ := os.ReadFile(out("report.pdf"))
	page, _ := os.ReadFile(out("report.html"))
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) || !bytes.Contains(page, []byte("BAKERSFIELD")) {
		t.Errorf("PDF of %d bytes; HTML without its locality", len(pdf))
	}
	f, err := os.Open(out("findings.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil || len(recs) < 300 || recs[0][0] != "finding_id" {
		t.Fatalf("findings.csv: %d records, %v", len(recs), err)
	}
	analyses := map[string]bool{}
	for _, r := range recs[1:] {
		analyses[r[1]] = true
	}
	for _, a := range []string{"line", "em_level", "coding", "denial", "missed", "scrub"} {
		if !analyses[a] {
			t.Errorf("findings.csv has no %s rows", a)
		}
	}
}

func TestReportUsage(t *testing.T) {
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"report", "--out", "x.pdf"}, 2, "give --claims"},
		{[]string{"report", "--claims", "c.csv"}, 2, "at least one --out"},
		{[]string{"report", "--claims", "c.csv", "--out", "x.docx"}, 2, "must be .pdf, .html or .csv"},
		{[]string{"report", "--claims", "/no/such/file.csv", "--out", "x.csv"}, 1, "read claims"},
		{[]string{"demo-data"}, 2, "give --out"},
		{[]string{"demo-data", "--out", t.TempDir(), "--start", "June"}, 2, "--start"},
	}
	for _, c := range cases {
		code, _, errOut := runCLI(t, "", c.args...)
		if code != c.code || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d with %q", c.args, code, errOut, c.code, c.want)
		}
	}
}
