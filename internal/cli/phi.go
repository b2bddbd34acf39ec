package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/medcode/medcode/internal/phi"
)

// maxNoteBytes bounds what `medcode phi` reads: a clinical note is a few
// kilobytes; a larger input is a mistake, not a note.
const maxNoteBytes = 64 << 20

func runPHI(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(env.Stderr, "Usage: medcode phi scan|redact [flags] [FILE|-]")
		fmt.Fprintln(env.Stderr, "  scan     print the identifiers found, as JSON")
		fmt.Fprintln(env.Stderr, "  redact   print the text with identifiers replaced")
		if len(args) == 0 {
			return usageError("name a subcommand: scan or redact")
		}
		return nil
	}
	switch args[0] {
	case "scan":
		return runPHIScan(ctx, env, args[1:])
	case "redact":
		return runPHIRedact(ctx, env, args[1:])
	}
	return usageError("unknown subcommand %q (want scan or redact)", args[0])
}

// detectorFlags are the flags scan and redact share.
type detectorFlags struct {
	minConfidence  *float64
	keepClinicians *bool
}

func addDetectorFlags(fs *flag.FlagSet) detectorFlags {
	return detectorFlags{
		minConfidence:  fs.Float64("min-confidence", 0, "drop spans below this confidence (0-1)"),
		keepClinicians: fs.Bool("keep-clinician-names", false, "leave the names of clinicians (Dr., NP, signed by) in place"),
	}
}

func (f detectorFlags) detector() (*phi.Detector, error) {
	det, err := phi.NewDetector(phi.Options{MinConfidence: *f.minConfidence, KeepClinicianNames: *f.keepClinicians})
	if err != nil {
		return nil, usageError("%v", err)
	}
	return det, nil
}

func runPHIScan(_ context.Context, env *Env, args []string) error {
	fs := newFlags(env, "phi scan", "[--min-confidence F] [--keep-clinician-names] [FILE|-]")
	df := addDetectorFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	det, err := df.detector()
	if err != nil {
		return err
	}
	text, err := readInput(env, fs.Args())
	if err != nil {
		return err
	}
	spans := det.Scan(text)
	if spans == nil {
		spans = []phi.Span{}
	}
	enc := json.NewEncoder(env.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(map[string]any{"spans": spans})
}

func runPHIRedact(_ context.Context, env *Env, args []string) error {
	fs := newFlags(env, "phi redact", "[--pseudonyms] [--format text|json] [--min-confidence F] [--keep-clinician-names] [FILE|-]")
	pseudonyms := fs.Bool("pseudonyms", false, "replace names with consistent surrogates and number the other placeholders")
	format := fs.String("format", "text", "text: the redacted text; json: the text and the offset map")
	df := addDetectorFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *format != "text" && *format != "json" {
		return usageError("--format must be text or json, not %q", *format)
	}
	det, err := df.detector()
	if err != nil {
		return err
	}
	text, err := readInput(env, fs.Args())
	if err != nil {
		return err
	}
	r, err := phi.Redact(text, det.Scan(text), phi.RedactOptions{Pseudonyms: *pseudonyms})
	if err != nil {
		return err
	}
	if *format == "text" {
		_, err := io.WriteString(env.Stdout, r.Text)
		return err
	}
	enc := json.NewEncoder(env.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// readInput reads FILE, or standard input for "-" or no argument.
func readInput(env *Env, args []string) (string, error) {
	if len(args) > 1 {
		return "", usageError("one input at most, got %d", len(args))
	}
	var r io.Reader = env.Stdin
	name := "standard input"
	if len(args) == 1 && args[0] != "-" {
		f, err := os.Open(args[0])
		if err != nil {
			return "", err
		}
		defer f.Close()
		r, name = f, args[0]
	}
	b, err := io.ReadAll(io.LimitReader(r, maxNoteBytes+1))
	if err != nil {
		return "", fmt.Errorf("reading %s: %w", name, err)
	}
	if len(b) > maxNoteBytes {
		return "", fmt.Errorf("%s is larger than %d MiB", name, maxNoteBytes>>20)
	}
	return string(b), nil
}
