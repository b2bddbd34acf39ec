package nlp

import (
	"fmt"
	"strings"
	"testing"
)

func medString(m Medication) string {
	parts := []string{m.Name, m.Status, fmt.Sprintf("current=%v", m.Current), fmt.Sprintf("long=%v", m.LongTerm)}
	if m.StatusCode != "" {
		parts = append(parts, m.StatusCode)
	}
	if m.DoseUnit != "" {
		parts = append(parts, fmt.Sprintf("%g%s", m.DoseValue, m.DoseUnit))
	}
	if m.Frequency != "" {
		parts = append(parts, m.Frequency)
	}
	return strings.Join(parts, " ")
}

func TestMedications(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		{"MEDICATIONS: Metformin 500 mg BID, insulin glargine 20 u qHS, lisinopril 20 mg daily.", []string{
			"metformin current current=true long=true Z79.84 500mg bid",
			"insulin current current=true long=true Z79.4 20u daily",
			"lisinopril current current=true long=true 20mg daily",
		}},
		{"On warfarin for AFib.", []string{"warfarin current current=true long=true Z79.01"}},
		{"Ozempic 0.5 mg weekly; Rybelsus 7 mg daily.", []string{
			"semaglutide current current=true long=true Z79.85 0.5mg weekly",
			"oral semaglutide current current=true long=true Z79.84 7mg daily",
		}},
		{"Aspirin 81 mg daily. Aspirin 325 mg PRN headache.", []string{
			"aspirin current current=true long=true Z79.82 81mg daily",
			"aspirin current current=true long=false 325mg prn",
		}},
		{"Prednisone burst 40 mg daily x 5 days.", []string{"prednisone current current=true long=false 40mg daily"}},
		{"Continue prednisone 5 mg daily for RA.", []string{"prednisone current current=true long=true Z79.52 5mg daily"}},
		{"MEDICATIONS: Prednisone 5 mg daily.", []string{"prednisone current current=true long=true Z79.52 5mg daily"}},
		{"Amoxicillin 875 mg BID x 10 days.", []string{"amoxicillin current current=true long=false 875mg bid"}},
		{"Naproxen 500 mg BID Rx.", []string{"naproxen current current=true long=false 500mg bid"}},
		{"Metformin discontinued due to GI upset.", []string{"metformin stopped current=false long=false"}},
		{"Stopped insulin 1 week ago because she could not afford it.", []string{"insulin stopped current=false long=false"}},
		{"Held lisinopril for AKI.", []string{"lisinopril held current=false long=false"}},
		{"Allergic to penicillin.", []string{"penicillin allergy current=false long=false"}},
		{"ALLERGIES: Sulfa, penicillin.", []string{"penicillin allergy current=false long=false"}},
		{"Previously tried sertraline without benefit.", []string{"sertraline tried current=false long=false"}},
		{"Not on any statin.", []string{"statin negated current=false long=false"}},
		{"Consider starting metformin if A1c rises.", []string{"metformin hypothetical current=false long=false"}},
		{"Mother takes warfarin.", []string{"warfarin family current=false long=false"}},
		{"If she is positive for strep, I will prescribe amoxicillin 500 mg TID.", []string{"amoxicillin hypothetical current=false long=false 500mg tid"}},
		{"History of HTN, on lisinopril.", []string{"lisinopril current current=true long=true"}},
		{"Drug eruption due to amoxicillin - stop amoxicillin.", []string{
			"amoxicillin current current=true long=false",
			"amoxicillin stopped current=false long=false",
		}},
		{"Discharged home, d/c home on amoxicillin.", []string{"amoxicillin current current=true long=false"}},
		{"ASA 81 mg daily.", []string{"aspirin current current=true long=true Z79.82 81mg daily"}},
		{"ASA class II, Mallampati 2.", nil},
		{"Vitamin D deficiency, insulin resistance.", nil},
		{"Completed 5 years of tamoxifen.", []string{"tamoxifen completed current=false long=false"}},
	}
	for _, tt := range tests {
		d := Analyze(tt.text)
		var got []string
		for _, m := range d.Medications {
			got = append(got, medString(m))
			if tt.text[m.Start:m.End] == "" {
				t.Errorf("%q: empty span", tt.text)
			}
		}
		if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
			t.Errorf("%q:\n got %q\nwant %q", tt.text, got, tt.want)
		}
	}
}

func TestMedicationDoseMeasurement(t *testing.T) {
	text := "Injected right knee with triamcinolone 40 mg."
	d := Analyze(text)
	m := findMeasure(d, DrugDose)
	if m == nil || m.Detail != "triamcinolone" || m.Value != 40 || m.Unit != "mg" || text[m.Start:m.End] != "40 mg" {
		t.Fatalf("dose: %+v", m)
	}
	if len(d.Medications) != 1 || d.Medications[0].Class != "steroid-injection" || d.Medications[0].LongTerm {
		t.Errorf("medication: %+v", d.Medications)
	}
}
