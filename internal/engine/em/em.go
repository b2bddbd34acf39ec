// Package em selects the office/outpatient evaluation and management (E/M)
// visit level under the 2021+ rules: medical decision making from its three
// elements (problems, data, risk) and the two-of-three rule, or total time
// on the date of service when that supports a higher level; preventive
// visits by age band; prolonged service units. Every scored element carries
// the reasons and evidence spans that support it, so a coder can audit it.
//
// The package reads a note prepared by package scan and the diagnoses the
// ICD-10-CM coder found; it does not import the engine.
package em

import (
	"fmt"
	"time"

	"github.com/medcode/medcode/internal/engine/procedure/scan"
)

// Span is a byte range of the note.
type Span struct{ Start, End int }

// Diagnosis is a coded condition that may count as a problem addressed.
type Diagnosis struct {
	Code     string
	Evidence []Span
}

// Service is a service on the same claim, as the procedure coder found it.
type Service struct {
	Code string
	// Test is the id of the E/M data test the service performs (tests.tsv),
	// or "".
	Test string
	// Interpreted is true when the practitioner bills the interpretation
	// with the service (an ECG with its report): the test is then not data
	// for this E/M.
	Interpreted bool
}

// Options are facts about the encounter that the note may not state.
type Options struct {
	// Patient is "new" or "established"; "" reads it from the note.
	Patient string
	// Age is the patient's age in completed years on the date of service;
	// negative takes the age the note states.
	Age int
	// DOS is the date of service.
	DOS time.Time
	// ProlongedStyle is the payer's prolonged-service convention: "cpt"
	// (99417) or "medicare" (G2212).
	ProlongedStyle string
	// Wellness selects Medicare's wellness visits (G0402/G0438/G0439) for a
	// preventive visit.
	Wellness bool
}

// Input is what Determine reads.
type Input struct {
	Note *scan.Note
	// Problems are the diagnoses that may count as problems addressed at
	// the visit. The caller leaves out those that only justify a procedure
	// whose fee includes its own evaluation.
	Problems []Diagnosis
	// Services are the other services billed for the encounter.
	Services []Service
	// Uncoded is set when no diagnosis was coded for the note at all: the
	// problem the assessment addresses is then scored from its text.
	Uncoded bool
	Options
}

// Element is one scored MDM element.
type Element struct {
	Level    Level
	Reasons  []string
	Evidence []Span
}

// MDM is medical decision making: the three elements and the level that
// two of them meet or exceed.
type MDM struct {
	Problems, Data, Risk Element
	Level                Level
}

// Prolonged is a prolonged-service add-on line.
type Prolonged struct {
	Code, System, Description string
	Units                     int
}

// Office is a problem-oriented office/outpatient visit.
type Office struct {
	Code, Description string
	Level             Level
	Method            string // "mdm" or "time"
	MDM               MDM
	// ProblemCodes are the diagnoses scored as problems addressed.
	ProblemCodes    []string
	Minutes         int
	MinutesEvidence []Span
	Prolonged       *Prolonged
	Reasoning       string
}

// Preventive is a comprehensive preventive medicine visit (or a Medicare
// wellness visit).
type Preventive struct {
	Code, Description string
	Age               int
	Wellness          bool
	Evidence          []Span
	Reasoning         string
}

// Result is the E/M coder's answer for one note.
type Result struct {
	// Patient is "new" or "established"; PatientReason says how it was
	// decided.
	Patient         string
	PatientReason   string
	PatientEvidence []Span
	// Age is the age used for preventive bands, -1 when unknown.
	Age int
	// Preventive is set for a preventive or wellness visit.
	Preventive *Preventive
	// Office is the problem-oriented visit, at a preventive visit the
	// significant separately identifiable problem work.
	Office *Office
	// Nurse is set for a visit with clinical staff only and no other
	// billable service.
	Nurse *Code
	// Longitudinal is evidence that the practitioner is the continuing
	// focal point of the patient's care (for the G2211 add-on); nil when
	// the note gives none or describes an episodic visit.
	Longitudinal []Span
	// Episodic is set when the note describes an episodic visit (urgent
	// care, walk-in), which has no longitudinal relationship.
	Episodic bool
	Warnings []string
}

// Determine selects the visit codes for a note.
func (t *Tables) Determine(in Input) Result {
	r := Result{Age: -1}
	cues := t.visitCues(in.Note)
	r.Patient, r.PatientReason, r.PatientEvidence = patientType(in.Options.Patient, cues)
	r.Age = in.Options.Age
	if r.Age < 0 {
		r.Age = in.Note.Age
	}
	r.Episodic = len(cues["episodic"]) > 0
	if len(cues["longitudinal"]) > 0 && !r.Episodic {
		r.Longitudinal = spansOf(cues["longitudinal"])
	}

	probs := t.evalProblems(in.Note, in.Problems)
	switch {
	case in.Uncoded:
		if p, ok := t.uncodedProblem(in.Note, assessmentSentence(in.Note)); ok {
			probs = append(probs, p)
			r.Warnings = append(r.Warnings, "no diagnosis was coded for the visit: the problem element is scored from the assessment text; add the diagnosis")
		}
	case len(probs) == 0 && len(cues["separate_work"]) > 0:
		// "documented separately" beside a procedure: the separate problem
		// was not coded, but the note says it was worked up on its own
		if p, ok := t.uncodedProblem(in.Note, in.Note.SentenceAt(cues["separate_work"][0].Start)); ok {
			probs = append(probs, p)
			r.Warnings = append(r.Warnings, "the note documents a separate problem that no diagnosis codes: the problem element is scored from its text; add the diagnosis")
		}
	}
	if len(cues["nurse"]) > 0 {
		if len(in.Services) == 0 {
			nurse := t.visits.Nurse
			r.Nurse = &nurse
		}
		return r
	}

	preventive := len(cues["preventive"]) > 0 || (in.Wellness && (len(cues["awv_initial"]) > 0 || len(cues["awv_subsequent"]) > 0 || len(cues["ippe"]) > 0))
	if preventive {
		r.Preventive = t.preventive(in.Options, r.Patient, r.Age, cues)
		if r.Preventive == nil {
			r.Warnings = append(r.Warnings, "preventive visit documented but the patient's age is not: state the age to select the age band")
		}
		probs = significant(probs)
	}
	if len(probs) == 0 {
		return r
	}
	// at a preventive visit only the problem's own work counts: the
	// sentences that document it, not the screening and routine care
	var only map[int]bool
	services := in.Services
	if preventive {
		only, services = problemSentences(in.Note, probs), nil
	}
	mdm := MDM{Problems: problemsElement(probs)}
	mdm.Data = t.dataElement(in.Note, services, only)
	mdm.Risk = t.riskElement(in.Note, only)
	mdm.Level = twoOfThree(mdm.Problems.Level, mdm.Data.Level, mdm.Risk.Level)
	if preventive && mdm.Risk.Level < Moderate && mdm.Data.Level == Straightforward && len(mdm.Data.Reasons) == 0 {
		// a problem noted at a preventive visit without management of its
		// own is part of the preventive service
		return r
	}
	r.Office = t.office(r.Patient, mdm, in)
	for _, p := range probs {
		r.Office.ProblemCodes = append(r.Office.ProblemCodes, p.codes...)
	}
	return r
}

// twoOfThree returns the highest level met or exceeded by at least two of
// the three elements: the middle value.
func twoOfThree(a, b, c Level) Level {
	if a > b {
		a, b = b, a
	}
	if b > c {
		b = c
	}
	if a > b {
		return a
	}
	return b
}

// office selects the level by MDM or by time, whichever is higher, and the
// prolonged-service units that time supports.
func (t *Tables) office(patient string, mdm MDM, in Input) *Office {
	code := t.officeFor(patient, mdm.Level)
	o := &Office{Code: code.Code, Description: code.Description, Level: mdm.Level, Method: "mdm", MDM: mdm}
	o.Reasoning = fmt.Sprintf("MDM %s: problems %s, data %s, risk %s; two of the three elements meet %s → %s.",
		mdm.Level, mdm.Problems.Level, mdm.Data.Level, mdm.Risk.Level, mdm.Level, code.Code)
	minutes, ev := t.totalMinutes(in.Note)
	if minutes == 0 {
		return o
	}
	o.Minutes, o.MinutesEvidence = minutes, ev
	if !in.DOS.IsZero() && in.DOS.Before(t.visits.timeFrom) {
		o.Reasoning += fmt.Sprintf(" Total time %d min not used: time selects the level only from %s.", minutes, t.visits.TimeRulesFrom)
		return o
	}
	byTime := t.levelByTime(patient, minutes)
	if byTime == nil || byTime.level <= mdm.Level {
		o.Reasoning += fmt.Sprintf(" Total time %d min does not support a higher level.", minutes)
		return o
	}
	o.Code, o.Description, o.Level, o.Method = byTime.Code, byTime.Description, byTime.level, "time"
	o.Reasoning = fmt.Sprintf("Total practitioner time %d min on the date of service meets %s (%d min or more), above MDM %s → %s by time.",
		minutes, byTime.Code, byTime.MinMinutes, mdm.Level, byTime.Code)
	if p := t.prolonged(byTime.Code, minutes, in.ProlongedStyle); p != nil {
		o.Prolonged = p
		o.Reasoning += fmt.Sprintf(" %s × %d for each full 15 minutes beyond the base time.", p.Code, p.Units)
	}
	return o
}

// levelByTime returns the highest office code whose minimum time the
// minutes meet.
func (t *Tables) levelByTime(patient string, minutes int) *officeCode {
	var best *officeCode
	for i := range t.visits.Office {
		o := &t.visits.Office[i]
		if o.Patient == patient && minutes >= o.MinMinutes && (best == nil || o.level > best.level) {
			best = o
		}
	}
	return best
}

// prolonged returns the prolonged-service add-on for time beyond the base
// code's threshold in the payer's style, or nil.
func (t *Tables) prolonged(base string, minutes int, style string) *Prolonged {
	if style == "" {
		style = "cpt"
	}
	for _, p := range t.visits.Prolonged {
		after, ok := p.After[base]
		if p.Style != style || !ok {
			continue
		}
		units := (minutes - after) / p.UnitMinutes
		if minutes <= after || units < 1 {
			return nil
		}
		return &Prolonged{Code: p.Code, System: p.System, Description: p.Description, Units: units}
	}
	return nil
}

// preventive selects the preventive visit code by age band, or Medicare's
// wellness visit.
func (t *Tables) preventive(opt Options, patient string, age int, cues map[string][]scan.TermMatch) *Preventive {
	if opt.Wellness {
		for _, kind := range []string{"ippe", "awv_initial", "awv_subsequent"} {
			if len(cues[kind]) == 0 {
				continue
			}
			for _, w := range t.visits.Wellness {
				if w.Cue == kind {
					return &Preventive{Code: w.Code, Description: w.Description, Age: age, Wellness: true, Evidence: spansOf(cues[kind]),
						Reasoning: fmt.Sprintf("Medicare wellness visit documented → %s.", w.Code)}
				}
			}
		}
	}
	if age < 0 {
		return nil
	}
	for _, b := range t.visits.Preventive {
		if age < b.MinAge || age > b.MaxAge {
			continue
		}
		code := b.Established
		if patient == "new" {
			code = b.New
		}
		return &Preventive{Code: code, Description: fmt.Sprintf("comprehensive preventive visit, %s patient, %s", patient, b.Label),
			Age: age, Evidence: spansOf(cues["preventive"]),
			Reasoning: fmt.Sprintf("Preventive visit, %s patient aged %d (band %s) → %s.", patient, age, b.Label, code)}
	}
	return nil
}

// patientType decides new or established: the caller's option, else the
// note's words (a new-patient statement wins over follow-up wording, which
// plans use too), else established.
func patientType(opt string, cues map[string][]scan.TermMatch) (string, string, []Span) {
	switch {
	case opt == "new" || opt == "established":
		return opt, "given with the request", nil
	case len(cues["new_patient"]) > 0:
		return "new", "the note says the patient is new", spansOf(cues["new_patient"])
	case len(cues["established"]) > 0:
		return "established", "the note describes an established patient", spansOf(cues["established"])
	}
	return "established", "not stated in the note; assumed established", nil
}

func spansOf(ms []scan.TermMatch) []Span {
	out := make([]Span, 0, len(ms))
	for _, m := range ms {
		out = append(out, Span{m.Start, m.End})
	}
	return out
}
