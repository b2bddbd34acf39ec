package procedure

import (
	"strings"
	"testing"

	"github.com/medcode/medcode/internal/codeset/pfs"
	"github.com/medcode/medcode/internal/engine/procedure/scan"
	"github.com/medcode/medcode/internal/nlp"
)

// cues.yaml: one case per kind of cue word.
func TestCueKinds(t *testing.T) {
	c := mustCoder(t)
	svc := c.cat.byName["ecg"]
	tests := []struct {
		kind, note string
		done       bool
	}{
		{"negation", "Plan: no EKG needed today.", false},
		{"negation_after", "Procedure: EKG deferred.", false},
		{"conditional", "If chest pain recurs, consider an EKG.", false},
		{"planned", "Plan: EKG ordered.", false},
		{"external", "EKG done at the hospital last week showed sinus rhythm.", false},
		{"done", "EKG performed.", true},
		{"result", "EKG shows sinus rhythm.", true},
		{"done_weak", "12-lead EKG x1.", true},
		{"today", "Will repeat an EKG today.", true},
	}
	for _, tc := range tests {
		r := newReader(c.cat, scan.FromDoc(nlp.Analyze(tc.note)))
		got := len(r.mentionsOf(svc)) > 0
		if got != tc.done {
			t.Errorf("%s: %q read as done=%v, want %v", tc.kind, tc.note, got, tc.done)
		}
	}
}

// services.yaml: every entry's phrases, codes and families are usable.
func TestCatalogEntries(t *testing.T) {
	c := mustCoder(t)
	if n := len(c.cat.services); n < 60 {
		t.Errorf("%d catalog services, want the §5.1 list", n)
	}
	if n := len(c.cat.codes); n < 80 {
		t.Errorf("catalog reports %d codes, want at least 80", n)
	}
	for code, ci := range c.cat.codes {
		if ci.Description == "" || strings.EqualFold(ci.Description, code) {
			t.Errorf("%s has no description of our own", code)
		}
		if ci.IncludesEval && ci.EM25 {
			t.Errorf("%s: includes_eval already implies modifier 25 on the E/M; drop em25", code)
		}
	}
	for _, svc := range c.cat.services {
		for _, code := range svc.Codes {
			if code.Interpreted && code.Test == "" {
				t.Errorf("%s: interpreted without the test it interprets", code.Code)
			}
		}
	}
}

// The catalog's claims about global periods and sides agree with the
// official Medicare physician fee schedule (PFS RVU file).
func TestCatalogAgainstPFS(t *testing.T) {
	f := openOfficial(t, "pfs/rvu25d/PPRRVU2025_Oct_no_cpt_descriptors.csv")
	sched, err := pfs.LoadRVU(f, f.Name())
	if err != nil {
		t.Fatal(err)
	}
	c := mustCoder(t)
	checked := 0
	for code, ci := range c.cat.codes {
		p, ok := sched.Lookup(code, "")
		if !ok {
			continue // codes Medicare does not list (most vaccine products)
		}
		checked++
		minor := p.GlobalDays == "000" || p.GlobalDays == "010"
		switch {
		case ci.IncludesEval && !minor && p.GlobalDays != "ZZZ":
			t.Errorf("%s: includes_eval, but its global period is %s (not a minor procedure)", code, p.GlobalDays)
		case minor && !ci.IncludesEval && !ci.EM25:
			t.Errorf("%s: global period %s, so a same-day E/M needs modifier 25: set includes_eval or em25", code, p.GlobalDays)
		case ci.Sided && p.BilateralSurgery != "1" && p.BilateralSurgery != "2":
			t.Errorf("%s: sided, but the PFS bilateral indicator is %s", code, p.BilateralSurgery)
		}
	}
	if checked < 80 {
		t.Errorf("only %d catalog codes found in the PFS file", checked)
	}
}

// drugs.yaml: every J code is in the HCPCS file and its unit size parses.
func TestDrugCodesInHCPCS(t *testing.T) {
	hc := testHCPCS(t)
	c := mustCoder(t)
	for _, d := range c.cat.drugs.Drugs {
		for _, code := range d.Codes {
			entry, ok := hc.Lookup(code)
			if !ok {
				t.Errorf("%s (%s) is not in the HCPCS file", code, d.Name)
				continue
			}
			if _, err := ParseUnitSize(entry.Long); err != nil {
				t.Errorf("%s: %v", code, err)
			}
		}
	}
}
