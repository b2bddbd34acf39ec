package procedure_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/medcode/medcode/internal/engine"
)

func TestEMProbe(t *testing.T) {
	eng := testEngine(t)
	notes := []struct{ note, patient, payer string }{
		{"Established patient, 60-year-old female, follow-up of diabetes. A1c 6.8, at goal.\nA/P: Type 2 diabetes, at goal - continue metformin 1000 mg BID. Hyperlipidemia on atorvastatin, LDL at goal, continue.", "", ""},
		{"Established patient, 30-year-old male with sore throat x2 days, no fever. Rapid strep negative.\nA/P: Viral pharyngitis. Salt water gargles, ibuprofen as needed.", "", ""},
		{"New patient, 45-year-old male with low back pain for 1 week after lifting; no red flags.\nA/P: Lumbar strain. Cyclobenzaprine 10 mg at bedtime, physical therapy referral.", "", ""},
		{"Established patient, 5-year-old with fever 102 and ear pain x1 day, history per mother. Left TM bulging.\nA/P: Acute otitis media, left. Amoxicillin for 10 days.", "", ""},
		{"Established patient, 55-year-old male. Hypertension: BP 162/98 despite lisinopril 20 mg.\nA/P: Hypertension, uncontrolled - increase lisinopril to 40 mg; BMP in 2 weeks. Prediabetes, A1c 6.1, diet counseling.", "", ""},
		{"Established patient, 78-year-old female with CHF exacerbation, weight up 5 lb, 2+ edema.\nA/P: Acute on chronic diastolic heart failure - increase furosemide from 40 to 80 mg daily; BMP and BNP ordered; follow up in 1 week.", "", "medicare"},
		{"Established patient, 40-year-old with anxiety, doing well on sertraline.\nA/P: Generalized anxiety disorder, stable - continue sertraline 50 mg.\nTotal time spent on the date of the encounter: 35 minutes.", "", ""},
		{"Established patient, 50-year-old with chest pain on exertion for 2 weeks. EKG performed in office: normal sinus rhythm, no ST changes.\nA/P: Chest pain, concerning for angina - stress test ordered, start aspirin 81 mg, nitroglycerin SL prn, refer to cardiology.", "", ""},
		{"Established patient, 35-year-old. Right ankle sprain 3 weeks ago, improving.\nA/P: Ankle sprain, improving - continue home exercises, return as needed.", "", ""},
		{"New patient, 28-year-old female with dysuria x2 days, no fever, no flank pain. UA dip: positive nitrites and leukocytes.\nA/P: Acute cystitis - nitrofurantoin 100 mg BID x5 days.", "", ""},
	}
	for i, n := range notes {
		res, err := eng.Code(context.Background(), n.note, engine.Options{Profile: engine.ProfileOutpatient, PatientType: n.patient, Payer: n.payer})
		if err != nil {
			t.Fatal(err)
		}
		var dx, px []string
		for _, d := range res.Diagnoses {
			dx = append(dx, d.Code)
		}
		for _, p := range res.Procedures {
			px = append(px, fmt.Sprintf("%s x%d %v", p.Code, p.Units, p.Modifiers))
		}
		fmt.Printf("#%d dx=%v px=%v\n", i+1, dx, px)
		if e := res.EM; e != nil && e.MDM != nil {
			fmt.Printf("   %s by %s: P=%s %q\n   D=%s %q\n   R=%s %q\n", e.Code, e.Method, e.MDM.Problems.Level, e.MDM.Problems.Reasons, e.MDM.Data.Level, e.MDM.Data.Reasons, e.MDM.Risk.Level, e.MDM.Risk.Reasons)
		}
	}
}
