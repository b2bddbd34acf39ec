// Package cli implements the medcode command line: one table of
// subcommands, each in its own file.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

// Env carries the process's standard streams so commands can be run from
// tests without touching the real ones.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

// command is one medcode subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *Env, args []string) error
}

// commands is the single table of subcommands; `medcode --help` prints it.
var commands = []command{
	{"version", "print the medcode version", runVersion},
	{"scrub", "check claims (CSV or 837P) against the scrubber's edits", runScrub},
	{"claims", "837P export and import, 835 remittances, synthetic claim sets", runClaims},
	{"codesets", "code-set releases: install, info, lookup, search", runCodesets},
	{"eval", "measure the product against development data (eval -h lists them)", runEval},
	{"phi", "find (scan) or replace (redact) HIPAA identifiers in a note", runPHI},
	{"code", "code one note: ICD-10-CM with evidence, confidence and reasoning", runCode},
	{"batch", "code many notes (a directory or JSONL) on a worker pool", runBatch},
	{"bench", "measure speed and memory: engine throughput, HTTP load (bench -h lists the targets)", runBench},
	{"serve", "run the web app and JSON API", runServe},
	{"admin", "administer a server's database: tiers, encryption keys", runAdmin},
	{"report", "60-day revenue analysis of claims, remittances and notes (PDF, HTML, findings CSV)", runReport},
	{"demo-data", "write a synthetic 60-day clinic data set: claims, 835s, notes", runDemoData},
}

// Version is set at build time with -ldflags "-X .../cli.Version=...".
var Version = "dev"

// errUsage marks an error caused by how the command was called; the
// process exits with status 2 instead of 1.
var errUsage = errors.New("usage")

// usageError wraps a message so Main reports it as a usage problem.
func usageError(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errUsage}, args...)...)
}

// Main runs the command line and returns the process exit status.
func Main(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return Run(ctx, &Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}, args)
}

// Run dispatches args to a subcommand. It is Main without the process
// globals, for tests.
func Run(ctx context.Context, env *Env, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		printHelp(env.Stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, env, args[1:])
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errUsage):
			fmt.Fprintf(env.Stderr, "medcode %s: %s\n", c.name, strings.TrimPrefix(err.Error(), errUsage.Error()+": "))
			return 2
		default:
			fmt.Fprintf(env.Stderr, "medcode %s: %v\n", c.name, err)
			return 1
		}
	}
	fmt.Fprintf(env.Stderr, "medcode: unknown command %q (run 'medcode --help' for the list)\n", args[0])
	return 2
}

func printHelp(w io.Writer) {
	fmt.Fprintln(w, "medcode: outpatient medical coding (ICD-10-CM, CPT/HCPCS, E/M) from clinical notes")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage: medcode <command> [flags] [args]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	sorted := append([]command(nil), commands...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].name < sorted[j].name })
	for _, c := range sorted {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'medcode <command> -h' for the flags of one command.")
}

// newFlags returns a flag set that writes its usage to env.Stderr and
// returns errors instead of exiting.
func newFlags(env *Env, name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet("medcode "+name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "Usage: medcode %s %s\n", name, usage)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args, turning a flag error into a usage error.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError("%v", err)
	}
	return nil
}

func runVersion(_ context.Context, env *Env, args []string) error {
	fs := newFlags(env, "version", "")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "medcode %s\n", Version)
	return nil
}
