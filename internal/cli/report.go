package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/medcode/medcode/internal/claims/scrub/codesetsrc"
	"github.com/medcode/medcode/internal/codeset"
	"github.com/medcode/medcode/internal/datadir"
	"github.com/medcode/medcode/internal/engine"
	"github.com/medcode/medcode/internal/report"
)

// listFlag is a flag that may be given several times.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// reportFormats maps an output file's extension to the writer of its format.
var reportFormats = map[string]func(*report.Report, *bytes.Buffer) error{
	".pdf":  func(r *report.Report, b *bytes.Buffer) error { return r.WritePDF(b) },
	".html": func(r *report.Report, b *bytes.Buffer) error { return r.WriteHTML(b) },
	".htm":  func(r *report.Report, b *bytes.Buffer) error { return r.WriteHTML(b) },
	".csv":  func(r *report.Report, b *bytes.Buffer) error { return r.WriteCSV(b) },
}

func runReport(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "report", "--claims FILE [--remits FILE]... [--notes DIR] [--locality L] --out report.pdf|report.html|findings.csv ...")
	claimsFile := fs.String("claims", "", "claims: the claims CSV or an 837P file (- for stdin)")
	var remits, outs listFlag
	fs.Var(&remits, "remits", "835 remittance file (repeat for several)")
	notes := fs.String("notes", "", "directory of visit notes named <claim id>.txt, re-coded to compare documented and billed levels")
	locality := fs.String("locality", report.National, "payment locality for the dollar estimates: national, MAC-NN (e.g. 01112-54) or a locality name")
	bmID := fs.String("benchmark", "", "E/M benchmark id (default: the benchmark file's default)")
	bmFile := fs.String("benchmarks", "", "benchmark file to use instead of the embedded one (docs/report.md)")
	title := fs.String("title", "", "report title (default: the billing providers' names)")
	workers := fs.Int("workers", runtime.GOMAXPROCS(0), "notes re-coded in parallel")
	fs.Var(&outs, "out", "output file; its extension picks the format: .pdf, .html or .csv (repeat for several)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *claimsFile == "" || len(outs) == 0 || fs.NArg() != 0 {
		return usageError("give --claims and at least one --out")
	}
	for _, o := range outs {
		if reportFormats[strings.ToLower(filepath.Ext(o))] == nil {
			return usageError("--out %s: the extension must be .pdf, .html or .csv", o)
		}
	}
	in, err := reportInput(env, *claimsFile, remits, *notes)
	if err != nil {
		return err
	}
	dir, err := datadir.Resolve()
	if err != nil {
		return err
	}
	set, err := codeset.Open(dir)
	if err != nil {
		return err
	}
	cfg := report.Config{Locality: *locality, Benchmark: *bmID, Title: *title, Workers: *workers}
	if cfg.Schedule, cfg.ScheduleName, err = report.FeeSchedule(set, in.Claims); err != nil {
		return err
	}
	if *bmFile != "" {
		data, err := os.ReadFile(*bmFile)
		if err != nil {
			return fmt.Errorf("read benchmarks: %w", err)
		}
		if cfg.Benchmarks, err = report.ParseBenchmarks(data); err != nil {
			return fmt.Errorf("%s: %w", *bmFile, err)
		}
	}
	cfg.ScrubSources = codesetsrc.Sources(set)
	if in.Notes != nil {
		if cfg.Coder, err = engine.New(set); err != nil {
			return err
		}
	}
	r, err := report.Build(ctx, in, cfg)
	if err != nil {
		return err
	}
	for _, o := range outs {
		var buf bytes.Buffer
		if err := reportFormats[strings.ToLower(filepath.Ext(o))](r, &buf); err != nil {
			return err
		}
		if err := os.WriteFile(o, buf.Bytes(), 0o600); err != nil {
			return fmt.Errorf("write %s: %w", o, err)
		}
	}
	n := r.Inputs.Notes
	fmt.Fprintf(env.Stderr, "report: %d claims, %d remittances, %d notes re-coded (%d failed, %d unmatched); revenue opportunity $%s; wrote %s\n",
		r.Inputs.Claims, r.Inputs.Remittances, n.Matched, n.Failed, len(n.Unmatched), r.Overall.Opportunity.Total.Dollars(), strings.Join(outs, ", "))
	return nil
}

// reportInput reads the claims, remittances and the notes directory.
func reportInput(env *Env, claimsFile string, remits []string, notes string) (report.Input, error) {
	var in report.Input
	var err error
	if in.Claims, err = readClaimsFile(env, claimsFile); err != nil {
		return in, err
	}
	for _, f := range remits {
		data, err := os.ReadFile(f)
		if err != nil {
			return in, fmt.Errorf("read remittances: %w", err)
		}
		rs, err := report.ReadRemittances(f, data)
		if err != nil {
			return in, err
		}
		in.Remittances = append(in.Remittances, rs...)
	}
	if notes != "" {
		st, err := os.Stat(notes)
		if err != nil || !st.IsDir() {
			return in, usageError("--notes %s is not a directory", notes)
		}
		in.Notes = os.DirFS(notes)
	}
	return in, nil
}
