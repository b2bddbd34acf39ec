package scrub

import (
	"time"

	"github.com/medcode/medcode/internal/claims"
)

// fakeCodes is a small in-memory code set implementing every source
// interface, standing in for internal/codeset in unit tests.
type fakeCodes struct {
	icd       map[string]ICDStatus // codes not listed are unknown
	excludes1 map[string][]string  // code → Excludes1 patterns of it and its ancestors
	manifest  map[string]bool
	codeFirst map[string][]string
	// codeFirstExamples marks code-first notes that give examples.
	codeFirstExamples map[string]bool
	useAdd            map[string][]string
	dxAge             map[string]AgeRange
	dxSex             map[string]claims.Sex
	procs             map[string]ProcedureStatus // codes not listed are valid
	pfs               map[string]FeeScheduleEntry
	ptp               map[[2]string]PTPEdit
	mue               map[string]MUE
	clia              map[string]bool
}

func newFakeCodes() *fakeCodes {
	bill := func(title string) ICDStatus { return ICDStatus{Problem: ICDBillable, Title: title} }
	return &fakeCodes{
		icd: map[string]ICDStatus{
			"D63.1": bill("Anemia in chronic kidney disease"), "N18.4": bill("Chronic kidney disease, stage 4 (severe)"),
			"E11": {Problem: ICDHeader, Title: "Type 2 diabetes mellitus"}, "E11.9": bill("Type 2 diabetes mellitus without complications"),
			"E11.22": bill("Type 2 diabetes mellitus with diabetic chronic kidney disease"), "E11.65": bill("Type 2 diabetes mellitus with hyperglycemia"),
			"S93.401":  {Problem: ICDMissingSeventh, Title: "Sprain of unspecified ligament of right ankle"},
			"S93.401A": bill("Sprain of unspecified ligament of right ankle, initial encounter"),
			"S01.01XA": bill("Laceration without foreign body of scalp, initial encounter"),
			"R73.03":   bill("Prediabetes"), "R73.9": bill("Hyperglycemia, unspecified"), "Z01.419": bill("Encounter for gynecological examination (general) (routine) without abnormal findings"),
			"I10": bill("Essential (primary) hypertension"), "G63": bill("Polyneuropathy in diseases classified elsewhere"),
			"E05.90": bill("Thyrotoxicosis, unspecified without thyrotoxic crisis or storm"), "I12.9": bill("Hypertensive chronic kidney disease with stage 1 through stage 4 chronic kidney disease, or unspecified chronic kidney disease"),
			"I50.9": bill("Heart failure, unspecified"), "J45.909": bill("Unspecified asthma, uncomplicated"), "R06.2": bill("Wheezing"),
			"W54.0XXA": bill("Bitten by dog, initial encounter"), "S61.411A": bill("Laceration without foreign body of right hand, initial encounter"),
			"Z00.00":  bill("Encounter for general adult medical examination without abnormal findings"),
			"Z00.01":  bill("Encounter for general adult medical examination with abnormal findings"),
			"Z00.129": bill("Encounter for routine child health examination without abnormal findings"),
			"Z68.41":  bill("Body mass index [BMI] 40.0-44.9, adult"), "Z68.54": bill("Body mass index [BMI] pediatric, greater than or equal to 95th percentile for age"),
			"E66.01": bill("Morbid (severe) obesity due to excess calories"), "Z23": bill("Encounter for immunization"),
			"M25.569": bill("Pain in unspecified knee"), "M25.561": bill("Pain in right knee"), "M25.562": bill("Pain in left knee"),
			"M17.11": bill("Unilateral primary osteoarthritis, right knee"), "H61.21": bill("Impacted cerumen, right ear"),
			"H61.23": bill("Impacted cerumen, bilateral"), "N40.1": bill("Benign prostatic hyperplasia with lower urinary tract symptoms"),
			"L02.411": bill("Cutaneous abscess of right axilla"), "L57.0": bill("Actinic keratosis"), "J06.9": bill("Acute upper respiratory infection, unspecified"),
			"Z30.430": bill("Encounter for insertion of intrauterine contraceptive device"), "R05.1": bill("Acute cough"), "Z11.59": bill("Encounter for screening for other viral diseases"),
			"Z79.4": bill("Long term (current) use of insulin"), "Z79.84": bill("Long term (current) use of oral hypoglycemic drugs"),
		},
		excludes1: map[string][]string{
			"R73.03": {"E08-E13", "O24.-"}, "R73.9": {"E08-E13"}, "Z79.4": {"Z79.84"}, "J45.909": {"R06.2"}, "R06.2": {"J45.-"},
		},
		manifest:          map[string]bool{"D63.1": true, "G63": true},
		codeFirstExamples: map[string]bool{"G63": true},
		codeFirst:         map[string][]string{"D63.1": {"N18.-"}, "G63": {"E85.-", "E00-E07", "E15-E16", "E20-E34", "D86.-"}, "N18.4": {"E08.22", "E09.22", "E10.22", "E11.22", "E13.22", "I12.-", "I13.-"}},
		useAdd:            map[string][]string{"E11.22": {"N18.1-N18.6"}},
		dxAge:             map[string]AgeRange{"Z68.54": {Min: 2, Max: 19, Edit: "fake pediatric"}},
		dxSex:             map[string]claims.Sex{"Z01.419": claims.Female, "N40.1": claims.Male, "Z30.430": claims.Female},
		procs:             map[string]ProcedureStatus{"99201": {Known: true, Active: false, Reason: "deleted 2021-01-01"}, "99999": {}},
		pfs: map[string]FeeScheduleEntry{
			"20610": {GlobalDays: "000", Bilateral: 1}, "20611": {GlobalDays: "000", Bilateral: 1}, "69210": {GlobalDays: "000", Bilateral: 1},
			"10060": {GlobalDays: "010", Bilateral: 0}, "69209": {GlobalDays: "000", Bilateral: 2}, "27447": {GlobalDays: "090", Bilateral: 1}, "17000": {GlobalDays: "010"},
			"99213": {GlobalDays: "XXX"}, "93000": {GlobalDays: "XXX", Bilateral: 0},
		},
		ptp: map[[2]string]PTPEdit{
			{"93000", "93010"}: {ModifierIndicator: 0},
			{"11102", "17000"}: {ModifierIndicator: 1},
			{"20610", "99213"}: {ModifierIndicator: 1},
			{"99384", "99213"}: {ModifierIndicator: 1},
			{"94640", "94060"}: {ModifierIndicator: 9},
		},
		mue:  map[string]MUE{"17000": {Value: 1, Adjudication: 2}, "36415": {Value: 2, Adjudication: 3}, "J3301": {Value: 8, Adjudication: 1}},
		clia: map[string]bool{"87880": true, "87804": true},
	}
}

func (f *fakeCodes) CheckICD(code string, _ time.Time) ICDStatus {
	if st, ok := f.icd[code]; ok {
		return st
	}
	return ICDStatus{Problem: ICDUnknown}
}

func (f *fakeCodes) Excludes1(a, b string, _ time.Time) bool {
	for _, p := range f.excludes1[a] {
		if pat, err := parseICDPattern(p); err == nil && pat.match(b) {
			return true
		}
	}
	return false
}

func (f *fakeCodes) Manifestation(code string, _ time.Time) bool { return f.manifest[code] }
func (f *fakeCodes) CodeFirst(code string, _ time.Time) ([]string, bool) {
	return f.codeFirst[code], !f.codeFirstExamples[code]
}
func (f *fakeCodes) UseAdditional(code string, _ time.Time) []string { return f.useAdd[code] }

func (f *fakeCodes) DiagnosisAge(code string, _ time.Time) (AgeRange, bool) {
	r, ok := f.dxAge[code]
	return r, ok
}

func (f *fakeCodes) DiagnosisSex(code string, _ time.Time) (claims.Sex, bool) {
	s, ok := f.dxSex[code]
	return s, ok
}

func (f *fakeCodes) CheckProcedure(code string, _ time.Time) ProcedureStatus {
	if st, ok := f.procs[code]; ok {
		return st
	}
	return ProcedureStatus{Known: true, Active: true}
}

func (f *fakeCodes) FeeSchedule(code string, _ time.Time) (FeeScheduleEntry, bool) {
	e, ok := f.pfs[code]
	return e, ok
}

func (f *fakeCodes) PTP(c1, c2 string, _ time.Time) (PTPEdit, bool) {
	e, ok := f.ptp[[2]string{c1, c2}]
	return e, ok
}

func (f *fakeCodes) MUE(code string, _ time.Time) (MUE, bool) {
	m, ok := f.mue[code]
	return m, ok
}

func (f *fakeCodes) CLIAWaived(code string, _ time.Time) bool { return f.clia[code] }

// sources wires the fake into every source slot (add-ons and coverage
// come from the shipped tables).
func (f *fakeCodes) sources() Sources {
	return Sources{ICD: f, Excludes: f, Notes: f, AgeSex: f, Procedures: f, PFS: f, PTP: f, MUE: f, CLIA: f}
}
