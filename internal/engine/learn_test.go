package engine

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/medcode/medcode/internal/engine/evaluate"
)

// TestLearnSmallCorpus learns from a handful of coded notes: a phrase that
// names its code in the classification's words is kept with its counts; a
// phrase that only shares notes with a code ("sedimentation" with fever) is
// not; the table it writes reads back.
func TestLearnSmallCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("learning codes the corpus many times over")
	}
	e := testEngine(t)
	var train Corpus
	for i := 0; i < 6; i++ {
		train.Docs = append(train.Docs, evaluate.CodiEspDoc{ID: "d" + string(rune('a'+i)), Codes: []string{"N23", "R50.9"}})
		train.Texts = append(train.Texts, "The patient came with renal colic. Erythrocyte sedimentation was high.")
	}
	p := DefaultLearnParams
	p.Folds = 2
	var out strings.Builder
	rep, err := Learn(context.Background(), e, train, Corpus{}, time.Date(2025, 3, 10, 0, 0, 0, 0, time.UTC), p, &out)
	if err != nil {
		t.Fatal(err)
	}
	lt, err := loadLearned(fstest.MapFS{"l.tsv": &fstest.MapFile{Data: []byte(out.String())}}, "l.tsv")
	if err != nil {
		t.Fatalf("the written table does not read back: %v\n%s", err, out.String())
	}
	found := map[string]string{}
	for _, g := range lt.groups {
		for _, lc := range g.codes {
			found[strings.Join(g.words, " ")] += lc.code + " "
		}
	}
	if !strings.Contains(found["kidney colic"]+found["colic"], "N23") {
		t.Errorf("no row for the renal colic → N23; rows %v", found)
	}
	for phrase, codes := range found {
		if strings.Contains(phrase, "sediment") || phrase == "high" {
			t.Errorf("association row %q → %s kept", phrase, codes)
		}
	}
	if rep.Phrases != len(lt.groups) || lt.minPrecision != p.Default.Precision || lt.minSupport != p.Default.Support {
		t.Errorf("report %+v and table thresholds %v/%d disagree", rep, lt.minPrecision, lt.minSupport)
	}
}
