package phieval

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/medcode/medcode/internal/datadir"
	"github.com/medcode/medcode/internal/phi"
)

func evalDev(t *testing.T, rel string) string {
	t.Helper()
	dir := datadir.EvalDev()
	if dir == "" {
		t.Skip("no ../shared/eval-dev beside the checkout: the evaluation data is needed")
	}
	path := filepath.Join(dir, rel)
	if _, err := os.Stat(path); err != nil {
		t.Skipf("evaluation data %s is absent: %v", rel, err)
	}
	return path
}

func detector(t *testing.T) *phi.Detector {
	t.Helper()
	det, err := phi.NewDetector(phi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return det
}

// The bars the detector is held to on the presidio synthetic set, over the
// HIPAA-relevant kinds (see presidioKinds).
const (
	minPresidioRecall    = 0.97
	minPresidioPrecision = 0.85
)

func TestPresidioBars(t *testing.T) {
	rep, err := Presidio(detector(t), evalDev(t, filepath.Join("phi", PresidioFile)), 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range rep.Kinds {
		t.Logf("%-15s gold %4d recall %.3f  predicted %4d precision %.3f", k.Kind, k.Gold, k.Recall, k.Predicted, k.Precision)
	}
	if rep.Total.Recall < minPresidioRecall || rep.Total.Precision < minPresidioPrecision {
		t.Errorf("recall %.3f precision %.3f, want at least %.2f and %.2f", rep.Total.Recall, rep.Total.Precision, minPresidioRecall, minPresidioPrecision)
	}
}

// The patient names of the ACI-Bench notes are found in at least 95% of
// their mentions.
func TestACINamesBar(t *testing.T) {
	rep, err := ACINames(detector(t), evalDev(t, "notes"), 5)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Mentions < 300 {
		t.Fatalf("only %d mentions: the gold list was not built", rep.Mentions)
	}
	if rep.Recall < 0.95 {
		t.Errorf("recall %.3f over %d mentions, want at least 0.95; misses: %v", rep.Recall, rep.Mentions, rep.Misses)
	}
}

func TestGoldSpanRelevance(t *testing.T) {
	r := presidioRecord{
		FullText: "Born 1971, seen 1/14/1961 on Monday at 12 Elm St\nSpringfield\nUSA 62704; she is 92; he is 45; flew to Paris.",
	}
	add := func(typ, value string) {
		for i := range r.FullText {
			if len(value) <= len(r.FullText)-i && r.FullText[i:i+len(value)] == value {
				r.Spans = append(r.Spans, presidioSpan{EntityType: typ, Value: value, Start: i, End: i + len(value)})
				return
			}
		}
		t.Fatalf("%q not in the text", value)
	}
	add("DATE_TIME", "1971")
	add("DATE_TIME", "1/14/1961")
	add("DATE_TIME", "Monday")
	add("STREET_ADDRESS", "12 Elm St")
	add("GPE", "Springfield")
	add("GPE", "USA")
	add("ZIP_CODE", "62704")
	add("AGE", "92")
	add("AGE", "45")
	add("GPE", "Paris")
	gold, err := goldSpans(r)
	if err != nil {
		t.Fatal(err)
	}
	want := []bool{false, true, false, true, true, false, true, true, false, false}
	for i, g := range gold {
		if g.relevant != want[i] {
			t.Errorf("%s %q relevant = %v, want %v", g.source, r.FullText[g.start:g.end], g.relevant, want[i])
		}
	}
}

func TestGoldSpansRejectBadOffsets(t *testing.T) {
	r := presidioRecord{FullText: "short", Spans: []presidioSpan{{EntityType: "PERSON", Value: "x", Start: 2, End: 40}}}
	if _, err := goldSpans(r); err == nil {
		t.Fatal("span past the end accepted")
	}
	r.Spans[0] = presidioSpan{EntityType: "PERSON", Value: "nope", Start: 0, End: 3}
	if _, err := goldSpans(r); err == nil {
		t.Fatal("span whose value differs from the text accepted")
	}
}

func TestWordOccurrences(t *testing.T) {
	got := wordOccurrences("Ward went to the ward; Edward and ward's", "ward")
	if len(got) != 3 {
		t.Fatalf("occurrences %v, want 3 (not inside Edward)", got)
	}
}
