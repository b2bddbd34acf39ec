package em

import (
	"strings"
	"testing"
)

// visits.yaml: the preventive code for each age band and patient type.
func TestPreventiveBands(t *testing.T) {
	tab := mustLoad(t)
	tests := []struct {
		age        int
		new, estab string
	}{
		{0, "99381", "99391"}, {1, "99382", "99392"}, {4, "99382", "99392"}, {5, "99383", "99393"}, {11, "99383", "99393"},
		{12, "99384", "99394"}, {17, "99384", "99394"}, {18, "99385", "99395"}, {39, "99385", "99395"},
		{40, "99386", "99396"}, {64, "99386", "99396"}, {65, "99387", "99397"}, {101, "99387", "99397"},
	}
	for _, tc := range tests {
		for patient, want := range map[string]string{"new": tc.new, "established": tc.estab} {
			p := tab.preventive(Options{}, patient, tc.age, nil)
			if p == nil || p.Code != want {
				t.Errorf("age %d %s: %+v, want %s", tc.age, patient, p, want)
			}
		}
	}
	if tab.preventive(Options{}, "new", -1, nil) != nil {
		t.Error("unknown age: want no preventive code")
	}
}

// visits.yaml: each office code's minimum time selects it.
func TestTimeThresholds(t *testing.T) {
	tab := mustLoad(t)
	for _, o := range tab.visits.Office {
		if got := tab.levelByTime(o.Patient, o.MinMinutes); got == nil || got.Code != o.Code {
			t.Errorf("%d min, %s: %v, want %s", o.MinMinutes, o.Patient, got, o.Code)
		}
		if got := tab.levelByTime(o.Patient, o.MinMinutes-1); got != nil && got.Code == o.Code {
			t.Errorf("%d min selects %s below its threshold", o.MinMinutes-1, o.Code)
		}
	}
	for _, tc := range []struct {
		base, style string
		minutes     int
		code        string
		units       int
	}{
		{"99215", "cpt", 54, "", 0}, {"99215", "cpt", 55, "99417", 1}, {"99215", "cpt", 70, "99417", 2}, {"99215", "cpt", 85, "99417", 3},
		{"99205", "cpt", 74, "", 0}, {"99205", "cpt", 75, "99417", 1}, {"99205", "cpt", 90, "99417", 2},
		{"99215", "medicare", 68, "", 0}, {"99215", "medicare", 69, "G2212", 1}, {"99215", "medicare", 84, "G2212", 2},
		{"99205", "medicare", 89, "G2212", 1}, {"99205", "medicare", 104, "G2212", 2}, {"99214", "cpt", 90, "", 0},
	} {
		p := tab.prolonged(tc.base, tc.minutes, tc.style)
		switch {
		case tc.code == "" && p != nil:
			t.Errorf("%s %d min %s: unexpected %+v", tc.base, tc.minutes, tc.style, p)
		case tc.code != "" && (p == nil || p.Code != tc.code || p.Units != tc.units):
			t.Errorf("%s %d min %s: %+v, want %s x%d", tc.base, tc.minutes, tc.style, p, tc.code, tc.units)
		}
	}
}

// problems.tsv: one code per class, and the status words of mdm.yaml.
func TestProblemCategories(t *testing.T) {
	tab := mustLoad(t)
	tests := []struct {
		name, note string
		dx         dx
		want       category
	}{
		{"chronic, no status", "A/P: Hypothyroidism, continue levothyroxine.", dx{"E03.9", "Hypothyroidism"}, catStableChronic},
		{"status stable", "A/P: GERD stable on omeprazole.", dx{"K21.9", "GERD"}, catStableChronic},
		{"status progression", "A/P: Hypertension, not at goal.", dx{"I10", "Hypertension"}, catProgression},
		{"progression negated", "A/P: COPD without exacerbation, stable.", dx{"J44.9", "COPD"}, catStableChronic},
		{"status severe", "A/P: Asthma, severe exacerbation.", dx{"J45.909", "Asthma"}, catSevere},
		{"dose change", "A/P: Hypertension - increase lisinopril to 20 mg.", dx{"I10", "Hypertension"}, catProgression},
		{"code says exacerbation", "A/P: COPD exacerbation.", dx{"J44.1", "COPD exacerbation"}, catProgression},
		{"code says severe", "A/P: Asthma attack.", dx{"J45.902", "Asthma attack"}, catSevere},
		{"self-limited", "A/P: Common cold.", dx{"J00", "Common cold"}, catMinor},
		{"acute default", "A/P: Acute sinusitis.", dx{"J01.90", "Acute sinusitis"}, catAcute},
		{"systemic with fever", "HPI: fever and chills.\nA/P: Pyelonephritis.", dx{"N10", "Pyelonephritis"}, catSystemic},
		{"systemic word negated", "HPI: denies fever or chills.\nA/P: Pyelonephritis.", dx{"N10", "Pyelonephritis"}, catAcute},
		{"uncertain", "A/P: Chest pain, rule out angina.", dx{"R07.9", "Chest pain"}, catUndiagnosed},
		{"conditional is not uncertain", "A/P: Cough; if fever develops, consider pneumonia.", dx{"R05.1", "Cough"}, catAcute},
		{"complicated injury", "A/P: Closed fracture of the distal radius.", dx{"S52.501A", "Closed fracture"}, catComplicated},
		{"healing injury", "A/P: Fracture of the distal radius, healing.", dx{"S52.501D", "Fracture"}, catAcute},
		{"threat", "A/P: Suspected stroke.", dx{"I63.9", "stroke"}, catThreat},
		{"active chronic illness", "A/P: Melanoma of the back, wide local excision planned.", dx{"C43.59", "Melanoma"}, catProgression},
		{"active chronic illness, stable", "A/P: Prostate cancer, stable, PSA undetectable.", dx{"C61", "Prostate cancer"}, catStableChronic},
	}
	for _, tc := range tests {
		ps := tab.evalProblems(note(tc.note), diagnoses(t, tc.note, []dx{tc.dx}))
		if len(ps) != 1 || ps[0].cat != tc.want {
			t.Errorf("%s: %+v, want %s", tc.name, ps, categories[tc.want].label)
		}
	}
	if ps := tab.evalProblems(note("A/P: Z79.4"), []Diagnosis{{Code: "Z79.4"}, {Code: "W54.0XXA"}}); len(ps) != 0 {
		t.Errorf("status and external-cause codes are not problems: %+v", ps)
	}
	if ps := tab.evalProblems(note("PMH: hypertension.\nA/P: cold."), diagnoses(t, "PMH: hypertension.\nA/P: cold.", []dx{{"I10", "hypertension"}})); len(ps) != 0 {
		t.Errorf("a condition only in the history is not addressed: %+v", ps)
	}
}

// mdm.yaml data kinds and tests.tsv.
func TestDataElement(t *testing.T) {
	tab := mustLoad(t)
	tests := []struct {
		name, note string
		services   []Service
		want       Level
		reason     string
	}{
		{"one order", "Plan: CBC ordered.", nil, Straightforward, "ordered: CBC"},
		{"two orders", "Plan: order CBC and BMP.", nil, Low, "ordered: BMP"},
		{"listed in the plan", "PLAN\nCBC, CMP, lipid panel.", nil, Moderate, "ordered: lipid panel"},
		{"result reviewed", "RESULTS\nTSH is normal.\nA/P: order A1c.", nil, Low, "reviewed: TSH"},
		{"two imaging sites", "Plan: x-ray of the knee and x-ray of the hip ordered.", nil, Low, "ordered: x-ray"},
		{"same test twice", "Plan: CBC ordered. Will check CBC.", nil, Straightforward, "CBC"},
		{"historian", "A/P: otitis media, history from mother.", nil, Low, "independent historian"},
		{"external notes", "A/P: reviewed outside records; ordered CBC and TSH.", nil, Moderate, "external notes"},
		{"independent interpretation", "A/P: I personally reviewed the images of the chest x-ray.", nil, Moderate, "independent interpretation"},
		{"discussion", "A/P: discussed with Dr. Lee of cardiology.", nil, Moderate, "discussion"},
		{"extensive", "A/P: I personally reviewed the images; discussed with Dr. Lee; ordered CBC, BMP and TSH.", nil, High, "discussion"},
		{"billed test with interpretation is not data", "A/P: EKG ordered, CBC ordered.", []Service{{Code: "93000", Test: "ecg", Interpreted: true}}, Straightforward, "CBC"},
		{"in-office lab counts", "A/P: CBC ordered.", []Service{{Code: "87880", Test: "strep"}}, Low, "87880"},
		{"negated test", "A/P: no imaging, no labs needed.", nil, Straightforward, ""},
	}
	for _, tc := range tests {
		e := tab.dataElement(note(tc.note), tc.services, nil)
		if e.Level != tc.want || !strings.Contains(strings.Join(e.Reasons, "; "), tc.reason) {
			t.Errorf("%s: %s %q, want %s with %q", tc.name, e.Level, e.Reasons, tc.want, tc.reason)
		}
	}
}

// mdm.yaml risk kinds and drugs.tsv classes.
func TestRiskElement(t *testing.T) {
	tab := mustLoad(t)
	tests := []struct {
		name, note string
		want       Level
	}{
		{"nothing", "A/P: reassurance.", Straightforward},
		{"OTC drug", "A/P: ibuprofen as needed.", Low},
		{"OTC drug, directive", "Plan: she should continue taking ibuprofen as needed.", Low},
		{"unnamed prescription", "Plan: I will prescribe Lortabz 5 mg.", Moderate},
		{"OTC by cue", "A/P: OTC naproxen.", Low},
		{"OTC drug prescribed", "A/P: naproxen 500 mg BID Rx.", Moderate},
		{"Rx drug in the plan", "A/P: amoxicillin 500 mg TID.", Moderate},
		{"Rx drug with a verb outside the plan", "Started metformin 500 mg.", Moderate},
		{"Rx drug merely listed", "Medications: metformin 500 mg.", Straightforward},
		{"Rx drug negated", "A/P: no antibiotics; amoxicillin not indicated.", Straightforward},
		{"generic therapy words", "A/P: continue current medications.", Moderate},
		{"physical therapy", "A/P: refer to physical therapy.", Low},
		{"SDOH", "A/P: she cannot afford her inhaler.", Moderate},
		{"surgery decision", "A/P: proceed with surgery, scheduled next week.", Moderate},
		{"hospitalization", "A/P: sent to the ED for admission.", High},
		{"conditional hospitalization", "A/P: if worse, go to the ED for admission.", Straightforward},
		{"past hospitalization", "A/P: heart failure, recent hospitalization, doing well.", Straightforward},
		{"admits to is not admission", "A/P: he admits to chest pain.", Straightforward},
		{"declined medication", "A/P: he continues to decline medication for this.", Straightforward},
		{"parenteral controlled substance", "Procedure: IV morphine given.", High},
	}
	for _, tc := range tests {
		if e := tab.riskElement(note(tc.note), nil); e.Level != tc.want {
			t.Errorf("%s: %s %q, want %s", tc.name, e.Level, e.Reasons, tc.want)
		}
	}
}

// mdm.yaml visit and time kinds.
func TestVisitCues(t *testing.T) {
	tab := mustLoad(t)
	tests := []struct {
		name, note string
		opt        Options
		check      func(Result) bool
	}{
		{"preventive", "Established patient, 45-year-old, annual physical.", Options{}, func(r Result) bool { return r.Preventive != nil && r.Preventive.Code == "99396" }},
		{"preventive planned", "45-year-old here for cough. Due for annual physical next month.", Options{}, func(r Result) bool { return r.Preventive == nil }},
		{"preventive past", "45-year-old. His last annual physical was 4 months ago.", Options{}, func(r Result) bool { return r.Preventive == nil }},
		{"initial AWV", "70-year-old here for initial annual wellness visit.", Options{Wellness: true}, func(r Result) bool { return r.Preventive != nil && r.Preventive.Code == "G0438" }},
		{"subsequent AWV", "70-year-old here for annual wellness visit.", Options{Wellness: true}, func(r Result) bool { return r.Preventive != nil && r.Preventive.Code == "G0439" }},
		{"IPPE", "65-year-old, Welcome to Medicare visit.", Options{Wellness: true}, func(r Result) bool { return r.Preventive != nil && r.Preventive.Code == "G0402" }},
		{"nurse visit", "Nurse visit: BP check.", Options{}, func(r Result) bool { return r.Nurse != nil && r.Office == nil }},
		{"new patient", "New patient establishing care. Follow up in 3 months.", Options{}, func(r Result) bool { return r.Patient == "new" }},
		{"established", "Here for follow-up of diabetes.", Options{}, func(r Result) bool { return r.Patient == "established" && r.PatientEvidence != nil }},
		{"option wins", "New patient.", Options{Patient: "established"}, func(r Result) bool { return r.Patient == "established" }},
		{"longitudinal", "I have been her PCP for 10 years.", Options{}, func(r Result) bool { return r.Longitudinal != nil }},
		{"somebody else's PCP", "Follow up with her PCP.", Options{}, func(r Result) bool { return r.Longitudinal == nil }},
		{"episodic", "Urgent care visit. I have been her PCP for years.", Options{}, func(r Result) bool { return r.Episodic && r.Longitudinal == nil }},
	}
	for _, tc := range tests {
		tc.opt.Age = -1
		if r := tab.Determine(Input{Note: note(tc.note), Options: tc.opt}); !tc.check(r) {
			t.Errorf("%s: %+v", tc.name, r)
		}
	}
	for _, tc := range []struct {
		note string
		want int
	}{
		{"Total time spent on the date of the encounter: 45 minutes.", 45},
		{"I spent 32 minutes with the patient today.", 32},
		{"Counseled on smoking cessation for 5 minutes.", 0},
		{"Total time 50 minutes, including tobacco counseling.", 50},
		{"Symptoms for 30 minutes after meals.", 0},
	} {
		if got, _ := tab.totalMinutes(note(tc.note)); got != tc.want {
			t.Errorf("totalMinutes(%q) = %d, want %d", tc.note, got, tc.want)
		}
	}
}
