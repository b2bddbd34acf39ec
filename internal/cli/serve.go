package cli

import (
	"context"
	"errors"
	"flag"
	"os"

	"github.com/medcode/medcode/internal/codeset"
	"github.com/medcode/medcode/internal/config"
	"github.com/medcode/medcode/internal/server"
)

// newEngine builds the coding engine and the PHI detector the server runs.
// The engine and the detector are separate packages linked in here; it is
// a variable so that tests can run the server with small stand-ins.
var newEngine = openEngine

func runServe(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "serve", "[flags]   (every setting also reads $MEDCODE_*; see --config-dump)")
	flagValues := map[string]*string{}
	for _, o := range config.Options {
		if o.Flag != "" {
			flagValues[o.Flag] = fs.String(o.Flag, o.Default, o.Help+" ($"+o.Env+")")
		}
	}
	configFile := fs.String("config", "", "file of KEY=VALUE settings (read before the environment)")
	dump := fs.Bool("config-dump", false, "print the resulting settings, secrets masked, and exit")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError("unexpected argument %q", fs.Arg(0))
	}
	set := map[string]string{}
	fs.Visit(func(f *flag.Flag) {
		if v, ok := flagValues[f.Name]; ok {
			set[f.Name] = *v
		}
	})
	cfg, err := config.Load(config.Source{Getenv: os.Getenv, File: *configFile, Flags: set})
	if err != nil {
		return usageError("%v", err)
	}
	if *dump {
		cfg.Dump(env.Stdout)
		return nil
	}
	if newEngine == nil {
		return errors.New("this build has no coding engine linked in")
	}
	coder, scanner, err := newEngine(ctx)
	if err != nil {
		return err
	}
	m := &server.Main{Config: cfg, Coder: coder, PHI: scanner, LogOutput: env.Stderr}
	if c, ok := coder.(interface{ CodeSets() *codeset.Set }); ok {
		// The scrubber and the revenue reports read the engine's code sets.
		m.CodeSets = c.CodeSets()
	}
	if err := m.Run(ctx); err != nil {
		m.Close()
		return err
	}
	select {
	case <-ctx.Done():
	case <-m.Done():
	}
	return m.Close()
}
