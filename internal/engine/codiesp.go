package engine

import (
	"context"
	"fmt"
	"runtime"
	"sort"
	"sync"
	"time"

	"github.com/medcode/medcode/internal/engine/evaluate"
)

// CodiEspRun is the engine's output on a set of CodiEsp documents with
// the gold codes, for scoring and for learning.
type CodiEspRun struct {
	// Codeset names the release the notes were coded with.
	Codeset string
	Docs    []CodiEspDocRun
	Score   evaluate.Score
}

// CodiEspDocRun is one document's predictions.
type CodiEspDocRun struct {
	Gold      []string
	Predicted []Diagnosis
	Score     evaluate.Score
}

// RunCodiEsp codes every document in the abstract profile on workers
// goroutines, dated dos, and scores the predictions against the gold
// codes (micro precision, recall and F1 over document-code pairs, and the
// same over 3-character categories).
func RunCodiEsp(ctx context.Context, e *Engine, docs []evaluate.CodiEspDoc, texts []string, dos time.Time, workers int) (*CodiEspRun, error) {
	if len(docs) != len(texts) {
		return nil, fmt.Errorf("engine: %d documents but %d texts", len(docs), len(texts))
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	run := &CodiEspRun{Docs: make([]CodiEspDocRun, len(docs))}
	errs := make([]error, len(docs))
	next := make(chan int)
	var wg sync.WaitGroup
	var once sync.Once
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				res, err := e.Code(ctx, texts[i], Options{Profile: ProfileAbstract, DOS: dos})
				if err != nil {
					errs[i] = fmt.Errorf("engine: codiesp document %s: %w", docs[i].ID, err)
					continue
				}
				once.Do(func() { run.Codeset = res.Codeset })
				var codes []string
				for _, d := range res.Diagnoses {
					codes = append(codes, d.Code)
				}
				run.Docs[i] = CodiEspDocRun{Gold: docs[i].Codes, Predicted: res.Diagnoses, Score: evaluate.CompareSets(docs[i].Codes, codes)}
			}
		}()
	}
	for i := range docs {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for i := range docs {
		if errs[i] != nil {
			return nil, errs[i]
		}
		run.Score.Add(run.Docs[i].Score)
	}
	return run, nil
}

// CalibrationRow is the measured precision of the codes whose confidence
// falls in [Lo, Hi).
type CalibrationRow struct {
	Lo, Hi    float64
	Codes     int
	Correct   int
	Precision float64
}

// Calibration bins the run's predicted codes by confidence and measures
// each bin's precision against the gold codes (full-code match).
func (r *CodiEspRun) Calibration(edges []float64) []CalibrationRow {
	rows := make([]CalibrationRow, len(edges)-1)
	for i := range rows {
		rows[i].Lo, rows[i].Hi = edges[i], edges[i+1]
	}
	for _, d := range r.Docs {
		gold := map[string]bool{}
		for _, g := range d.Gold {
			gold[evaluate.NormalizeCode(g)] = true
		}
		for _, p := range d.Predicted {
			for i := range rows {
				last := i == len(rows)-1
				if p.Confidence >= rows[i].Lo && (p.Confidence < rows[i].Hi || last && p.Confidence <= rows[i].Hi) {
					rows[i].Codes++
					if gold[evaluate.NormalizeCode(p.Code)] {
						rows[i].Correct++
					}
					break
				}
			}
		}
	}
	for i := range rows {
		if rows[i].Codes > 0 {
			rows[i].Precision = float64(rows[i].Correct) / float64(rows[i].Codes)
		}
	}
	return rows
}

// PrecisionAbove is the precision of the predicted codes with confidence
// at least min, and how many there are.
func (r *CodiEspRun) PrecisionAbove(min float64) (float64, int) {
	n, ok := 0, 0
	for _, d := range r.Docs {
		gold := map[string]bool{}
		for _, g := range d.Gold {
			gold[evaluate.NormalizeCode(g)] = true
		}
		for _, p := range d.Predicted {
			if p.Confidence >= min {
				n++
				if gold[evaluate.NormalizeCode(p.Code)] {
					ok++
				}
			}
		}
	}
	if n == 0 {
		return 0, 0
	}
	return float64(ok) / float64(n), n
}

// CodeErrors lists the codes most often predicted wrongly (false
// positives) and most often missed (false negatives), for development.
func (r *CodiEspRun) CodeErrors(n int) (fp, fn []CodeCount) {
	fpc, fnc := map[string]int{}, map[string]int{}
	for _, d := range r.Docs {
		gold, pred := map[string]bool{}, map[string]bool{}
		for _, g := range d.Gold {
			gold[evaluate.NormalizeCode(g)] = true
		}
		for _, p := range d.Predicted {
			pred[evaluate.NormalizeCode(p.Code)] = true
		}
		for c := range pred {
			if !gold[c] {
				fpc[c]++
			}
		}
		for c := range gold {
			if !pred[c] {
				fnc[c]++
			}
		}
	}
	return topCounts(fpc, n), topCounts(fnc, n)
}

// CodeCount is a code and how often it occurs.
type CodeCount struct {
	Code  string
	Count int
}

func topCounts(m map[string]int, n int) []CodeCount {
	out := make([]CodeCount, 0, len(m))
	for c, k := range m {
		out = append(out, CodeCount{c, k})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Code < out[j].Code
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}
