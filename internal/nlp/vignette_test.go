package nlp

import "testing"

// vignetteCheck is one fact the engine needs from a vignette note of
// coding-domain.md §9: a concept's status, a measurement, a drug's state or
// a concept's attributes.
type vignetteCheck struct {
	concept string // "#n" picks the nth occurrence
	status  *Status
	traits  Traits

	measure MeasureKind
	value   float64

	drug    string
	current *bool
	code    string

	side Side
	site string
	cue  CueKind
	want string // the cue's value
}

func statusP(s Status) *Status { return &s }
func boolP(b bool) *bool       { return &b }

func TestVignetteNotes(t *testing.T) {
	notes := []struct {
		text   string
		checks []vignetteCheck
	}{
		{`Est. 58M f/u hypertension. "Denies chest pain, SOB, headaches." BP 128/76 on lisinopril 20 mg. A/P: Essential HTN, at goal - continue lisinopril, 90-day refill. RTC 6 mo.`, []vignetteCheck{
			{concept: "chest pain", status: statusP(Negated)},
			{concept: "SOB", status: statusP(Negated)},
			{concept: "headaches", status: statusP(Negated)},
			{concept: "HTN", status: statusP(Affirmed), traits: Chronic},
			{measure: BloodPressure, value: 128},
			{measure: Age, value: 58},
			{drug: "lisinopril", current: boolP(true)},
		}},
		{`New pt, urgent care, 34F, 3 days cough, T 101.2°F, rhonchi R base. A/P: Cough and fever - r/o pneumonia. CXR and CBC ordered. Benzonatate Rx.`, []vignetteCheck{
			{concept: "pneumonia", status: statusP(Uncertain)},
			{concept: "Cough", status: statusP(Affirmed)},
			{concept: "fever", status: statusP(Affirmed)},
			{measure: Temperature, value: 101.2},
			{drug: "benzonatate", current: boolP(true)},
		}},
		{`Est. 29F dysuria, frequency. Urine dipstick read visually in office: +LE, +nitrite, no blood. A/P: Acute cystitis without hematuria - nitrofurantoin.`, []vignetteCheck{
			{concept: "blood", status: statusP(Negated)},
			{concept: "hematuria", status: statusP(Negated)},
			{concept: "cystitis", status: statusP(Affirmed), cue: CueAcuity, want: "acute"},
			{drug: "nitrofurantoin", current: boolP(true)},
		}},
		{`Est. 72F, Medicare, PCP of 10 years. T2DM "poorly controlled", A1c 8.9 (from 7.6), diabetic CKD stage 3b (eGFR 38), HTN controlled on losartan. Meds: metformin 500 mg BID, insulin glargine 20 u. A/P: increase glargine to 24 u; order BMP and urine albumin/creatinine; f/u 3 mo.`, []vignetteCheck{
			{concept: "T2DM", status: statusP(Affirmed), traits: Chronic, cue: CueControl, want: "uncontrolled"},
			{measure: A1c, value: 8.9},
			{measure: CKDStage, value: 3},
			{measure: EGFR, value: 38},
			{drug: "metformin", current: boolP(true), code: "Z79.84"},
			{drug: "insulin", current: boolP(true), code: "Z79.4"},
			{drug: "losartan", current: boolP(true)},
		}},
		{`Est. 44F. A/P: Class 1 obesity, BMI 32.4 - nutrition counselling, follow up 3 mo.`, []vignetteCheck{
			{concept: "obesity", status: statusP(Affirmed), traits: Chronic, cue: CueType, want: "obesity-class-1"},
			{measure: BMI, value: 32.4},
		}},
		{`Vitals (entered by MA): BMI 41.2. Provider A/P: Viral URI - supportive care.`, []vignetteCheck{
			{concept: "URI", status: statusP(Affirmed), cue: CueType, want: "viral"},
			{measure: BMI, value: 41.2},
		}},
		{`Kitchen knife injury: 3.0 cm laceration right forearm and 2.0 cm laceration right hand, both simple single-layer closure.`, []vignetteCheck{
			{concept: "laceration", side: Right, site: "forearm"},
			{concept: "laceration#2", side: Right, site: "hand"},
			{measure: Length, value: 3},
		}},
		{`New pt urgent care, 24F inverted right ankle playing soccer; tender over ATFL; Ottawa rules negative - no imaging. A/P: Sprain of right anterior talofibular ligament; RICE, ACE wrap, OTC ibuprofen.`, []vignetteCheck{
			{concept: "Sprain", status: statusP(Affirmed), side: Right, site: "ankle"},
			{drug: "ibuprofen", current: boolP(true)},
		}},
		{`Est. pt 2 weeks after closed right Colles fracture treated by orthopedics; seen by PCP for unrelated BP check and cast check; healing as expected.`, []vignetteCheck{
			{concept: "Colles fracture", side: Right, cue: CuePhase, want: "subsequent"},
			{concept: "Colles fracture", cue: CueFracture, want: "closed"},
		}},
		{`Hypertrophic scar of right hand from a laceration repaired 1 year ago; patient wants treatment options.`, []vignetteCheck{
			{concept: "scar", side: Right, site: "hand", cue: CuePhase, want: "sequela"},
		}},
		{`T2DM on insulin glargine; stopped insulin 1 week ago because she could not afford it; glucose 380. A/P: T2DM with hyperglycemia due to insulin underdosing (financial).`, []vignetteCheck{
			{drug: "insulin", current: boolP(true), code: "Z79.4"},
			{concept: "hyperglycemia", status: statusP(Affirmed)},
		}},
		{`Est. 3-year-old, ear pain, fever; mother gives history. Right TM bulging, purulent effusion, no perforation. A/P: Acute suppurative otitis media, right, without rupture - amoxicillin.`, []vignetteCheck{
			{concept: "ear pain", status: statusP(Affirmed)},
			{concept: "otitis media", status: statusP(Affirmed), side: Right, cue: CueType, want: "suppurative"},
			{concept: "perforation", status: statusP(Negated)},
			{measure: Age, value: 3},
		}},
		{`Cryotherapy (liquid nitrogen) to 12 actinic keratoses on face and scalp.`, []vignetteCheck{
			{measure: LesionCount, value: 12},
		}},
		{`Est. 47F with recurrent major depression, moderate, worsening. "Total time on date of service 72 minutes" with activities listed.`, []vignetteCheck{
			{measure: TotalTime, value: 72},
			{concept: "major depression", status: statusP(Affirmed), cue: CueCourse, want: "recurrent"},
		}},
		{`Est. 71M COPD, 3 days worsening dyspnea, SpO2 86% RA, accessory muscle use; duoneb x1 in office without adequate response. A/P: Severe COPD exacerbation with hypoxemia - sent to ED for admission.`, []vignetteCheck{
			{measure: SpO2, value: 86},
			{concept: "COPD#2", status: statusP(Affirmed), traits: Chronic, cue: CueSeverity, want: "severe"},
			{concept: "hypoxemia", status: statusP(Affirmed)},
			{drug: "albuterol", current: boolP(true)},
		}},
		{`66F f/u hypertension. PMH: left breast cancer, mastectomy 2016, completed chemo and 5 years tamoxifen, no evidence of disease. A/P: HTN controlled; continue meds; annual mammogram of right breast due.`, []vignetteCheck{
			{concept: "breast cancer", status: statusP(Historical), traits: Chronic, side: Left, site: "breast"},
			{drug: "tamoxifen", current: boolP(false)},
			{concept: "HTN", status: statusP(Affirmed), traits: Chronic},
		}},
		{`Est. 38M sore throat, rhinorrhea x3 days. FHx: father with T2DM and MI at 55. "If fever persists beyond 3 days, consider pneumonia." A/P: Viral URI, supportive care.`, []vignetteCheck{
			{concept: "T2DM", status: statusP(Family), traits: Chronic},
			{concept: "MI", status: statusP(Family)},
			{concept: "pneumonia", status: statusP(Hypothetical)},
			{concept: "URI", status: statusP(Affirmed)},
			{concept: "sore throat", status: statusP(Affirmed)},
		}},
		{`Est. 24F type 1 diabetes on insulin pump, A1c 7.1 (at goal). A/P: T1DM well controlled, continue pump settings.`, []vignetteCheck{
			{drug: "insulin", current: boolP(true)},
			{measure: A1c, value: 7.1},
			{concept: "T1DM", status: statusP(Affirmed), traits: Chronic, cue: CueControl, want: "controlled"},
		}},
	}
	for _, n := range notes {
		d := Analyze(n.text)
		for _, c := range n.checks {
			if c.concept != "" {
				s, e := conceptSpan(t, n.text, c.concept)
				if c.status != nil {
					if got := d.Assert(s, e, c.traits); got.Status != *c.status {
						t.Errorf("%q in %.40q...: status %s, want %s", c.concept, n.text, got.Status, *c.status)
					}
				}
				at := d.Attributes(s, e)
				if c.side != NoSide && at.Side != c.side {
					t.Errorf("%q in %.40q...: side %s, want %s", c.concept, n.text, at.Side, c.side)
				}
				if c.site != "" && (at.Site == nil || at.Site.Name != c.site) {
					t.Errorf("%q in %.40q...: site %+v, want %s", c.concept, n.text, at.Site, c.site)
				}
				if c.cue == CuePhase && (at.Phase == nil || at.Phase.Value != c.want) {
					t.Errorf("%q in %.40q...: phase %+v, want %s", c.concept, n.text, at.Phase, c.want)
				} else if c.cue != "" && c.cue != CuePhase && at.Cue(c.cue) != c.want {
					t.Errorf("%q in %.40q...: %s %q, want %q (cues %+v)", c.concept, n.text, c.cue, at.Cue(c.cue), c.want, at.Cues)
				}
			}
			if c.measure != 0 {
				m := findMeasure(d, c.measure)
				if m == nil || m.Value != c.value {
					t.Errorf("%.40q...: %s = %+v, want %v", n.text, c.measure, m, c.value)
				}
			}
			if c.drug != "" {
				var found *Medication
				for i := range d.Medications {
					if d.Medications[i].Name == c.drug && found == nil {
						found = &d.Medications[i]
					}
				}
				switch {
				case found == nil:
					t.Errorf("%.40q...: no %s", n.text, c.drug)
				case c.current != nil && found.Current != *c.current:
					t.Errorf("%.40q...: %s current %v (%s), want %v", n.text, c.drug, found.Current, found.Status, *c.current)
				case c.code != "" && found.StatusCode != c.code:
					t.Errorf("%.40q...: %s status code %q, want %q", n.text, c.drug, found.StatusCode, c.code)
				}
			}
		}
	}
}
