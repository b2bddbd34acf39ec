package engine

import (
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/medcode/medcode/internal/codeset/icd"
	"github.com/medcode/medcode/internal/nlp"
)

// addMeasurementCodes codes the BMI the note records (its band, Z68); the
// companions table keeps it only with a weight diagnosis (R12).
func (c *noteCoder) addMeasurementCodes() {
	for _, m := range c.doc.Measurements {
		if m.Kind != nlp.BMI {
			continue
		}
		code, ok := c.rc.bmiBand(m.Value, c.age())
		if !ok {
			continue
		}
		men := &mention{start: m.Start, end: m.End, sentence: m.Sentence, section: c.sectionOf(m.Sentence), words: 1, assertion: nlp.Affirmed}
		cd := c.add(code, men, nlp.Affirmed, srcIndex, "BMI "+strconv.FormatFloat(m.Value, 'f', -1, 64)+" in the band of "+code.Code, nil, "R12")
		cd.notes = append(cd.notes, "the BMI band is taken by truncating the value, not rounding it")
	}
}

// sectionOf returns the section of sentence s, or -1.
func (c *noteCoder) sectionOf(s int) int {
	if s < 0 || s >= len(c.doc.Sentences) {
		return -1
	}
	return c.doc.Sentences[s].Section
}

var bmiRangeRe = regexp.MustCompile(`(\d+(?:\.\d+)?)\s*-\s*(\d+(?:\.\d+)?)`)
var bmiBoundRe = regexp.MustCompile(`(\d+(?:\.\d+)?)\s+or\s+(less|greater)`)

// bmiBand is an adult BMI code and the range of values its tabular title
// states (Z68.1 "19.9 or less", Z68.32 "32.0-32.9", Z68.45 "70 or
// greater").
type bmiBand struct {
	lo, hi float64
	code   *icd.Code
}

// bmiBands reads the adult BMI bands from the tabular titles.
func bmiBands(tab *icd.Tabular) []bmiBand {
	var out []bmiBand
	for code := range tab.BillableCodes() {
		if !strings.HasPrefix(code.Code, "Z68.") || !strings.Contains(strings.ToLower(code.Title), "adult") {
			continue
		}
		b := bmiBand{hi: math.Inf(1), code: code}
		if m := bmiRangeRe.FindStringSubmatch(code.Title); m != nil {
			b.lo, _ = strconv.ParseFloat(m[1], 64)
			b.hi, _ = strconv.ParseFloat(m[2], 64)
			b.hi += 0.09
		} else if m := bmiBoundRe.FindStringSubmatch(code.Title); m != nil {
			v, _ := strconv.ParseFloat(m[1], 64)
			if m[2] == "less" {
				b.hi = v + 0.09
			} else {
				b.lo = v
			}
		} else {
			continue
		}
		out = append(out, b)
	}
	return out
}

// bmiBand finds the adult BMI code whose band holds the value truncated to
// one decimal. Pediatric BMI is coded by percentile, which a raw value
// does not give.
func (rc *releaseCoder) bmiBand(value, age float64) (*icd.Code, bool) {
	if age >= 0 && age < 20 {
		return nil, false
	}
	v := math.Floor(value*10) / 10
	for _, b := range rc.bmi {
		if v >= b.lo && v <= b.hi {
			return b.code, true
		}
	}
	return nil, false
}

// addMedicationCodes reports long-term drug therapy (Z79) for the current
// long-term medications the note lists (R18).
func (c *noteCoder) addMedicationCodes() {
	for i := range c.doc.Medications {
		md := &c.doc.Medications[i]
		if md.StatusCode == "" || !md.Current || !md.LongTerm {
			continue
		}
		c.addMedicationStatus(md, md.StatusCode, "R18")
	}
}

// addMedicationStatus adds the Z79 code of a medication.
func (c *noteCoder) addMedicationStatus(md *nlp.Medication, code, rule string) {
	ic, steps, ok := c.rc.nav.complete(code, navContext{}, "")
	if !ok {
		return
	}
	men := &mention{start: md.Start, end: md.End, sentence: md.Sentence, section: c.sectionOf(md.Sentence), words: 1, assertion: nlp.Affirmed}
	c.add(ic, men, nlp.Affirmed, srcLexicon, md.Name+" ("+strings.ReplaceAll(md.Class, "-", " ")+")", steps, rule)
}

// addVaccines reports Z23 for a vaccine given at the visit (R15).
func (c *noteCoder) addVaccines() {
	d := c.doc
	for si, s := range d.Sentences {
		text := strings.ToLower(d.Text[s.Start:s.End])
		if !c.e.tables.given.match(text) {
			continue
		}
		for _, v := range c.e.tables.vaccines {
			for _, loc := range v.phrases.find(text) {
				start, end := s.Start+loc[0], s.Start+loc[1]
				if st := d.Assert(start, end, 0).Status; st != nlp.Affirmed && st != nlp.Historical {
					continue
				}
				code, steps, ok := c.rc.nav.complete(v.code, navContext{}, "")
				if !ok {
					break
				}
				men := &mention{start: start, end: end, sentence: si, section: s.Section, words: 1, assertion: nlp.Affirmed}
				c.add(code, men, nlp.Affirmed, srcLexicon, "vaccine given at the visit", steps, "R15")
				break
			}
		}
	}
}

// qualified reports whether the words right after a mention make it name a
// vaccine, a test or a screening rather than a condition ("influenza
// vaccine", "rapid strep test").
func (c *noteCoder) qualified(lastTerm int) bool {
	d := c.doc
	for i := lastTerm + 1; i < len(d.Terms) && i <= lastTerm+2; i++ {
		t := &d.Terms[i]
		if t.Sentence != d.Terms[lastTerm].Sentence || t.Has(nlp.BreakBefore) {
			return false
		}
		if t.Has(nlp.Stop) {
			continue
		}
		return c.e.tables.qualifiers[c.e.form(t.Norm)]
	}
	return false
}
