// Package scrub checks professional claims before submission against the
// edit catalog of the domain document (section 6.2): diagnosis validity and
// sequencing, procedure age/sex/NCCI/MUE/modifier rules, diagnosis pointer
// and medical-necessity links, and claim-level limits, dates and
// duplicates. Each finding names its edit, severity, the codes involved and
// the fix to make.
package scrub

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/medcode/medcode/internal/claims"
)

// Severity is how a finding affects submission.
type Severity string

// Severities: ERROR blocks submission, WARN needs a human acknowledgement,
// INFO is an optimisation.
const (
	Error Severity = "ERROR"
	Warn  Severity = "WARN"
	Info  Severity = "INFO"
)

// ParseSeverity reads ERROR, WARN or INFO.
func ParseSeverity(s string) (Severity, error) {
	switch Severity(s) {
	case Error, Warn, Info:
		return Severity(s), nil
	}
	return "", fmt.Errorf("severity %q is not ERROR, WARN or INFO", s)
}

// Finding is one problem found on a claim.
type Finding struct {
	Claim    string   `json:"claim"`
	Edit     string   `json:"edit"`
	Severity Severity `json:"severity"`
	// Line is the 1-based service line, 0 for the claim as a whole.
	Line    int      `json:"line,omitempty"`
	Codes   []string `json:"codes,omitempty"`
	Message string   `json:"message"`
	Fix     string   `json:"fix"`
	// CARCs are the denial reasons the fix prevents.
	CARCs []string `json:"carcs,omitempty"`
}

// editIDs lists every edit the scrubber implements, in catalog order.
var editIDs = []string{
	"DX-01", "DX-02", "DX-03", "DX-04", "DX-05", "DX-06", "DX-07", "DX-08", "DX-09", "DX-10", "DX-11", "DX-12", "DX-13",
	"PX-01", "PX-02", "PX-03", "PX-04", "PX-05", "PX-06", "PX-07", "PX-08", "PX-09", "PX-10", "PX-11", "PX-12", "PX-13",
	"PX-14", "PX-15", "PX-16", "LNK-01", "LNK-02", "LNK-03", "LNK-04", "CLM-01", "CLM-02", "CLM-03", "CLM-04",
}

// editSources names the sources each edit reads; partialEdits still run
// their data-file rules without them.
var (
	editSources = map[string][]string{
		"DX-01": {"ICD"}, "DX-02": {"ICD"}, "DX-03": {"Notes"}, "DX-04": {"Notes"}, "DX-05": {"Notes"},
		"DX-06": {"Excludes"}, "DX-11": {"ICD"}, "DX-12": {"AgeSex"}, "DX-13": {"AgeSex"},
		"PX-01": {"Procedures"}, "PX-04": {"PTP"}, "PX-05": {"MUE"}, "PX-08": {"PFS", "CLIA"},
		"PX-09": {"PFS"}, "PX-16": {"PFS"}, "LNK-04": {"ICD"},
	}
	partialEdits = map[string]bool{"DX-04": true, "DX-12": true, "PX-08": true}
)

// EditStatus says whether an edit runs with the sources given.
type EditStatus struct {
	ID      string   `json:"id"`
	Status  string   `json:"status"` // "active", "partial" or "off"
	Missing []string `json:"missing,omitempty"`
}

// Options adjust the scrubber.
type Options struct {
	// Today is the date the date edits compare against; zero means the
	// current date.
	Today claims.Date
}

var (
	tablesOnce   sync.Once
	tablesLoaded *tables
	tablesErr    error
)

// sharedTables parses the data files once; scrubbers only read them.
func sharedTables() (*tables, error) {
	tablesOnce.Do(func() { tablesLoaded, tablesErr = loadTables() })
	return tablesLoaded, tablesErr
}

// Scrubber runs the edits. It is safe for concurrent use.
type Scrubber struct {
	src    Sources
	t      *tables
	today  claims.Date
	status []EditStatus
}

// New returns a scrubber reading code-set facts from src.
func New(src Sources, o Options) (*Scrubber, error) {
	t, err := sharedTables()
	if err != nil {
		return nil, err
	}
	if src.AddOns == nil {
		src.AddOns = builtinAddOns{t}
	}
	if src.Coverage == nil {
		src.Coverage = builtinCoverage{t}
	}
	s := &Scrubber{src: src, t: t, today: o.Today}
	if s.today.IsZero() {
		s.today = claims.DateOf(time.Now())
	}
	present := map[string]bool{
		"ICD": src.ICD != nil, "Excludes": src.Excludes != nil, "Notes": src.Notes != nil, "AgeSex": src.AgeSex != nil,
		"Procedures": src.Procedures != nil, "PFS": src.PFS != nil, "PTP": src.PTP != nil, "MUE": src.MUE != nil,
		"CLIA": src.CLIA != nil,
	}
	for _, id := range editIDs {
		st := EditStatus{ID: id, Status: "active"}
		for _, need := range editSources[id] {
			if !present[need] {
				st.Missing = append(st.Missing, need)
			}
		}
		switch {
		case len(st.Missing) == 0:
		case partialEdits[id] || len(st.Missing) < len(editSources[id]):
			st.Status = "partial"
		default:
			st.Status = "off"
		}
		s.status = append(s.status, st)
	}
	return s, nil
}

// Status reports, for every edit, whether it runs with the given sources.
func (s *Scrubber) Status() []EditStatus { return s.status }

// Catalog returns the edit catalog in order.
func (s *Scrubber) Catalog() []Edit {
	out := make([]Edit, len(s.t.catalog))
	for i, e := range s.t.catalog {
		out[i] = *e
	}
	return out
}

// Scrub checks a batch of claims: each claim alone, then the edits that
// compare claims with each other (duplicates, global periods). Findings
// come in claim order, then catalog order, then line order.
func (s *Scrubber) Scrub(cs []*claims.Claim) []Finding {
	per := make([][]Finding, len(cs))
	for i, c := range cs {
		per[i] = s.claim(c)
	}
	for i, extra := range s.batch(cs) {
		per[i] = append(per[i], extra...)
	}
	var out []Finding
	for _, fs := range per {
		s.sort(fs)
		out = append(out, fs...)
	}
	return out
}

func (s *Scrubber) sort(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		oi, oj := s.t.edits[fs[i].Edit].order, s.t.edits[fs[j].Edit].order
		if oi != oj {
			return oi < oj
		}
		return fs[i].Line < fs[j].Line
	})
}

// check is the state of scrubbing one claim.
type check struct {
	s        *Scrubber
	c        *claims.Claim
	dos      time.Time // first date of service, for the diagnosis edits
	validDx  []bool    // the diagnosis passed DX-01/DX-02 (or could not be checked)
	validPx  []bool    // the line's code passed PX-01 (or could not be checked)
	findings []Finding
}

// claim runs the single-claim edits.
func (s *Scrubber) claim(c *claims.Claim) []Finding {
	dos := c.FirstDOS()
	if dos.IsZero() {
		dos = s.today // a claim without lines; CLM-03 reports it
	}
	k := &check{s: s, c: c, dos: dos.Time()}
	k.validDx = make([]bool, len(c.Diagnoses))
	k.validPx = make([]bool, len(c.Lines))
	for _, step := range []func(){
		k.dxValidity, k.dxManifestation, k.dxUseAdditional, k.dxExcludes, k.dxPosition, k.dxDuplicates,
		k.dxLaterality, k.dxAgeSex,
		k.pxValidity, k.pxAge, k.pxSex, k.pxPTP, k.pxMUE, k.pxAddOn, k.pxExclusive, k.pxModifiers,
		k.pxMinorProcedure, k.pxPreventiveProblem, k.pxG2211, k.pxVariant, k.px99211, k.pxTime, k.pxDrug,
		k.lnkPointers, k.lnkCoverage, k.lnkSanity, k.lnkLaterality,
		k.clmLimits, k.clmDates, k.clmNPI,
	} {
		step()
	}
	return k.findings
}

// add records a finding; sev "" takes the catalog severity and fix "" the
// catalog fix.
func (k *check) add(id string, line int, codes []string, sev Severity, fix, format string, args ...any) {
	k.findings = append(k.findings, newFinding(k.s.t.edits[id], k.c.ID, line, codes, sev, fix, fmt.Sprintf(format, args...)))
}

func newFinding(e *Edit, claim string, line int, codes []string, sev Severity, fix, msg string) Finding {
	if sev == "" {
		sev = e.Severity
	}
	if fix == "" {
		fix = e.Fix
	}
	return Finding{Claim: claim, Edit: e.ID, Severity: sev, Line: line, Codes: codes, Message: msg, Fix: fix, CARCs: e.CARCs}
}

// hasDx reports whether a valid diagnosis other than index skip matches.
func (k *check) hasDx(match func(string) bool, skip int) (string, bool) {
	for i, d := range k.c.Diagnoses {
		if i != skip && k.validDx[i] && match(d) {
			return d, true
		}
	}
	return "", false
}

// pointed returns the valid diagnoses a line points to.
func (k *check) pointed(l claims.Line) []string {
	var out []string
	for _, p := range l.Pointers {
		if p >= 1 && p <= len(k.c.Diagnoses) && k.validDx[p-1] {
			out = append(out, k.c.Diagnoses[p-1])
		}
	}
	return out
}

// sameDay groups the indexes of valid lines by date of service.
func (k *check) sameDay() [][]int {
	var order []claims.Date
	groups := map[claims.Date][]int{}
	for i, l := range k.c.Lines {
		if !k.validPx[i] {
			continue
		}
		if _, seen := groups[l.DOS]; !seen {
			order = append(order, l.DOS)
		}
		groups[l.DOS] = append(groups[l.DOS], i)
	}
	out := make([][]int, len(order))
	for i, d := range order {
		out[i] = groups[d]
	}
	return out
}

func (k *check) in(set string, code string) bool { return k.s.t.sets[set].has(code) }

func (k *check) hasModifier(l claims.Line, set string) (string, bool) {
	for _, m := range l.Modifiers {
		if k.s.t.modifiers[set][m] {
			return m, true
		}
	}
	return "", false
}

// fiscalYear returns the ICD-10-CM fiscal year of a date (October to September).
func fiscalYear(t time.Time) int {
	if t.Month() >= time.October {
		return t.Year() + 1
	}
	return t.Year()
}

func joinCodes(codes []string) string { return strings.Join(codes, ", ") }
