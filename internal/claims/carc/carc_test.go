package carc

import (
	"regexp"
	"testing"
)

var editID = regexp.MustCompile(`^(DX|PX|LNK|CLM)-\d\d$`)

// TestEntries checks every entry of the three data files.
func TestEntries(t *testing.T) {
	tab, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range []string{"CO", "PR", "OA", "PI", "CR"} {
		if _, ok := tab.Group(g); !ok {
			t.Errorf("group %s missing", g)
		}
	}
	reasons := tab.Reasons()
	if len(reasons) < 60 {
		t.Errorf("%d CARCs, want at least 60", len(reasons))
	}
	for _, r := range reasons {
		if len(r.Description) < 10 || len(r.Fix) < 10 {
			t.Errorf("CARC %s: description or fix too short", r.Code)
		}
		for _, e := range r.Edits {
			if !editID.MatchString(e) {
				t.Errorf("CARC %s: edit %q is not an edit id", r.Code, e)
			}
		}
	}
	if len(tab.Remarks()) < 40 {
		t.Errorf("%d RARCs, want at least 40", len(tab.Remarks()))
	}
	for _, r := range tab.Remarks() {
		if !regexp.MustCompile(`^(M|MA|N)\d+$`).MatchString(r.Code) || len(r.Fix) < 10 {
			t.Errorf("RARC %s malformed", r.Code)
		}
	}
}

// TestDomainCARCs checks that the CARCs the domain document names as the
// common office denials are all described, with the edits that prevent them.
func TestDomainCARCs(t *testing.T) {
	tab, _ := Load()
	common := []string{"1", "2", "3", "4", "5", "6", "7", "9", "10", "11", "16", "18", "22", "26", "27", "29", "45", "50",
		"96", "97", "109", "119", "146", "151", "167", "181", "182", "197", "204", "236"}
	for _, c := range common {
		if _, ok := tab.Reason(c); !ok {
			t.Errorf("CARC %s missing", c)
		}
	}
	if r, _ := tab.Reason("97"); len(r.Edits) == 0 || r.Kind != KindDenial {
		t.Errorf("CARC 97 = %+v", r)
	}
	if r, _ := tab.Reason("45"); r.Kind != KindContractual {
		t.Errorf("CARC 45 should be a contractual write-off, got %q", r.Kind)
	}
	if _, ok := tab.Remark("N362"); !ok {
		t.Error("RARC N362 missing")
	}
	got := tab.Reasons()
	if got[0].Code != "1" || got[1].Code != "2" || got[len(got)-1].Code[0] != 'B' {
		t.Errorf("order: first %s %s, last %s", got[0].Code, got[1].Code, got[len(got)-1].Code)
	}
}
