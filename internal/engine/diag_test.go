package engine

import (
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/medcode/medcode/internal/datadir"
	"github.com/medcode/medcode/internal/engine/evaluate"
)

func TestDiagFN(t *testing.T) {
	split := os.Getenv("DIAG")
	if split == "" {
		t.Skip()
	}
	e := testEngine(t)
	if lf := os.Getenv("LEARNED"); lf != "" {
		e, _ = New(e.set, WithLearnedFile(lf))
	}
	docs, texts, _ := evaluate.LoadCodiEsp(filepath.Join(datadir.EvalDev(), "codiesp_en", "gold.jsonl"), split)
	dos := time.Date(2021, 3, 1, 0, 0, 0, 0, time.UTC)
	rc, _ := e.coderFor(dos)
	reasons := map[string]int{}
	dropCodes := map[string]map[string]int{}
	for i, d := range docs {
		c := newNoteCoder(e, rc, e.nlp.Analyze(texts[i]), Options{Profile: ProfileAbstract, DOS: dos})
		c.opts, _ = c.opts.normalize(dos)
		c.run()
		live := map[string]bool{}
		liveCat := map[string]bool{}
		dropped := map[string]string{}
		for _, cd := range c.cands {
			n := evaluate.NormalizeCode(cd.code.Code)
			if cd.dropped == "" {
				live[n] = true
				liveCat[n[:3]] = true
			} else if _, ok := dropped[n]; !ok {
				dropped[n] = cd.dropped
			}
		}
		for _, g := range uniqueCodes(d.Codes) {
			n := evaluate.NormalizeCode(g)
			switch {
			case live[n]:
				reasons["tp"]++
			case dropped[n] != "":
				reasons["dropped:"+dropped[n]]++
				if dropCodes[dropped[n]] == nil {
					dropCodes[dropped[n]] = map[string]int{}
				}
				dropCodes[dropped[n]][g]++
			case liveCat[n[:3]]:
				reasons["same-category"]++
			default:
				reasons["absent"]++
			}
		}
	}
	var keys []string
	for k := range reasons {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t.Logf("%-20s %d", k, reasons[k])
	}
	for r, m := range dropCodes {
		t.Logf("%s: %v", r, topCounts(m, 15))
	}
}

func TestDiagPairs(t *testing.T) {
	split := os.Getenv("PAIRS")
	if split == "" {
		t.Skip()
	}
	e := testEngine(t)
	if lf := os.Getenv("LEARNED"); lf != "" {
		e, _ = New(e.set, WithLearnedFile(lf))
	}
	docs, texts, _ := evaluate.LoadCodiEsp(filepath.Join(datadir.EvalDev(), "codiesp_en", "gold.jsonl"), split)
	dos := time.Date(2021, 3, 1, 0, 0, 0, 0, time.UTC)
	run, _ := RunCodiEsp(t.Context(), e, docs, texts, dos, 2)
	pairs := map[string]int{}
	absent := map[string]int{}
	for _, d := range run.Docs {
		pred := map[string]bool{}
		for _, p := range d.Predicted {
			pred[evaluate.NormalizeCode(p.Code)] = true
		}
		for _, g := range uniqueCodes(d.Gold) {
			n := evaluate.NormalizeCode(g)
			if pred[n] {
				continue
			}
			found := false
			for _, p := range d.Predicted {
				pn := evaluate.NormalizeCode(p.Code)
				if pn[:3] == n[:3] && !evaluate.Contains(d.Gold, p.Code) {
					pairs[g+" <- "+p.Code]++
					found = true
				}
			}
			if !found {
				absent[g]++
			}
		}
	}
	t.Logf("pairs: %v", topCounts(pairs, 40))
	t.Logf("absent: %v", topCounts(absent, 60))
}
