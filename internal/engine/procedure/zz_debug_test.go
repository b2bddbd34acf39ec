package procedure

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/medcode/medcode/internal/engine/procedure/scan"
	"github.com/medcode/medcode/internal/nlp"
)

type vLine struct {
	Code      string   `yaml:"code"`
	Units     int      `yaml:"units"`
	Modifiers []string `yaml:"modifiers"`
}
type vig struct {
	ID      int      `yaml:"id"`
	Payer   string   `yaml:"payer"`
	Patient string   `yaml:"patient"`
	Note    string   `yaml:"note"`
	ICD     []string `yaml:"icd"`
	CPT     []vLine  `yaml:"cpt"`
	EM      string   `yaml:"em"`
}

var evid = map[string]string{
	"I10": "HTN", "R05.1": "Cough", "R50.9": "fever", "J10.1": "Influenza A", "J02.0": "Strep pharyngitis", "N30.00": "Acute cystitis",
	"J45.21": "asthma with acute exacerbation", "E11.22": "Diabetic CKD", "E11.65": "T2DM poorly controlled", "I12.9": "HTN controlled",
	"N18.32": "CKD stage 3b", "Z79.4": "insulin glargine", "Z79.84": "metformin", "I11.0": "HTN controlled", "I50.32": "Chronic diastolic CHF",
	"J06.9": "Viral URI", "Z00.00": "annual physical", "Z00.01": "annual physical", "M25.561": "right knee pain", "Z00.129": "well-child",
	"Z23": "given", "S51.811A": "laceration of the right forearm", "S61.411A": "laceration of the right hand", "S01.81XA": "forehead laceration",
	"S01.01XA": "scalp laceration", "S61.412A": "laceration of the left palm", "S93.491A": "Sprain of right anterior talofibular ligament",
	"H66.001": "Acute suppurative otitis media", "C44.311": "basal cell carcinoma", "D22.5": "compound melanocytic nevus", "L57.0": "actinic keratoses",
	"B07.8": "common warts", "L02.411": "abscess of the right axilla", "H61.23": "impacted cerumen", "M17.11": "right knee osteoarthritis",
	"F33.1": "recurrent major depression, moderate", "E78.5": "hyperlipidemia", "E03.9": "hypothyroidism", "J44.1": "Severe COPD exacerbation", "R09.02": "hypoxemia",
}

func lineKey(code string, units int, mods []string) string {
	if units == 0 {
		units = 1
	}
	m := append([]string(nil), mods...)
	sort.Strings(m)
	return fmt.Sprintf("%s x%d %s", code, units, strings.Join(m, ","))
}

func TestDebugVignettes(t *testing.T) {
	raw, err := os.ReadFile("../testdata/vignettes.yaml")
	if err != nil {
		t.Skip(err)
	}
	var vs []vig
	if err := yaml.Unmarshal(raw, &vs); err != nil {
		t.Fatal(err)
	}
	c, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	ok, n, emOK, emN := 0, 0, 0, 0
	for _, v := range vs {
		if v.Note == "" {
			continue
		}
		var dx []Diagnosis
		for _, code := range v.ICD {
			d := Diagnosis{Code: code}
			if p, found := evid[code]; found {
				if i := strings.Index(v.Note, p); i >= 0 {
					d.Evidence = []Span{{i, i + len(p)}}
				} else if i := strings.Index(v.Note, "BP"); i >= 0 && code == "I10" {
					d.Evidence = []Span{{i, i + 2}}
				}
			}
			dx = append(dx, d)
		}
		res, err := c.Code(Input{HCPCS: testHCPCS(t), Note: scan.FromDoc(nlp.Analyze(v.Note)), Diagnoses: dx, Options: Options{Payer: v.Payer, DOS: time.Date(2025, 3, 10, 0, 0, 0, 0, time.UTC), Patient: v.Patient, Age: -1}})
		if err != nil {
			t.Fatal(err)
		}
		var got, want []string
		for _, l := range res.Lines {
			got = append(got, lineKey(l.Code, l.Units, l.Modifiers)+fmt.Sprint(l.Pointers))
		}
		for _, l := range v.CPT {
			want = append(want, lineKey(l.Code, l.Units, l.Modifiers))
		}
		var gotNoPtr []string
		for _, l := range res.Lines {
			gotNoPtr = append(gotNoPtr, lineKey(l.Code, l.Units, l.Modifiers))
		}
		sort.Strings(gotNoPtr)
		sort.Strings(want)
		status := ""
		if v.CPT != nil {
			n++
			if strings.Join(gotNoPtr, "|") == strings.Join(want, "|") {
				ok++
				status = "OK"
			} else {
				status = "FAIL"
			}
		}
		emGot := ""
		if res.Visit.Preventive != nil {
			emGot = res.Visit.Preventive.Code
		} else if res.Visit.Office != nil {
			emGot = res.Visit.Office.Code
		}
		if v.EM != "" {
			emN++
			if emGot == v.EM {
				emOK++
			}
		}
		fmt.Printf("#%d %s got=%v want=%v em=%s/%s warn=%v\n", v.ID, status, got, want, emGot, v.EM, res.Warnings)
		if os.Getenv("VERBOSE") != "" && res.Visit.Office != nil {
			o := res.Visit.Office
			fmt.Printf("   P %s %v\n   D %s %v\n   R %s %v\n", o.MDM.Problems.Level, o.MDM.Problems.Reasons, o.MDM.Data.Level, o.MDM.Data.Reasons, o.MDM.Risk.Level, o.MDM.Risk.Reasons)
		}
	}
	fmt.Printf("CPT %d/%d  EM %d/%d\n", ok, n, emOK, emN)
}
