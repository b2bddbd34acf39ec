package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/medcode/medcode/internal/engine"
	"github.com/medcode/medcode/internal/phi"
)

// maxCodeNoteBytes bounds a note read from a file or stdin.
const maxCodeNoteBytes = 4 << 20

// loadEngine opens the installed code sets and builds the coding engine.
func loadEngine() (*engine.Engine, error) {
	eng, _, err := loadEngineSet()
	return eng, err
}

// encounterFlags are the flags that describe the encounter around a note.
type encounterFlags struct {
	profile, dos, payer, patient, sex string
	age                               int
}

func (f *encounterFlags) register(fs interface {
	StringVar(*string, string, string, string)
	IntVar(*int, string, int, string)
}) {
	fs.StringVar(&f.profile, "profile", engine.ProfileOutpatient, "coding profile: outpatient (billing rules) or abstract (every affirmed finding)")
	fs.StringVar(&f.dos, "dos", "", "date of service YYYY-MM-DD (picks the code-set release; default today)")
	fs.StringVar(&f.payer, "payer", "commercial", "payer class: commercial, medicare or medicaid")
	fs.StringVar(&f.patient, "patient", "", "patient type for the E/M level: new or established")
	fs.IntVar(&f.age, "age", 0, "patient age in years when the note does not say")
	fs.StringVar(&f.sex, "sex", "", "patient sex when the note does not say: F or M")
}

// options checks the flags and turns them into engine options.
func (f *encounterFlags) options() (engine.Options, error) {
	o := engine.Options{Profile: f.profile, Payer: f.payer, PatientType: f.patient, Age: f.age, Sex: strings.ToUpper(f.sex)}
	if f.dos != "" {
		t, err := time.Parse(time.DateOnly, f.dos)
		if err != nil {
			return o, usageError("--dos %q is not a date YYYY-MM-DD", f.dos)
		}
		o.DOS = t
	}
	switch {
	case o.Profile != engine.ProfileOutpatient && o.Profile != engine.ProfileAbstract:
		return o, usageError("--profile must be outpatient or abstract, not %q", o.Profile)
	case o.Payer != "commercial" && o.Payer != "medicare" && o.Payer != "medicaid":
		return o, usageError("--payer must be commercial, medicare or medicaid, not %q", o.Payer)
	case o.PatientType != "" && o.PatientType != "new" && o.PatientType != "established":
		return o, usageError("--patient must be new or established, not %q", o.PatientType)
	case o.Sex != "" && o.Sex != "F" && o.Sex != "M":
		return o, usageError("--sex must be F or M, not %q", f.sex)
	case o.Age < 0 || o.Age > 130:
		return o, usageError("--age %d is out of range", o.Age)
	}
	return o, nil
}

func runCode(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "code", "[--profile outpatient|abstract] [--dos YYYY-MM-DD] [--payer P] [--patient new|established] [--age N] [--sex F|M] [--format json|text] [FILE|-]")
	var ef encounterFlags
	ef.register(fs)
	format := fs.String("format", "json", "output format: json (the API contract) or text (a table for coders)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *format != "json" && *format != "text" {
		return usageError("--format must be json or text, not %q", *format)
	}
	if fs.NArg() > 1 {
		return usageError("one note at a time (use medcode batch for many)")
	}
	opts, err := ef.options()
	if err != nil {
		return err
	}
	note, err := readNote(env, fs.Arg(0))
	if err != nil {
		return err
	}
	eng, err := loadEngine()
	if err != nil {
		return err
	}
	res, err := eng.Code(ctx, note, opts)
	if err != nil {
		return err
	}
	if *format == "text" {
		return writeCodeTable(env.Stdout, res)
	}
	enc := json.NewEncoder(env.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(res)
}

// readNote reads the note from a file, or from stdin for "" and "-".
func readNote(env *Env, path string) (string, error) {
	var r io.Reader = env.Stdin
	if path != "" && path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return "", err
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, maxCodeNoteBytes+1))
	if err != nil {
		return "", fmt.Errorf("reading the note: %w", err)
	}
	if len(b) > maxCodeNoteBytes {
		return "", fmt.Errorf("the note is larger than %d bytes", maxCodeNoteBytes)
	}
	return string(b), nil
}

// writeCodeTable prints a result as a table a coder reads: each code with
// its confidence, description and evidence, then why, then the rules.
func writeCodeTable(w io.Writer, res *engine.Result) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "Code set: %s\tProfile: %s\n\n", res.Codeset, res.Profile)
	fmt.Fprintln(tw, "#\tCODE\tCONF\tDESCRIPTION\tEVIDENCE")
	for _, d := range res.Diagnoses {
		fmt.Fprintf(tw, "%d\t%s\t%.2f\t%s\t%s\n", d.Rank, d.Code, d.Confidence, clip(d.Description, 60), evidenceSummary(d.Evidence))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, d := range res.Diagnoses {
		fmt.Fprintf(w, "\n%d. %s %s\n   why: %s\n", d.Rank, d.Code, d.Description, d.Reasoning)
		var ids []string
		for _, r := range d.Rules {
			ids = append(ids, r.ID+" ("+r.Citation+")")
		}
		fmt.Fprintf(w, "   rules: %s\n", strings.Join(ids, "; "))
	}
	if len(res.Procedures) > 0 {
		fmt.Fprintln(w, "\nProcedures:")
		for _, p := range res.Procedures {
			fmt.Fprintf(w, "  %s %s x%d %s  %.2f  %s\n", p.System, p.Code, p.Units, strings.Join(p.Modifiers, ","), p.Confidence, p.Reasoning)
		}
	}
	if res.EM != nil {
		fmt.Fprintf(w, "\nE/M: %s (%s)  %s\n", res.EM.Code, res.EM.Method, res.EM.Reasoning)
	}
	if len(res.Warnings) > 0 {
		fmt.Fprintln(w, "\nWarnings:")
		for _, wn := range res.Warnings {
			fmt.Fprintf(w, "  [%s] %s\n", wn.Kind, wn.Message)
		}
	}
	if res.PHI.Found {
		fmt.Fprintf(w, "\nPHI: %d possible identifiers (%s); de-identify the note before sharing it (medcode phi redact)\n", len(res.PHI.Spans), phiKinds(res.PHI.Spans))
	}
	return nil
}

// phiKinds lists the kinds of identifiers found, each once, in order.
func phiKinds(spans []phi.Span) string {
	var kinds []string
	seen := map[phi.Kind]bool{}
	for _, s := range spans {
		if !seen[s.Type] {
			seen[s.Type] = true
			kinds = append(kinds, s.Type.Label())
		}
	}
	return strings.Join(kinds, ", ")
}

func evidenceSummary(ev []engine.Evidence) string {
	var parts []string
	for _, e := range ev {
		s := fmt.Sprintf("%q", clip(strings.Join(strings.Fields(e.Text), " "), 40))
		if e.Section != "" {
			s += " (" + e.Section + ")"
		}
		parts = append(parts, s)
		if len(parts) == 2 {
			break
		}
	}
	if len(ev) > 2 {
		parts = append(parts, fmt.Sprintf("+%d", len(ev)-2))
	}
	return strings.Join(parts, ", ")
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
