package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/medcode/medcode/internal/codeset"
	"github.com/medcode/medcode/internal/codeset/icd"
	"github.com/medcode/medcode/internal/codeset/mce"
	"github.com/medcode/medcode/internal/datadir"
)

const codesetsUsage = `install|info|lookup|search [flags] [args]

  install --from DIR|FILE|URL [--into DIR] [--sha256 HEX] [--force]
                                 verify and install release files
  info                           installed releases and their counts
  lookup [--dos DATE] CODE...    an ICD-10-CM, HCPCS or CPT code with its notes
  search [--dos DATE] TEXT       index entries and titles matching TEXT`

// runCodesets dispatches `medcode codesets <subcommand>`.
func runCodesets(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 {
		return usageError("missing subcommand\nUsage: medcode codesets %s", codesetsUsage)
	}
	sub, rest := args[0], args[1:]
	switch sub {
	case "install":
		return codesetsInstall(ctx, env, rest)
	case "info":
		return codesetsInfo(env, rest)
	case "lookup":
		return codesetsLookup(env, rest)
	case "search":
		return codesetsSearch(env, rest)
	case "-h", "--help", "help":
		fmt.Fprintf(env.Stdout, "Usage: medcode codesets %s\n", codesetsUsage)
		return nil
	}
	return usageError("unknown subcommand %q\nUsage: medcode codesets %s", sub, codesetsUsage)
}

// codesetFlags are the flags every reading subcommand shares.
type codesetFlags struct {
	data    string
	dos     string
	asJSON  bool
	noCache bool
}

func (d *codesetFlags) register(fs *flag.FlagSet, withDate bool) {
	fs.StringVar(&d.data, "data", "", "code-set data directory (default: $MEDCODE_DATA, ./data, ../shared/data)")
	fs.BoolVar(&d.asJSON, "json", false, "print JSON")
	fs.BoolVar(&d.noCache, "no-snapshot", false, "load the release files, neither reading nor writing the snapshot")
	if withDate {
		fs.StringVar(&d.dos, "dos", "", "date of service YYYY-MM-DD: use the release in effect then (default: the newest)")
	}
}

func (d *codesetFlags) open() (*codeset.Set, error) {
	dir := d.data
	if dir == "" {
		var err error
		if dir, err = datadir.Resolve(); err != nil {
			return nil, err
		}
	}
	return codeset.OpenWith(dir, codeset.Options{NoSnapshot: d.noCache})
}

// release opens the data and picks the release for --dos.
func (d *codesetFlags) release() (*codeset.Release, error) {
	var dos time.Time
	if d.dos != "" {
		var err error
		if dos, err = time.Parse(time.DateOnly, d.dos); err != nil {
			return nil, usageError("--dos %q is not a date YYYY-MM-DD", d.dos)
		}
	}
	s, err := d.open()
	if err != nil {
		return nil, err
	}
	if d.dos == "" {
		return s.Latest(), nil
	}
	return s.ForDate(dos)
}

func printCodesetJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func codesetsInstall(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "codesets install", "--from DIR|FILE|URL [--into DIR] [--sha256 HEX] [--force] [--data DIR]")
	var opts codeset.InstallOptions
	var data string
	fs.StringVar(&opts.From, "from", "", "directory with a SHA256SUMS file, .zip archive, file, or http(s) URL")
	fs.StringVar(&opts.Into, "into", "", "destination inside the data directory, e.g. icd10cm/fy2026 (required for an archive, file or URL)")
	fs.StringVar(&opts.SHA256, "sha256", "", "expected SHA-256 of the archive, file or download")
	fs.BoolVar(&opts.Force, "force", false, "replace installed files that have other content")
	fs.StringVar(&data, "data", "", "data directory to install into (default: $MEDCODE_DATA, else ./data)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if opts.From == "" || fs.NArg() > 0 {
		return usageError("install needs --from and no other arguments")
	}
	if data == "" {
		data = os.Getenv(datadir.EnvVar)
	}
	if data == "" {
		data = "data"
	}
	rec, err := codeset.Install(ctx, data, opts)
	if err != nil {
		return err
	}
	added := 0
	for _, f := range rec.Files {
		if !f.Unchanged {
			added++
		}
	}
	fmt.Fprintf(env.Stdout, "installed %d files (%d already present) into %s from %s\n", added, len(rec.Files)-added, data, rec.Source)
	for _, f := range rec.Files {
		if !f.Unchanged {
			fmt.Fprintf(env.Stdout, "  %s  %s\n", f.SHA256, f.Path)
		}
	}
	return nil
}

// codesetReleaseInfo is the JSON form of a release for `codesets info`.
type codesetReleaseInfo struct {
	Name          string               `json:"name"`
	FiscalYear    int                  `json:"fiscal_year"`
	Dir           string               `json:"dir"`
	EffectiveFrom string               `json:"effective_from"`
	EffectiveTo   string               `json:"effective_to"`
	Counts        []codesetCount       `json:"counts"`
	CodeSets      []codeset.Version    `json:"code_sets"`
	Files         []codeset.SourceFile `json:"files"`
	Notes         []string             `json:"notes,omitempty"`
}

type codesetCount struct {
	What  string `json:"what"`
	Count int    `json:"count"`
}

func codesetCounts(r *codeset.Release) []codesetCount {
	var out []codesetCount
	add := func(what string, n int) { out = append(out, codesetCount{what, n}) }
	add("tabular diag entries", r.ICD.NumDiag())
	add("billable codes", r.ICD.NumBillable())
	if r.Order != nil {
		add("order file entries", len(r.Order.Entries))
		add("order file billable entries", r.Order.NumBillable())
	}
	for _, ix := range []struct {
		name string
		ix   *icd.Index
	}{{"index", r.Index}, {"external-cause index", r.ExternalIndex}} {
		if ix.ix != nil {
			add(ix.name+" main terms", len(ix.ix.MainTerms()))
			add(ix.name+" terms", ix.ix.NumTerms())
		}
	}
	if r.Drugs != nil {
		add("drug table rows", r.Drugs.NumTerms())
	}
	if r.Neoplasms != nil {
		add("neoplasm table rows", r.Neoplasms.NumTerms())
	}
	if r.HCPCS != nil {
		add("HCPCS codes", r.HCPCS.NumCodes())
		add("HCPCS modifiers", r.HCPCS.NumModifiers())
	}
	if r.PFS != nil {
		add("PFS RVU rows", r.PFS.Len())
		add("PFS localities", len(r.PFS.Localities()))
	}
	if r.MCE != nil {
		add("MCE edits", r.MCE.Len())
	}
	if r.PTP != nil {
		add("NCCI PTP edits", r.PTP.Len())
	}
	if r.MUE != nil {
		add("NCCI MUE codes", r.MUE.Len())
	}
	return out
}

func codesetsInfo(env *Env, args []string) error {
	fs := newFlags(env, "codesets info", "[--data DIR] [--json]")
	var d codesetFlags
	d.register(fs, false)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError("info takes no arguments")
	}
	s, err := d.open()
	if err != nil {
		return err
	}
	var infos []codesetReleaseInfo
	for _, r := range s.Releases() {
		infos = append(infos, codesetReleaseInfo{
			Name: r.Name, FiscalYear: r.FiscalYear, Dir: r.Dir,
			EffectiveFrom: r.EffectiveFrom.Format(time.DateOnly), EffectiveTo: r.EffectiveTo.Format(time.DateOnly),
			Counts: codesetCounts(r), CodeSets: r.CodeSets, Files: r.Files, Notes: r.Notes,
		})
	}
	snap := codesetSnapshotText(s.Snapshot)
	if d.asJSON {
		return printCodesetJSON(env.Stdout, map[string]any{"data_dir": s.Dir, "snapshot": snap, "releases": infos})
	}
	fmt.Fprintf(env.Stdout, "data directory: %s\nsnapshot: %s\n", s.Dir, snap)
	for _, r := range infos {
		fmt.Fprintf(env.Stdout, "\n%s (fiscal year %d), in effect %s to %s, from %s\n", r.Name, r.FiscalYear, r.EffectiveFrom, r.EffectiveTo, r.Dir)
		tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
		for _, c := range r.Counts {
			fmt.Fprintf(tw, "  %s\t%d\n", c.What, c.Count)
		}
		tw.Flush()
		if len(r.CodeSets) > 0 {
			var names []string
			for _, v := range r.CodeSets {
				names = append(names, fmt.Sprintf("%s %s (from %s)", v.Set, v.Name, v.EffectiveFrom.Format(time.DateOnly)))
			}
			fmt.Fprintf(env.Stdout, "  with: %s\n", strings.Join(names, ", "))
		}
		fmt.Fprintln(env.Stdout, "  files:")
		for _, f := range r.Files {
			fmt.Fprintf(env.Stdout, "    %-20s %s  sha256 %s\n", f.Kind, f.Path, f.SHA256)
		}
		for _, n := range r.Notes {
			fmt.Fprintf(env.Stdout, "  note: %s\n", n)
		}
	}
	return nil
}

func codesetSnapshotText(st codeset.SnapshotStatus) string {
	var s string
	switch {
	case st.Path == "":
		s = "not used"
	case st.Used:
		s = st.Path + " (read)"
	case st.Written:
		s = st.Path + " (rebuilt from the release files)"
	default:
		s = st.Path + " (not written)"
	}
	if st.Err != nil {
		s += ": " + st.Err.Error()
	}
	return s
}

// codesetCodeView is what `codesets lookup` shows of a code.
type codesetCodeView struct {
	Query      string            `json:"query"`
	Release    string            `json:"release"`
	ICD        *codesetICDView   `json:"icd10cm,omitempty"`
	Invalid    string            `json:"invalid,omitempty"`
	HCPCS      *codesetHCPCSView `json:"hcpcs,omitempty"`
	RVU        *codesetRVUView   `json:"pfs,omitempty"`
	MUE        *codesetMUEView   `json:"mue,omitempty"`
	PTPColumn2 []string          `json:"ptp_column2,omitempty"`
	// OtherICD is the ICD-10-CM code a procedure-code query also spells
	// without its dot (G04.39 for G0439); it is not described here.
	OtherICD string `json:"other_icd10cm,omitempty"`
}

type codesetICDView struct {
	Code          string            `json:"code"`
	Title         string            `json:"title"`
	ShortTitle    string            `json:"short_title,omitempty"`
	Billable      bool              `json:"billable"`
	Chapter       string            `json:"chapter"`
	Section       string            `json:"section"`
	Manifestation bool              `json:"manifestation,omitempty"`
	Ancestors     []codesetTitled   `json:"ancestors,omitempty"`
	Children      []string          `json:"children,omitempty"`
	Seventh       []codesetTitled   `json:"seventh_characters,omitempty"`
	Notes         []codesetNoteView `json:"notes,omitempty"`
	MCE           []string          `json:"mce_edits,omitempty"`
}

type codesetTitled struct {
	Code  string `json:"code"`
	Title string `json:"title"`
}

type codesetNoteView struct {
	Kind string   `json:"kind"`
	From string   `json:"from"`
	Text string   `json:"text"`
	Refs []string `json:"refs,omitempty"`
}

type codesetHCPCSView struct {
	Code       string `json:"code"`
	Modifier   bool   `json:"modifier,omitempty"`
	Long       string `json:"long_description"`
	Short      string `json:"short_description"`
	Coverage   string `json:"coverage,omitempty"`
	BETOS      string `json:"betos,omitempty"`
	Added      string `json:"added,omitempty"`
	Terminated string `json:"terminated,omitempty"`
	Active     bool   `json:"active"`
}

type codesetRVUView struct {
	Status           string  `json:"status"`
	Work             float64 `json:"work_rvu"`
	NonFacilityPE    float64 `json:"non_facility_pe_rvu"`
	FacilityPE       float64 `json:"facility_pe_rvu"`
	MP               float64 `json:"mp_rvu"`
	GlobalDays       string  `json:"global_days"`
	ConversionFactor float64 `json:"conversion_factor"`
	Description      string  `json:"description,omitempty"`
}

type codesetMUEView struct {
	Units int    `json:"units"`
	MAI   string `json:"mai"`
}

func codesetsLookup(env *Env, args []string) error {
	fs := newFlags(env, "codesets lookup", "[--data DIR] [--dos YYYY-MM-DD] [--json] CODE...")
	var d codesetFlags
	d.register(fs, true)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usageError("lookup needs at least one code")
	}
	r, err := d.release()
	if err != nil {
		return err
	}
	// A code is checked as billed on the date of service, or on the last
	// day of the release.
	dos := r.EffectiveTo
	if d.dos != "" {
		dos, _ = time.Parse(time.DateOnly, d.dos)
	}
	var views []codesetCodeView
	var unknown []string
	for _, q := range fs.Args() {
		v := lookupCodesetCode(r, q, dos)
		if v.ICD == nil && v.HCPCS == nil && v.RVU == nil && v.MUE == nil && v.PTPColumn2 == nil {
			unknown = append(unknown, q)
			if !d.asJSON {
				fmt.Fprintf(env.Stdout, "%s: %s\n\n", q, v.Invalid)
			}
			continue
		}
		views = append(views, v)
		if !d.asJSON {
			printCodesetCode(env.Stdout, v)
		}
	}
	if d.asJSON {
		if err := printCodesetJSON(env.Stdout, views); err != nil {
			return err
		}
	}
	if len(unknown) > 0 {
		return fmt.Errorf("not found in %s: %s", r.Name, strings.Join(unknown, ", "))
	}
	return nil
}

// lookupCodesetCode gathers what the release says about a code in every code set.
func lookupCodesetCode(r *codeset.Release, q string, dos time.Time) codesetCodeView {
	v := codesetCodeView{Query: strings.ToUpper(strings.TrimSpace(q)), Release: r.Name}
	// A HCPCS Level II code (a letter and four digits) also reads as an
	// ICD-10-CM code written without its dot: G0439 is the annual wellness
	// visit, G04.39 an encephalopathy. A query that is a procedure code is
	// that code; the diagnosis is looked up with its dot.
	if procedureCode(r, q) && !strings.Contains(q, ".") {
		if c, ok := r.ICD.Lookup(q); ok {
			v.OtherICD = c.Code
		}
	} else if c, ok := r.ICD.Lookup(q); ok {
		iv := &codesetICDView{Code: c.Code, Title: c.Title, Billable: c.Billable, Chapter: c.Chapter, Section: c.Section, Manifestation: c.Manifestation}
		if r.Order != nil {
			if e, ok := r.Order.Lookup(c.Code); ok {
				iv.ShortTitle = e.Short
			}
		}
		for _, a := range r.ICD.Ancestors(q) {
			iv.Ancestors = append(iv.Ancestors, codesetTitled{a.Code, a.Title})
		}
		for _, k := range r.ICD.Children(q) {
			iv.Children = append(iv.Children, k.Code)
		}
		for _, sc := range r.ICD.SeventhChars(q) {
			iv.Seventh = append(iv.Seventh, codesetTitled{sc.Char, sc.Meaning})
		}
		for _, n := range r.ICD.NotesFor(q) {
			nv := codesetNoteView{Kind: n.Kind.String(), From: n.From, Text: n.Text}
			for _, ref := range n.Refs {
				nv.Refs = append(nv.Refs, ref.String())
			}
			iv.Notes = append(iv.Notes, nv)
		}
		if r.MCE != nil {
			for _, e := range r.MCE.Diagnosis(q) {
				iv.MCE = append(iv.MCE, codesetMCEText(r.MCE, e))
			}
		}
		v.ICD = iv
	}
	if err := r.ICD.Validate(q); err != nil && v.OtherICD == "" {
		v.Invalid = err.Error()
	}
	if r.HCPCS != nil {
		h, ok := r.HCPCS.Lookup(q)
		if !ok {
			h, ok = r.HCPCS.Modifier(q)
		}
		if ok {
			v.HCPCS = &codesetHCPCSView{Code: h.Code, Modifier: h.Modifier, Long: h.Long, Short: h.Short, Coverage: h.Coverage,
				BETOS: h.BETOS, Added: codesetDate(h.Added), Terminated: codesetDate(h.Terminated), Active: h.ActiveOn(dos)}
		}
	}
	if r.PFS != nil {
		if rvu, ok := r.PFS.Lookup(q, ""); ok {
			v.RVU = &codesetRVUView{Status: rvu.Status, Work: rvu.Work, NonFacilityPE: rvu.NonFacilityPE, FacilityPE: rvu.FacilityPE,
				MP: rvu.MP, GlobalDays: rvu.GlobalDays, ConversionFactor: rvu.ConversionFactor, Description: rvu.Description}
		}
	}
	if r.MUE != nil {
		if m, ok := r.MUE.Lookup(q); ok {
			v.MUE = &codesetMUEView{Units: m.Units, MAI: m.MAIText}
		}
	}
	if r.PTP != nil {
		for _, e := range r.PTP.Column2(q, dos) {
			v.PTPColumn2 = append(v.PTPColumn2, e.Column2)
		}
	}
	return v
}

// procedureCode reports whether q is a HCPCS Level II or CPT code of the
// release (a HCPCS code, or a code of the fee schedule).
func procedureCode(r *codeset.Release, q string) bool {
	if r.HCPCS != nil {
		if _, ok := r.HCPCS.Lookup(q); ok {
			return true
		}
	}
	if r.PFS != nil {
		if _, ok := r.PFS.Lookup(q, ""); ok {
			return true
		}
	}
	return false
}

// codesetMCEText describes an MCE edit with the age or sex it checks.
func codesetMCEText(edits *mce.Edits, e mce.Edit) string {
	text := e.Section + " " + e.Type
	rule, ok := edits.Rule(e.Type)
	switch {
	case !ok:
	case rule.Sex != "":
		text += " (sex " + rule.Sex + ")"
	case rule.MinAge >= 0:
		text += fmt.Sprintf(" (age %d-%d)", rule.MinAge, rule.MaxAge)
	}
	return text
}

func codesetDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

func printCodesetCode(w io.Writer, v codesetCodeView) {
	if c := v.ICD; c != nil {
		status := "billable"
		if !c.Billable {
			status = "not billable"
		}
		fmt.Fprintf(w, "%s  %s\n  ICD-10-CM %s, %s; chapter %s, section %s\n", c.Code, c.Title, v.Release, status, c.Chapter, c.Section)
		if v.Invalid != "" {
			fmt.Fprintf(w, "  %s\n", v.Invalid)
		}
		if c.Manifestation {
			fmt.Fprintln(w, "  manifestation code: never listed first")
		}
		for _, a := range c.Ancestors {
			fmt.Fprintf(w, "  under %s  %s\n", a.Code, a.Title)
		}
		if len(c.Children) > 0 {
			fmt.Fprintf(w, "  codes below: %s\n", strings.Join(c.Children, " "))
		}
		if len(c.Seventh) > 0 {
			var chars []string
			for _, sc := range c.Seventh {
				chars = append(chars, sc.Code+" "+sc.Title)
			}
			fmt.Fprintf(w, "  7th characters: %s\n", strings.Join(chars, "; "))
		}
		for _, n := range c.Notes {
			fmt.Fprintf(w, "  %s (%s): %s\n", n.Kind, n.From, n.Text)
		}
		for _, m := range c.MCE {
			fmt.Fprintf(w, "  MCE edit %s\n", m)
		}
	}
	if h := v.HCPCS; h != nil {
		kind := "code"
		if h.Modifier {
			kind = "modifier"
		}
		fmt.Fprintf(w, "%s  %s\n  HCPCS Level II %s; coverage %s, BETOS %s, added %s", h.Code, h.Long, kind, h.Coverage, h.BETOS, h.Added)
		if h.Terminated != "" {
			fmt.Fprintf(w, ", terminated %s", h.Terminated)
		}
		fmt.Fprintf(w, "; active: %v\n", h.Active)
	}
	if r := v.RVU; r != nil {
		fmt.Fprintf(w, "%s  fee schedule: status %s, work RVU %.2f, PE RVU %.2f (non-facility) / %.2f (facility), MP RVU %.2f, global %s, conversion factor %.4f\n",
			v.Query, r.Status, r.Work, r.NonFacilityPE, r.FacilityPE, r.MP, r.GlobalDays, r.ConversionFactor)
	}
	if m := v.MUE; m != nil {
		fmt.Fprintf(w, "%s  MUE: %d units, %s\n", v.Query, m.Units, m.MAI)
	}
	if len(v.PTPColumn2) > 0 {
		fmt.Fprintf(w, "%s  NCCI PTP: column 1 with %d column 2 codes: %s\n", v.Query, len(v.PTPColumn2), strings.Join(v.PTPColumn2, " "))
	}
	if v.OtherICD != "" {
		fmt.Fprintf(w, "  (ICD-10-CM %s is another code: look it up with its dot)\n", v.OtherICD)
	}
	fmt.Fprintln(w)
}

func codesetsSearch(env *Env, args []string) error {
	fs := newFlags(env, "codesets search", "[--data DIR] [--dos YYYY-MM-DD] [--limit N] [--json] TEXT")
	var d codesetFlags
	d.register(fs, true)
	limit := fs.Int("limit", 20, "most results to print")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	query := strings.Join(fs.Args(), " ")
	if strings.TrimSpace(query) == "" {
		return usageError("search needs text")
	}
	if *limit <= 0 {
		return usageError("--limit must be positive")
	}
	r, err := d.release()
	if err != nil {
		return err
	}
	hits := r.Search(query, *limit)
	if d.asJSON {
		return printCodesetJSON(env.Stdout, hits)
	}
	if len(hits) == 0 {
		return errors.New("no index entry or title matches")
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	for _, h := range hits {
		code := h.Code
		if code == "" && h.See != "" {
			code = "see " + h.See
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", code, h.Title, h.Source)
	}
	return tw.Flush()
}
