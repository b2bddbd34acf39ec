package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/medcode/medcode/internal/datadir"
	"github.com/medcode/medcode/internal/engine/evaluate"
)

// benchmark is one `medcode bench` target.
type benchmark struct {
	name    string
	summary string
	run     func(ctx context.Context, env *Env, args []string) error
}

// benchmarks is the table of `medcode bench` targets.
var benchmarks = []benchmark{
	{"engine", "coding throughput, latency and memory over a set of notes (default: the 750 CodiEsp notes)", runBenchEngine},
}

func runBench(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(env.Stderr, "Usage: medcode bench <target> [flags]\n\nTargets:")
		for _, b := range benchmarks {
			fmt.Fprintf(env.Stderr, "  %-10s %s\n", b.name, b.summary)
		}
		if len(args) == 0 {
			return usageError("name a benchmark")
		}
		return nil
	}
	for _, b := range benchmarks {
		if b.name == args[0] {
			return b.run(ctx, env, args[1:])
		}
	}
	return usageError("unknown benchmark %q", args[0])
}

func runBenchEngine(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "bench engine", "[--in DIR|FILE.jsonl] [--workers N] [--rounds N] [--profile P] [--dos YYYY-MM-DD]")
	in := fs.String("in", "", "notes to code (default: the CodiEsp train and dev notes of ../shared/eval-dev)")
	workers := fs.Int("workers", runtime.GOMAXPROCS(0), "notes coded in parallel")
	rounds := fs.Int("rounds", 3, "passes over the notes; the best pass is reported")
	var ef encounterFlags
	ef.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *workers < 1 || *rounds < 1 {
		return usageError("--workers and --rounds must be at least 1")
	}
	opts, err := ef.options()
	if err != nil {
		return err
	}
	notes, err := benchNotes(*in)
	if err != nil {
		return err
	}
	loadStart := time.Now()
	eng, err := loadEngine()
	if err != nil {
		return err
	}
	if err := eng.Prepare(defaultDOS(opts)); err != nil {
		return err
	}
	load := time.Since(loadStart)
	var best batchStats
	for r := 0; r < *rounds; r++ {
		stats, err := codeBatch(ctx, eng, notes, opts, *workers, io.Discard, nil)
		if err != nil {
			return err
		}
		if r == 0 || stats.elapsed < best.elapsed {
			best = stats
		}
	}
	fmt.Fprintf(env.Stdout, "engine %s, %d CPUs, GOMAXPROCS %d\n", eng.Version(), runtime.NumCPU(), runtime.GOMAXPROCS(0))
	fmt.Fprintf(env.Stdout, "load (code sets and pattern compilation): %.2f s\n", load.Seconds())
	fmt.Fprintf(env.Stdout, "best of %d passes: %s\n", *rounds, best)
	fmt.Fprintf(env.Stdout, "peak resident memory: %d MB\n", peakRSSMB())
	if avg, ok := loadAverage(); ok {
		fmt.Fprintf(env.Stdout, "machine load average (1 min) after the run: %s\n", avg)
	}
	return nil
}

// benchNotes reads --in, or the CodiEsp notes.
func benchNotes(in string) ([]batchNote, error) {
	if in != "" {
		return readBatch(in)
	}
	dir := datadir.EvalDev()
	if dir == "" {
		return nil, fmt.Errorf("no notes: pass --in DIR|FILE.jsonl or place ../shared/eval-dev beside the checkout")
	}
	docs, texts, err := evaluate.LoadCodiEsp(filepath.Join(dir, "codiesp_en", "gold.jsonl"), "")
	if err != nil {
		return nil, err
	}
	notes := make([]batchNote, len(docs))
	for i, d := range docs {
		notes[i] = batchNote{ID: d.ID, Text: texts[i]}
	}
	return notes, nil
}

// loadAverage reads the 1-minute load average (Linux), to say how busy
// the shared machine was.
func loadAverage() (string, bool) {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "", false
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "", false
	}
	return f[0], true
}
