package engine

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/medcode/medcode/internal/datadir"
	"github.com/medcode/medcode/internal/engine/evaluate"
)

func TestDevCodiEsp(t *testing.T) {
	split := os.Getenv("CODIESP")
	if split == "" {
		t.Skip("set CODIESP=dev|train")
	}
	e := testEngine(t)
	if lf := os.Getenv("LEARNED"); lf != "" {
		var err error
		if e, err = New(e.set, WithLearnedFile(lf)); err != nil {
			t.Fatal(err)
		}
	}
	docs, texts, err := evaluate.LoadCodiEsp(filepath.Join(datadir.EvalDev(), "codiesp_en", "gold.jsonl"), split)
	if err != nil {
		t.Fatal(err)
	}
	dos := time.Date(2025, 3, 10, 0, 0, 0, 0, time.UTC)
	if d := os.Getenv("DOS"); d != "" {
		dos, _ = time.Parse(time.DateOnly, d)
	}
	st := time.Now()
	run, err := RunCodiEsp(context.Background(), e, docs, texts, dos, 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %d docs in %v", run.Codeset, len(docs), time.Since(st))
	t.Logf("full: %v", run.Score.Full)
	t.Logf("cat:  %v", run.Score.Category)
	fp, fn := run.CodeErrors(40)
	t.Logf("FP: %v", fp)
	t.Logf("FN: %v", fn)
	for _, r := range run.Calibration([]float64{0, 0.5, 0.6, 0.7, 0.8, 0.9, 1}) {
		t.Logf("conf %.1f-%.1f: %d codes, precision %.3f", r.Lo, r.Hi, r.Codes, r.Precision)
	}
}

func TestDevCodiEspCode(t *testing.T) {
	code := os.Getenv("CODE")
	if code == "" {
		t.Skip("set CODE")
	}
	split := os.Getenv("CODIESP")
	e := testEngine(t)
	docs, texts, err := evaluate.LoadCodiEsp(filepath.Join(datadir.EvalDev(), "codiesp_en", "gold.jsonl"), split)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for i, d := range docs {
		res, _ := e.Code(context.Background(), texts[i], Options{Profile: ProfileAbstract, DOS: time.Date(2021, 3, 1, 0, 0, 0, 0, time.UTC)})
		gold := false
		for _, g := range d.Codes {
			gold = gold || evaluate.NormalizeCode(g) == evaluate.NormalizeCode(code)
		}
		var got *Diagnosis
		for k := range res.Diagnoses {
			if evaluate.NormalizeCode(res.Diagnoses[k].Code) == evaluate.NormalizeCode(code) {
				got = &res.Diagnoses[k]
			}
		}
		if gold == (got != nil) || n > 12 {
			continue
		}
		n++
		if got != nil {
			t.Logf("FP %s: %s | gold %v", d.ID, got.Reasoning, d.Codes)
		} else {
			var pred []string
			for _, p := range res.Diagnoses {
				pred = append(pred, p.Code)
			}
			t.Logf("FN %s: pred %v gold %v", d.ID, pred, d.Codes)
		}
	}
}

func TestDevLearn(t *testing.T) {
	out := os.Getenv("LEARN")
	if out == "" {
		t.Skip("set LEARN=file")
	}
	e := testEngine(t)
	docs, texts, err := evaluate.LoadCodiEsp(filepath.Join(datadir.EvalDev(), "codiesp_en", "gold.jsonl"), "train")
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	params := DefaultLearnParams
	if v := os.Getenv("SUPPORT"); v != "" {
		params.MinSupport, _ = strconv.Atoi(v)
	}
	if v := os.Getenv("PREC"); v != "" {
		params.MinPrecision, _ = strconv.ParseFloat(v, 64)
	}
	if err := Learn(context.Background(), e, docs, texts, time.Date(2021, 3, 1, 0, 0, 0, 0, time.UTC), params, f); err != nil {
		t.Fatal(err)
	}
}
