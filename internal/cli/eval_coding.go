package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/medcode/medcode/internal/codeset"
	"github.com/medcode/medcode/internal/datadir"
	"github.com/medcode/medcode/internal/engine"
	"github.com/medcode/medcode/internal/engine/evaluate"
)

// codiEspEdition states what the CodiEsp gold codes are, for the output.
const codiEspEdition = "gold: Spanish edition of ICD-10-CM 2018 as annotated (CodiEsp, CC BY 4.0)"

// loadEngineSet opens the code sets and builds an engine, with options.
func loadEngineSet(opts ...engine.Option) (*engine.Engine, *codeset.Set, error) {
	dir, err := datadir.Resolve()
	if err != nil {
		return nil, nil, err
	}
	set, err := codeset.Open(dir)
	if err != nil {
		return nil, nil, err
	}
	eng, err := engine.New(set, opts...)
	return eng, set, err
}

func runEvalCodiEsp(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "eval codiesp", "[--gold FILE] [--split dev|train] [--dos YYYY-MM-DD] [--learned FILE] [--learn FILE [--tune dev]] [--format text|json]")
	gold := fs.String("gold", "", "CodiEsp gold file (default: ../shared/eval-dev/codiesp_en/gold.jsonl)")
	split := fs.String("split", "dev", "split to score: dev or train")
	dosFlag := fs.String("dos", "", "date of service the notes are coded at (default: the first day of the oldest installed release, the closest to the gold's 2018 edition)")
	learned := fs.String("learned", "", "use this learned table instead of the embedded one")
	learn := fs.String("learn", "", "build the learned table from the split (use --split train) and write it to FILE")
	tune := fs.String("tune", "", "with --learn: the split whose notes tune the table's thresholds (dev)")
	workers := fs.Int("workers", runtime.GOMAXPROCS(0), "notes coded in parallel")
	format := fs.String("format", "text", "output format: text or json")
	errorsShown := fs.Int("errors", 0, "list the N codes most often predicted wrongly and most often missed")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *split != "dev" && *split != "train" {
		return usageError("--split must be dev or train, not %q", *split)
	}
	if *format != "text" && *format != "json" {
		return usageError("--format must be text or json, not %q", *format)
	}
	if *gold == "" {
		dir := datadir.EvalDev()
		if dir == "" {
			return fmt.Errorf("no evaluation data: pass --gold FILE or place ../shared/eval-dev beside the checkout")
		}
		*gold = filepath.Join(dir, "codiesp_en", "gold.jsonl")
	}
	var opts []engine.Option
	if *learned != "" {
		opts = append(opts, engine.WithLearnedFile(*learned))
	}
	eng, set, err := loadEngineSet(opts...)
	if err != nil {
		return err
	}
	dos := set.Releases()[0].EffectiveFrom
	if *dosFlag != "" {
		if dos, err = time.Parse(time.DateOnly, *dosFlag); err != nil {
			return usageError("--dos %q is not a date YYYY-MM-DD", *dosFlag)
		}
	}
	docs, texts, err := evaluate.LoadCodiEsp(*gold, *split)
	if err != nil {
		return err
	}
	if len(docs) == 0 {
		return fmt.Errorf("%s has no %s documents", *gold, *split)
	}
	if *learn != "" {
		var tuning engine.Corpus
		if *tune != "" {
			if *tune == *split {
				return usageError("--tune %s would tune the table on the notes it learns from", *tune)
			}
			if tuning.Docs, tuning.Texts, err = evaluate.LoadCodiEsp(*gold, *tune); err != nil {
				return err
			}
		}
		f, err := os.Create(*learn)
		if err != nil {
			return err
		}
		rep, err := engine.Learn(ctx, eng, engine.Corpus{Docs: docs, Texts: texts}, tuning, dos, engine.DefaultLearnParams, f)
		if err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "learned table written to %s from %d %s documents: %d phrases (%d rows), %d priors, %d calibration bins\n",
			*learn, len(docs), *split, rep.Phrases, rep.Rows, rep.Priors, rep.Bins)
		fmt.Fprintf(env.Stdout, "thresholds: phrase precision %.2f, support %d, prune below %.2f", rep.Precision, rep.Support, rep.Prune)
		if *tune != "" {
			fmt.Fprintf(env.Stdout, " (tuned on %s: mean of full and category F1 %.3f)", *tune, rep.Tuned)
		}
		fmt.Fprintln(env.Stdout)
		return nil
	}
	start := time.Now()
	run, err := engine.RunCodiEsp(ctx, eng, docs, texts, dos, *workers)
	if err != nil {
		return err
	}
	elapsed := time.Since(start)
	edges := []float64{0, 0.3, 0.5, 0.7, 0.8, 0.9, 1}
	cal := run.Calibration(edges)
	p90, n90 := run.PrecisionAbove(0.9)
	if *format == "json" {
		out := map[string]any{
			"split": *split, "documents": len(docs), "profile": engine.ProfileAbstract,
			"codeset": run.Codeset, "gold_edition": codiEspEdition, "engine": eng.Version(),
			"full":             counts(run.Score.Full),
			"category":         counts(run.Score.Category),
			"calibration":      cal,
			"precision_at_0_9": map[string]any{"precision": p90, "codes": n90},
			"seconds":          elapsed.Seconds(),
		}
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	w := env.Stdout
	fmt.Fprintf(w, "CodiEsp %s: %d documents, abstract profile, engine %s\n", *split, len(docs), eng.Version())
	fmt.Fprintf(w, "coded with %s at date of service %s; %s.\n", run.Codeset, dos.Format(time.DateOnly), codiEspEdition)
	fmt.Fprintln(w, "Codes that changed since 2018 (R51 is now R51.9) and gold codes cut short of their 7th character count as errors.")
	fmt.Fprintf(w, "\nfull codes            %s\n", run.Score.Full)
	fmt.Fprintf(w, "3-character category  %s\n", run.Score.Category)
	fmt.Fprintln(w, "\ncalibration (confidence bin: codes, precision)")
	for _, r := range cal {
		fmt.Fprintf(w, "  %.1f-%.1f  %5d  %.3f\n", r.Lo, r.Hi, r.Codes, r.Precision)
	}
	fmt.Fprintf(w, "precision of codes with confidence >= 0.9: %.3f (%d codes)\n", p90, n90)
	if *errorsShown > 0 {
		fp, fn := run.CodeErrors(*errorsShown)
		fmt.Fprintf(w, "most frequent false positives: %s\n", codeCounts(fp))
		fmt.Fprintf(w, "most frequent misses:          %s\n", codeCounts(fn))
	}
	fmt.Fprintf(w, "%.2f s, %.0f notes/s on %d workers\n", elapsed.Seconds(), float64(len(docs))/elapsed.Seconds(), *workers)
	return nil
}

func codeCounts(cs []engine.CodeCount) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = fmt.Sprintf("%s %d", c.Code, c.Count)
	}
	return strings.Join(parts, ", ")
}

func counts(c evaluate.Counts) map[string]any {
	return map[string]any{"precision": c.Precision(), "recall": c.Recall(), "f1": c.F1(), "tp": c.TP, "fp": c.FP, "fn": c.FN}
}

func runEvalVignettes(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "eval vignettes", "[--set vignettes|cases] [--file FILE.yaml]")
	set := fs.String("set", "vignettes", "built-in fixture: vignettes (coding-domain.md section 9) or cases (the 100 blind outpatient cases)")
	file := fs.String("file", "", "a fixture file in the vignette format instead of a built-in one")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var data []byte
	switch *set {
	case "vignettes":
		data = engine.VignetteFixture
	case "cases":
		data = engine.CasesFixture
	default:
		return usageError("--set must be vignettes or cases, not %q", *set)
	}
	if *file != "" {
		var err error
		if data, err = os.ReadFile(*file); err != nil {
			return err
		}
	}
	vs, err := evaluate.ParseVignettes(data)
	if err != nil {
		return err
	}
	eng, _, err := loadEngineSet()
	if err != nil {
		return err
	}
	w := env.Stdout
	passICD, coding, passCPT, withCPT, passEM, withEM := 0, 0, 0, 0, 0, 0
	for _, v := range vs {
		if !v.IsCoding() {
			fmt.Fprintf(w, "%2d  -     claim-scrubber fixture, not a note\n", v.ID)
			continue
		}
		coding++
		if err := ctx.Err(); err != nil {
			return err
		}
		res, err := engine.RunVignette(eng, v)
		if err != nil {
			return err
		}
		status := "FAIL"
		if res.Pass {
			status = "pass"
			passICD++
		}
		line := fmt.Sprintf("%2d  ICD %s  %s", v.ID, status, strings.Join(res.Got, " "))
		if !res.Pass {
			line += fmt.Sprintf("  (missing %v, extra %v)", res.Missing, res.Extra)
		}
		if len(v.CPT) > 0 && len(res.Result.Procedures) > 0 {
			withCPT++
			if cptMatches(v.CPT, res.Result.Procedures) {
				passCPT++
				line += "  CPT pass"
			} else {
				line += "  CPT FAIL"
			}
		}
		if v.EM != "" && res.Result.EM != nil {
			withEM++
			if res.Result.EM.Code == v.EM {
				passEM++
				line += "  E/M pass"
			} else {
				line += fmt.Sprintf("  E/M FAIL (%s, want %s)", res.Result.EM.Code, v.EM)
			}
		}
		fmt.Fprintln(w, line)
	}
	fmt.Fprintf(w, "\nICD-10-CM exact code sets (optional codes ignored): %d of %d notes\n", passICD, coding)
	if withCPT > 0 {
		fmt.Fprintf(w, "CPT/HCPCS lines: %d of %d notes\n", passCPT, withCPT)
	} else {
		fmt.Fprintln(w, "CPT/HCPCS and E/M: not scored (the engine returned no procedure lines)")
	}
	if withEM > 0 {
		fmt.Fprintf(w, "E/M level: %d of %d notes\n", passEM, withEM)
	}
	return nil
}

// cptMatches compares expected service lines with the engine's: same
// codes, units (1 when unstated) and modifiers, in any order.
func cptMatches(want []evaluate.ServiceLine, got []engine.Procedure) bool {
	key := func(code string, units int, mods []string) string {
		if units == 0 {
			units = 1
		}
		return fmt.Sprintf("%s x%d %s", code, units, strings.Join(mods, ","))
	}
	have := map[string]int{}
	for _, p := range got {
		have[key(p.Code, p.Units, p.Modifiers)]++
	}
	for _, l := range want {
		k := key(l.Code, l.Units, l.Modifiers)
		if have[k] == 0 {
			return false
		}
		have[k]--
	}
	for _, n := range have {
		if n != 0 {
			return false
		}
	}
	return true
}
