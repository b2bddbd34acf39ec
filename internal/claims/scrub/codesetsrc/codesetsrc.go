// Package codesetsrc answers the scrubber's code-set questions from the
// releases installed in the data directory (internal/codeset). Every
// answer comes from the ICD-10-CM release in effect on the date of service
// and the versions of HCPCS, the fee schedule, the MCE and NCCI installed
// with it; the loaders stay in internal/codeset and this package only
// translates.
package codesetsrc

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/medcode/medcode/internal/claims"
	"github.com/medcode/medcode/internal/claims/scrub"
	"github.com/medcode/medcode/internal/codeset"
	"github.com/medcode/medcode/internal/codeset/icd"
	"github.com/medcode/medcode/internal/codeset/pfs"
)

// Source implements every scrub source interface over an opened code set.
// It is read-only and safe for concurrent use.
type Source struct {
	set *codeset.Set
}

// Sources returns the scrubber's sources backed by set. A source is left
// nil (and its edits reported inactive) when no installed release has the
// file it needs; Absent says which files those are.
func Sources(set *codeset.Set) scrub.Sources {
	s := &Source{set: set}
	src := scrub.Sources{ICD: s, Excludes: s, Notes: s}
	var hasMCE, hasProcedures, hasPFS, hasPTP, hasMUE bool
	for _, r := range set.Releases() {
		hasMCE = hasMCE || r.MCE != nil
		hasProcedures = hasProcedures || r.HCPCS != nil || r.PFS != nil
		hasPFS = hasPFS || r.PFS != nil
		hasPTP = hasPTP || r.PTP != nil
		hasMUE = hasMUE || r.MUE != nil
	}
	if hasMCE {
		src.AgeSex = s
	}
	if hasProcedures {
		src.Procedures = s
	}
	if hasPFS {
		src.PFS = s
	}
	if hasPTP {
		src.PTP = s
	}
	if hasMUE {
		src.MUE = s
	}
	return src
}

// Absent describes, for each source of the scrubber that src leaves nil,
// the code-set file that would provide it, so that a user can tell which
// edits a missing file turns off. The keys are the source names of
// scrub.EditStatus.Missing.
func Absent(src scrub.Sources) map[string]string {
	files := []struct {
		name    string
		present bool
		file    string
	}{
		{"ICD", src.ICD != nil, "an ICD-10-CM release (icd10cm/fyYYYY/ tabular XML)"},
		{"Excludes", src.Excludes != nil, "an ICD-10-CM release (icd10cm/fyYYYY/ tabular XML)"},
		{"Notes", src.Notes != nil, "an ICD-10-CM release (icd10cm/fyYYYY/ tabular XML)"},
		{"AgeSex", src.AgeSex != nil, "the Medicare Code Editor edit lists (mce/)"},
		{"Procedures", src.Procedures != nil, "the HCPCS Level II file (hcpcs/YYYY-MM/) or the PFS relative value file (pfs/rvuYYx/)"},
		{"PFS", src.PFS != nil, "the PFS relative value file (pfs/rvuYYx/)"},
		{"PTP", src.PTP != nil, "the NCCI practitioner PTP edits (ncci/YYYY-qN/)"},
		{"MUE", src.MUE != nil, "the NCCI practitioner MUE table (ncci/YYYY-qN/)"},
		{"CLIA", src.CLIA != nil, "the CMS list of CLIA-waived tests, which medcode has no loader for"},
	}
	out := map[string]string{}
	for _, f := range files {
		if !f.present {
			out[f.name] = f.file
		}
	}
	return out
}

// release returns the release in effect on the date of service, or nil
// when none is installed for it.
func (s *Source) release(dos time.Time) *codeset.Release {
	r, err := s.set.ForDate(dos)
	if err != nil {
		return nil
	}
	return r
}

// CheckICD validates a diagnosis code against the tabular of the release.
func (s *Source) CheckICD(code string, dos time.Time) scrub.ICDStatus {
	r := s.release(dos)
	if r == nil {
		return scrub.ICDStatus{Problem: scrub.ICDNoRelease}
	}
	st := scrub.ICDStatus{Problem: scrub.ICDUnknown}
	if c, ok := r.ICD.Lookup(code); ok {
		if c.Billable {
			return scrub.ICDStatus{Problem: scrub.ICDBillable, Title: c.Title}
		}
		st.Title = c.Title
	}
	err, ok := r.ICD.Validate(code).(*icd.InvalidCodeError)
	if !ok {
		return st
	}
	switch err.Reason {
	case icd.Header:
		st.Problem = scrub.ICDHeader
	case icd.Missing7th:
		st.Problem = scrub.ICDMissingSeventh
	case icd.Bad7th:
		st.Problem = scrub.ICDBadSeventh
	}
	// Unknown and MissingPlaceholder stay ICDUnknown: the scrubber looks
	// for the padded code itself and names it in the fix.
	return st
}

// Excludes1 reports whether b falls under an Excludes1 note of a, of one
// of a's ancestors, or of a's section or chapter.
func (s *Source) Excludes1(a, b string, dos time.Time) bool {
	r := s.release(dos)
	if r == nil {
		return false
	}
	for n := range r.ICD.NotesOf(a) {
		if n.Kind != icd.Excludes1 {
			continue
		}
		for _, ref := range n.Refs {
			if ref.Contains(b) {
				return true
			}
		}
	}
	return false
}

// principalManifestation is the MCE edit listing the codes that may not
// be the principal (first-listed) diagnosis.
const principalManifestation = "Principal_Manifestation"

// Manifestation reports a code whose title reads "in diseases classified
// elsewhere" (or is below one) or that the MCE manifestation list names.
func (s *Source) Manifestation(code string, dos time.Time) bool {
	r := s.release(dos)
	if r == nil {
		return false
	}
	if c, ok := r.ICD.Lookup(code); ok && c.Manifestation {
		return true
	}
	if r.MCE != nil {
		for _, e := range r.MCE.Diagnosis(code) {
			if e.Type == principalManifestation {
				return true
			}
		}
	}
	return false
}

// CodeFirst returns the codes cited by the code-first notes that apply to
// the code, inherited ones included; exhaustive unless an instruction
// gives examples ("underlying disease, such as:") or is qualified ("if
// applicable", "any").
func (s *Source) CodeFirst(code string, dos time.Time) ([]string, bool) {
	r := s.release(dos)
	if r == nil {
		return nil, false
	}
	var notes []icd.Note
	for n := range r.ICD.NotesOf(code) {
		if n.Kind == icd.CodeFirst {
			notes = append(notes, n)
		}
	}
	var codes []string
	exhaustive := true
	for _, in := range instructions(notes, icd.CodeFirst) {
		codes = append(codes, in.refs...)
		exhaustive = exhaustive && !in.conditional
	}
	return codes, exhaustive
}

// UseAdditional returns the codes the use-additional-code notes written
// on the code itself require. Notes inherited from the category are left
// out, since they serve every code below it, and so are the instructions
// whose companion depends on what the record documents: those qualified
// "if applicable", "if known" or "any associated ...", those naming the
// infectious agent or organism, and lists of examples or alternatives
// ("such as:", "code to identify:" followed by a list). What remains
// completes the code itself: the stage of CKD after E11.22, the type of
// heart failure after I11.0, the ulcer site after E11.621.
func (s *Source) UseAdditional(code string, dos time.Time) []string {
	r := s.release(dos)
	if r == nil {
		return nil
	}
	c, ok := r.ICD.Lookup(code)
	if !ok {
		return nil
	}
	var out []string
	for _, in := range instructions(c.Notes(), icd.UseAdditionalCode) {
		if !in.conditional {
			out = append(out, in.refs...)
		}
	}
	return out
}

// instruction is one instruction of a note element: a line, or a line
// ending in ":" with the list lines after it.
type instruction struct {
	refs        []string
	conditional bool
}

// conditionalRe matches the wording of instructions whose companion code
// is reported only when the record documents it.
var conditionalRe = regexp.MustCompile(`(?i)\b(?:if|where|when) (?:applicable|known|present|specified|documented)\b|\bany\b|\bsuch as\b|\binfectious agent|\borganism`)

// instructions groups the notes of one kind into instructions. A list
// (a line ending in ":" and the lines after it in the same entry) offers
// alternatives or examples, so it is conditional.
func instructions(notes []icd.Note, kind icd.NoteKind) []instruction {
	var out []instruction
	inList, from := false, ""
	for _, n := range notes {
		if n.Kind != kind {
			continue
		}
		if n.From != from {
			inList, from = false, n.From
		}
		header := strings.HasSuffix(strings.TrimSpace(n.Text), ":")
		if inList && !header {
			last := &out[len(out)-1]
			last.refs = append(last.refs, citations(n)...)
			continue
		}
		out = append(out, instruction{refs: citations(n), conditional: header || conditionalRe.MatchString(n.Text)})
		inList = header
	}
	return out
}

// citations returns a note's code citations in the tabular's notation.
func citations(n icd.Note) []string {
	out := make([]string, len(n.Refs))
	for i, r := range n.Refs {
		out[i] = r.String()
	}
	return out
}

// DiagnosisAge returns the age range of the MCE age edits that list the
// code (their intersection, should two list it).
func (s *Source) DiagnosisAge(code string, dos time.Time) (scrub.AgeRange, bool) {
	r := s.release(dos)
	if r == nil || r.MCE == nil {
		return scrub.AgeRange{}, false
	}
	var out scrub.AgeRange
	found := false
	for _, e := range r.MCE.Diagnosis(code) {
		rule, ok := r.MCE.Rule(e.Type)
		if !ok || rule.MinAge < 0 {
			continue
		}
		name := fmt.Sprintf("MCE v%d %s (%d-%d)", r.MCE.Version, editWord(e.Type), rule.MinAge, rule.MaxAge)
		if !found {
			out, found = scrub.AgeRange{Min: rule.MinAge, Max: rule.MaxAge, Edit: name}, true
			continue
		}
		out.Min, out.Max = max(out.Min, rule.MinAge), min(out.Max, rule.MaxAge)
		out.Edit += ", " + name
	}
	return out, found
}

// DiagnosisSex returns the sex of the MCE sex edit that lists the code.
func (s *Source) DiagnosisSex(code string, dos time.Time) (claims.Sex, bool) {
	r := s.release(dos)
	if r == nil || r.MCE == nil {
		return "", false
	}
	for _, e := range r.MCE.Diagnosis(code) {
		if rule, ok := r.MCE.Rule(e.Type); ok {
			switch rule.Sex {
			case "F":
				return claims.Female, true
			case "M":
				return claims.Male, true
			}
		}
	}
	return "", false
}

// editWord names an MCE edit type for a message: "Pediatric_Only" →
// "pediatric".
func editWord(editType string) string {
	return strings.ToLower(strings.TrimSuffix(editType, "_Only"))
}

// hcpcsQuarter is how long a quarterly HCPCS file is the current one.
const hcpcsQuarter = 3

// CheckProcedure says whether a CPT or HCPCS code may be billed on the
// date of service. A HCPCS Level II code the HCPCS file lists is judged
// by its added and terminated dates. Otherwise the fee schedule of the
// date's calendar year decides: it lists every CPT code but PLA codes
// (the licensed CPT file is not installed), and the Level II codes
// Medicare prices. A Level II code missing from both is unknown only
// within the quarter of the HCPCS file, which lists every code of its
// quarter. Codes no installed file can judge on the date pass.
func (s *Source) CheckProcedure(code string, dos time.Time) scrub.ProcedureStatus {
	valid := scrub.ProcedureStatus{Known: true, Active: true}
	unknown := scrub.ProcedureStatus{}
	r := s.release(dos)
	if r == nil {
		return valid
	}
	levelII := code != "" && code[0] >= 'A' && code[0] <= 'Z'
	if levelII && r.HCPCS != nil {
		if c, ok := r.HCPCS.Lookup(code); ok {
			switch {
			case !c.Added.IsZero() && dos.Before(c.Added):
				return scrub.ProcedureStatus{Known: true, Reason: "added " + c.Added.Format(time.DateOnly) + ", after the date of service"}
			case !c.ActiveOn(dos):
				return scrub.ProcedureStatus{Known: true, Reason: "terminated " + c.Terminated.Format(time.DateOnly)}
			}
			return valid
		}
	}
	pfsFrom, pfsOK := version(r, codeset.SetPFS)
	pfsYear := r.PFS != nil && pfsOK && dos.Year() == pfsFrom.Year()
	if pfsYear && pfsLists(r.PFS, code) {
		return valid
	}
	if levelII {
		if from, ok := version(r, codeset.SetHCPCS); ok && r.HCPCS != nil && !dos.Before(from) && dos.Before(from.AddDate(0, hcpcsQuarter, 0)) {
			return unknown
		}
		return valid
	}
	if pfsYear && pfsListsCPT(code) {
		return unknown
	}
	return valid
}

// pfsLists reports whether the fee schedule has a row for the code: for
// the global service, or only for its professional or technical component
// (86153 is listed as 86153-26 alone).
func pfsLists(p *pfs.Schedule, code string) bool {
	for _, mod := range []string{"", "26", "TC"} {
		if _, ok := p.Lookup(code, mod); ok {
			return true
		}
	}
	return false
}

// pfsListsCPT reports CPT codes the fee schedule lists when they exist:
// Category I (five digits), II (four digits and F) and III (four digits
// and T).
func pfsListsCPT(code string) bool {
	if len(code) != 5 {
		return false
	}
	for i := 0; i < 4; i++ {
		if code[i] < '0' || code[i] > '9' {
			return false
		}
	}
	last := code[4]
	return last >= '0' && last <= '9' || last == 'F' || last == 'T'
}

// version returns when the release's version of a code set took effect.
func version(r *codeset.Release, set string) (time.Time, bool) {
	for _, v := range r.CodeSets {
		if v.Set == set {
			return v.EffectiveFrom, true
		}
	}
	return time.Time{}, false
}

// FeeSchedule returns the global period and bilateral indicator of the
// fee schedule row without modifier.
func (s *Source) FeeSchedule(code string, dos time.Time) (scrub.FeeScheduleEntry, bool) {
	r := s.release(dos)
	if r == nil || r.PFS == nil {
		return scrub.FeeScheduleEntry{}, false
	}
	row, ok := r.PFS.Lookup(code, "")
	if !ok {
		return scrub.FeeScheduleEntry{}, false
	}
	bilateral, err := strconv.Atoi(row.BilateralSurgery)
	if err != nil {
		bilateral = 9 // concept does not apply
	}
	return scrub.FeeScheduleEntry{GlobalDays: row.GlobalDays, Bilateral: bilateral}, true
}

// PTP returns the NCCI edit between two codes in effect on the date.
func (s *Source) PTP(column1, column2 string, dos time.Time) (scrub.PTPEdit, bool) {
	r := s.release(dos)
	if r == nil || r.PTP == nil {
		return scrub.PTPEdit{}, false
	}
	e, ok := r.PTP.Edit(column1, column2, dos)
	if !ok {
		return scrub.PTPEdit{}, false
	}
	return scrub.PTPEdit{ModifierIndicator: e.Modifier}, true
}

// MUE returns the practitioner MUE of a code.
func (s *Source) MUE(code string, dos time.Time) (scrub.MUE, bool) {
	r := s.release(dos)
	if r == nil || r.MUE == nil {
		return scrub.MUE{}, false
	}
	e, ok := r.MUE.Lookup(code)
	if !ok {
		return scrub.MUE{}, false
	}
	return scrub.MUE{Value: e.Units, Adjudication: e.MAI}, true
}
