package engine

import (
	"io/fs"
	"regexp"
	"strings"

	"github.com/medcode/medcode/internal/codeset/icd"
	"github.com/medcode/medcode/internal/engine/termmatch"
	"github.com/medcode/medcode/internal/nlp"
)

// Drug events and the Table of Drugs and Chemicals column each takes.
const (
	eventAdverse     = "adverse"
	eventPoisoning   = "poisoning"
	eventUnderdosing = "underdosing"
)

var eventRule = map[string]string{eventAdverse: "ADVERSE-EFFECT", eventPoisoning: "POISONING", eventUnderdosing: "UNDERDOSING"}

// drugColumns are the table's column headings by event and intent.
var drugColumns = map[string]string{
	eventAdverse:     "Adverse effect",
	eventUnderdosing: "Underdosing",
	"accidental":     "Poisoning Accidental (unintentional)",
	"intentional":    "Poisoning Intentional self-harm",
	"assault":        "Poisoning Assault",
	"undetermined":   "Poisoning Undetermined",
}

// cueSet is a list of phrases matched on lower-case sentence text at word
// boundaries.
type cueSet struct {
	name string
	re   *regexp.Regexp
}

func newCueSet(name, phrases string) cueSet {
	var alts []string
	for _, p := range strings.Split(phrases, "|") {
		if p = strings.TrimSpace(strings.ToLower(p)); p != "" {
			alts = append(alts, regexp.QuoteMeta(p))
		}
	}
	return cueSet{name: name, re: regexp.MustCompile(`\b(?:` + strings.Join(alts, "|") + `)\b`)}
}

// drugCoder finds drugs in the note and codes adverse effects, poisonings
// and underdosing from the Table of Drugs and Chemicals.
type drugCoder struct {
	table   *icd.Table
	vocab   *termmatch.Vocab
	matcher *termmatch.Matcher
	rows    []*icd.Term
	events  []cueSet // in priority order
	intents []cueSet
	reasons []cueSet // name is the code
}

func newDrugCoder(table *icd.Table, words wordsFunc, fsys fs.FS) (*drugCoder, error) {
	d := &drugCoder{table: table, vocab: termmatch.NewVocab()}
	rows, err := readTSV(fsys, "tables/drug_events.tsv")
	if err != nil {
		return nil, err
	}
	byEvent := map[string]cueSet{}
	for _, r := range rows {
		if err := r.want(3, 3); err != nil {
			return nil, err
		}
		cs := newCueSet(r.field(1), r.field(2))
		switch r.kind() {
		case "event":
			if _, ok := eventRule[cs.name]; !ok {
				return nil, r.errorf("unknown event %q", cs.name)
			}
			byEvent[cs.name] = cs
		case "intent":
			if _, ok := drugColumns[cs.name]; !ok || cs.name == eventAdverse || cs.name == eventUnderdosing {
				return nil, r.errorf("unknown intent %q", cs.name)
			}
			d.intents = append(d.intents, cs)
		case "reason":
			if _, ok := icd.Key(cs.name); !ok {
				return nil, r.errorf("%q is not a code", cs.name)
			}
			d.reasons = append(d.reasons, cs)
		default:
			return nil, r.errorf("unknown kind %q", r.kind())
		}
	}
	for _, ev := range []string{eventUnderdosing, eventPoisoning, eventAdverse} {
		cs, ok := byEvent[ev]
		if !ok {
			return nil, &tableError{file: "tables/drug_events.tsv", msg: "no cues for event " + ev}
		}
		d.events = append(d.events, cs)
	}
	if table == nil {
		d.matcher = termmatch.New(nil, nil)
		return d, nil
	}
	var patterns []termmatch.Pattern
	adverse := table.Column(drugColumns[eventAdverse])
	for _, m := range table.MainTerms() {
		// Only medicines: substances with an adverse-effect code.
		if adverse < 0 || adverse >= len(m.Cells) || m.Cells[adverse] == "" || m.Cells[adverse] == "-" {
			continue
		}
		for _, v := range variants(m.Title) {
			ws := words(v)
			if len(ws) == 0 {
				continue
			}
			p := termmatch.Pattern{Payload: int32(len(d.rows))}
			for _, w := range ws {
				p.Narrow = append(p.Narrow, d.vocab.ID(w))
			}
			p.Head = p.Narrow[0]
			patterns = append(patterns, p)
		}
		d.rows = append(d.rows, m)
	}
	d.matcher = termmatch.New(patterns, func(int) int { return 0 })
	return d, nil
}

// tableError reports a defect of an embedded table.
type tableError struct{ file, msg string }

func (e *tableError) Error() string { return "engine: " + e.file + ": " + e.msg }

// addDrugEvents codes each drug whose sentence states an adverse effect,
// a poisoning or an underdosing.
func (c *noteCoder) addDrugEvents() {
	dc := c.rc.drugs
	if dc.table == nil {
		return
	}
	d := c.doc
	toks := make([]termmatch.Token, len(c.toks))
	for i, t := range c.toks {
		toks[i] = termmatch.Token{ID: dc.vocab.Lookup(d.Terms[c.termOf[i]].Norm), Unit: t.Unit}
	}
	for _, m := range dc.matcher.Find(toks) {
		first, last := &d.Terms[c.termOf[m.Lo]], &d.Terms[c.termOf[m.Hi]]
		if first.Sentence < 0 || first.Sentence >= len(d.Sentences) {
			continue
		}
		s := d.Sentences[first.Sentence]
		if d.Sections[s.Section].Kind == nlp.SectionAllergies || c.insideCondition(first.Start, last.End) {
			continue
		}
		text := strings.ToLower(d.Text[s.Start:s.End])
		event := ""
		for _, cs := range dc.events {
			if cs.re.MatchString(text) {
				event = cs.name
				break
			}
		}
		if event == "" {
			continue
		}
		if st := d.Assert(first.Start, last.End, 0).Status; st == nlp.Negated || st == nlp.Hypothetical || st == nlp.Family {
			continue
		}
		// An adverse effect is a condition the drug caused: the sentence
		// codes one, and the cue ties the drug to it ("urticaria due to
		// penicillin", "steroid-induced"), not just anything in the sentence
		// ("increase denied due to his high testosterone levels").
		if event == eventAdverse && (!cueTiesDrug(dc.events[len(dc.events)-1], text, first.Start-s.Start, last.End-s.Start) || !c.conditionIn(first.Sentence, first.Start, last.End)) {
			continue
		}
		column := event
		if event == eventPoisoning {
			column = "accidental"
			for _, cs := range dc.intents {
				if cs.re.MatchString(text) {
					column = cs.name
					break
				}
			}
		}
		row := dc.rows[m.Payload]
		cell := dc.table.Cell(row, drugColumns[column])
		if cell == "" || cell == "-" {
			continue
		}
		men := &mention{start: first.Start, end: last.End, sentence: first.Sentence, section: s.Section, words: len(m.Positions), assertion: nlp.Affirmed}
		ctx := c.navContext(men, nil)
		code, steps, ok := c.rc.nav.complete(cell, ctx, "")
		if !ok {
			continue
		}
		origin := "Table of Drugs and Chemicals, " + row.Title + ", " + drugColumns[column]
		cd := c.add(code, men, nlp.Affirmed, srcIndex, origin, steps, eventRule[event])
		for _, st := range steps {
			cd.addRule(st.rule)
		}
		if event == eventUnderdosing {
			c.addUnderdosingReason(men, text)
			c.addUnderdosedStatus(first.Start, last.End)
		}
	}
}

// maxCueGap is how many words may stand between a causal cue and the drug
// it names ("due to his daily lisinopril").
const maxCueGap = 4

// cueTiesDrug reports whether a cue of the set names the drug at
// text[start:end]: the drug follows the cue within maxCueGap words ("due
// to", "reaction to"), the cue follows the drug at once ("steroid-induced",
// "penicillin reaction"), or the cue is "as prescribed", which ties every
// drug of its sentence.
func cueTiesDrug(cs cueSet, text string, start, end int) bool {
	for _, loc := range cs.re.FindAllStringIndex(text, -1) {
		switch cue := text[loc[0]:loc[1]]; {
		case strings.HasSuffix(cue, "as prescribed"):
			return true
		case loc[1] <= start && len(strings.Fields(text[loc[1]:start])) <= maxCueGap:
			return true
		case loc[0] >= end && len(strings.Fields(text[end:loc[0]])) <= 1 && !strings.ContainsAny(text[end:loc[0]], ",;"):
			return true
		}
	}
	return false
}

// conditionIn reports whether sentence si codes a condition of the patient
// outside the span (the drug).
func (c *noteCoder) conditionIn(si, start, end int) bool {
	for _, cd := range c.cands {
		if cd.dropped != "" || cd.status == nlp.Negated || cd.status == nlp.Family || cd.status == nlp.Hypothetical {
			continue
		}
		for _, m := range cd.mentions {
			if m.sentence == si && (m.end <= start || m.start >= end) {
				return true
			}
		}
	}
	return false
}

// insideCondition reports whether a condition mention's phrase covers the
// span: "iron" in "iron deficiency anemia" names no drug event.
func (c *noteCoder) insideCondition(start, end int) bool {
	for _, m := range c.mentions {
		if m.start <= start && m.end >= end && (m.start < start || m.end > end) {
			return true
		}
	}
	return false
}

// addUnderdosingReason adds the noncompliance code of the stated reason.
func (c *noteCoder) addUnderdosingReason(m *mention, text string) {
	for _, cs := range c.rc.drugs.reasons {
		if !cs.re.MatchString(text) {
			continue
		}
		code, steps, ok := c.rc.nav.complete(cs.name, navContext{}, "")
		if !ok {
			return
		}
		c.add(code, m, nlp.Affirmed, srcLexicon, "underdosing, reason stated", steps, "UNDERDOSING")
		return
	}
}

// addUnderdosedStatus keeps the long-term drug-therapy code of a drug the
// patient underdosed: the patient is still a long-term user (R18).
func (c *noteCoder) addUnderdosedStatus(start, end int) {
	for i := range c.doc.Medications {
		md := &c.doc.Medications[i]
		if md.ImpliedCode != "" && md.Start < end && md.End > start {
			c.addMedicationStatus(md, md.ImpliedCode, "UNDERDOSING")
			return
		}
	}
}
