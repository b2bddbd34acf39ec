package analysis

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/medcode/medcode/internal/engine"
	"github.com/medcode/medcode/internal/nlp"
	"github.com/medcode/medcode/internal/phi"
)

func TestStripTextReachesEveryEvidence(t *testing.T) {
	const canary = "CANARY-TEXT"
	ev := func() []engine.Evidence { return []engine.Evidence{{Start: 1, End: 5, Text: canary}} }
	r := &engine.Result{
		Diagnoses: []engine.Diagnosis{{Code: "I10", Evidence: ev(),
			Reasoning: nlp.QuoteNote(canary) + ` (A/P) is indexed at Hypertension; the Index's "with" links them`}},
		Procedures: []engine.Procedure{{Code: "99213", Evidence: ev()}},
		EM: &engine.EM{Code: "99213", Evidence: ev(), MDM: &engine.MDM{
			Problems: engine.MDMElement{Evidence: ev()}, Data: engine.MDMElement{Evidence: ev()}, Risk: engine.MDMElement{Evidence: ev()}}},
		PHI:      engine.PHIReport{Found: true, Spans: []phi.Span{{Start: 1, End: 3, Text: canary}}},
		Warnings: []engine.Warning{{Kind: "query", Span: &ev()[0], Message: "vaccine " + nlp.QuoteNote(canary) + " given"}},
	}
	stripText(r)
	b, _ := json.Marshal(r)
	if strings.Contains(string(b), canary) {
		t.Fatalf("text left after stripText: %s", b)
	}
	if !strings.Contains(r.Diagnoses[0].Reasoning, `“…” (A/P) is indexed at Hypertension; the Index's "with" links them`) {
		t.Fatalf("explanation lost beyond the note's words: %q", r.Diagnoses[0].Reasoning)
	}
	if !strings.Contains(string(b), `"start":1,"end":5`) {
		t.Fatalf("offsets lost: %s", b)
	}
}

func TestToOriginalMovesEvidenceOffRedaction(t *testing.T) {
	note := "Call (555) 123-4567 re cough."
	red, err := phi.Redact(note, []phi.Span{{Start: 5, End: 19, Type: phi.KindPhone}}, phi.RedactOptions{})
	if err != nil {
		t.Fatal(err)
	}
	at := strings.Index(red.Text, "cough")
	r := &engine.Result{Diagnoses: []engine.Diagnosis{{Code: "R05.9", Evidence: []engine.Evidence{{Start: at, End: at + 5, Text: "cough"}}}},
		EM: &engine.EM{Evidence: []engine.Evidence{{Start: 5, End: 12}}}}
	if err := toOriginal(r, red); err != nil {
		t.Fatal(err)
	}
	if e := r.Diagnoses[0].Evidence[0]; note[e.Start:e.End] != "cough" || e.Text != "" {
		t.Fatalf("evidence after mapping = %+v", e)
	}
	// A range over the placeholder covers the whole identifier.
	if e := r.EM.Evidence[0]; e.Start != 5 || e.End != 19 {
		t.Fatalf("placeholder evidence = %+v", e)
	}
	r.Diagnoses[0].Evidence[0] = engine.Evidence{Start: 0, End: len(red.Text) + 1}
	if err := toOriginal(r, red); err == nil {
		t.Fatal("an offset past the redacted text was accepted")
	}
}

func TestVariantRoundTrip(t *testing.T) {
	for _, v := range []variant{{}, {Payer: "medicare"}, {PatientType: "new", RulesVersion: 12}, {"medicaid", "established", 3}} {
		if got := parseVariant(v.String()); got != v {
			t.Errorf("%+v -> %q -> %+v", v, v.String(), got)
		}
	}
	if (variant{}).String() != "" {
		t.Fatal("the zero variant must encode as the old cache key")
	}
}
