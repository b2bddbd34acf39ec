package scrub

import (
	"time"

	"github.com/medcode/medcode/internal/claims"
)

// The scrubber reads code-set facts through these small interfaces, so
// that the edit logic does not depend on how the official files are
// loaded. Package codesetsrc provides them from the releases installed
// with internal/codeset; tests use fakes. Every method takes the date of service, because code
// sets are versioned (ICD-10-CM by fiscal year, HCPCS and NCCI quarterly).

// ICDProblem says why an ICD-10-CM code cannot be billed.
type ICDProblem int

// ICD-10-CM validity outcomes.
const (
	ICDBillable       ICDProblem = iota // valid for claims
	ICDUnknown                          // not in the release for the date of service
	ICDHeader                           // a category or subcategory with codes below it
	ICDMissingSeventh                   // the category requires a 7th character the code lacks
	ICDBadSeventh                       // the 7th character is not one the category defines
	// ICDNoRelease: no installed release covers the date of service, so
	// the code could not be checked.
	ICDNoRelease
)

// ICDStatus describes one ICD-10-CM code in the release for a date of service.
type ICDStatus struct {
	Problem ICDProblem
	// Title is the tabular title, used to find sides ("right knee") for
	// the laterality edits; empty when unknown.
	Title string
}

// ICDValidator checks ICD-10-CM codes (tabular or order file).
type ICDValidator interface {
	CheckICD(code string, dos time.Time) ICDStatus
}

// ExcludesChecker answers Excludes1 questions from the tabular notes.
type ExcludesChecker interface {
	// Excludes1 reports whether b falls under an Excludes1 note of a or of
	// one of a's ancestors.
	Excludes1(a, b string, dos time.Time) bool
}

// SequencingNotes exposes the tabular notes that govern order and pairing.
// Code references use the tabular's notation ("N18.-", "E08-E13", "N18.1-N18.6").
type SequencingNotes interface {
	// Manifestation reports whether the code is a manifestation that may
	// not be first-listed (MCE manifestation list, "in diseases classified
	// elsewhere").
	Manifestation(code string, dos time.Time) bool
	// CodeFirst returns the codes of the code-first notes that apply to
	// the code, inherited ones included. exhaustive is set when the notes
	// name every underlying condition that satisfies them; notes that
	// give examples ("such as:") or apply "if applicable" leave it unset.
	CodeFirst(code string, dos time.Time) (codes []string, exhaustive bool)
	// UseAdditional returns the codes of the use-additional-code notes
	// written on the code itself (not inherited from its category, whose
	// notes are usually "if applicable") that the claim must carry:
	// instructions that depend on what the record documents ("if
	// applicable", "if known", the infectious agent, lists of examples)
	// are left out, as the claim cannot show whether they apply.
	UseAdditional(code string, dos time.Time) []string
}

// AgeRange is an inclusive range of ages in years.
type AgeRange struct {
	Min, Max int
	// Edit names the source, e.g. "MCE pediatric (0-17)".
	Edit string
}

// AgeSexEdits are the Medicare Code Editor age and sex lists.
type AgeSexEdits interface {
	DiagnosisAge(code string, dos time.Time) (AgeRange, bool)
	DiagnosisSex(code string, dos time.Time) (claims.Sex, bool)
}

// ProcedureStatus describes one CPT or HCPCS code on a date of service.
type ProcedureStatus struct {
	Known  bool   // the code is in the files for the date of service
	Active bool   // and not deleted or terminated on that date
	Reason string // why not, e.g. "deleted 2021-01-01"
}

// ProcedureValidator checks CPT/HCPCS codes (HCPCS file, PFS status).
type ProcedureValidator interface {
	CheckProcedure(code string, dos time.Time) ProcedureStatus
}

// FeeScheduleEntry holds the Physician Fee Schedule indicators the edits use.
type FeeScheduleEntry struct {
	// GlobalDays is the global surgery indicator: "000", "010", "090",
	// "XXX", "YYY", "ZZZ" or "MMM".
	GlobalDays string
	// Bilateral is the bilateral surgery indicator: 0 not allowed, 1 with
	// modifier 50, 2 already bilateral, 3 paid per side, 9 concept n/a.
	Bilateral int
}

// FeeSchedule looks up PFS indicators (PPRRVU file).
type FeeSchedule interface {
	FeeSchedule(code string, dos time.Time) (FeeScheduleEntry, bool)
}

// PTPEdit is one NCCI procedure-to-procedure pair active on the date.
type PTPEdit struct {
	// ModifierIndicator: 0 never payable together, 1 payable with an
	// NCCI-associated modifier, 9 not applicable.
	ModifierIndicator int
}

// PTPTable is the NCCI practitioner PTP table.
type PTPTable interface {
	PTP(column1, column2 string, dos time.Time) (PTPEdit, bool)
}

// MUE is one medically unlikely edit.
type MUE struct {
	Value int
	// Adjudication is the MUE adjudication indicator: 1 line edit, 2 date
	// of service edit (policy), 3 date of service edit (clinical).
	Adjudication int
}

// MUETable is the NCCI practitioner MUE table.
type MUETable interface {
	MUE(code string, dos time.Time) (MUE, bool)
}

// AddOnTable lists add-on codes with the primaries they need. An empty
// primary list means any primary procedure will do.
type AddOnTable interface {
	AddOn(code string, dos time.Time) (primaries []string, ok bool)
}

// CLIAWaived is the CMS list of CLIA-waived tests that take modifier QW.
type CLIAWaived interface {
	CLIAWaived(code string, dos time.Time) bool
}

// CoveragePolicy is one payer policy for medical necessity.
type CoveragePolicy struct {
	ID         string
	NonCovered []string // diagnosis patterns that alone do not support the service
	WaivedBy   []string // codes on the same claim that make the policy not apply
	Severity   Severity
	Note       string
}

// CoveragePolicies returns the policies that apply to a service for a payer.
type CoveragePolicies interface {
	Policies(code string, payer claims.PayerClass, dos time.Time) []CoveragePolicy
}

// Sources are the code-set facts the scrubber reads. A nil source turns
// off the edits that need it; Scrubber.Skipped lists them. AddOns and
// Coverage default to the tables shipped in data/.
type Sources struct {
	ICD        ICDValidator
	Excludes   ExcludesChecker
	Notes      SequencingNotes
	AgeSex     AgeSexEdits
	Procedures ProcedureValidator
	PFS        FeeSchedule
	PTP        PTPTable
	MUE        MUETable
	AddOns     AddOnTable
	CLIA       CLIAWaived
	Coverage   CoveragePolicies
}
