package em

import (
	"strings"
	"testing"
	"time"

	"github.com/medcode/medcode/internal/engine/procedure/scan"
	"github.com/medcode/medcode/internal/nlp"
)

func mustLoad(t testing.TB) *Tables {
	t.Helper()
	tab, err := Load(scan.NewDictionary())
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

// dx is a diagnosis with its evidence at the first occurrence of phrase.
type dx struct{ code, phrase string }

func diagnoses(t *testing.T, note string, ds []dx) []Diagnosis {
	t.Helper()
	var out []Diagnosis
	for _, d := range ds {
		i := strings.Index(note, d.phrase)
		if i < 0 {
			t.Fatalf("phrase %q not in note", d.phrase)
		}
		out = append(out, Diagnosis{Code: d.code, Evidence: []Span{{i, i + len(d.phrase)}}})
	}
	return out
}

// note prepares a test note the way the engine does.
func note(text string) *scan.Note { return scan.FromDoc(nlp.Analyze(text)) }

var dos = time.Date(2025, 3, 10, 0, 0, 0, 0, time.UTC)

func TestDetermineOffice(t *testing.T) {
	tab := mustLoad(t)
	tests := []struct {
		name                 string
		note                 string
		dx                   []dx
		services             []Service
		opt                  Options
		want                 string // office code
		problems, data, risk Level
		method               string
		prolonged            string
		units                int
	}{
		{
			name: "stable chronic with refill",
			note: "Established patient, 58-year-old male, follow-up of hypertension.\nHPI: Denies chest pain, SOB, headaches.\nMedications: lisinopril 20 mg daily.\nA/P: Essential HTN, at goal - continue lisinopril, 90-day refill. RTC 6 mo.\n",
			dx:   []dx{{"I10", "Essential HTN"}},
			want: "99213", problems: Low, data: Straightforward, risk: Moderate, method: "mdm",
		},
		{
			name: "undiagnosed new problem, two orders, Rx",
			note: "New patient, urgent care. 34-year-old female with 3 days of cough.\nVitals: T 101.2 F.\nA/P: Cough and fever - r/o pneumonia. CXR and CBC ordered. Benzonatate Rx.\n",
			dx:   []dx{{"R05.1", "Cough"}, {"R50.9", "fever"}},
			want: "99204", problems: Moderate, data: Low, risk: Moderate, method: "mdm",
		},
		{
			name:     "influenza with in-office test",
			note:     "Established patient, 41-year-old male with fever, myalgia and cough x2 days.\nIn-office rapid influenza test (CLIA-waived): influenza A positive, influenza B negative.\nA/P: Influenza A. Oseltamivir Rx.\n",
			dx:       []dx{{"J10.1", "Influenza A."}},
			services: []Service{{Code: "87804", Test: "flu"}},
			want:     "99213", problems: Low, data: Straightforward, risk: Moderate, method: "mdm",
		},
		{
			name:     "independent historian",
			note:     "Established patient, 8-year-old with sore throat and fever; history obtained from mother.\nRapid strep test positive.\nA/P: Strep pharyngitis - amoxicillin x10 days.\n",
			dx:       []dx{{"J02.0", "Strep pharyngitis"}},
			services: []Service{{Code: "87880", Test: "strep"}},
			want:     "99213", problems: Low, data: Low, risk: Moderate, method: "mdm",
		},
		{
			name: "chronic with progression by dose change",
			note: "Established patient, 72-year-old female. I have been her PCP for 10 years.\nT2DM poorly controlled, A1c 8.9 (from 7.6). Diabetic CKD stage 3b (eGFR 38).\nHTN controlled on losartan.\nMeds: metformin 500 mg BID, insulin glargine 20 units.\nA/P: Increase glargine to 24 units; order BMP and urine albumin/creatinine; f/u 3 mo.\n",
			dx:   []dx{{"E11.22", "Diabetic CKD"}, {"E11.65", "T2DM poorly controlled"}, {"I12.9", "HTN controlled"}, {"N18.32", "CKD stage 3b"}, {"Z79.4", "insulin glargine"}},
			want: "99214", problems: Moderate, data: Low, risk: Moderate, method: "mdm",
		},
		{
			name: "two stable chronic illnesses",
			note: "Established patient, 70-year-old male with HFpEF (chronic diastolic HF), euvolemic, and HTN controlled.\nA/P: Chronic diastolic CHF, stable on furosemide; HTN at goal; continue both.\n",
			dx:   []dx{{"I11.0", "HTN at goal"}, {"I50.32", "Chronic diastolic CHF"}},
			want: "99214", problems: Moderate, data: Straightforward, risk: Moderate, method: "mdm",
		},
		{
			name: "self-limited problem, supportive care",
			note: "Vitals (entered by MA): BMI 41.2.\nA/P: Viral URI - supportive care.\n",
			dx:   []dx{{"J06.9", "Viral URI"}},
			opt:  Options{Patient: "established"},
			want: "99212", problems: Straightforward, data: Straightforward, risk: Straightforward, method: "mdm",
		},
		{
			name: "hypothetical pneumonia does not count",
			note: "Established patient, 38-year-old male with sore throat and rhinorrhea x3 days.\nFHx: father with T2DM and MI at 55.\nIf fever persists beyond 3 days, consider pneumonia.\nA/P: Viral URI, supportive care.\n",
			dx:   []dx{{"J06.9", "Viral URI"}},
			want: "99212", problems: Straightforward, data: Straightforward, risk: Straightforward, method: "mdm",
		},
		{
			name: "new patient, OTC only",
			note: "New patient, urgent care. 24-year-old female inverted her right ankle playing soccer; tender over ATFL;\nOttawa rules negative - no imaging.\nA/P: Sprain of right anterior talofibular ligament; RICE, ACE wrap, OTC ibuprofen.\n",
			dx:   []dx{{"S93.491A", "Sprain of right anterior talofibular ligament"}},
			want: "99203", problems: Low, data: Straightforward, risk: Low, method: "mdm",
		},
		{
			name: "not at goal, separately documented",
			note: "Established patient, 63-year-old male.\nAlso BP 152/94 on amlodipine 5 mg - not at goal - increased to 10 mg; documented separately.\n",
			dx:   []dx{{"I10", "BP 152/94"}},
			want: "99214", problems: Moderate, data: Straightforward, risk: Moderate, method: "mdm",
		},
		{
			name: "time beats MDM, prolonged CPT style",
			note: "Established patient, 47-year-old female with recurrent major depression, moderate, worsening;\nmedication change and safety planning.\nTotal time on date of service 72 minutes (record review, interview, safety planning, documentation).\n",
			dx:   []dx{{"F33.1", "recurrent major depression, moderate"}},
			opt:  Options{ProlongedStyle: "cpt"},
			want: "99215", problems: Moderate, data: Straightforward, risk: Moderate, method: "time", prolonged: "99417", units: 2,
		},
		{
			name: "time beats MDM, prolonged Medicare style",
			note: "Established patient, 47-year-old female with recurrent major depression, moderate, worsening;\nmedication change and safety planning.\nTotal time on date of service 72 minutes (record review, interview, safety planning, documentation).\n",
			dx:   []dx{{"F33.1", "recurrent major depression, moderate"}},
			opt:  Options{ProlongedStyle: "medicare"},
			want: "99215", problems: Moderate, data: Straightforward, risk: Moderate, method: "time", prolonged: "G2212", units: 1,
		},
		{
			name: "new patient, external records and three orders",
			note: "New patient, 60-year-old male establishing care: HTN, hyperlipidemia, hypothyroidism, all stable.\nReviewed records from prior PCP; ordered CMP, lipid panel, TSH; refilled lisinopril, atorvastatin,\nlevothyroxine.\n",
			dx:   []dx{{"I10", "HTN"}, {"E78.5", "hyperlipidemia"}, {"E03.9", "hypothyroidism"}},
			want: "99204", problems: Moderate, data: Moderate, risk: Moderate, method: "mdm",
		},
		{
			name: "severe exacerbation, sent to hospital",
			note: "Established patient, 71-year-old male with COPD, 3 days of worsening dyspnea, SpO2 86% on room air,\naccessory muscle use; DuoNeb x1 in office without adequate response.\nA/P: Severe COPD exacerbation with hypoxemia - sent to ED for admission.\n",
			dx:   []dx{{"J44.1", "Severe COPD exacerbation"}, {"R09.02", "hypoxemia"}},
			want: "99215", problems: High, data: Straightforward, risk: High, method: "mdm",
		},
		{
			name: "time before the 2021 rules is not used",
			note: "Established patient. A/P: Viral URI - supportive care. Total time 45 minutes.\n",
			dx:   []dx{{"J06.9", "Viral URI"}},
			opt:  Options{DOS: time.Date(2020, 6, 1, 0, 0, 0, 0, time.UTC)},
			want: "99212", problems: Straightforward, data: Straightforward, risk: Straightforward, method: "mdm",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opt := tc.opt
			opt.Age = -1
			if opt.DOS.IsZero() {
				opt.DOS = dos
			}
			r := tab.Determine(Input{Note: note(tc.note), Problems: diagnoses(t, tc.note, tc.dx), Services: tc.services, Options: opt})
			if r.Office == nil {
				t.Fatalf("no office visit; result %+v", r)
			}
			o := r.Office
			m := o.MDM
			if o.Code != tc.want || m.Problems.Level != tc.problems || m.Data.Level != tc.data || m.Risk.Level != tc.risk || o.Method != tc.method {
				t.Errorf("got %s by %s (problems %s %q, data %s %q, risk %s %q), want %s by %s (problems %s, data %s, risk %s)",
					o.Code, o.Method, m.Problems.Level, m.Problems.Reasons, m.Data.Level, m.Data.Reasons, m.Risk.Level, m.Risk.Reasons,
					tc.want, tc.method, tc.problems, tc.data, tc.risk)
			}
			for name, e := range map[string]Element{"problems": m.Problems, "data": m.Data, "risk": m.Risk} {
				if e.Level > Straightforward && len(e.Evidence) == 0 {
					t.Errorf("%s scored %s without evidence", name, e.Level)
				}
			}
			switch {
			case tc.prolonged == "" && o.Prolonged != nil:
				t.Errorf("unexpected prolonged %+v", o.Prolonged)
			case tc.prolonged != "" && (o.Prolonged == nil || o.Prolonged.Code != tc.prolonged || o.Prolonged.Units != tc.units):
				t.Errorf("prolonged = %+v, want %s x %d", o.Prolonged, tc.prolonged, tc.units)
			}
		})
	}
}

// At a preventive visit the problem visit is levelled on the problem's own
// work, not on the screening tests and routine refills of the physical.
func TestPreventiveProblemWork(t *testing.T) {
	tab := mustLoad(t)
	text := "Established patient, 52-year-old, annual physical. Lipid panel, CMP, A1c and TSH ordered for screening. Continue lisinopril for hypertension, at goal.\nAlso reports 3 weeks of right knee pain; X-ray ordered. Naproxen 500 mg BID Rx."
	r := tab.Determine(Input{Note: note(text), Problems: diagnoses(t, text, []dx{{"Z00.01", "annual physical"}, {"I10", "hypertension"}, {"M25.561", "right knee pain"}}), Options: Options{Age: -1}})
	if r.Preventive == nil || r.Preventive.Code != "99396" || r.Office == nil || r.Office.Code != "99213" {
		t.Fatalf("preventive %+v, office %+v", r.Preventive, r.Office)
	}
	if d := r.Office.MDM.Data; d.Level != Straightforward || len(d.Reasons) != 1 {
		t.Errorf("data of the problem visit: %s %q", d.Level, d.Reasons)
	}
}

// A visit whose diagnoses were not coded is still levelled on its
// assessment; a note without one gets no visit.
func TestUncodedProblem(t *testing.T) {
	tab := mustLoad(t)
	r := tab.Determine(Input{Note: note("New patient, 45-year-old with back pain.\nA/P: Lumbar strain. Cyclobenzaprine 10 mg at bedtime."), Uncoded: true, Options: Options{Age: -1}})
	if r.Office == nil || r.Office.Code != "99203" || len(r.Warnings) == 0 {
		t.Errorf("uncoded visit: %+v", r)
	}
	if r := tab.Determine(Input{Note: note("Kitchen knife injury: 3 cm laceration repaired."), Uncoded: true, Options: Options{Age: -1}}); r.Office != nil {
		t.Errorf("no assessment, no visit: %+v", r.Office)
	}
	r = tab.Determine(Input{Note: note("Knee injected.\nAlso BP 150/94 on amlodipine - not at goal - increased to 10 mg; documented separately."), Options: Options{Age: -1}})
	if r.Office == nil || r.Office.Code != "99214" {
		t.Errorf("separately documented problem: %+v", r.Office)
	}
	if r := tab.Determine(Input{Note: note("Knee injected.\nBP 150/94 on amlodipine, increased to 10 mg."), Options: Options{Age: -1}}); r.Office != nil {
		t.Errorf("without a separate problem the procedure's evaluation is all: %+v", r.Office)
	}
}

func TestTwoOfThree(t *testing.T) {
	tests := []struct{ a, b, c, want Level }{
		{Low, Straightforward, Moderate, Low},
		{Moderate, Low, Moderate, Moderate},
		{High, High, Straightforward, High},
		{Straightforward, Straightforward, High, Straightforward},
		{High, Moderate, Low, Moderate},
	}
	for _, tc := range tests {
		if got := twoOfThree(tc.a, tc.b, tc.c); got != tc.want {
			t.Errorf("twoOfThree(%s, %s, %s) = %s, want %s", tc.a, tc.b, tc.c, got, tc.want)
		}
	}
}
