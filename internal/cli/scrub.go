package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/medcode/medcode/internal/claims"
	"github.com/medcode/medcode/internal/claims/scrub"
	"github.com/medcode/medcode/internal/claims/x837"
)

// scrubReport is what `medcode scrub` prints as JSON.
type scrubReport struct {
	Claims   int                    `json:"claims"`
	Summary  map[scrub.Severity]int `json:"summary"`
	Findings []scrub.Finding        `json:"findings"`
	Inactive []scrub.EditStatus     `json:"inactive_edits,omitempty"`
}

func runScrub(_ context.Context, env *Env, args []string) error {
	fs := newFlags(env, "scrub", "[--format json|table] [--today YYYY-MM-DD] FILE|-   (claims CSV or 837P), or --list")
	format := fs.String("format", "json", "output format: json or table")
	today := fs.String("today", "", "date the date edits compare against (default: today)")
	list := fs.Bool("list", false, "print the edit catalog and whether each edit runs with the installed code sets")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *format != "json" && *format != "table" {
		return usageError("--format must be json or table")
	}
	if *list {
		return listEdits(env, *format)
	}
	if fs.NArg() != 1 {
		return usageError("give one claims file (CSV or 837P), or - for standard input")
	}
	var opts scrub.Options
	if *today != "" {
		d, err := claims.ParseDate(*today)
		if err != nil {
			return usageError("--today: %v", err)
		}
		opts.Today = d
	}
	cs, err := readClaimsFile(env, fs.Arg(0))
	if err != nil {
		return err
	}
	src, err := codeSetSources()
	if err != nil {
		return err
	}
	s, err := scrub.New(src, opts)
	if err != nil {
		return err
	}
	rep := scrubReport{Claims: len(cs), Summary: map[scrub.Severity]int{}, Findings: s.Scrub(cs)}
	for _, f := range rep.Findings {
		rep.Summary[f.Severity]++
	}
	for _, st := range s.Status() {
		if st.Status != "active" {
			rep.Inactive = append(rep.Inactive, st)
		}
	}
	if rep.Findings == nil {
		rep.Findings = []scrub.Finding{}
	}
	if *format == "json" {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return writeScrubTable(env, rep)
}

// listEdits prints the edit catalog with each edit's status.
func listEdits(env *Env, format string) error {
	src, err := codeSetSources()
	if err != nil {
		return err
	}
	s, err := scrub.New(src, scrub.Options{})
	if err != nil {
		return err
	}
	type entry struct {
		scrub.Edit
		Status  string   `json:"status"`
		Missing []string `json:"missing,omitempty"`
	}
	var entries []entry
	status := map[string]scrub.EditStatus{}
	for _, st := range s.Status() {
		status[st.ID] = st
	}
	for _, e := range s.Catalog() {
		entries = append(entries, entry{Edit: e, Status: status[e.ID].Status, Missing: status[e.ID].Missing})
	}
	if format == "json" {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(entries)
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "EDIT\tSEVERITY\tSTATUS\tTITLE\tPREVENTS")
	for _, e := range entries {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", e.ID, e.Severity, e.Status, e.Title, strings.Join(e.CARCs, ","))
	}
	return tw.Flush()
}

// codeSetSources connects the scrubber to the installed code sets. It is
// where internal/codeset plugs in; until then the edits that need code-set
// data are reported as inactive and the rest run on their own data files.
func codeSetSources() (scrub.Sources, error) {
	return scrub.Sources{}, nil
}

// readClaimsFile reads claims from a CSV or 837P file ("-" for stdin),
// telling them apart by the ISA segment that opens every X12 interchange.
func readClaimsFile(env *Env, name string) ([]*claims.Claim, error) {
	var data []byte
	var err error
	if name == "-" {
		data, err = io.ReadAll(env.Stdin)
	} else {
		data, err = os.ReadFile(name)
	}
	if err != nil {
		return nil, fmt.Errorf("read claims: %w", err)
	}
	if bytes.HasPrefix(bytes.TrimLeft(data, " \t\r\n\ufeff"), []byte("ISA")) {
		b, err := x837.Read(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		return b.Claims, nil
	}
	cs, err := claims.ReadCSV(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return cs, nil
}

func writeScrubTable(env *Env, rep scrubReport) error {
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CLAIM\tLINE\tEDIT\tSEVERITY\tCODES\tFINDING\tFIX")
	for _, f := range rep.Findings {
		line := "-"
		if f.Line > 0 {
			line = fmt.Sprint(f.Line)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", f.Claim, line, f.Edit, f.Severity, strings.Join(f.Codes, ","), f.Message, f.Fix)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "\n%d claim(s): %d error(s), %d warning(s), %d note(s)\n", rep.Claims, rep.Summary[scrub.Error], rep.Summary[scrub.Warn], rep.Summary[scrub.Info])
	if len(rep.Inactive) > 0 {
		var names []string
		for _, st := range rep.Inactive {
			names = append(names, st.ID+" ("+st.Status+", needs "+strings.Join(st.Missing, ", ")+")")
		}
		fmt.Fprintf(env.Stderr, "without code-set data these edits did not fully run: %s\n", strings.Join(names, "; "))
	}
	return nil
}
