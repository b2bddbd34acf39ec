package scan

import (
	"math"

	"github.com/medcode/medcode/internal/nlp"
)

// nlpKinds maps the nlp pipeline's section kinds to the coders' kinds.
var nlpKinds = map[nlp.SectionKind]Kind{
	nlp.SectionNone: Other, nlp.SectionUnknown: Other, nlp.SectionCC: Complaint, nlp.SectionHPI: HPI,
	nlp.SectionROS: ROS, nlp.SectionPMH: History, nlp.SectionPSH: History, nlp.SectionFH: History,
	nlp.SectionSH: History, nlp.SectionMeds: Medications, nlp.SectionAllergies: Allergies,
	nlp.SectionVitals: Vitals, nlp.SectionExam: Exam, nlp.SectionResults: Results,
	nlp.SectionProcedure: Procedure, nlp.SectionAP: Assessment, nlp.SectionTime: Other,
	nlp.SectionInstructions: Instructions,
}

// FromDoc prepares a note the nlp pipeline has analyzed: its sentences
// with their section kinds and the patient's stated age. An assessment
// and plan section headed "Plan" (or another plan heading) is a plan, and
// an unknown heading this package knows takes its kind.
func FromDoc(d *nlp.Doc) *Note {
	spans := make([]Span, 0, len(d.Sentences))
	for _, s := range d.Sentences {
		kind := Other
		if s.Section >= 0 && s.Section < len(d.Sections) {
			sec := d.Sections[s.Section]
			kind = nlpKinds[sec.Kind]
			if (sec.Kind == nlp.SectionAP || sec.Kind == nlp.SectionUnknown) && sec.HeaderEnd > sec.HeaderStart {
				if k := KindOf(d.Text[sec.HeaderStart:sec.HeaderEnd]); k != Other {
					kind = k
				}
			}
		}
		spans = append(spans, Span{Start: s.Start, End: s.End, Section: kind})
	}
	age := -1
	if p := d.Patient; p.AgeSpan.End > p.AgeSpan.Start && p.AgeYears >= 0 {
		age = int(math.Floor(p.AgeYears + 1e-9))
	}
	return New(d.Text, spans, age)
}
