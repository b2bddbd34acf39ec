package procedure

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/medcode/medcode/internal/codeset/hcpcs"
	"github.com/medcode/medcode/internal/datadir"
	"github.com/medcode/medcode/internal/engine/procedure/scan"
	"github.com/medcode/medcode/internal/nlp"
)

var dos2025 = time.Date(2025, 3, 10, 0, 0, 0, 0, time.UTC)

// openOfficial opens a file of the official data directory, skipping the
// test when it is absent.
func openOfficial(t testing.TB, rel string) *os.File {
	t.Helper()
	dir, err := datadir.Resolve()
	if err != nil {
		t.Skipf("official code-set data not installed: %v", err)
	}
	f, err := os.Open(filepath.Join(dir, rel))
	if err != nil {
		t.Skipf("official data file not available: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

var (
	hcpcsOnce  sync.Once
	hcpcsCodes *hcpcs.Codes
	hcpcsErr   error
)

// testHCPCS loads the official HCPCS file.
func testHCPCS(t testing.TB) *hcpcs.Codes {
	t.Helper()
	f := openOfficial(t, "hcpcs/2020-10/anweb.csv")
	hcpcsOnce.Do(func() { hcpcsCodes, hcpcsErr = hcpcs.Load(f, f.Name()) })
	if hcpcsErr != nil {
		t.Fatal(hcpcsErr)
	}
	return hcpcsCodes
}

func mustCoder(t testing.TB) *Coder {
	t.Helper()
	c, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// dx is a diagnosis with its evidence at the first occurrence of a phrase.
type dx struct{ code, phrase string }

func run(t *testing.T, c *Coder, text string, opt Options, ds ...dx) Result {
	return runWith(t, c, nil, text, opt, ds...)
}

// runWith codes a note with a HCPCS file.
func runWith(t *testing.T, c *Coder, hc *hcpcs.Codes, text string, opt Options, ds ...dx) Result {
	t.Helper()
	var diags []Diagnosis
	for _, d := range ds {
		dg := Diagnosis{Code: d.code}
		if d.phrase != "" {
			i := strings.Index(text, d.phrase)
			if i < 0 {
				t.Fatalf("phrase %q not in note", d.phrase)
			}
			dg.Evidence = []Span{{i, i + len(d.phrase)}}
		}
		diags = append(diags, dg)
	}
	if opt.DOS.IsZero() {
		opt.DOS = dos2025
	}
	if opt.Age == 0 {
		opt.Age = -1
	}
	res, err := c.Code(Input{Note: scan.FromDoc(nlp.Analyze(text)), Diagnoses: diags, HCPCS: hc, Options: opt})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range res.Lines {
		for _, e := range l.Evidence {
			if e.Start < 0 || e.End > len(text) || e.Start > e.End {
				t.Fatalf("line %s: evidence %v outside the note", l.Code, e)
			}
		}
	}
	return res
}

// lineSet renders lines as sorted "CODE xUNITS MOD,MOD" strings.
func lineSet(ls []Line) string {
	var out []string
	for _, l := range ls {
		m := append([]string(nil), l.Modifiers...)
		sort.Strings(m)
		out = append(out, strings.TrimSpace(fmt.Sprintf("%s x%d %s", l.Code, l.Units, strings.Join(m, ","))))
	}
	sort.Strings(out)
	return strings.Join(out, " | ")
}
