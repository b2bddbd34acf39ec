package cli

import (
	"context"
	"fmt"
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
	{"http", "load a running server with concurrent POST /api/v1/analyses; latency percentiles", runBenchHTTP},
	{"soak", "hold half a running server's capacity for 30 minutes; memory, goroutines, file descriptors and latency every 10 s", runBenchSoak},
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
