package analysis

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/medcode/medcode/internal/engine"
	"github.com/medcode/medcode/internal/phi"
)

func TestStripTextReachesEveryEvidence(t *testing.T) {
	const canary = "CANARY-TEXT"
	ev := func() []engine.Evidence { return []engine.Evidence{{Start: 1, End: 5, Text: canary}} }
	r := &engine.Result{
		Diagnoses:  []engine.Diagnosis{{Code: "I10", Evidence: ev()}},
		Procedures: []engine.Procedure{{Code: "99213", Evidence: ev()}},
		EM: &engine.EM{Code: "99213", Evidence: ev(), MDM: &engine.MDM{
			Problems: engine.MDMElement{Evidence: ev()}, Data: engine.MDMElement{Evidence: ev()}, Risk: engine.MDMElement{Evidence: ev()}}},
		PHI:      engine.PHIReport{Found: true, Spans: []phi.Span{{Start: 1, End: 3, Text: canary}}},
		Warnings: []engine.Warning{{Kind: "query", Span: &ev()[0]}},
	}
	stripText(r)
	b, _ := json.Marshal(r)
	if strings.Contains(string(b), canary) {
		t.Fatalf("text left after stripText: %s", b)
	}
	if !strings.Contains(string(b), `"start":1,"end":5`) {
		t.Fatalf("offsets lost: %s", b)
	}
}

func TestMaskKeepsLengthAndWholeCharacters(t *testing.T) {
	note := "Tel ☎ 555-1234 ok"
	// A span that starts inside the multi-byte ☎ widens to the whole character.
	out := mask(note, []phi.Span{{Start: 5, End: 16}})
	if len(out) != len(note) || out != "Tel XXXXXXXXXXXX ok" {
		t.Fatalf("mask = %q", out)
	}
}

func TestCleanSpansDropsBadOffsets(t *testing.T) {
	got := cleanSpans([]phi.Span{{Start: 5, End: 3}, {Start: -1, End: 2}, {Start: 2, End: 99}, {Start: 4, End: 6, Text: "x"}, {Start: 0, End: 1}}, 10)
	if len(got) != 2 || got[0].Start != 0 || got[1].Start != 4 || got[1].Text != "" {
		t.Fatalf("cleanSpans = %+v", got)
	}
}
