package claims_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/medcode/medcode/internal/claims"
	"github.com/medcode/medcode/internal/claims/synth"
	"github.com/medcode/medcode/internal/engine"
)

func TestCheckNPI(t *testing.T) {
	cases := []struct {
		npi string
		ok  bool
	}{
		{"1234567893", true}, // the CMS example NPI
		{"1245319599", true},
		{"1234567890", false},
		{"123456789", false},
		{"12345678A3", false},
	}
	for _, tc := range cases {
		if err := claims.CheckNPI(tc.npi); (err == nil) != tc.ok {
			t.Errorf("CheckNPI(%s) = %v, want ok=%v", tc.npi, err, tc.ok)
		}
	}
	full, err := claims.CompleteNPI("123456789")
	if err != nil || full != "1234567893" {
		t.Fatalf("CompleteNPI = %s, %v", full, err)
	}
}

func TestMoney(t *testing.T) {
	cases := []struct {
		in     string
		cents  int64
		x12    string
		failed bool
	}{
		{"150", 15000, "150", false},
		{"80.5", 8050, "80.5", false},
		{"80.50", 8050, "80.5", false},
		{"-12.25", -1225, "-12.25", false},
		{"$1,200.07", 120007, "1200.07", false},
		{".5", 50, "0.5", false},
		{"1.234", 0, "", true},
		{"abc", 0, "", true},
		{"", 0, "", true},
		{"-", 0, "", true},
	}
	for _, tc := range cases {
		m, err := claims.ParseMoney(tc.in)
		if (err != nil) != tc.failed {
			t.Errorf("ParseMoney(%q) error %v", tc.in, err)
			continue
		}
		if !tc.failed && (int64(m) != tc.cents || m.String() != tc.x12) {
			t.Errorf("ParseMoney(%q) = %d cents %q", tc.in, m, m.String())
		}
	}
}

func TestDatesAndAge(t *testing.T) {
	for _, s := range []string{"2025-03-10", "20250310", "03/10/2025"} {
		d, err := claims.ParseDate(s)
		if err != nil || d.String() != "2025-03-10" || d.D8() != "20250310" {
			t.Errorf("ParseDate(%q) = %v, %v", s, d, err)
		}
	}
	if _, err := claims.ParseDate("2025-02-30"); err == nil {
		t.Error("Feb 30 accepted")
	}
	birth := claims.Date{Year: 1980, Month: 3, Day: 11}
	if a := claims.AgeOn(birth, claims.Date{Year: 2025, Month: 3, Day: 10}); a != 44 {
		t.Errorf("age the day before the birthday = %d", a)
	}
	if a := claims.AgeOn(birth, claims.Date{Year: 2025, Month: 3, Day: 11}); a != 45 {
		t.Errorf("age on the birthday = %d", a)
	}
}

func TestNormalizeICD(t *testing.T) {
	for in, want := range map[string]string{"e119": "E11.9", "E11.9": "E11.9", " i10 ": "I10", "S93401A": "S93.401A"} {
		if got := claims.NormalizeICD(in); got != want {
			t.Errorf("NormalizeICD(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCSVRoundTrip(t *testing.T) {
	for _, identified := range []bool{false, true} {
		in, err := synth.Claims(rand.New(rand.NewPCG(5, 5)), 300, synth.Options{Start: claims.Date{Year: 2025, Month: 1, Day: 2}, Identified: identified})
		if err != nil {
			t.Fatal(err)
		}
		in[0].Documentation = &claims.Documentation{Minutes: 42, Side: "right", Unrelated: []string{"I10"}}
		var buf bytes.Buffer
		if err := claims.WriteCSV(&buf, in); err != nil {
			t.Fatal(err)
		}
		out, err := claims.ReadCSV(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if len(out) != len(in) {
			t.Fatalf("read %d claims, wrote %d", len(out), len(in))
		}
		for i := range in {
			want, _ := json.Marshal(in[i])
			got, _ := json.Marshal(out[i])
			if !bytes.Equal(want, got) {
				t.Fatalf("identified=%v claim %d:\nwrote %s\nread  %s", identified, i, want, got)
			}
		}
	}
}

const minimalHeader = "claim_id,place_of_service,billing_npi,payer_class,patient_age,patient_sex,diagnoses,dos,code,modifiers,units,charge,pointers\n"

func TestReadCSVMinimalAndInterleaved(t *testing.T) {
	data := minimalHeader +
		"A1,11,1234567893,commercial,45,M,E11.9;I10,2025-03-10,99213,,1,150.00,1;2\n" +
		"B2,11,1234567893,medicare,70,F,Z23,2025-03-10,90662,,1,75,A\n" +
		"A1,,,,,,,2025-03-10,83036,QW,1,45,1\n"
	cs, err := claims.ReadCSV(strings.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 2 || len(cs[0].Lines) != 2 || cs[0].Lines[1].Modifiers[0] != "QW" || cs[1].Lines[0].Pointers[0] != 1 {
		t.Fatalf("got %+v", cs)
	}
	if cs[0].Frequency != "1" || cs[0].Patient.Age != 45 || cs[0].Diagnoses[1] != "I10" {
		t.Fatalf("claim-level values: %+v", cs[0])
	}
}

func TestReadCSVErrors(t *testing.T) {
	cases := []struct {
		name, data, column string
		row                int
	}{
		{"unknown column", "claim_id,colour\nA,red\n", "colour", 1},
		{"missing required column", "claim_id,code\nA,99213\n", "place_of_service", 1},
		{"bad charge", minimalHeader + "A,11,1234567893,commercial,45,M,I10,2025-03-10,99213,,1,1.234,1\n", "charge", 2},
		{"bad date", minimalHeader + "A,11,1234567893,commercial,45,M,I10,10-03-2025,99213,,1,1,1\n", "dos", 2},
		{"bad units", minimalHeader + "A,11,1234567893,commercial,45,M,I10,2025-03-10,99213,,1.5,1,1\n", "units", 2},
		{"bad pointer", minimalHeader + "A,11,1234567893,commercial,45,M,I10,2025-03-10,99213,,1,1,Z\n", "pointers", 2},
		{"bad payer class", minimalHeader + "A,11,1234567893,blue,45,M,I10,2025-03-10,99213,,1,1,1\n", "payer_class", 2},
		{"conflicting rows", minimalHeader +
			"A,11,1234567893,commercial,45,M,I10,2025-03-10,99213,,1,1,1\n" +
			"A,11,1234567893,commercial,46,M,I10,2025-03-10,36415,,1,1,1\n", "patient_age", 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := claims.ReadCSV(strings.NewReader(tc.data))
			var ce *claims.CSVError
			if !errors.As(err, &ce) || ce.Row != tc.row || ce.Column != tc.column {
				t.Fatalf("got %v, want an error at row %d column %s", err, tc.row, tc.column)
			}
		})
	}
}

func TestDeidentify(t *testing.T) {
	cs, err := synth.Claims(rand.New(rand.NewPCG(6, 6)), 2, synth.Options{Start: claims.Date{Year: 2025, Month: 1, Day: 2}, Identified: true})
	if err != nil {
		t.Fatal(err)
	}
	a, b := *cs[0], *cs[0]
	a.Patient.Age = 93
	claims.Deidentify(&a, []byte("org-secret"))
	claims.Deidentify(&b, []byte("org-secret"))
	if a.Patient.Identity != nil || a.Insured != nil || a.Patient.Age != 90 {
		t.Fatalf("identity kept or age not pooled: %+v", a.Patient)
	}
	if a.Patient.Key == "" || a.Patient.Key != b.Patient.Key {
		t.Fatal("the pseudonym is not stable")
	}
	c := *cs[0]
	claims.Deidentify(&c, []byte("other-org"))
	if c.Patient.Key == a.Patient.Key {
		t.Fatal("the pseudonym does not depend on the organization's secret")
	}
	js, _ := json.Marshal(a)
	if strings.Contains(string(js), cs[0].Patient.Identity.LastName) {
		t.Fatal("the name survives de-identification")
	}
}

func TestValidate(t *testing.T) {
	cs, err := synth.Claims(rand.New(rand.NewPCG(7, 7)), 50, synth.Options{Start: claims.Date{Year: 2025, Month: 1, Day: 2}, Identified: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		if err := c.Validate(); err != nil {
			t.Fatalf("generated claim invalid: %v", err)
		}
	}
	c := cs[0]
	c.Lines[0].Units = 0
	c.Rendering = &claims.Provider{NPI: "1111111111"}
	err = c.Validate()
	if err == nil || !strings.Contains(err.Error(), "units") || !strings.Contains(err.Error(), "rendering provider") {
		t.Fatalf("got %v", err)
	}
}

func FuzzReadCSV(f *testing.F) {
	f.Add(minimalHeader + "A,11,1234567893,commercial,45,M,I10,2025-03-10,99213,25,1,150,1\n")
	f.Add("claim_id\n\"unterminated\n")
	f.Fuzz(func(t *testing.T, data string) {
		cs, err := claims.ReadCSV(strings.NewReader(data))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "claims csv: ") {
				t.Fatalf("error without prefix: %v", err)
			}
			return
		}
		for _, c := range cs {
			if c.ID == "" || len(c.Lines) == 0 {
				t.Fatalf("accepted a claim without id or lines: %+v", c)
			}
		}
	})
}

func TestFromResult(t *testing.T) {
	res := &engine.Result{
		Diagnoses: []engine.Diagnosis{{Code: "I10", Rank: 2}, {Code: "M17.11", Rank: 1}},
		Procedures: []engine.Procedure{
			{Code: "20610", Units: 1, Modifiers: []string{"RT"}, DiagnosisPointers: []int{1}},
			{Code: "J3301", Units: 4, DiagnosisPointers: []int{1}},
		},
		EM: &engine.EM{Code: "99214", Method: "mdm", Minutes: 0},
	}
	fees := map[string]claims.Money{"99214": 22000, "20610": 18000, "J3301": 500}
	enc := claims.Encounter{
		ID: "E1", DOS: claims.Date{Year: 2025, Month: 3, Day: 10}, PlaceOfService: "11",
		Billing: claims.Provider{NPI: "1234567893", Organization: "Clinic"},
		Payer:   claims.Payer{ID: "P", Name: "Payer", Class: claims.Medicare},
		Patient: claims.Patient{Key: "k", Age: 63, Sex: claims.Male},
		Charge: func(code string) (claims.Money, error) {
			if m, ok := fees[code]; ok {
				return m, nil
			}
			return 0, errors.New("not in the charge master")
		},
	}
	c, err := claims.FromResult(res, enc)
	if err != nil {
		t.Fatal(err)
	}
	if c.Diagnoses[0] != "M17.11" || c.Diagnoses[1] != "I10" {
		t.Fatalf("diagnoses not in rank order: %v", c.Diagnoses)
	}
	if len(c.Lines) != 3 || c.Lines[0].Code != "99214" || len(c.Lines[0].Pointers) != 2 {
		t.Fatalf("E/M line: %+v", c.Lines)
	}
	if j := c.Lines[2]; j.Units != 4 || j.Charge != 2000 || j.DOS != enc.DOS {
		t.Fatalf("drug line: %+v", j)
	}
	if c.Documentation != nil {
		t.Fatal("documentation without documented minutes")
	}
	res.Procedures = append(res.Procedures, engine.Procedure{Code: "99999", Units: 1})
	if _, err := claims.FromResult(res, enc); err == nil || !strings.Contains(err.Error(), "99999") {
		t.Fatalf("unpriced code: %v", err)
	}
}
