package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/medcode/medcode/internal/claims"
	"github.com/medcode/medcode/internal/claims/scrub"
	"github.com/medcode/medcode/internal/claims/scrub/codesetsrc"
	"github.com/medcode/medcode/internal/codeset"
	"github.com/medcode/medcode/internal/datadir"
	"github.com/medcode/medcode/internal/report"
)

// scrubReport is what `medcode scrub` prints as JSON.
type scrubReport struct {
	Claims   int                    `json:"claims"`
	Summary  map[scrub.Severity]int `json:"summary"`
	Findings []scrub.Finding        `json:"findings"`
	Inactive []scrub.EditStatus     `json:"inactive_edits,omitempty"`
	// MissingData names, for each source an inactive edit needs, the
	// code-set file that would provide it.
	MissingData map[string]string `json:"missing_data,omitempty"`
}

func runScrub(_ context.Context, env *Env, args []string) error {
	fs := newFlags(env, "scrub", "[--format json|table] [--today YYYY-MM-DD] [--data DIR] FILE|-   (claims CSV or 837P), or --list")
	format := fs.String("format", "json", "output format: json or table")
	today := fs.String("today", "", "date the date edits compare against (default: today)")
	data := fs.String("data", "", "code-set data directory (default: $MEDCODE_DATA, ./data, ../shared/data)")
	list := fs.Bool("list", false, "print the edit catalog and whether each edit runs with the installed code sets")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *format != "json" && *format != "table" {
		return usageError("--format must be json or table")
	}
	var opts scrub.Options
	if *today != "" {
		d, err := claims.ParseDate(*today)
		if err != nil {
			return usageError("--today: %v", err)
		}
		opts.Today = d
	}
	if !*list && fs.NArg() != 1 {
		return usageError("give one claims file (CSV or 837P), or - for standard input")
	}
	var cs []*claims.Claim
	if !*list {
		var err error
		if cs, err = readClaimsFile(env, fs.Arg(0)); err != nil {
			return err
		}
	}
	src, err := codeSetSources(env, *data)
	if err != nil {
		return err
	}
	s, err := scrub.New(src, opts)
	if err != nil {
		return err
	}
	missing := codesetsrc.Absent(src)
	if *list {
		return listEdits(env, s, missing, *format)
	}
	rep := scrubReport{Claims: len(cs), Summary: map[scrub.Severity]int{}, Findings: s.Scrub(cs)}
	for _, f := range rep.Findings {
		rep.Summary[f.Severity]++
	}
	rep.Inactive, rep.MissingData = inactiveEdits(s, missing)
	if rep.Findings == nil {
		rep.Findings = []scrub.Finding{}
	}
	if *format == "json" {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	if err := writeScrubTable(env, rep); err != nil {
		return err
	}
	writeInactive(env.Stderr, rep.Inactive, rep.MissingData)
	return nil
}

// inactiveEdits returns the edits that do not fully run and the files
// their missing sources need.
func inactiveEdits(s *scrub.Scrubber, missing map[string]string) ([]scrub.EditStatus, map[string]string) {
	var inactive []scrub.EditStatus
	files := map[string]string{}
	for _, st := range s.Status() {
		if st.Status == "active" {
			continue
		}
		inactive = append(inactive, st)
		for _, m := range st.Missing {
			files[m] = missing[m]
		}
	}
	if len(files) == 0 {
		files = nil
	}
	return inactive, files
}

// writeInactive tells, per missing source, which edits it limits and
// which file to install.
func writeInactive(w io.Writer, inactive []scrub.EditStatus, files map[string]string) {
	if len(inactive) == 0 {
		return
	}
	edits := map[string][]string{}
	for _, st := range inactive {
		for _, m := range st.Missing {
			edits[m] = append(edits[m], st.ID+" ("+st.Status+")")
		}
	}
	names := slices.Sorted(maps.Keys(edits))
	fmt.Fprintln(w, "edits limited by code-set files that are not installed:")
	for _, m := range names {
		fmt.Fprintf(w, "  %s: %s; needs %s\n", m, strings.Join(edits[m], ", "), files[m])
	}
}

// listEdits prints the edit catalog with each edit's status.
func listEdits(env *Env, s *scrub.Scrubber, missing map[string]string, format string) error {
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
	if err := tw.Flush(); err != nil {
		return err
	}
	inactive, files := inactiveEdits(s, missing)
	writeInactive(env.Stdout, inactive, files)
	return nil
}

// codeSetSources connects the scrubber to the code sets installed in the
// data directory (dir, or the default location). Without a data directory
// or an installed release the scrubber runs the edits of its own data
// files only, and says so on standard error.
func codeSetSources(env *Env, dir string) (scrub.Sources, error) {
	if dir == "" {
		var err error
		if dir, err = datadir.Resolve(); err != nil {
			fmt.Fprintf(env.Stderr, "scrub: %v; running without code sets\n", err)
			return scrub.Sources{}, nil
		}
	} else if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return scrub.Sources{}, usageError("--data %s is not a directory", dir)
	}
	set, err := codeset.Open(dir)
	if errors.Is(err, codeset.ErrNoReleases) {
		fmt.Fprintf(env.Stderr, "scrub: %v; running without code sets\n", err)
		return scrub.Sources{}, nil
	}
	if err != nil {
		return scrub.Sources{}, err
	}
	return codesetsrc.Sources(set), nil
}

// readClaimsFile reads claims from a CSV or 837P file ("-" for stdin); the
// format is told apart as for an upload (report.ReadClaims).
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
	return report.ReadClaims(name, data)
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
	return nil
}
