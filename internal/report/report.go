// Package report builds the 60-day revenue analysis of a clinic: from its
// claims (CSV or 837P), the payers' remittances (835) and optionally the
// visit notes, it measures the E/M level distribution against a benchmark,
// under- and over-coding (notes re-coded by the engine), scrubber findings,
// denials with their fixes and missed separately billable services, prices
// the revenue opportunity with the Physician Fee Schedule, and writes it
// as HTML, PDF and a CSV of line-level findings.
//
// Every figure is an aggregate of Findings, the line-level rows the CSV
// exports and the HTML lists on a click, so that each number can be traced
// to the lines behind it. Note texts are read, re-coded and dropped: the
// report holds no note text.
package report

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"time"

	"github.com/medcode/medcode/internal/claims"
	"github.com/medcode/medcode/internal/claims/carc"
	"github.com/medcode/medcode/internal/claims/scrub"
	"github.com/medcode/medcode/internal/claims/x835"
	"github.com/medcode/medcode/internal/codeset/pfs"
	"github.com/medcode/medcode/internal/engine"
)

// Input is what a clinic uploads.
type Input struct {
	Claims      []*claims.Claim
	Remittances []*x835.Remittance
	// Notes holds visit notes named after the claim they document:
	// "<claim id>.txt" anywhere in the tree (nil when there are none).
	Notes fs.FS
}

// Coder re-codes a visit note; *engine.Engine is one.
type Coder interface {
	Code(ctx context.Context, note string, opts engine.Options) (*engine.Result, error)
}

// Config is how a report is built.
type Config struct {
	// Schedule is the Physician Fee Schedule that prices the dollar
	// estimates; ScheduleName names its release in the report.
	Schedule     *pfs.Schedule
	ScheduleName string
	// Locality is the payment locality (see ResolveLocality); "" is the
	// national rate.
	Locality string
	// Benchmarks is the benchmark file (nil: the embedded one) and
	// Benchmark the id of the benchmark to compare with ("" its default).
	Benchmarks *Benchmarks
	Benchmark  string
	// ScrubSources are the code-set facts the scrubber reads (the zero
	// value runs the edits that need none). The claims are scrubbed as of
	// the last date in the data.
	ScrubSources scrub.Sources
	// Coder re-codes the notes; required when Input.Notes is set.
	Coder Coder
	// Workers is the number of notes re-coded at once (default 4).
	Workers int
	// MinConfidence is the engine confidence below which a documented
	// E/M level is left for human review (default 0.6).
	MinConfidence float64
	// Title heads the report (default: the billing providers' names).
	Title string
	// Now dates the report (default: time.Now).
	Now func() time.Time
	// Progress, when set, is told how many of the notes to re-code are
	// done, after each one (from the coding goroutines).
	Progress func(done, total int)
}

// Analyses: the kinds of line-level findings.
const (
	AnalysisLine   = "line"     // every claim line with its adjudication
	AnalysisEM     = "em_level" // every office E/M line, by level
	AnalysisCoding = "coding"   // every office E/M line whose note was re-coded
	AnalysisScrub  = "scrub"    // every scrubber finding
	AnalysisDenial = "denial"   // every denial adjustment
	AnalysisMissed = "missed"   // every separately billable service not billed
)

// Coding categories.
const (
	CodingUnder  = "under-coded"
	CodingOver   = "over-coded"
	CodingMatch  = "supported"
	CodingReview = "needs review"
)

// Line categories (adjudication of a claim line).
const (
	LinePaid     = "paid"
	LineDenied   = "denied"
	LineUnpaid   = "not paid" // adjudicated, nothing paid, not denied (deductible, bundled)
	LineNoRemit  = "no remittance"
	SourceNote   = "note"
	SourceClaims = "claim rule"
)

// Finding is one line-level fact behind the report's figures: a row of
// the findings CSV and of the HTML drill-down.
type Finding struct {
	ID       string `json:"id"`
	Analysis string `json:"analysis"`
	// Category and Item place the finding in its analysis: line (status),
	// em_level (patient type, code), coding (category, billed>documented),
	// scrub (severity, edit), denial (group, CARC), missed (source, code).
	Category string      `json:"category"`
	Item     string      `json:"item"`
	ClaimID  string      `json:"claim_id"`
	Line     int         `json:"line,omitempty"` // 1-based claim line, 0 for the claim
	DOS      claims.Date `json:"dos"`
	Week     claims.Date `json:"week"` // the Monday of the DOS week
	// Provider is the NPI the care is attributed to (rendering, else billing).
	Provider   string            `json:"provider"`
	PayerClass claims.PayerClass `json:"payer_class"`
	Payer      string            `json:"payer"`
	Code       string            `json:"code"` // the billed code with its modifiers
	Units      int               `json:"units,omitempty"`
	Charge     claims.Money      `json:"charge"`
	Paid       claims.Money      `json:"paid"`
	// Adjustments of a claim line by group: CO contractual, PR patient,
	// OA/PI/CR other (line analysis).
	Contractual claims.Money `json:"contractual"`
	PatientResp claims.Money `json:"patient_responsibility"`
	OtherAdj    claims.Money `json:"other_adjustment"`
	// Amount is the money the finding is about (a denial's adjusted amount).
	Amount claims.Money `json:"amount"`
	// Estimate prices the finding with the fee schedule: the revenue a
	// fix brings, or for over-coding the amount at risk.
	Estimate claims.Money `json:"estimate"`
	RVU      float64      `json:"rvu,omitempty"`
	// Opportunity marks findings whose Estimate is revenue opportunity.
	Opportunity bool   `json:"opportunity"`
	Expected    string `json:"expected,omitempty"` // the code the documentation or rule supports
	Remarks     string `json:"remarks,omitempty"`  // RARCs of a denial
	Detail      string `json:"detail"`
	Fix         string `json:"fix,omitempty"`
}

// Scope is a slice of the data an analysis is shown for.
type Scope struct {
	Kind  string `json:"kind"` // "all", "provider" or "payer"
	Key   string `json:"key"`  // NPI or payer class
	Label string `json:"label"`
}

func (s Scope) matches(f *Finding) bool {
	switch s.Kind {
	case "provider":
		return f.Provider == s.Key
	case "payer":
		return string(f.PayerClass) == s.Key
	}
	return true
}

// Report is a built revenue analysis.
type Report struct {
	Title     string
	Generated time.Time
	// From and To bound the dates of service analysed; AsOf is the last
	// date in the data (service or payment), the scrubber's "today".
	From, To, AsOf claims.Date
	// Locality and FeeSchedule say how the dollar estimates are priced.
	Locality    string
	FeeSchedule string
	Benchmark   Benchmark
	// BenchmarkVersion is the version of the benchmark file.
	BenchmarkVersion string
	Inputs           Inputs
	Overall          ScopeReport
	Providers        []ScopeReport
	Payers           []ScopeReport
	// Findings are every line-level row, in analysis and claim order.
	Findings []Finding
	// Assumptions state, per analysis, what its figures rest on.
	Assumptions []Assumptions
	// InactiveEdits are scrubber edits that did not fully run for lack of
	// code-set data.
	InactiveEdits []scrub.EditStatus
}

// scopes lists the overall report, then providers and payer classes.
func (r *Report) scopes() []*ScopeReport {
	out := []*ScopeReport{&r.Overall}
	for i := range r.Providers {
		out = append(out, &r.Providers[i])
	}
	for i := range r.Payers {
		out = append(out, &r.Payers[i])
	}
	return out
}

// Inputs describes what the report was built from.
type Inputs struct {
	Claims, Lines int
	Remittances   int
	// RemitClaims are claim adjudications read; Reversals of them;
	// UnmatchedRemits adjudications of claims not in the claims file.
	RemitClaims, Reversals, UnmatchedRemits int
	Notes                                   NotesSummary
}

// NotesSummary says how the notes matched the claims.
type NotesSummary struct {
	Files    int // note files read
	Matched  int // re-coded notes matched to a claim
	Failed   int // notes the engine could not code
	EMClaims int // claims with an office E/M line
	// Unmatched are note files named after no claim; Duplicates files
	// naming a claim another file already documents.
	Unmatched, Duplicates []string
	Errors                []string // one per failed note: claim id and reason
}

// Assumptions are the statements one analysis rests on.
type Assumptions struct {
	Analysis string
	Title    string
	Items    []string
}

// Build analyses the input.
func Build(ctx context.Context, in Input, cfg Config) (*Report, error) {
	if len(in.Claims) == 0 {
		return nil, errors.New("report: no claims")
	}
	if cfg.Schedule == nil {
		return nil, errors.New("report: no fee schedule to price the estimates")
	}
	if in.Notes != nil && cfg.Coder == nil {
		return nil, errors.New("report: notes given without a coder to re-code them")
	}
	tabs, err := loadTables()
	if err != nil {
		return nil, err
	}
	bms := cfg.Benchmarks
	if bms == nil {
		bms = tabs.benchmarks
	}
	bm, err := bms.Find(cfg.Benchmark)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	loc, err := ResolveLocality(cfg.Schedule, cfg.Locality)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	reasons, err := carc.Load()
	if err != nil {
		return nil, err
	}
	now := time.Now
	if cfg.Now != nil {
		now = cfg.Now
	}
	b := &builder{
		cfg: cfg, tabs: tabs.services, reasons: reasons, price: newPricer(cfg.Schedule, loc, tabs.services),
		claims: in.Claims, byID: make(map[string]int, len(in.Claims)),
	}
	for i, c := range in.Claims {
		if _, dup := b.byID[c.ID]; dup {
			return nil, fmt.Errorf("report: claim id %s appears twice in the claims", c.ID)
		}
		b.byID[c.ID] = i
	}
	r := &Report{
		Generated: now(), Benchmark: *bm, BenchmarkVersion: bms.Version,
		Locality: localityName(loc), FeeSchedule: scheduleName(cfg),
	}
	r.From, r.To = b.period()
	r.AsOf = r.To
	for _, rm := range in.Remittances {
		if r.AsOf.Before(rm.Date) {
			r.AsOf = rm.Date
		}
	}
	r.Inputs = Inputs{Claims: len(in.Claims), Remittances: len(in.Remittances)}
	for _, c := range in.Claims {
		r.Inputs.Lines += len(c.Lines)
	}
	b.remits(in.Remittances, &r.Inputs)
	b.emLevels()
	scrubber, err := b.scrub(cfg.ScrubSources, r.AsOf)
	if err != nil {
		return nil, err
	}
	r.InactiveEdits = inactive(scrubber)
	coded := map[string]bool{}
	if in.Notes != nil {
		if coded, err = b.notes(ctx, in.Notes, &r.Inputs.Notes); err != nil {
			return nil, err
		}
	}
	b.claimRules(coded)
	for _, c := range in.Claims {
		if hasOfficeEM(c) {
			r.Inputs.Notes.EMClaims++
		}
	}
	r.Findings = b.ordered()
	r.Title = cfg.Title
	if r.Title == "" {
		r.Title = b.defaultTitle()
	}
	r.Overall = aggregate(Scope{Kind: "all", Label: "All providers and payers"}, r.Findings, bm, reasons, tabs.services, scrubber)
	for _, s := range b.scopes() {
		sr := aggregate(s, r.Findings, bm, reasons, tabs.services, scrubber)
		if s.Kind == "provider" {
			r.Providers = append(r.Providers, sr)
		} else {
			r.Payers = append(r.Payers, sr)
		}
	}
	r.Assumptions = assumptions(r, cfg, tabs.services, in.Notes != nil)
	return r, nil
}

func localityName(l pfs.Locality) string {
	if l.MAC == "" {
		return "the national rate (every GPCI 1.0)"
	}
	return fmt.Sprintf("locality %s-%s %s (GPCI work %.3f, PE %.3f, MP %.3f)", l.MAC, l.Number, l.Name, l.WorkGPCI, l.PEGPCI, l.MPGPCI)
}

func scheduleName(cfg Config) string {
	name := cfg.ScheduleName
	if name == "" {
		name = "Medicare Physician Fee Schedule"
	}
	return fmt.Sprintf("%s, conversion factor %.4f", name, cfg.Schedule.ConversionFactor)
}

func inactive(s *scrub.Scrubber) []scrub.EditStatus {
	var out []scrub.EditStatus
	for _, st := range s.Status() {
		if st.Status != "active" {
			out = append(out, st)
		}
	}
	return out
}

// builder collects the findings of one report.
type builder struct {
	cfg     Config
	tabs    *serviceTables
	reasons *carc.Table
	price   *pricer
	claims  []*claims.Claim
	byID    map[string]int
	// rows holds the findings of each analysis in claim order.
	rows map[string][]Finding
	// extra holds findings about remittances of claims not in the file.
	extra []Finding
}

func (b *builder) add(f Finding) {
	if b.rows == nil {
		b.rows = map[string][]Finding{}
	}
	b.rows[f.Analysis] = append(b.rows[f.Analysis], f)
}

// analysisOrder is the order findings are listed and exported in.
var analysisOrder = []string{AnalysisLine, AnalysisEM, AnalysisCoding, AnalysisMissed, AnalysisDenial, AnalysisScrub}

// ordered returns every finding, by analysis, then claim, then line, and
// numbers them.
func (b *builder) ordered() []Finding {
	var out []Finding
	for _, a := range analysisOrder {
		rows := b.rows[a]
		if a == AnalysisDenial {
			rows = append(rows, b.extra...)
		}
		sort.SliceStable(rows, func(i, j int) bool {
			ci, cj := b.claimIndex(rows[i].ClaimID), b.claimIndex(rows[j].ClaimID)
			if ci != cj {
				return ci < cj
			}
			return rows[i].Line < rows[j].Line
		})
		out = append(out, rows...)
	}
	for i := range out {
		out[i].ID = fmt.Sprintf("F%06d", i+1)
	}
	return out
}

// claimIndex orders claims of the file first, in file order; others after.
func (b *builder) claimIndex(id string) int {
	if i, ok := b.byID[id]; ok {
		return i
	}
	return len(b.claims)
}

// base starts a finding about a claim line (line is 1-based; 0 for the claim).
func (b *builder) base(analysis string, c *claims.Claim, line int) Finding {
	f := Finding{Analysis: analysis, ClaimID: c.ID, Line: line, Provider: providerNPI(c), PayerClass: c.Payer.Class, Payer: c.Payer.Name}
	if line > 0 {
		l := c.Lines[line-1]
		f.DOS, f.Code, f.Units, f.Charge = l.DOS, billedCode(l), l.Units, l.Charge
	} else {
		f.DOS = c.FirstDOS()
	}
	f.Week = weekOf(f.DOS)
	return f
}

func billedCode(l claims.Line) string {
	code := l.Code
	for _, m := range l.Modifiers {
		code += "-" + m
	}
	return code
}

// weekOf returns the Monday of the date's week.
func weekOf(d claims.Date) claims.Date {
	if d.IsZero() {
		return d
	}
	wd := int(d.Time().Weekday()+6) % 7 // Monday 0
	return d.AddDays(-wd)
}

// providerNPI is the NPI a claim's care is attributed to.
func providerNPI(c *claims.Claim) string {
	if c.Rendering != nil && c.Rendering.NPI != "" {
		return c.Rendering.NPI
	}
	return c.Billing.NPI
}

func providerLabel(p claims.Provider) string {
	name := p.Organization
	if name == "" {
		name = p.LastName
		if p.FirstName != "" {
			name += ", " + p.FirstName
		}
	}
	if name == "" {
		return p.NPI
	}
	return name + " (" + p.NPI + ")"
}

// period returns the first and last dates of service.
func (b *builder) period() (claims.Date, claims.Date) {
	var from, to claims.Date
	for _, c := range b.claims {
		for _, l := range c.Lines {
			if from.IsZero() || l.DOS.Before(from) {
				from = l.DOS
			}
			if to.Before(l.DOS) {
				to = l.DOS
			}
		}
	}
	return from, to
}

// scopes lists the providers (by NPI, in order of first claim) and the
// payer classes present.
func (b *builder) scopes() []Scope {
	var out []Scope
	seen := map[string]bool{}
	for _, c := range b.claims {
		npi := providerNPI(c)
		if seen[npi] {
			continue
		}
		seen[npi] = true
		p := c.Billing
		if c.Rendering != nil && c.Rendering.NPI != "" {
			p = *c.Rendering
		}
		out = append(out, Scope{Kind: "provider", Key: npi, Label: providerLabel(p)})
	}
	present := map[claims.PayerClass]bool{}
	for _, c := range b.claims {
		present[c.Payer.Class] = true
	}
	for _, pc := range claims.PayerClasses {
		if present[pc] {
			out = append(out, Scope{Kind: "payer", Key: string(pc), Label: payerClassLabel(pc)})
		}
	}
	return out
}

var payerClassLabels = map[claims.PayerClass]string{
	claims.Medicare: "Medicare", claims.MedicareAdvantage: "Medicare Advantage", claims.Medicaid: "Medicaid",
	claims.Commercial: "Commercial", claims.OtherPayer: "Other payers",
}

func payerClassLabel(pc claims.PayerClass) string {
	if l, ok := payerClassLabels[pc]; ok {
		return l
	}
	return string(pc)
}

// defaultTitle names the billing providers.
func (b *builder) defaultTitle() string {
	var names []string
	seen := map[string]bool{}
	for _, c := range b.claims {
		n := c.Billing.Organization
		if n == "" {
			n = providerLabel(c.Billing)
		}
		if !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	title := names[0]
	switch {
	case len(names) == 2:
		title += " and " + names[1]
	case len(names) > 2:
		title += fmt.Sprintf(" and %d other billing providers", len(names)-1)
	}
	return title
}

func isOfficeEM(code string) bool {
	return code >= "99202" && code <= "99205" || code >= "99211" && code <= "99215"
}

func hasOfficeEM(c *claims.Claim) bool {
	for _, l := range c.Lines {
		if isOfficeEM(l.Code) {
			return true
		}
	}
	return false
}
