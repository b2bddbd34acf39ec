package nlp

import (
	"strings"
	"testing"
)

// The tests in this file walk every row of every lexicon and check that
// the entry does what its kind promises in a sentence built around it.

func dataRows(t *testing.T, file string) []row {
	t.Helper()
	rows, err := readRows(dataFS, "data/"+file)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 {
		t.Fatalf("%s is empty", file)
	}
	return rows
}

// fill replaces lexicon placeholders with sample values.
func fill(p string) string {
	return strings.NewReplacer("{num}", "3", "{year}", "2010").Replace(p)
}

func loadAnalyzer(t *testing.T) *Analyzer {
	t.Helper()
	a, err := New()
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestNormalizeLexiconEntries(t *testing.T) {
	a := loadAnalyzer(t)
	kinds := map[string]int{}
	for _, r := range dataRows(t, "normalize.tsv") {
		kinds[r.kind()]++
		switch r.kind() {
		case "spelling", "variant", "irregular":
			from, to := r.field(1), r.field(2)
			if a.Normalize(from) != a.Normalize(to) {
				t.Errorf("line %d: %q normalizes to %q, %q to %q", r.line, from, a.Normalize(from), to, a.Normalize(to))
			}
			if from == to {
				t.Errorf("line %d: %q maps to itself", r.line, from)
			}
		case "number":
			if got := a.Normalize(r.field(1)); got != r.field(2) {
				t.Errorf("line %d: Normalize(%q) = %q, want %q", r.line, r.field(1), got, r.field(2))
			}
		case "prefix":
			joined := a.NormalizePhrase(r.field(1) + "-existing")
			plain := a.NormalizePhrase(r.field(1) + "existing")
			if len(joined) != 1 || joined[0] != plain[0] {
				t.Errorf("line %d: %q-existing gives %q, want %q", r.line, r.field(1), joined, plain)
			}
		case "stop":
			if !a.IsStop(a.Normalize(r.field(1))) {
				t.Errorf("line %d: %q is not a stop word", r.line, r.field(1))
			}
		case "roman-after":
			got := a.NormalizePhrase(r.field(1) + " III")
			if got[len(got)-1] != "3" {
				t.Errorf("line %d: %q III gives %q, want a final 3", r.line, r.field(1), got)
			}
		default:
			t.Errorf("line %d: untested kind %q", r.line, r.kind())
		}
	}
	for _, k := range []string{"spelling", "variant", "irregular", "number", "prefix", "stop", "roman-after"} {
		if kinds[k] == 0 {
			t.Errorf("normalize.tsv has no %s entry", k)
		}
	}
}

func TestSectionLexiconEntries(t *testing.T) {
	a := loadAnalyzer(t)
	for _, r := range dataRows(t, "sections.tsv") {
		switch r.kind() {
		case "kind":
			k, _ := sectionKindByName(r.field(1))
			if w := a.sections.weight[k]; w < 0 || w > 1 {
				t.Errorf("line %d: weight %v outside [0, 1]", r.line, w)
			}
		case "header":
			k, _ := sectionKindByName(r.field(1))
			flags := r.field(3)
			for _, p := range alternatives(r.field(2)) {
				surface := p
				if strings.Contains(flags, "upper") {
					surface = strings.ToUpper(p)
				}
				forms := []string{surface + ": Stable today.", strings.ToUpper(surface) + "\nStable today."}
				if strings.Contains(flags, "colon") {
					forms = forms[:1]
				}
				for _, form := range forms {
					text := "Seen in clinic.\n" + form + "\n"
					d := a.Analyze(text)
					if !hasSection(d, k, surface) {
						t.Errorf("line %d: %q is not a %s header in %q (sections %v)", r.line, p, k.Name(), text, sectionKinds(d))
					}
				}
				if !strings.Contains(flags, "colon") {
					// Followed by ordinary words, the phrase is prose.
					d := a.Analyze("Seen in clinic.\n" + surface + " was reviewed today\n")
					if len(d.Sections) != 1 {
						t.Errorf("line %d: %q without a colon opened a section: %v", r.line, p, sectionKinds(d))
					}
				}
			}
		case "subheading":
			for _, p := range alternatives(r.field(1)) {
				d := a.Analyze("REVIEW OF SYSTEMS:\n" + p + ": Negative.\n" + strings.ToUpper(p) + "\nNegative.\n")
				if len(d.Sections) != 1 || d.Sections[0].Kind != SectionROS {
					t.Errorf("line %d: subheading %q changed the section: %v", r.line, p, sectionKinds(d))
				}
			}
		case "nobreak":
			for _, w := range alternatives(r.field(1)) {
				d := a.Analyze("Seen with " + w + ". Smith today.")
				if len(d.Sentences) != 1 {
					t.Errorf("line %d: a period after %q split the sentence", r.line, w)
				}
			}
		case "continue":
			for _, w := range alternatives(r.field(1)) {
				d := a.Analyze("Seen today for pain " + w + "\nSwelling of the knee.")
				if len(d.Sentences) != 1 {
					t.Errorf("line %d: a line ending in %q did not continue", r.line, w)
				}
			}
		default:
			t.Errorf("line %d: untested kind %q", r.line, r.kind())
		}
	}
}

func hasSection(d *Doc, k SectionKind, header string) bool {
	for _, s := range d.Sections {
		if s.Kind == k && strings.EqualFold(d.Text[s.HeaderStart:s.HeaderEnd], header) {
			return true
		}
	}
	return false
}

func sectionKinds(d *Doc) []string {
	var out []string
	for _, s := range d.Sections {
		out = append(out, s.Kind.Name()+":"+d.Text[s.HeaderStart:s.HeaderEnd])
	}
	return out
}

// statusOf maps a trigger category to the status it gives alone.
var statusOf = map[Category]Status{
	CatNegated: Negated, CatUncertain: Uncertain, CatHypothetical: Hypothetical,
	CatHistorical: Historical, CatFamily: Family, CatOther: Other,
}

func TestContextLexiconEntries(t *testing.T) {
	a := loadAnalyzer(t)
	assertIn := func(text, concept string, traits Traits) Assertion {
		d := a.Analyze(text)
		s, e := conceptSpan(t, text, concept)
		return d.Assert(s, e, traits)
	}
	groups := map[string][]string{}
	for _, r := range dataRows(t, "context.tsv") {
		if r.kind() == "group" {
			groups[r.field(1)] = alternatives(r.field(2))
			continue
		}
		phrases := expandGroups(alternatives(r.field(4)), groups)
		for _, p := range phrases {
			p = fill(p)
			switch r.kind() {
			case "negated", "uncertain", "hypothetical", "historical", "family", "other":
				want := statusOf[categoryNames[r.kind()]]
				dir := r.field(1)
				if dir == "pre" || dir == "both" {
					if got := assertIn(p+" pneumonia today.", "pneumonia", 0); got.Status != want {
						t.Errorf("line %d: %q before a concept gives %s, want %s", r.line, p, got.Status, want)
					}
				}
				if dir == "post" || dir == "both" {
					if got := assertIn("Pneumonia "+p+".", "Pneumonia", 0); got.Status != want {
						t.Errorf("line %d: %q after a concept gives %s, want %s", r.line, p, got.Status, want)
					}
				}
			case "confirmed":
				text := "R/o pneumonia; pneumonia " + p + "."
				if r.field(1) == "pre" {
					text = "R/o pneumonia; " + p + " pneumonia."
				}
				if got := assertIn(text, "pneumonia", 0); got.Status != Affirmed {
					t.Errorf("line %d: %q did not settle a rule-out: %s", r.line, p, got.Status)
				}
			case "pseudo":
				text := "Seen " + p + " pneumonia."
				d := a.Analyze(text)
				lo := strings.Index(text, p)
				for _, tr := range d.Triggers {
					if tr.Start >= lo && tr.End <= lo+len(p) {
						t.Errorf("line %d: pseudo-trigger %q still yields trigger %q", r.line, p, text[tr.Start:tr.End])
					}
				}
			case "terminator":
				keep := r.field(3)
				text, want := "Denies fever "+p+" cough.", Affirmed
				if strings.Contains(keep, "negated") {
					text = "History of fever " + p + " cough."
				}
				if got := assertIn(text, "cough", 0); got.Status != want {
					t.Errorf("line %d: terminator %q did not close the scope in %q: %s", r.line, p, text, got.Status)
				}
				if strings.Contains(keep, "family") {
					if got := assertIn("Mother with fever "+p+" cough.", "cough", 0); got.Status != Family {
						t.Errorf("line %d: terminator %q closed a family scope: %s", r.line, p, got.Status)
					}
				}
			case "clause":
				// The negation is closed; a history opener is itself the
				// cue that decides ("no fever, history of cough").
				text := "No fever, " + p + " cough."
				got := assertIn(text, "cough", 0)
				opener := got.Trigger != nil && got.Trigger.Start >= strings.Index(text, p) && got.Trigger.End <= strings.Index(text, p)+len(p)
				if got.Status == Negated || got.Status != Affirmed && !opener {
					t.Errorf("line %d: clause verb %q did not close the scope: %s", r.line, p, got.Status)
				}
				if strings.Contains(r.field(3), "hypothetical") {
					if got := assertIn("If fever, "+p+" cough.", "cough", 0); got.Status != Hypothetical {
						t.Errorf("line %d: clause verb %q closed a hypothetical scope: %s", r.line, p, got.Status)
					}
				}
			case "subject":
				if got := assertIn("No fever, "+p+" has cough.", "cough", 0); got.Status != Affirmed {
					t.Errorf("line %d: subject %q before a clause verb kept the scope: %s", r.line, p, got.Status)
				}
			case "current":
				if got := assertIn("Past history of asthma, "+p+".", "asthma", Chronic); got.Status != Affirmed || !got.Current {
					t.Errorf("line %d: care cue %q did not make a chronic history current: %s", r.line, p, got.Status)
				}
			default:
				t.Errorf("line %d: untested kind %q", r.line, r.kind())
			}
		}
	}
}

func TestAbbreviationLexiconEntries(t *testing.T) {
	a := loadAnalyzer(t)
	find := func(d *Doc, expansion string) *Abbreviation {
		for i := range d.Abbreviations {
			if d.Abbreviations[i].Expansion == expansion && d.Abbreviations[i].Resolved {
				return &d.Abbreviations[i]
			}
		}
		return nil
	}
	ambiguous := map[string]bool{} // keys with a default sense
	hasDefault := map[string]bool{}
	for _, r := range dataRows(t, "abbreviations.tsv") {
		expansion := r.field(3)
		switch r.kind() {
		case "abbr":
			rule := r.field(2)
			for _, k := range alternatives(r.field(1)) {
				text := "Patient has " + k + " today."
				d := a.Analyze(text)
				ab := find(d, expansion)
				if ab == nil || text[ab.Start:ab.End] != k {
					t.Errorf("line %d: %q not expanded to %q in %q", r.line, k, expansion, text)
					continue
				}
				other := strings.ToLower(k)
				if rule == "lower" {
					other = strings.ToUpper(k)
				}
				if rule != "any" && other != k {
					if find(a.Analyze("Patient has "+other+" today."), expansion) != nil {
						t.Errorf("line %d: %q matched a %s-case entry", r.line, other, rule)
					}
				}
			}
		case "sense":
			example := r.field(7)
			if find(a.Analyze(example), expansion) == nil {
				t.Errorf("line %d: example %q does not resolve to %q", r.line, example, expansion)
			}
			for _, k := range alternatives(r.field(1)) {
				ambiguous[k] = true
				if strings.Contains(r.field(5), "default") {
					hasDefault[k] = true
				}
			}
		default:
			t.Errorf("line %d: untested kind %q", r.line, r.kind())
		}
	}
	// Without cues, an ambiguous abbreviation takes its default sense or
	// stays unresolved and out of the matcher's way.
	for k := range ambiguous {
		text := "Noted " + k + "."
		d := a.Analyze(text)
		for _, ab := range d.Abbreviations {
			if text[ab.Start:ab.End] != k {
				continue
			}
			if ab.Resolved != hasDefault[k] {
				t.Errorf("%q alone: resolved=%v, default sense=%v", k, ab.Resolved, hasDefault[k])
			}
			if !ab.Resolved {
				for _, tm := range d.Terms {
					if tm.Start == ab.Start && !tm.Has(Ambiguous) {
						t.Errorf("%q alone: term %q not flagged ambiguous", k, tm.Norm)
					}
				}
			}
		}
	}
}

// measureValues are sample values for each label kind and the value they
// must give.
var measureValues = map[string]struct {
	text  string
	kind  MeasureKind
	value float64
}{
	"bmi": {"32.4", BMI, 32.4}, "a1c": {"7.2%", A1c, 7.2}, "bp": {"128/76", BloodPressure, 128},
	"egfr": {"52", EGFR, 52}, "temp": {"101.2", Temperature, 101.2}, "spo2": {"94%", SpO2, 94},
	"phq9": {"14", PHQ9, 14}, "phq2": {"3", PHQ2, 3}, "gad7": {"10", GAD7, 10},
	"time": {"25 minutes", TotalTime, 25}, "ckd": {"stage 3a", CKDStage, 3}, "age": {"58", Age, 58},
}

func findMeasure(d *Doc, k MeasureKind) *Measurement {
	for i := range d.Measurements {
		if d.Measurements[i].Kind == k {
			return &d.Measurements[i]
		}
	}
	return nil
}

func TestMeasurementLexiconEntries(t *testing.T) {
	a := loadAnalyzer(t)
	check := func(line int, text string, k MeasureKind, value float64, detail string) {
		t.Helper()
		m := findMeasure(a.Analyze(text), k)
		if m == nil || m.Value != value || detail != "" && m.Detail != detail {
			t.Errorf("line %d: %q: got %+v, want %s %v %q", line, text, m, k, value, detail)
		}
	}
	for _, r := range dataRows(t, "measurements.tsv") {
		switch r.kind() {
		case "label":
			v := measureValues[r.field(1)]
			for _, p := range alternatives(r.field(2)) {
				check(r.line, "Noted "+p+" "+v.text+" today.", v.kind, v.value, "")
			}
		case "filler":
			for _, p := range alternatives(r.field(1)) {
				check(r.line, "BMI "+p+" 32.4 today.", BMI, 32.4, "")
			}
		case "unit":
			f, _ := r.number(2)
			for _, p := range alternatives(r.field(3)) {
				switch r.field(1) {
				case "length":
					check(r.line, "A 3 "+p+" laceration.", Length, round2(3*f), "laceration")
				case "dose":
					text := "Metformin 500 " + p + " daily."
					m := findMeasure(a.Analyze(text), DrugDose)
					if m == nil || m.Value != 500 || m.Detail != "metformin" {
						t.Errorf("line %d: %q: got %+v", r.line, text, m)
					}
				case "time":
					check(r.line, "Total time 2 "+p+".", TotalTime, 2*f, "")
				case "temp":
					text, v, want := "Temp 38.5 "+p+" today.", 38.5, "C"
					switch strings.ToLower(p) {
					case "f", "°f", "fahrenheit":
						text, v, want = "Temp 101.2 "+p+" today.", 101.2, "F"
					}
					m := findMeasure(a.Analyze(text), Temperature)
					if m == nil || m.Value != v || m.Unit != want {
						t.Errorf("line %d: %q: got %+v, want %v %s", r.line, text, m, v, want)
					}
				}
			}
		case "noun":
			for _, p := range alternatives(r.field(3)) {
				if r.field(1) == "lesion" {
					check(r.line, "Treated 3 "+p+" today.", LesionCount, 3, r.field(2))
				} else {
					check(r.line, "A 3 cm "+p+" today.", Length, 3, r.field(2))
				}
			}
		case "after":
			for _, p := range alternatives(r.field(2)) {
				if r.field(1) == "packyears" {
					check(r.line, "Smoker, 30 "+p+" history.", PackYears, 30, "")
					continue
				}
				text := "A 7 " + p + " girl."
				m := findMeasure(a.Analyze(text), Age)
				if unit := strings.TrimPrefix(r.field(1), "age-"); m == nil || m.Value != 7 || m.Unit != unit {
					t.Errorf("line %d: %q: got %+v, want age 7 %s", r.line, text, m, unit)
				}
			}
		case "sex":
			for _, p := range alternatives(r.field(2)) {
				check(r.line, "A 58 year old "+p+" presents.", Sex, 0, r.field(1))
			}
		default:
			t.Errorf("line %d: untested kind %q", r.line, r.kind())
		}
	}
}

func TestMedicationLexiconEntries(t *testing.T) {
	a := loadAnalyzer(t)
	findMed := func(d *Doc) *Medication {
		if len(d.Medications) == 0 {
			return nil
		}
		return &d.Medications[0]
	}
	classes := map[string]*medClass{}
	drugs := map[string]int{}
	for _, r := range dataRows(t, "medications.tsv") {
		switch r.kind() {
		case "class":
			classes[r.field(1)] = &medClass{name: r.field(1), status: strings.Trim(r.field(2), "-"), course: r.field(3)}
		case "drug":
			c := classes[r.field(1)]
			drugs[c.name]++
			names := alternatives(r.field(2))
			for _, n := range names {
				text := "Takes " + n + " 10 mg daily."
				m := findMed(a.Analyze(text))
				if m == nil || m.Name != names[0] || m.Class != c.name || !m.Current {
					t.Errorf("line %d: %q: got %+v, want current %s (%s)", r.line, text, m, names[0], c.name)
					continue
				}
				if c.course == "long" && (!m.LongTerm || m.StatusCode != c.status) {
					t.Errorf("line %d: %q: long-term %v, status %q, want long-term %q", r.line, text, m.LongTerm, m.StatusCode, c.status)
				}
			}
		case "status":
			for _, p := range alternatives(r.field(4)) {
				text := "Patient " + p + " metformin."
				if r.field(2) == "post" {
					text = "Metformin " + p + "."
				}
				m := findMed(a.Analyze(text))
				if m == nil || m.Current || m.Status != r.field(1) {
					t.Errorf("line %d: %q: got %+v, want status %s", r.line, text, m, r.field(1))
				}
			}
		case "course":
			for _, p := range alternatives(r.field(2)) {
				text := "Metformin 500 mg " + fill(p) + "."
				if r.field(1) == "long" {
					text = "Prednisone 5 mg " + fill(p) + "."
				}
				m := findMed(a.Analyze(text))
				if m == nil || m.Course != r.field(1) {
					t.Errorf("line %d: %q: got %+v, want a %s course", r.line, text, m, r.field(1))
				}
			}
		case "frequency":
			for _, p := range alternatives(r.field(2)) {
				text := "Metformin 500 mg " + p + "."
				m := findMed(a.Analyze(text))
				if m == nil || m.Frequency != r.field(1) {
					t.Errorf("line %d: %q: got %+v, want frequency %s", r.line, text, m, r.field(1))
				}
			}
		case "not-drug":
			for _, p := range alternatives(r.field(1)) {
				text := "Insulin " + p + " noted."
				if d := a.Analyze(text); len(d.Medications) != 0 {
					t.Errorf("line %d: %q found a drug", r.line, text)
				}
			}
		default:
			t.Errorf("line %d: untested kind %q", r.line, r.kind())
		}
	}
	for name := range classes {
		if drugs[name] == 0 {
			t.Errorf("class %s has no drug", name)
		}
	}
}

func TestAnatomyLexiconEntries(t *testing.T) {
	a := loadAnalyzer(t)
	// findSite prefers a site with a side among those of the name.
	findSite := func(d *Doc, name string) *Site {
		var found *Site
		for i := range d.Sites {
			if d.Sites[i].Name == name && (found == nil || found.Side == NoSide) {
				found = &d.Sites[i]
			}
		}
		return found
	}
	for _, r := range dataRows(t, "anatomy.tsv") {
		switch r.kind() {
		case "site":
			for _, p := range alternatives(r.field(6)) {
				text := "Pain in the " + p + " today."
				if st := findSite(a.Analyze(text), r.field(1)); st == nil || text[st.Start:st.End] != p {
					t.Errorf("line %d: %q: site %s not found", r.line, text, r.field(1))
				}
			}
		case "side":
			want, _ := sideByName(r.field(1))
			for _, p := range alternatives(r.field(2)) {
				text := p + " knee pain."
				if st := findSite(a.Analyze(text), "knee"); st == nil || st.Side != want {
					t.Errorf("line %d: %q: got %+v, want side %s", r.line, text, st, want)
				}
				if r.field(3) != "" {
					// Capitals and "both" need a site.
					d := a.Analyze("Pain " + p + " today.")
					for _, c := range d.Cues {
						if c.Kind == CueSide {
							t.Errorf("line %d: %q without a site gave a side cue", r.line, p)
						}
					}
				}
			}
		case "sided":
			want, _ := sideByName(r.field(1))
			for _, p := range alternatives(r.field(3)) {
				text := "Swelling of " + p + " noted."
				switch r.field(2) {
				case "ear":
					text = "Otic drops " + p + " twice daily."
				case "eye":
					text = "Eye drops " + p + " twice daily."
				}
				if st := findSite(a.Analyze(text), r.field(2)); st == nil || st.Side != want {
					t.Errorf("line %d: %q: got %+v, want %s %s", r.line, text, st, want, r.field(2))
				}
			}
		case "digit":
			name := r.field(1)
			if name == "finger" && r.field(2) == "1" {
				name = "thumb"
			}
			for _, p := range alternatives(r.field(3)) {
				text := "Laceration of the right " + p + "."
				st := findSite(a.Analyze(text), name)
				if st == nil || st.Side != Right || itoa(st.Digit) != r.field(2) {
					t.Errorf("line %d: %q: got %+v, want right %s %s", r.line, text, st, name, r.field(2))
				}
			}
		default:
			t.Errorf("line %d: untested kind %q", r.line, r.kind())
		}
	}
}

func itoa(n int) string { return string(rune('0' + n)) }

func TestAttributeLexiconEntries(t *testing.T) {
	a := loadAnalyzer(t)
	for _, r := range dataRows(t, "attributes.tsv") {
		if r.kind() != "cue" {
			t.Errorf("line %d: untested kind %q", r.line, r.kind())
			continue
		}
		for _, p := range alternatives(r.field(3)) {
			text := "Seen for " + p + " illness."
			d := a.Analyze(text)
			found := false
			for _, c := range d.Cues {
				found = found || string(c.Kind) == r.field(1) && c.Value == r.field(2)
			}
			if !found {
				t.Errorf("line %d: %q gave no %s=%s cue (cues %+v)", r.line, text, r.field(1), r.field(2), d.Cues)
			}
		}
	}
}
