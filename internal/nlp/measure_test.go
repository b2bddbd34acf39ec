package nlp

import (
	"fmt"
	"strings"
	"testing"
)

// measureString renders a measurement for comparison: kind value[/value2]
// unit detail "span".
func measureString(text string, m Measurement) string {
	v := fmt.Sprintf("%g", m.Value)
	if m.Value2 != 0 {
		v += fmt.Sprintf("/%g", m.Value2)
	}
	return strings.TrimSpace(fmt.Sprintf("%s %s %s %s %q", m.Kind, v, m.Unit, m.Detail, text[m.Start:m.End]))
}

func TestMeasurements(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		{"BMI 32.4, body mass index of 41", []string{`bmi 32.4 kg/m2  "BMI 32.4"`, `bmi 41 kg/m2  "body mass index of 41"`}},
		{"BMI at the 97th percentile.", []string{`bmi-percentile 97 percentile  "BMI at the 97th percentile"`}},
		{"HbA1c: 8.9% (from 7.6). Recheck A1c in 3 months.", []string{`a1c 8.9 %  "HbA1c: 8.9%"`}},
		{"BP 152/94 on amlodipine; repeat 148/90 mmHg.", []string{`bp 152/94 mmHg  "BP 152/94"`, `bp 148/90 mmHg  "148/90 mmHg"`}},
		{"Murmur 3/6, strength 5/5, pain 4/10 on 3/10/2025.", nil},
		{"eGFR 38, GFR >60.", []string{`egfr 38 mL/min/1.73m2  "eGFR 38"`, `egfr 60 mL/min/1.73m2 > "GFR >60"`}},
		{"T 101.2°F, temp 38.5 C, afebrile at 98.6 °F.", []string{`temperature 101.2 F  "T 101.2°F"`, `temperature 38.5 C  "temp 38.5 C"`, `temperature 98.6 F  "98.6 °F"`}},
		{"SpO2 86% RA; sat 94% on 2L; 91% on room air.", []string{`spo2 86 %  "SpO2 86%"`, `spo2 94 %  "sat 94%"`, `spo2 91 %  "91%"`}},
		{"CKD stage 3b; CKD3a; stage IV chronic kidney disease; chronic kidney disease, stage 2.", []string{
			`ckd-stage 3  3b "CKD stage 3b"`, `ckd-stage 3  3a "CKD3a"`, `ckd-stage 4  4 "stage IV chronic kidney disease"`, `ckd-stage 2  2 "chronic kidney disease, stage 2"`}},
		{"Total time on date of service 72 minutes. I spent 1 hour counseling.", []string{`total-time 72 min  "Total time on date of service 72 minutes"`, `total-time 60 min  "spent 1 hour"`}},
		{"Kenalog 40 mg injected; ceftriaxone 1 g IM.", []string{`dose 40 mg triamcinolone "40 mg"`, `dose 1 g ceftriaxone "1 g"`}},
		{"3.0 cm laceration right forearm and 2.0 cm laceration right hand.", []string{`length 3 cm laceration "3.0 cm"`, `length 2 cm laceration "2.0 cm"`}},
		{"Shave biopsy of 6 mm lesion; 2 x 1.5 cm abscess; 4cm wound.", []string{`length 0.6 cm lesion "6 mm"`, `length 2/1.5 cm abscess "2 x 1.5 cm"`, `length 4 cm wound "4cm"`}},
		{"Cryotherapy to twelve AKs; 6 common warts; SKs x 3.", []string{`lesion-count 12  actinic keratosis "twelve AKs"`, `lesion-count 6  wart "6 common warts"`, `lesion-count 3  seborrheic keratosis "SKs x 3"`}},
		{"PHQ-9: 14, GAD-7 score of 10, PHQ2 = 2.", []string{`phq9 14 points  "PHQ-9: 14"`, `gad7 10 points  "GAD-7 score of 10"`, `phq2 2 points  "PHQ2 = 2"`}},
		{"Former smoker, 30 pack-year history; 45-pack-year.", []string{`pack-years 30 pack-years  "30 pack-year"`, `pack-years 45 pack-years  "45-pack-year"`}},
		{"58-year-old woman", []string{`age 58 year  "58-year-old"`, `sex 0  female "woman"`}},
		{"Est. 58M f/u hypertension.", []string{`age 58 year  "58M"`, `sex 0  male "58M"`}},
		{"A 3-month-old boy; 72 y/o F.", []string{`age 3 month  "3-month-old"`, `sex 0  male "boy"`, `age 72 year  "72 y/o"`, `sex 0  female "F"`}},
		{"Placed 10F Foley catheter.", nil},
		{"Vitals: 128/76, HR 72.", []string{`bp 128/76 mmHg  "128/76"`}},
	}
	for _, tt := range tests {
		d := Analyze(tt.text)
		var got []string
		for _, m := range d.Measurements {
			got = append(got, measureString(tt.text, m))
			if tt.text[m.ValueStart:m.ValueEnd] == "" || m.ValueStart < m.Start || m.ValueEnd > m.End {
				t.Errorf("%q: value span [%d,%d) outside [%d,%d)", tt.text, m.ValueStart, m.ValueEnd, m.Start, m.End)
			}
		}
		if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
			t.Errorf("%q:\n got %q\nwant %q", tt.text, got, tt.want)
		}
	}
}

func TestPatient(t *testing.T) {
	tests := []struct {
		text     string
		age      float64
		sex      string
		inferred bool
	}{
		{"Est. 72F, Medicare, PCP of 10 years.", 72, "female", false},
		{"A 3-month-old infant with fever. She is feeding well. Her mother is here.", 0.25, "female", true},
		{"He reports cough. His wife is sick.", 0, "male", true},
		{"Cough and fever.", 0, "", false},
	}
	for _, tt := range tests {
		p := Analyze(tt.text).Patient
		if p.AgeYears != tt.age || p.Sex != tt.sex || p.SexInferred != tt.inferred {
			t.Errorf("%q: got %+v", tt.text, p)
		}
	}
}
