package procedure

import (
	"fmt"
	"strings"
	"testing"

	"github.com/medcode/medcode/internal/codeset/hcpcs"
	"github.com/medcode/medcode/internal/codeset/ncci"
	"github.com/medcode/medcode/internal/engine/procedure/scan"
	"github.com/medcode/medcode/internal/nlp"
)

type lineCase struct {
	name string
	note string
	opt  Options
	dx   []dx
	want string // lineSet of the expected lines
}

func runCases(t *testing.T, c *Coder, cases []lineCase) {
	t.Helper()
	runCasesWith(t, c, nil, cases)
}

func runCasesWith(t *testing.T, c *Coder, hc *hcpcs.Codes, cases []lineCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := runWith(t, c, hc, tc.note, tc.opt, tc.dx...)
			if got := lineSet(res.Lines); got != tc.want {
				t.Errorf("lines = %q\nwant    %q\nwarnings %q", got, tc.want, res.Warnings)
			}
		})
	}
}

// One case per family of services.yaml.
func TestServiceFamilies(t *testing.T) {
	runCases(t, mustCoder(t), []lineCase{
		{name: "single, lab with QW", note: "Procedure: rapid strep test performed, positive.", want: "87880 x1 QW"},
		{name: "single, waived by nature (no QW)", note: "Urine dipstick in office: trace leukocytes.", want: "81002 x1"},
		{name: "single, superseded (automated reader)", note: "Clinitek urine dipstick in office: negative.", want: "81003 x1 QW"},
		{name: "single, planned is not done", note: "Will order an EKG and refer to cardiology.", want: ""},
		{name: "single, negated", note: "No EKG was performed.", want: ""},
		{name: "single, done today overrides the plan word", note: "We will do an EKG today. EKG shows normal sinus rhythm.", want: "93000 x1"},
		{name: "single, result only and done elsewhere", note: "HPI: EKG in the emergency department was normal.\nRESULTS\nEKG is normal.", want: ""},
		{name: "instrument, one unit per instrument", note: "PHQ-9 score 14. GAD-7 score 9. PHQ-9 reviewed with patient.", want: "96127 x2"},
		{name: "instrument with its value", note: "PHQ-9 = 4, GAD-7 = 3.", want: "96127 x2"},
		{name: "lab with its value", note: "Fingerstick glucose 142.", want: "82962 x1"},
		{name: "clause_requires, point-of-care result", note: "RESULTS: A1c 7.9% today (point-of-care). eGFR 52.", want: "83036 x1 QW"},
		{name: "clause_requires, a result alone may come from a lab", note: "Results: A1c 8.9 (from 7.6).", want: ""},
		{name: "clause_requires, drawn in office and sent out", note: "Lipid panel and A1c sent out; blood drawn in office.", want: "36415 x1"},
		{name: "count_band, warts", note: "Cryotherapy with liquid nitrogen to 16 warts on the hands.", want: "17111 x1"},
		{name: "count_band, nails", note: "Mycotic nails debrided x 7.", want: "11721 x1"},
		{name: "count_first_each, AKs", note: "Liquid nitrogen cryotherapy to actinic keratoses x 4 on the scalp.", want: "17000 x1 | 17003 x3"},
		{name: "count_first_each, whole code from 15", note: "Cryotherapy to twenty actinic keratoses of the forearms.", want: "17004 x1"},
		{name: "count_first_block, skin tags", note: "38 skin tags snipped from the neck.", want: "11200 x1 | 11201 x3"},
		{name: "time_band, tobacco counseling", note: "Counseled on smoking cessation for 12 minutes.", want: "99407 x1"},
		{name: "time_band, too short", note: "Counseled on smoking cessation for 2 minutes.", want: ""},
		{name: "time_band, other wording", note: "Counseled for 5 minutes on tobacco cessation.", want: "99406 x1"},
		{name: "time_band, planned", note: "Will discuss smoking cessation for 10 minutes next visit.", want: ""},
		{name: "time_first_each, advance care planning", note: "Advance care planning discussed for 50 minutes, MOLST completed.", want: "99497 x1 | 99498 x1"},
		{name: "time_first_each, below the first code", note: "Advance care planning discussed for 10 minutes.", want: ""},
		{name: "joint, major with ultrasound, left", note: "Procedure: left knee injected under ultrasound guidance.", want: "20611 x1 LT"},
		{name: "joint, intermediate", note: "Procedure: right wrist aspirated, 3 mL clear fluid.", want: "20605 x1 RT"},
		{name: "joint, small", note: "Procedure: injected the left first MTP joint.", want: "20600 x1 LT"},
		{name: "biopsy, two shaves", note: "Procedure note: shave biopsy of a lesion on the back and shave biopsy of a lesion on the arm.", want: "11102 x1 | 11103 x1"},
		{name: "biopsy, incisional primary", note: "Procedure: incisional biopsy of the left shin lesion; punch biopsy of the chest lesion; shave biopsy of the nose lesion.", want: "11103 x1 | 11105 x1 | 11106 x1"},
	})
}

// anatomy.yaml: sides and the payer's bilateral form.
func TestSidesAndBilateral(t *testing.T) {
	c := mustCoder(t)
	note := "Procedure: both knees injected with steroid."
	runCases(t, c, []lineCase{
		{name: "bilateral, modifier 50", note: note, want: "20610 x1 50"},
		{name: "bilateral, RT and LT lines", note: note, opt: Options{Payer: "medicaid"}, want: "20610 x1 LT | 20610 x1 RT"},
		{name: "one-letter side before the joint", note: "Procedure: R knee injected.", want: "20610 x1 RT"},
		{name: "cerumen needs impaction", note: "Cerumen removed with curette from the right ear.", want: ""},
		{name: "cerumen by irrigation", note: "Impacted cerumen of the left ear removed by irrigation.", want: "69209 x1 LT"},
	})
}

// repair.yaml: lengths summed by complexity and group.
func TestLacerationRepair(t *testing.T) {
	c := mustCoder(t)
	runCases(t, c, []lineCase{
		{name: "summed within a group", note: "3.0 cm laceration of the right forearm and 2.0 cm laceration of the right hand, both repaired with simple sutures.", want: "12002 x1"},
		{name: "different groups, distinct site", note: "1.5 cm forehead laceration and 2.0 cm scalp laceration, both simple repair.", want: "12001 x1 XS | 12011 x1"},
		{name: "different complexities are not summed", note: "2 cm laceration of the left forearm repaired with layered closure; 1 cm laceration of the chin repaired with simple sutures.", want: "12011 x1 XS | 12031 x1"},
		{name: "millimeters", note: "Laceration of the lip, 15 mm, sutured with 6-0 nylon.", want: "12011 x1"},
		{name: "face band boundary", note: "5.0 cm laceration of the cheek repaired with simple interrupted sutures.", want: "12013 x1"},
		{name: "tissue adhesive only, Medicare", note: "2 cm laceration of the left knee closed with Dermabond.", opt: Options{Payer: "medicare"}, want: "G0168 x1"},
		{name: "tissue adhesive only, commercial", note: "2 cm laceration of the left knee closed with Dermabond.", want: "12001 x1"},
		{name: "no length", note: "Laceration of the right hand repaired with sutures.", want: ""},
		{name: "planned repair", note: "Laceration of the right hand will be repaired by plastic surgery.", want: ""},
	})
}

// vaccines.yaml: products and administration by age, counseling and payer.
func TestVaccines(t *testing.T) {
	c := mustCoder(t)
	runCases(t, c, []lineCase{
		{name: "child with counseling: components", note: "4-year-old well-child visit. Physician counsels parent on vaccines; DTaP-IPV and MMRV given.",
			want: "90460 x2 | 90461 x6 | 90696 x1 | 90710 x1 | 99392 x1"},
		{name: "child without counseling", note: "Nurse visit for a 15-year-old: HPV vaccine given IM.", want: "90471 x1 | 90651 x1"},
		{name: "adult, two injections", note: "52-year-old, nurse visit: Tdap and Shingrix given.", want: "90471 x1 | 90472 x1 | 90715 x1 | 90750 x1"},
		{name: "oral only", note: "2-month-old, nurse visit: RotaTeq given by mouth.", want: "90473 x1 | 90680 x1"},
		{name: "oral with an injection", note: "2-month-old, nurse visit: Rotarix and Pentacel given.", want: "90471 x1 | 90474 x1 | 90681 x1 | 90698 x1"},
		{name: "Medicare admin codes", note: "68-year-old, nurse visit: high-dose flu vaccine and PCV20 given IM.", opt: Options{Payer: "medicare"},
			want: "90662 x1 | 90677 x1 | G0008 x1 | G0009 x1"},
		{name: "flu product by date, 2023 season", note: "40-year-old, nurse visit: flu shot given.", opt: Options{DOS: dos2025.AddDate(-2, 0, 0)}, want: "90471 x1 | 90686 x1"},
		{name: "flu product by date, 2025", note: "40-year-old, nurse visit: flu shot given.", want: "90471 x1 | 90656 x1"},
		{name: "hepatitis A by age", note: "10-year-old, nurse visit: hepatitis A vaccine given.", want: "90471 x1 | 90633 x1"},
		{name: "COVID-19 administration", note: "70-year-old, nurse visit: Spikevax COVID vaccine given IM.", want: "90480 x1 | 91322 x1"},
		{name: "titer is not a vaccine", note: "MMR titer drawn today.", want: ""},
		{name: "generic word and product named together", note: "30-year-old: tetanus booster given (Tdap).", want: "90471 x1 | 90715 x1"},
		{name: "generic word alone", note: "30-year-old: tetanus booster given.", want: "90471 x1 | 90714 x1"},
		{name: "recommended is not given", note: "Recommend shingles vaccine next month.", want: ""},
	})
}

// drugs.yaml: J-code units from the HCPCS descriptor and the injection.
func TestDrugs(t *testing.T) {
	c := mustCoder(t)
	runCasesWith(t, c, testHCPCS(t), []lineCase{
		{name: "IM injection with units", note: "Ceftriaxone 1 g IM given.", want: "96372 x1 | J0696 x4"},
		{name: "dose before the drug", note: "Administered 60 mg of Toradol IM in the deltoid.", want: "96372 x1 | J1885 x4"},
		{name: "unit size dividing the dose", note: "Depo-Medrol 80 mg IM given.", want: "96372 x1 | J1040 x1"},
		{name: "into the joint: no injection code", note: "Procedure: right knee injected with Kenalog 40 mg.", want: "20610 x1 RT | J3301 x4"},
		{name: "Medicare single-dose container", note: "Depo-Provera 150 mg IM given.", opt: Options{Payer: "medicare"}, want: "96372 x1 | J1050 x150 JZ"},
		{name: "no dose", note: "Toradol IM given.", want: ""},
		{name: "prescribed, not given", note: "Prescribed ceftriaxone 1 g IM daily at the infusion center.", want: ""},
	})
}

// payers.yaml: each convention that differs by payer class.
func TestPayers(t *testing.T) {
	c := mustCoder(t)
	longTime := "Established patient, 47-year-old with recurrent major depression, worsening; medication change.\nTotal time on date of service 72 minutes."
	wellness := "Established patient, 70-year-old, annual wellness visit. Counselled on diet."
	physical := "Established patient, 70-year-old, annual physical. Counselled on diet."
	runCases(t, c, []lineCase{
		{name: "prolonged, CPT", note: longTime, dx: []dx{{"F33.1", "recurrent major depression"}}, want: "99215 x1 | 99417 x2"},
		{name: "prolonged, Medicare", note: longTime, opt: Options{Payer: "medicare"}, dx: []dx{{"F33.1", "recurrent major depression"}}, want: "99215 x1 | G2212 x1"},
		{name: "G2211 with a documented relationship", opt: Options{Payer: "medicare"}, dx: []dx{{"I10", "HTN"}},
			note: "Established patient. I have been his PCP for years. A/P: HTN at goal, continue lisinopril.", want: "99213 x1 | G2211 x1"},
		{name: "G2211 set for the practice", opt: Options{Payer: "medicare", ContinuingCare: true}, dx: []dx{{"I10", "HTN"}},
			note: "Established patient. A/P: HTN at goal, continue lisinopril.", want: "99213 x1 | G2211 x1"},
		{name: "no G2211 for a commercial payer", opt: Options{ContinuingCare: true}, dx: []dx{{"I10", "HTN"}},
			note: "Established patient. A/P: HTN at goal, continue lisinopril.", want: "99213 x1"},
		{name: "no G2211 at urgent care", opt: Options{Payer: "medicare", ContinuingCare: true}, dx: []dx{{"I10", "HTN"}},
			note: "Established patient seen in urgent care. A/P: HTN at goal, continue lisinopril.", want: "99213 x1"},
		{name: "no G2211 with modifier 25 before 2025", opt: Options{Payer: "medicare", ContinuingCare: true, DOS: dos2025.AddDate(-1, 0, 0)},
			dx:   []dx{{"J45.21", "asthma exacerbation"}},
			note: "Established patient. Albuterol nebulizer treatment given in office. A/P: asthma exacerbation, prednisone.", want: "94640 x1 | 99214 x1 25"},
		{name: "Medicare wellness visit", note: wellness, opt: Options{Payer: "medicare"}, dx: []dx{{"Z00.00", "annual wellness visit"}}, want: "G0439 x1"},
		{name: "Medicare routine physical", note: physical, opt: Options{Payer: "medicare"}, dx: []dx{{"Z00.00", "annual physical"}}, want: "99397 x1 GY"},
		{name: "commercial routine physical", note: physical, dx: []dx{{"Z00.00", "annual physical"}}, want: "99397 x1"},
		{name: "not payable by Medicare", note: "Specimen sent to LabCorp.", opt: Options{Payer: "medicare"}, want: ""},
	})
	if _, err := c.Code(Input{Note: scan.FromDoc(nlp.Analyze("x")), Options: Options{Payer: "barter"}}); err == nil || !strings.Contains(err.Error(), "unknown payer class") {
		t.Errorf("unknown payer: err = %v", err)
	}
}

// FuzzCode codes arbitrary text: no panic, and every evidence span and
// pointer stays inside the note and the diagnosis list.
func FuzzCode(f *testing.F) {
	for _, s := range []string{
		"Procedure: right knee injected with Kenalog 40 mg. A/P: OA.",
		"3.0 cm laceration of the right forearm and 2.0 cm laceration of the right hand, both repaired.",
		"4-year-old. Physician counsels parent; DTaP-IPV and MMRV given. Total time 72 minutes.",
		"Cryotherapy to AKs x 12; shave biopsy; punch biopsy x2. PHQ-9 score 14.",
		"A/P:\n- \n; ; x x # 1 mm cm ..", "", "x",
	} {
		f.Add(s)
	}
	c := mustCoder(f)
	f.Fuzz(func(t *testing.T, text string) {
		dx := []Diagnosis{{Code: "I10", Evidence: []Span{{0, min(3, len(text))}}}, {Code: "Z23"}}
		res, err := c.Code(Input{Note: scan.FromDoc(nlp.Analyze(text)), Diagnoses: dx, Options: Options{DOS: dos2025, Age: -1}})
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range res.Lines {
			for _, e := range l.Evidence {
				if e.Start < 0 || e.End > len(text) || e.Start > e.End {
					t.Fatalf("%s: evidence %v outside a note of %d bytes", l.Code, e, len(text))
				}
			}
			for _, p := range l.Pointers {
				if p < 1 || p > len(dx) {
					t.Fatalf("%s: pointer %d", l.Code, p)
				}
			}
			if l.Units < 1 {
				t.Fatalf("%s: %d units", l.Code, l.Units)
			}
		}
	})
}

// NCCI edits from an installed PTP table: a bundled pair at distinct sites
// gets the distinct-site modifier on the column 2 line; at one site, none.
func TestPTPEdits(t *testing.T) {
	table := "Column 1,Column 2,*=in existence prior to 1996,Effective Date,Deletion Date *=no data,Modifier 0=not allowed 1=allowed 9=not applicable,PTP Edit Rationale\n" +
		"17000,11102,,20190101,*,1,Misuse of column two code with column one code\n" +
		"20610,20550,,20100101,*,1,Standards of medical / surgical practice\n" +
		"20610,20551,,20100101,*,1,Standards of medical / surgical practice\n"
	ptp, err := ncci.LoadPTP(strings.NewReader(table), "ptp.csv")
	if err != nil {
		t.Fatal(err)
	}
	c := mustCoder(t)
	tests := []struct{ name, note, want string }{
		{"distinct lesions", "Procedure: cryotherapy with liquid nitrogen to an actinic keratosis of the forehead; shave biopsy of a lesion on the back.",
			"11102 x1 XS | 17000 x1"},
		{"distinct sides", "Procedure: right knee injected with steroid; left trigger finger injection performed.", "20550 x1 LT,XS | 20610 x1 RT"},
		{"same site", "Procedure: right shoulder injected with steroid; tendon origin injection of the right shoulder.", "20551 x1 | 20610 x1 RT"},
	}
	for _, tc := range tests {
		res, err := c.Code(Input{Note: scan.FromDoc(nlp.Analyze(tc.note)), PTP: ptp, Options: Options{DOS: dos2025, Age: -1}})
		if err != nil {
			t.Fatal(err)
		}
		if got := lineSet(res.Lines); got != tc.want {
			t.Errorf("%s: %q, want %q (warnings %q)", tc.name, got, tc.want, res.Warnings)
		}
	}
}

// A line with more units than the installed MUE table allows is flagged.
func TestMUE(t *testing.T) {
	table := "HCPCS/CPT Code,Practitioner Services MUE Values,MUE Adjudication Indicator,MUE Rationale\n" +
		"17003,13,2 Date of Service Edit: Policy,Nature of Service/Procedure\n" +
		"96127,3,3 Date of Service Edit: Clinical,Clinical\n"
	mue, err := ncci.LoadMUE(strings.NewReader(table), "mue.csv")
	if err != nil {
		t.Fatal(err)
	}
	c := mustCoder(t)
	res, err := c.Code(Input{Note: scan.FromDoc(nlp.Analyze("PHQ-9 score 12, GAD-7 score 8, PHQ-2 score 3, Vanderbilt scored, M-CHAT scored.")), MUE: mue, Options: Options{DOS: dos2025, Age: -1}})
	if err != nil {
		t.Fatal(err)
	}
	if got := lineSet(res.Lines); got != "96127 x5" || len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "exceed the NCCI MUE of 3") {
		t.Errorf("lines %q, warnings %q", got, res.Warnings)
	}
}

// One Coder serves many notes at once (run with -race).
func TestConcurrentCode(t *testing.T) {
	c := mustCoder(t)
	notes := []string{
		"Procedure: right knee injected with Kenalog 40 mg.",
		"4-year-old. Physician counsels parent; DTaP-IPV and MMRV given.",
		"Cryotherapy to 12 actinic keratoses. A/P: AKs.",
		"1.5 cm forehead laceration and 2.0 cm scalp laceration, both simple repair.",
	}
	want := make([]string, len(notes))
	for i, n := range notes {
		want[i] = lineSet(run(t, c, n, Options{}).Lines)
	}
	done := make(chan error)
	for w := 0; w < 4; w++ {
		go func(w int) {
			for i := range 50 {
				k := (w + i) % len(notes)
				res, err := c.Code(Input{Note: scan.FromDoc(nlp.Analyze(notes[k])), Options: Options{DOS: dos2025, Age: -1}})
				if err == nil && lineSet(res.Lines) != want[k] {
					err = fmt.Errorf("note %d: %q, want %q", k, lineSet(res.Lines), want[k])
				}
				if err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}(w)
	}
	for range 4 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
