package nlp

import (
	"strings"
	"testing"
)

func TestSections(t *testing.T) {
	text := `Est. 58M f/u hypertension.
CHIEF COMPLAINT: Follow-up.
History of Present Illness:
Doing well.
**A/P:** Essential HTN - continue lisinopril.
REVIEW OF SYSTEMS
Cardiovascular: Denies chest pain.
MSK:
Negative.
BIRTH HISTORY
Term delivery.
S: Cough for 3 days.
O: Lungs clear. P: 72.
Vitals (entered by MA): BMI 41.2. A/P: Viral URI - supportive care. FHx: father with T2DM.`
	d := Analyze(text)
	want := []struct {
		kind   SectionKind
		header string
	}{
		{SectionNone, ""},
		{SectionCC, "CHIEF COMPLAINT"},
		{SectionHPI, "History of Present Illness"},
		{SectionAP, "A/P"},
		{SectionROS, "REVIEW OF SYSTEMS"},
		{SectionUnknown, "BIRTH HISTORY"},
		{SectionHPI, "S"},
		{SectionExam, "O"},
		{SectionVitals, "Vitals"},
		{SectionAP, "A/P"},
		{SectionFH, "FHx"},
	}
	if len(d.Sections) != len(want) {
		t.Fatalf("got sections %v", sectionKinds(d))
	}
	for i, w := range want {
		s := d.Sections[i]
		if s.Kind != w.kind || text[s.HeaderStart:s.HeaderEnd] != w.header {
			t.Errorf("section %d: got %s %q, want %s %q", i, s.Kind.Name(), text[s.HeaderStart:s.HeaderEnd], w.kind.Name(), w.header)
		}
		if i > 0 && s.HeaderStart < d.Sections[i-1].End {
			t.Errorf("section %d overlaps the previous one", i)
		}
	}
	ap := d.Sections[3]
	if ap.Label != "A/P" || ap.Weight != 1.0 || !strings.HasPrefix(text[ap.Start:ap.End], "Essential HTN") {
		t.Errorf("A/P section: %+v content %q", ap, text[ap.Start:ap.End])
	}
	if got := d.SectionAt(strings.Index(text, "supportive")); d.Sections[got].Kind != SectionAP {
		t.Errorf("SectionAt(supportive) = %d", got)
	}
	if got := d.SectionAt(len(text)); got != len(d.Sections)-1 {
		t.Errorf("SectionAt(end) = %d", got)
	}
}

func TestSectionsWithoutHeaders(t *testing.T) {
	d := Analyze("We describe a 37-year-old man with fever.\nHe improved.")
	if len(d.Sections) != 1 || d.Sections[0].Kind != SectionNone || d.Sections[0].Weight != 0.5 {
		t.Fatalf("got %+v", d.Sections)
	}
	if Analyze("").Sections != nil {
		t.Error("an empty note has sections")
	}
}

func TestSentencesAndItems(t *testing.T) {
	text := `HPI: 58-year-old man returns for follow-up of type 2 diabetes with
stage 3a chronic kidney disease. Dr. Smith agrees. eGFR 52. BP 120/80.
Denies chest pain, SOB, headaches.

ASSESSMENT AND PLAN:
1. Type 2 diabetes - A1c above goal.
   Continue metformin.
2) Hypertension - at goal.
#3 Hyperlipidemia
- HTN, DM2, HLD
• Medical Reasoning: stable.`
	d := Analyze(text)
	var got []string
	for _, s := range d.Sentences {
		got = append(got, text[s.Start:s.End])
	}
	want := []string{
		"58-year-old man returns for follow-up of type 2 diabetes with\nstage 3a chronic kidney disease.",
		"Dr. Smith agrees.",
		"eGFR 52.",
		"BP 120/80.",
		"Denies chest pain, SOB, headaches.",
		"Type 2 diabetes - A1c above goal.",
		"Continue metformin.",
		"Hypertension - at goal.",
		"Hyperlipidemia",
		"HTN, DM2, HLD",
		"Medical Reasoning: stable.",
	}
	if strings.Join(got, "\n|") != strings.Join(want, "\n|") {
		t.Errorf("sentences:\n%q\nwant\n%q", got, want)
	}
	var items []string
	for _, it := range d.Items {
		items = append(items, it.Label+"="+text[it.Start:it.End])
	}
	wantItems := []string{
		"1=1. Type 2 diabetes - A1c above goal.\n   Continue metformin.",
		"2=2) Hypertension - at goal.",
		"3=#3 Hyperlipidemia",
		"-=- HTN, DM2, HLD",
		"•=• Medical Reasoning: stable.",
	}
	if strings.Join(items, "|") != strings.Join(wantItems, "|") {
		t.Errorf("items:\n%q\nwant\n%q", items, wantItems)
	}
	// "Continue metformin." belongs to item 1.
	if s := d.Sentences[6]; s.Item != 0 {
		t.Errorf("continuation line in item %d", s.Item)
	}
	var elems []string
	for _, e := range d.Sentences[9].Elements {
		elems = append(elems, text[e.Start:e.End])
	}
	if strings.Join(elems, "|") != "HTN|DM2|HLD" {
		t.Errorf("list elements %q", elems)
	}
	if d.Sentences[0].Elements != nil {
		t.Error("prose sentence split into list elements")
	}
	var negList []string
	for _, e := range d.Sentences[4].Elements {
		negList = append(negList, text[e.Start:e.End])
	}
	if strings.Join(negList, "|") != "Denies chest pain|SOB|headaches" {
		t.Errorf("symptom list elements %q", negList)
	}
}

func TestSentenceAt(t *testing.T) {
	text := "PLAN:\nRest. Fluids."
	d := Analyze(text)
	if got := d.SentenceAt(strings.Index(text, "Fluids")); got != 1 {
		t.Errorf("SentenceAt(Fluids) = %d", got)
	}
	if got := d.SentenceAt(1); got != -1 {
		t.Errorf("SentenceAt(header) = %d", got)
	}
	for i, tk := range d.Tokens {
		if tk.Has(Header) && tk.Sentence != -1 {
			t.Errorf("header token %d is in sentence %d", i, tk.Sentence)
		}
	}
}

func TestSentenceEndsAfterClosingQuote(t *testing.T) {
	text := `"Denies chest pain." BP 128/76 (at goal.) "If fever persists, consider pneumonia." A/P: Viral URI.`
	d := Analyze(text)
	var got []string
	for _, s := range d.Sentences {
		got = append(got, text[s.Start:s.End])
	}
	want := []string{`"Denies chest pain."`, `BP 128/76 (at goal.)`, `"If fever persists, consider pneumonia."`, `Viral URI.`}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("sentences %q, want %q", got, want)
	}
	if k := d.Sections[len(d.Sections)-1].Kind; k != SectionAP {
		t.Errorf("header after a closing quote: last section %s", k.Name())
	}
}
