package rules_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/medcode/medcode/internal/codeset"
	"github.com/medcode/medcode/internal/datadir"
	"github.com/medcode/medcode/internal/engine"
	"github.com/medcode/medcode/internal/rules"
)

// TestRulesOnTheRealEngine codes a note with the engine over the installed
// code sets, then applies a clinic's rules to the result: the rules change
// it, and each changed code cites its rule.
func TestRulesOnTheRealEngine(t *testing.T) {
	dir, err := datadir.Resolve()
	if err != nil {
		t.Skipf("code-set data not installed: %v", err)
	}
	set, err := codeset.OpenWith(dir, codeset.Options{CacheDir: filepath.Join(os.TempDir(), "medcode-engine-test-cache")})
	if err != nil {
		t.Fatal(err)
	}
	dos := time.Date(2025, 3, 10, 0, 0, 0, 0, time.UTC)
	eng, err := engine.New(set)
	if err != nil {
		t.Fatal(err)
	}
	rel, err := set.ForDate(dos)
	if err != nil {
		t.Fatal(err)
	}
	catalog := rules.ReleaseCatalog{Release: rel}
	doc, err := rules.Parse([]byte(`
synonyms:
  - {id: sugar-crash, phrase: sugar crash, code: E16.2}
prefer:
  - {code: E78.2, instead_of: E78.5, note: our lipid clinic always types the hyperlipidemia}
`), catalog)
	if err != nil {
		t.Fatal(err)
	}
	note := "ASSESSMENT AND PLAN:\n1. Type 2 diabetes, on insulin glargine nightly.\n2. Sugar crash episodes at night.\n3. Hyperlipidemia on atorvastatin.\n"
	r, err := eng.Code(context.Background(), note, engine.Options{DOS: dos})
	if err != nil {
		t.Fatal(err)
	}
	before := codesOf(r)
	if !strings.Contains(before, "E78.5") || strings.Contains(before, "E16.2") {
		t.Fatalf("the engine's own codes changed (%s): pick another example", before)
	}
	rules.Compile(doc, "Test Clinic coding rules, version 1", catalog).Apply(r, note, "commercial")
	cited := map[string]string{}
	for _, d := range r.Diagnoses {
		for _, ru := range d.Rules {
			if strings.HasPrefix(ru.ID, "clinic/") {
				cited[d.Code] = ru.ID
			}
		}
		for _, e := range d.Evidence {
			if note[e.Start:e.End] != e.Text {
				t.Errorf("%s: evidence %q is not at [%d,%d)", d.Code, e.Text, e.Start, e.End)
			}
		}
	}
	after := codesOf(r)
	if strings.Contains(after, "E78.5") || cited["E78.2"] != "clinic/prefer-1" || cited["E16.2"] != "clinic/sugar-crash" {
		t.Fatalf("codes %s → %s, cited %v", before, after, cited)
	}
	if !strings.Contains(after, "E11.9") {
		t.Fatalf("a code no rule touches went: %s", after)
	}
}

func codesOf(r *engine.Result) string {
	var out []string
	for _, d := range r.Diagnoses {
		out = append(out, d.Code)
	}
	return strings.Join(out, " ")
}
