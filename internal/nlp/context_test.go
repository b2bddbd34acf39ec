package nlp

import (
	"strings"
	"testing"
)

// assertCase is a sentence, a concept in it (its first occurrence, or the
// nth with "#n" appended), what the caller knows and the expected status.
type assertCase struct {
	text    string
	concept string
	traits  Traits
	want    Status
}

// conceptSpan finds the concept in text: "strep#2" is the second "strep".
func conceptSpan(t *testing.T, text, concept string) (int, int) {
	t.Helper()
	nth := 1
	if i := strings.LastIndex(concept, "#"); i > 0 {
		nth = int(concept[i+1] - '0')
		concept = concept[:i]
	}
	off := 0
	for k := 1; ; k++ {
		i := strings.Index(text[off:], concept)
		if i < 0 {
			t.Fatalf("concept %q not in %q", concept, text)
		}
		if k == nth {
			return off + i, off + i + len(concept)
		}
		off += i + len(concept)
	}
}

func runAssertCases(t *testing.T, cases []assertCase) {
	t.Helper()
	for _, c := range cases {
		d := Analyze(c.text)
		start, end := conceptSpan(t, c.text, c.concept)
		got := d.Assert(start, end, c.traits)
		if got.Status != c.want {
			cue := ""
			if got.Trigger != nil {
				cue = c.text[got.Trigger.Start:got.Trigger.End]
			}
			t.Errorf("%q / %q: got %s (cue %q), want %s", c.text, c.concept, got.Status, cue, c.want)
		}
	}
}

// TestAssertWorkedExamples is the worked-examples table of coding-domain.md
// §3.3, row by row.
func TestAssertWorkedExamples(t *testing.T) {
	runAssertCases(t, []assertCase{
		{"Denies chest pain, shortness of breath, or palpitations.", "chest pain", 0, Negated},
		{"Denies chest pain, shortness of breath, or palpitations.", "shortness of breath", 0, Negated},
		{"Denies chest pain, shortness of breath, or palpitations.", "palpitations", 0, Negated},
		{"No fever but reports productive cough.", "fever", 0, Negated},
		{"No fever but reports productive cough.", "cough", 0, Affirmed},
		{"Chest pain, likely GERD.", "Chest pain", 0, Affirmed},
		{"Chest pain, likely GERD.", "GERD", Chronic, Uncertain},
		{"R/o strep; rapid strep negative.", "strep", 0, Negated},
		{"Mother with T2DM and breast cancer.", "T2DM", Chronic, Family},
		{"Mother with T2DM and breast cancer.", "breast cancer", Chronic, Family},
		{"S/p appendectomy 2010.", "appendectomy", 0, Historical},
		{"History of hypertension, on lisinopril, BP 138/84.", "hypertension", Chronic, Affirmed},
		{"If rash spreads, consider cellulitis.", "cellulitis", 0, Hypothetical},
		{"Pneumonia is not ruled out.", "Pneumonia", 0, Uncertain},
		{"Exposed to COVID at work, asymptomatic.", "COVID", 0, Other},
		{"Hx of breast cancer, currently on anastrozole.", "breast cancer", Chronic, Affirmed},
	})
}

func TestGramNegativeIsNotANegation(t *testing.T) {
	text := "Gram negative rods in urine culture."
	d := Analyze(text)
	for _, tr := range d.Triggers {
		if tr.Category == CatNegated {
			t.Errorf("negation trigger %q found in %q", text[tr.Start:tr.End], text)
		}
	}
	s, e := conceptSpan(t, text, "rods")
	if got := d.Assert(s, e, 0); got.Status != Affirmed {
		t.Errorf("rods: got %s, want affirmed", got.Status)
	}
}

func TestAssertNegation(t *testing.T) {
	runAssertCases(t, []assertCase{
		{"Denies fever, chills, night sweats, weight loss, cough or hemoptysis.", "hemoptysis", 0, Negated},
		{"No fever, has cough.", "cough", 0, Affirmed},
		{"No fever, she has a cough.", "cough", 0, Affirmed},
		{"No fever and is eating well.", "fever", 0, Negated},
		{"Patient without chest pain.", "chest pain", 0, Negated},
		{"Negative for dysuria or hematuria.", "hematuria", 0, Negated},
		{"No evidence of pneumonia on chest x-ray.", "pneumonia", 0, Negated},
		{"Pulmonary embolism was ruled out.", "Pulmonary embolism", 0, Negated},
		{"Fracture not seen on films.", "Fracture", 0, Negated},
		{"Rapid strep negative.", "strep", 0, Negated},
		{"COVID test (-).", "COVID", 0, Negated},
		{"Pneumonia unlikely.", "Pneumonia", 0, Negated},
		{"She doesn't have asthma.", "asthma", 0, Negated},
		{"No increase in swelling.", "swelling", 0, Affirmed},
		{"No change in headaches.", "headaches", 0, Affirmed},
		{"No improvement in cough.", "cough", 0, Affirmed},
		{"Walks without difficulty despite knee pain.", "knee pain", 0, Affirmed},
		{"Denies chest pain; however, reports palpitations.", "palpitations", 0, Affirmed},
		{"No rash except for eczema on hands.", "eczema", 0, Affirmed},
		{"No nausea, vomiting; has diarrhea.", "diarrhea", 0, Affirmed},
		{"No family history of colon cancer.", "colon cancer", 0, Negated},
		{"Triple negative breast cancer.", "breast cancer", Chronic, Affirmed},
		{"Hypertension, not at goal.", "Hypertension", Chronic, Affirmed},
		{"No CVA tenderness.", "tenderness", 0, Negated},
		{"Acute cystitis without hematuria - nitrofurantoin.", "nitrofurantoin", 0, Affirmed},
		{"Non-tender, well-healed scar.", "scar", 0, Affirmed},
	})
}

func TestAssertUncertainty(t *testing.T) {
	runAssertCases(t, []assertCase{
		{"Cough and fever, r/o pneumonia, CXR ordered.", "pneumonia", 0, Uncertain},
		{"Cough and fever, r/o pneumonia, CXR ordered.", "Cough", 0, Affirmed},
		{"Possible COVID, test pending.", "COVID", 0, Uncertain},
		{"Probably viral URI.", "URI", 0, Uncertain},
		{"Sinusitis vs allergic rhinitis.", "Sinusitis", 0, Uncertain},
		{"Sinusitis vs allergic rhinitis.", "allergic rhinitis", 0, Uncertain},
		{"Findings consistent with pneumonia.", "pneumonia", 0, Uncertain},
		// "consistent with" qualifies the finding it introduces, not the
		// rest of a long sentence.
		{"Symptoms consistent with intermittent pain located at the level of the left hemithorax accompanied by cough.", "cough", 0, Affirmed},
		{"Symptoms consistent with intermittent pain located at the level of the left hemithorax accompanied by cough.", "pain", 0, Uncertain},
		{"Suspicion of an intestinal infection, so a stool culture was requested and treatment for the anemia was started.", "anemia", 0, Affirmed},
		{"Suspicion of an intestinal infection, so a stool culture was requested and treatment for the anemia was started.", "intestinal infection", 0, Uncertain},
		{"Suspected appendicitis.", "appendicitis", 0, Uncertain},
		{"Concern for DVT, duplex ordered.", "DVT", 0, Uncertain},
		{"Cannot rule out fracture.", "fracture", 0, Uncertain},
		{"Fracture cannot be excluded.", "Fracture", 0, Uncertain},
		{"?pneumonia on CXR.", "pneumonia", 0, Uncertain},
		{"Lesion, likely benign nevus.", "nevus", 0, Uncertain},
		{"Borderline diabetes, diet counseling.", "diabetes", Chronic, Affirmed},
		{"Uncertain if this is asthma.", "asthma", 0, Uncertain},
		{"Ddx includes migraine and tension headache.", "tension headache", 0, Uncertain},
		{"R/o strep; rapid strep positive.", "strep", 0, Affirmed},
		{"R/o strep. Rapid strep negative.", "strep", 0, Negated},
		{"Influenza is possible.", "Influenza", 0, Uncertain},
	})
}

func TestAssertHypothetical(t *testing.T) {
	runAssertCases(t, []assertCase{
		{"Return if signs of cellulitis.", "cellulitis", 0, Hypothetical},
		{"If fever persists beyond 3 days, consider pneumonia.", "pneumonia", 0, Hypothetical},
		{"If fever persists beyond 3 days, consider pneumonia.", "fever", 0, Hypothetical},
		{"Call if chest pain develops.", "chest pain", 0, Hypothetical},
		{"Discussed risk of bleeding with anticoagulation.", "bleeding", 0, Hypothetical},
		{"Screening for colon cancer, colonoscopy referral.", "colon cancer", 0, Hypothetical},
		{"Should she develop a rash, stop the medication.", "rash", 0, Hypothetical},
		{"Watch for signs of dehydration.", "dehydration", 0, Hypothetical},
		{"Uses albuterol if needed for wheezing.", "wheezing", 0, Affirmed},
	})
}

func TestAssertHistory(t *testing.T) {
	runAssertCases(t, []assertCase{
		{"History of pneumonia in 2019.", "pneumonia", 0, Historical},
		{"History of pneumonia.", "pneumonia", 0, Historical},
		{"History of hypertension.", "hypertension", Chronic, Historical},
		{"History of HTN, BP 150/92, increase amlodipine.", "HTN", Chronic, Affirmed},
		{"h/o HTN on lisinopril.", "HTN", Chronic, Affirmed},
		{"History of MI, on aspirin.", "MI", 0, Historical},
		{"Prior stroke without residual deficits.", "stroke", 0, Historical},
		{"Remote history of DVT.", "DVT", 0, Historical},
		{"Pneumonia 3 years ago.", "Pneumonia", 0, Historical},
		{"Asthma as a child.", "Asthma", 0, Historical},
		{"Former smoker, quit 2010.", "smoker", 0, Historical},
		{"No longer smokes.", "smokes", 0, Historical},
		{"Left breast cancer, completed chemotherapy, no evidence of disease.", "breast cancer", Chronic, Historical},
		{"Shingles, resolved.", "Shingles", 0, Historical},
		{"58 yo man with a history of HTN who presents with chest pain.", "chest pain", 0, Affirmed},
		{"The history of present illness is notable for cough.", "cough", 0, Affirmed},
		{"She was previously diagnosed with diabetes.", "diabetes", Chronic, Affirmed},
		{"Cough for the past 3 days.", "Cough", 0, Affirmed},
		{"s/p fall with wrist pain today.", "wrist pain", 0, Affirmed},
	})
}

func TestAssertExperiencer(t *testing.T) {
	runAssertCases(t, []assertCase{
		{"Father with T2DM and MI at 55.", "MI", 0, Family},
		{"Mother who has diabetes.", "diabetes", Chronic, Family},
		{"Diabetes runs in the family.", "Diabetes", Chronic, Family},
		{"Mother reports the child has fever.", "fever", 0, Affirmed},
		{"Mother gives history of ear pain for two days.", "ear pain", 0, Affirmed},
		{"Per mom, rash started yesterday.", "rash", 0, Affirmed},
		{"Husband has influenza.", "influenza", 0, Other},
		{"Sick contact with strep throat at daycare.", "strep throat", 0, Other},
		{"Denies exposure to tuberculosis.", "tuberculosis", 0, Negated},
		{"Possible exposure to Brucella.", "Brucella", 0, Other},
		{"Mother without diabetes.", "diabetes", 0, Negated},
		{"Mother with diabetes; patient has hypertension.", "hypertension", Chronic, Affirmed},
	})
}

func TestAssertFamilySection(t *testing.T) {
	text := "FAMILY HISTORY: Diabetes, heart disease.\nThe patient has asthma.\nASSESSMENT: Asthma."
	d := Analyze(text)
	s, e := conceptSpan(t, text, "Diabetes")
	if got := d.Assert(s, e, Chronic); got.Status != Family || !got.BySection {
		t.Errorf("Diabetes in FH: got %s (by section %v), want family by section", got.Status, got.BySection)
	}
	s, e = conceptSpan(t, text, "asthma")
	if got := d.Assert(s, e, Chronic); got.Status != Affirmed {
		t.Errorf("patient's asthma in FH: got %s, want affirmed", got.Status)
	}
	s, e = conceptSpan(t, text, "Asthma")
	if got := d.Assert(s, e, Chronic); got.Status != Affirmed {
		t.Errorf("Asthma in A/P: got %s, want affirmed", got.Status)
	}
}

func TestAssertHistoryInAssessment(t *testing.T) {
	text := "A/P: History of hypertension, stable."
	d := Analyze(text)
	s, e := conceptSpan(t, text, "hypertension")
	got := d.Assert(s, e, Chronic)
	if got.Status != Affirmed || !got.Current || got.Trigger == nil {
		t.Errorf("got %+v, want affirmed by R8 with the history cue kept", got)
	}
	if got := d.Assert(s, e, 0); got.Status != Historical {
		t.Errorf("non-chronic: got %s, want historical", got.Status)
	}
}

func TestAssertTriggerSpans(t *testing.T) {
	text := "Denies chest pain."
	d := Analyze(text)
	s, e := conceptSpan(t, text, "chest pain")
	got := d.Assert(s, e, 0)
	if got.Trigger == nil || text[got.Trigger.Start:got.Trigger.End] != "Denies" {
		t.Fatalf("trigger: got %+v, want the span of Denies", got.Trigger)
	}
	if len(got.InScope) != 1 || got.InScope[0].Direction != Pre {
		t.Errorf("in scope: got %+v", got.InScope)
	}
}

func TestAssertOutsideSentences(t *testing.T) {
	d := Analyze("PLAN:\n")
	if got := d.Assert(0, 4, 0); got.Status != Affirmed || got.Trigger != nil {
		t.Errorf("header span: got %+v, want an empty affirmation", got)
	}
	if got := d.Assert(3, 3, 0); got.Status != Affirmed {
		t.Errorf("empty span: got %+v", got)
	}
}

// TestAssertClauseOpeners: a history cue or a "with" that starts a new
// clause after a comma closes a negation or an uncertainty; without the
// comma it is in the negation's scope.
func TestAssertClauseOpeners(t *testing.T) {
	runAssertCases(t, []assertCase{
		{"Without known allergies, with a history of dyslipidemia, hypertension.", "hypertension", 0, Historical},
		{"Without known allergies, with a history of dyslipidemia, hypertension.", "dyslipidemia", 0, Historical},
		{"No fever, history of asthma.", "asthma", 0, Historical},
		{"Possible pneumonia, with a history of COPD.", "COPD", 0, Historical},
		{"Denies history of diabetes.", "diabetes", 0, Negated},
		{"No history of diabetes, hypertension or asthma.", "asthma", 0, Negated},
		{"No fever, history of asthma, on albuterol.", "asthma", Chronic, Affirmed},
		{"Pregnancy without complications, with anemia.", "anemia", 0, Affirmed},
		{"No fever, with cough.", "cough", 0, Affirmed},
		{"No fever with chills.", "chills", 0, Negated},
	})
}

// TestAssertUnrelated: a statement that two conditions are not linked
// does not deny the condition it names.
func TestAssertUnrelated(t *testing.T) {
	runAssertCases(t, []assertCase{
		{"CKD stage 3b due to obstructive uropathy, not related to her hypertension.", "hypertension", 0, Affirmed},
		{"Anemia unrelated to his chronic kidney disease.", "chronic kidney disease", 0, Affirmed},
		{"Neuropathy not caused by diabetes.", "diabetes", 0, Affirmed},
		{"Not related to trauma; no fracture.", "fracture", 0, Negated},
	})
}

// TestAssertNormalQualifiesNext: "normal" after "with" or "and" is said
// of the next finding, not of the condition before it.
func TestAssertNormalQualifiesNext(t *testing.T) {
	runAssertCases(t, []assertCase{
		{"Anemia and leukocytosis with normal formula.", "leukocytosis", 0, Affirmed},
		{"Arterial hypertension and normal glycemia.", "hypertension", 0, Affirmed},
		{"Kidneys normal.", "Kidneys", 0, Negated},
		{"Chest X-ray normal.", "Chest X-ray", 0, Negated},
	})
}

// TestAssertNothingToReport: "no relevant history", "without treatment"
// say there is nothing to report and deny no condition after them; a
// case report's visit verb opens a new clause.
func TestAssertNothingToReport(t *testing.T) {
	runAssertCases(t, []assertCase{
		{"A woman with no relevant past medical history was admitted for stroke with right paresis.", "paresis", 0, Affirmed},
		{"No personal history of interest, she consulted for hematuria.", "hematuria", 0, Affirmed},
		{"Hypertension diagnosed 6 months ago without treatment, heart failure diagnosed last year.", "heart failure", 0, Affirmed},
		{"A woman without fever was admitted for pneumonia.", "pneumonia", 0, Affirmed},
		{"A woman without fever was admitted for pneumonia.", "fever", 0, Negated},
		{"No family history of diabetes.", "diabetes", 0, Negated},
		{"He continued to vomit and not to drink, and complained of oliguria.", "oliguria", 0, Affirmed},
		{"The images did not define a clear origin of the carcinomatosis.", "carcinomatosis", 0, Affirmed},
		{"She did not report fever.", "fever", 0, Negated},
		{"Without fever, chills or weight loss.", "weight loss", 0, Negated},
		{"A solid tumor without ectasia of the excretory pathway in the lower pole of the left kidney and a cortical cyst.", "cortical cyst", 0, Affirmed},
	})
}

// TestAssertListClosedByResult: a negative result closing a short list
// negates every item; a clause with a verb is not a list item.
func TestAssertListClosedByResult(t *testing.T) {
	runAssertCases(t, []assertCase{
		{"Serology for HBV, HCV and HIV negative.", "HBV", 0, Negated},
		{"Serology for HBV, HCV and HIV negative.", "HCV", 0, Negated},
		{"Serology for HBV, HCV and HIV negative.", "HIV", 0, Negated},
		{"Hepatitis B, hepatitis C and HIV serologies were negative.", "Hepatitis B", 0, Negated},
		{"Toxoplasma, CMV, EBV (-).", "Toxoplasma", 0, Negated},
		{"Patient has pneumonia, blood cultures negative.", "pneumonia", 0, Affirmed},
		{"Pneumonia of the right lower lobe treated with ceftriaxone and azithromycin for five days, cultures negative.", "Pneumonia", 0, Affirmed},
		{"HIV positive; hepatitis B negative.", "HIV", 0, Affirmed},
	})
}

// TestAssertPossessiveKin: a relative's condition written with a possessive
// is the relative's.
func TestAssertPossessiveKin(t *testing.T) {
	runAssertCases(t, []assertCase{
		{"Mammogram yearly given her mother's breast cancer.", "breast cancer", 0, Family},
		{"His father's diabetes was diet controlled.", "diabetes", 0, Family},
	})
}
