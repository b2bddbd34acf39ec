package engine

import (
	"os"
	"testing"
)

func TestDebugNote(t *testing.T) {
	note := os.Getenv("NOTE")
	if note == "" {
		t.Skip()
	}
	e := testEngine(t)
	rc, _ := e.coderFor(e.now())
	d := e.nlp.Analyze(note)
	c := newNoteCoder(e, rc, d, Options{Profile: os.Getenv("PROFILE")})
	if c.opts.Profile == "" {
		c.opts.Profile = ProfileOutpatient
	}
	c.opts, _ = c.opts.normalize(e.now())
	c.tokens()
	c.matchTerms()
	for _, m := range c.mentions {
		tg := m.target
		p := tg.code
		if tg.term != nil {
			p = tg.term.PathString() + " [" + tg.term.Code + "]"
		}
		t.Logf("mention %q src=%d %s", note[m.start:m.end], tg.source, p)
	}
	c.resolveMentions()
	c.addMeasurementCodes()
	c.addMedicationCodes()
	c.addDrugEvents()
	c.applyRules()
	c.sequence()
	c.score()
	for _, cd := range c.cands {
		t.Logf("cand %s %q status=%v dropped=%s rules=%v origin=%s", cd.code.Code, cd.code.Title, cd.status, cd.dropped, cd.rules, cd.origin)
	}
}
