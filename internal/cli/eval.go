package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/medcode/medcode/internal/datadir"
	"github.com/medcode/medcode/internal/phi"
	"github.com/medcode/medcode/internal/phi/phieval"
)

// evaluation is one `medcode eval` target: a measurement of the product
// against development data.
type evaluation struct {
	name    string
	summary string
	run     func(ctx context.Context, env *Env, args []string) error
}

// evaluations is the table of `medcode eval` targets.
var evaluations = []evaluation{
	{"phi", "PHI detector: presidio synthetic set per HIPAA kind, ACI-Bench patient names", runEvalPHI},
	{"codiesp", "ICD-10-CM coding of CodiEsp case reports: micro P/R/F1, full codes and categories", runEvalCodiEsp},
	{"vignettes", "the outpatient vignettes of coding-domain.md section 9: exact code sets", runEvalVignettes},
}

func runEval(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(env.Stderr, "Usage: medcode eval <evaluation> [flags]")
		fmt.Fprintln(env.Stderr, "\nEvaluations:")
		for _, e := range evaluations {
			fmt.Fprintf(env.Stderr, "  %-10s %s\n", e.name, e.summary)
		}
		if len(args) == 0 {
			return usageError("name an evaluation")
		}
		return nil
	}
	for _, e := range evaluations {
		if e.name == args[0] {
			return e.run(ctx, env, args[1:])
		}
	}
	names := make([]string, len(evaluations))
	for i, e := range evaluations {
		names[i] = e.name
	}
	return usageError("unknown evaluation %q (have: %s)", args[0], strings.Join(names, ", "))
}

// evalDevDir returns --data or the eval-dev directory.
func evalDevDir(flagValue string) (string, error) {
	if flagValue != "" {
		return flagValue, nil
	}
	dir := datadir.EvalDev()
	if dir == "" {
		return "", fmt.Errorf("no evaluation data: pass --data DIR or place ../shared/eval-dev beside the checkout")
	}
	return dir, nil
}

func runEvalPHI(_ context.Context, env *Env, args []string) error {
	fs := newFlags(env, "eval phi", "[--data DIR] [--format text|json] [--errors N]")
	dataDir := fs.String("data", "", "evaluation data directory (default: ../shared/eval-dev)")
	format := fs.String("format", "text", "output format: text or json")
	errorsShown := fs.Int("errors", 0, "list up to N misses and false positives")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *format != "text" && *format != "json" {
		return usageError("--format must be text or json, not %q", *format)
	}
	dir, err := evalDevDir(*dataDir)
	if err != nil {
		return err
	}
	det, err := phi.NewDetector(phi.Options{})
	if err != nil {
		return err
	}
	presidio, err := phieval.Presidio(det, filepath.Join(dir, "phi", phieval.PresidioFile), *errorsShown)
	if err != nil {
		return err
	}
	names, err := phieval.ACINames(det, filepath.Join(dir, "notes"), *errorsShown)
	if err != nil {
		return err
	}
	if *format == "json" {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"presidio": presidio, "aci_names": names})
	}
	printPresidio(env.Stdout, presidio)
	fmt.Fprintln(env.Stdout)
	printACINames(env.Stdout, names)
	return nil
}

func printPresidio(w io.Writer, r *phieval.Report) {
	fmt.Fprintf(w, "%s: %d sentences\n", r.Dataset, r.Documents)
	fmt.Fprintf(w, "%-15s %6s %6s %7s   %6s %7s %7s %9s\n", "kind", "gold", "found", "recall", "pred", "correct", "neutral", "precision")
	row := func(name string, s phieval.KindScore) {
		fmt.Fprintf(w, "%-15s %6d %6d %7s   %6d %7d %7d %9s\n", name, s.Gold, s.Found, ratio(s.Found, s.Gold), s.Predicted, s.Correct, s.Neutral, ratio(s.Correct, s.Predicted-s.Neutral))
	}
	for _, s := range r.Kinds {
		row(string(s.Kind), s)
	}
	row("all", r.Total)
	fmt.Fprintf(w, "strict precision (neutral detections counted as errors): %.3f\n", r.StrictPrecision)
	for _, m := range r.Misses {
		fmt.Fprintln(w, "miss:", m)
	}
	for _, m := range r.FalsePositives {
		fmt.Fprintln(w, "false positive:", m)
	}
}

func printACINames(w io.Writer, r *phieval.NameReport) {
	fmt.Fprintf(w, "%s: %d encounters, %d patient-name mentions, %d found, recall %s (note %s, dialogue %s)\n",
		r.Dataset, r.Encounters, r.Mentions, r.Found, ratio(r.Found, r.Mentions),
		ratio(r.NoteFound, r.NoteMentions), ratio(r.DialogueFound, r.DialogueMentions))
	for _, m := range r.Misses {
		fmt.Fprintln(w, "miss:", m)
	}
}

func ratio(a, b int) string {
	if b <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.3f", float64(a)/float64(b))
}
