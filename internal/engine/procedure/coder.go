// Package procedure codes the services of an outpatient note as claim
// lines: CPT and HCPCS Level II codes with units, modifiers and diagnosis
// pointers, including the E/M or preventive visit line (chosen by package
// em) and its add-ons (G2211, 99417/G2212), so a claim can be built from
// the lines directly.
//
// What it knows is data: the catalog of services and the phrases that
// document them, vaccines, injected drugs, laceration repair groups,
// anatomy, status cue words and payer conventions, in data/*.yaml. It does
// not import the engine; the engine converts its input and output.
package procedure

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/medcode/medcode/internal/codeset/hcpcs"
	"github.com/medcode/medcode/internal/codeset/ncci"
	"github.com/medcode/medcode/internal/engine/em"
	"github.com/medcode/medcode/internal/engine/procedure/scan"
)

// Config configures a Coder.
type Config struct {
	// CPT, when set, holds a clinic's licensed CPT descriptors, printed in
	// place of our own descriptions.
	CPT Descriptors
}

// Coder codes procedures and the visit level. It is safe for concurrent use.
type Coder struct {
	cat *Catalog
	em  *em.Tables
	cfg Config
}

// New loads the catalog and E/M tables.
func New(cfg Config) (*Coder, error) {
	dict := scan.NewDictionary()
	cat, err := LoadCatalog(dict)
	if err != nil {
		return nil, err
	}
	tables, err := em.Load(dict)
	if err != nil {
		return nil, err
	}
	for _, svc := range cat.services {
		for _, c := range svc.Codes {
			if c.Test != "" && !tables.HasTest(c.Test) {
				return nil, fmt.Errorf("procedure: code %s names E/M test %q, which em/data/tests.tsv lacks", c.Code, c.Test)
			}
		}
	}
	return &Coder{cat: cat, em: tables, cfg: cfg}, nil
}

// Diagnosis is a coded diagnosis of the claim, in claim order.
type Diagnosis struct {
	Code     string
	Evidence []Span
}

// Options are facts about the encounter that the note may not state.
type Options struct {
	// Payer is the payer class (payers.yaml); "" is commercial.
	Payer string
	// DOS is the date of service.
	DOS time.Time
	// Patient is "new" or "established"; "" reads the note.
	Patient string
	// Age is the age in completed years; negative takes the note's.
	Age int
	// ContinuingCare says the practitioner is the patient's continuing
	// focal point for all needed services, or gives ongoing care for a
	// serious or complex condition (a clinic setting, for the G2211
	// add-on); otherwise the note must say so.
	ContinuingCare bool
}

// Input is one note to code.
type Input struct {
	Note *scan.Note
	// Diagnoses are the claim's diagnoses in claim order; pointers refer to
	// their 1-based positions.
	Diagnoses []Diagnosis
	// HCPCS is the HCPCS Level II file in effect on the date of service:
	// drug units are computed from its descriptors, and HCPCS lines take
	// its descriptions. Without it, injected drugs are left to the coder.
	HCPCS *hcpcs.Codes
	// PTP is the NCCI procedure-to-procedure edit table in effect, when
	// installed: a pair it bundles, done at distinct sites, gets the payer's
	// distinct-site modifier on its column 2 line.
	PTP *ncci.PTP
	// MUE is the NCCI medically unlikely edit table in effect, when
	// installed: a line with more units than its MUE is flagged.
	MUE *ncci.MUE
	Options
}

// Line is one claim service line.
type Line struct {
	Code, System, Description string
	Units                     int
	Modifiers                 []string
	Confidence                float64
	Evidence                  []Span
	Reasoning                 string
	Rules                     []Rule
	// Pointers are the 1-based positions of the diagnoses that justify the
	// line, the primary reason first (at most four).
	Pointers []int
}

// Result is the coder's answer for one note.
type Result struct {
	Lines    []Line
	Visit    em.Result
	Warnings []string
}

// Code reads the note's services and visit and returns the claim lines.
func (c *Coder) Code(in Input) (Result, error) {
	payer, err := c.cat.Payer(in.Payer)
	if err != nil {
		return Result{}, err
	}
	if in.DOS.IsZero() {
		in.DOS = time.Now().UTC()
	}
	r := newReader(c.cat, in.Note)
	r.payer, r.opt, r.em = payer, in.Options, c.em
	r.hcpcs = func(code string) (string, bool) {
		if in.HCPCS == nil {
			return "", false
		}
		hc, ok := in.HCPCS.Lookup(code)
		if !ok || !hc.ActiveOn(in.DOS) {
			return "", false
		}
		return hc.Long, true
	}
	r.age = in.Age
	if r.age < 0 {
		r.age = in.Note.Age
	}

	fs := r.detectCatalog()
	fs = append(fs, r.detectRepairs()...)
	fs = append(fs, r.detectVaccines()...)
	fs = append(fs, r.detectDrugs(fs)...)
	fs = r.dropNotPayable(fs)

	links := r.linkDiagnoses(fs, in.Diagnoses)
	if in.PTP != nil {
		r.applyPTP(fs, links, in.PTP)
	}
	visit := c.em.Determine(em.Input{
		Note:     in.Note,
		Problems: r.problems(fs, links, in.Diagnoses),
		Services: emServices(fs),
		Uncoded:  len(in.Diagnoses) == 0,
		Options: em.Options{Patient: in.Patient, Age: r.age, DOS: in.DOS,
			ProlongedStyle: payer.Prolonged, Wellness: payer.WellnessVisits},
	})

	var lines []Line
	lines = append(lines, r.visitLines(visit, fs, in.Diagnoses)...)
	for i, f := range fs {
		lines = append(lines, r.serviceLines(f, links[i], in.Diagnoses)...)
	}
	for i := range lines {
		lines[i].Description = c.describe(r, lines[i].Code, lines[i].System, lines[i].Description)
		if in.MUE == nil {
			continue
		}
		if e, ok := in.MUE.Lookup(lines[i].Code); ok && lines[i].Units > e.Units {
			r.warn = append(r.warn, fmt.Sprintf("%s: %d units exceed the NCCI MUE of %d (%s)", lines[i].Code, lines[i].Units, e.Units, e.MAIText))
		}
	}
	return Result{Lines: lines, Visit: visit, Warnings: append(r.warn, visit.Warnings...)}, nil
}

// describe returns the description printed for a code: the clinic's
// licensed CPT descriptor, or the HCPCS file's, or our own.
func (c *Coder) describe(r *reader, code, system, ours string) string {
	if system == "CPT" {
		if d, ok := c.cfg.CPT[code]; ok {
			return d
		}
		return ours
	}
	if d, ok := r.hcpcs(code); ok {
		return d
	}
	return ours
}

// dropNotPayable leaves off the codes the payer never pays.
func (r *reader) dropNotPayable(fs []found) []found {
	out := fs[:0]
	for _, f := range fs {
		if slices.Contains(r.payer.NotPayable, f.code.Code) {
			r.warn = append(r.warn, fmt.Sprintf("%s documented but not payable by %s: left off the claim", f.code.Code, r.payer.Name))
			continue
		}
		out = append(out, f)
	}
	return out
}

// emServices tells the E/M coder which tests are billed on their own.
func emServices(fs []found) []em.Service {
	var out []em.Service
	for _, f := range fs {
		out = append(out, em.Service{Code: f.code.Code, Test: f.code.Test, Interpreted: f.code.Interpreted})
	}
	return out
}

// problems returns the diagnoses that may count as problems addressed at
// the visit: all but those treated by a minor procedure whose fee includes
// their evaluation.
func (r *reader) problems(fs []found, links [][]int, dx []Diagnosis) []em.Diagnosis {
	bundled := map[int]bool{}
	for i, f := range fs {
		for _, d := range links[i] {
			bundled[d] = bundled[d] || f.code.IncludesEval
		}
	}
	var out []em.Diagnosis
	for i, d := range dx {
		if bundled[i] {
			continue
		}
		out = append(out, em.Diagnosis{Code: d.Code, Evidence: toEMSpans(d.Evidence)})
	}
	return out
}

func toEMSpans(sp []Span) []em.Span {
	out := make([]em.Span, len(sp))
	for i, s := range sp {
		out[i] = em.Span{Start: s.Start, End: s.End}
	}
	return out
}

func fromEMSpans(sp []em.Span) []Span {
	out := make([]Span, len(sp))
	for i, s := range sp {
		out[i] = Span{Start: s.Start, End: s.End}
	}
	return out
}

// visitLines returns the preventive, office E/M, nurse visit and add-on lines.
func (r *reader) visitLines(v em.Result, fs []found, dx []Diagnosis) []Line {
	var lines []Line
	if p := v.Preventive; p != nil {
		l := Line{Code: p.Code, System: systemOf(p.Code), Description: p.Description, Units: 1, Confidence: 0.9,
			Evidence: fromEMSpans(p.Evidence), Reasoning: p.Reasoning, Pointers: r.preventivePointers(dx)}
		if r.payer.WellnessVisits && !p.Wellness && r.payer.RoutinePhysicalMod != "" {
			l.Modifiers = append(l.Modifiers, r.payer.RoutinePhysicalMod)
			l.Reasoning += fmt.Sprintf(" %s does not cover a routine physical: modifier %s (statutorily excluded).", r.payer.Name, r.payer.RoutinePhysicalMod)
			l.Rules = append(l.Rules, Rule{ID: "medicare-routine-physical", Summary: "routine physical is excluded from Medicare coverage; bill to the patient with GY"})
		}
		lines = append(lines, l)
	}
	if n := v.Nurse; n != nil {
		lines = append(lines, Line{Code: n.Code, System: "CPT", Description: n.Description, Units: 1, Confidence: 0.7,
			Reasoning: "Visit with clinical staff only and no other billable service.", Pointers: r.firstProblemPointer(dx)})
	}
	o := v.Office
	if o == nil {
		return lines
	}
	pointers := r.officePointers(o.ProblemCodes, dx)
	l := Line{Code: o.Code, System: "CPT", Description: o.Description, Units: 1, Confidence: officeConfidence(v),
		Evidence: officeEvidence(o), Reasoning: o.Reasoning, Pointers: pointers}
	mod25, why := r.needs25(v, fs)
	if mod25 {
		l.Modifiers = append(l.Modifiers, "25")
		l.Reasoning += " Modifier 25: " + why + "."
		l.Rules = append(l.Rules, Rule{ID: "mod-25", Citation: "CPT modifier 25; NCCI policy manual ch. XI", Summary: "significant, separately identifiable E/M on the day of a procedure or preventive visit"})
	}
	lines = append(lines, l)
	if r.g2211(v, fs, mod25) {
		addon := r.em.ComplexityAddon()
		lines = append(lines, Line{Code: addon.Code, System: systemOf(addon.Code), Description: addon.Description,
			Units: 1, Confidence: 0.7, Evidence: fromEMSpans(v.Longitudinal), Pointers: pointers,
			Reasoning: fmt.Sprintf("%s accepts the visit-complexity add-on; the note documents a continuing relationship (the practitioner is the focal point of care).", r.payer.Name),
			Rules:     []Rule{{ID: "complexity-addon", Citation: "CMS CY2024-2025 PFS final rules", Summary: "add-on to 99202-99215 for longitudinal care; not with modifier 25 except on the day of a wellness or preventive visit or a vaccine administration (2025+)"}}})
	}
	if p := o.Prolonged; p != nil {
		lines = append(lines, Line{Code: p.Code, System: p.System, Description: p.Description, Units: p.Units, Confidence: 0.9,
			Evidence: fromEMSpans(o.MinutesEvidence), Pointers: pointers,
			Reasoning: fmt.Sprintf("Level chosen by time (%d min): %s × %d for each full 15 minutes beyond %s's threshold in the payer's convention.", o.Minutes, p.Code, p.Units, o.Code),
			Rules:     []Rule{{ID: "prolonged", Citation: "CPT 99417; CMS G2212", Summary: "prolonged office service per full 15 minutes beyond the top level's time"}}})
	}
	return lines
}

func systemOf(code string) string {
	if code != "" && isDigit(code[0]) {
		return "CPT"
	}
	return "HCPCS"
}

// officeConfidence is higher when the level rests on explicit time or on
// evidence for every element, lower when the patient type was assumed.
func officeConfidence(v em.Result) float64 {
	o := v.Office
	c := 0.8
	switch {
	case o.Method == "time":
		c = 0.9
	case len(o.MDM.Problems.Evidence) > 0 && len(o.MDM.Risk.Evidence) > 0:
		c = 0.85
	}
	if v.PatientReason == "not stated in the note; assumed established" {
		c -= 0.1
	}
	return c
}

func officeEvidence(o *em.Office) []Span {
	var out []Span
	for _, e := range []em.Element{o.MDM.Problems, o.MDM.Data, o.MDM.Risk} {
		out = append(out, fromEMSpans(e.Evidence)...)
	}
	out = append(out, fromEMSpans(o.MinutesEvidence)...)
	return dedupeSpans(out)
}

func dedupeSpans(sp []Span) []Span {
	sort.Slice(sp, func(i, j int) bool {
		if sp[i].Start != sp[j].Start {
			return sp[i].Start < sp[j].Start
		}
		return sp[i].End < sp[j].End
	})
	out := sp[:0]
	for i, s := range sp {
		if i > 0 && s == sp[i-1] {
			continue
		}
		out = append(out, s)
	}
	return out
}

// needs25 decides modifier 25 on the problem E/M: a preventive visit or a
// service whose fee includes evaluation work (a minor procedure, an
// injection, an inhalation treatment, a vaccine administration where the
// payer requires it) on the same day.
func (r *reader) needs25(v em.Result, fs []found) (bool, string) {
	if v.Preventive != nil {
		return true, "problem-oriented visit on the day of a preventive visit"
	}
	for _, f := range fs {
		switch {
		case f.code.IncludesEval:
			return true, fmt.Sprintf("separate from the evaluation included in %s", f.code.Code)
		case f.code.EM25 && f.code.VaccineAdmin:
			if r.payer.EM25WithVaccineAdmin {
				return true, fmt.Sprintf("separate from the vaccine administration %s", f.code.Code)
			}
		case f.code.EM25:
			return true, fmt.Sprintf("separate from the evaluation inherent in %s", f.code.Code)
		}
	}
	return false, ""
}

// g2211 decides the visit-complexity add-on: a payer that accepts it, on
// or after its start date, a longitudinal relationship (documented in the
// note or set for the practice) in a visit that is not episodic, and no
// modifier 25 unless the same day has a preventive or
// wellness visit or a vaccine administration (from the payer's date).
func (r *reader) g2211(v em.Result, fs []found, mod25 bool) bool {
	p := r.payer
	if !p.G2211 || r.opt.DOS.Before(p.g2211From) || v.Episodic || v.Longitudinal == nil && !r.opt.ContinuingCare {
		return false
	}
	if !mod25 {
		return true
	}
	if r.opt.DOS.Before(p.g2211With25) {
		return false
	}
	if v.Preventive != nil {
		return true
	}
	for _, f := range fs {
		if f.code.VaccineAdmin {
			return true
		}
	}
	return false
}

// applyPTP reads the NCCI edits between the services found. A pair the
// table bundles with a modifier allowed, done at distinct sites (different
// regions, sides or lesions), gets the payer's distinct-site modifier on
// its column 2 line; a pair bundled without exception is flagged.
func (r *reader) applyPTP(fs []found, links [][]int, ptp *ncci.PTP) {
	for i := range fs {
		for j := range fs {
			if i == j {
				continue
			}
			e, ok := ptp.Edit(fs[i].code.Code, fs[j].code.Code, r.opt.DOS)
			if !ok {
				continue
			}
			switch e.Modifier {
			case ncci.ModifierAllowed:
				if distinctSites(fs[i], fs[j], links[i], links[j]) && !fs[j].distinct {
					fs[j].distinct = true
					fs[j].reasoning += fmt.Sprintf(" NCCI bundles it into %s; done at a distinct site, so it carries the distinct-site modifier.", fs[i].code.Code)
				}
			case ncci.ModifierNotAllowed:
				r.warn = append(r.warn, fmt.Sprintf("NCCI: %s is not payable with %s on the same day, whatever the modifier", fs[j].code.Code, fs[i].code.Code))
			}
		}
	}
}

// distinctSites reports whether two services were done at different
// anatomic regions, on different sides, or for different diagnoses
// (separate lesions).
func distinctSites(a, b found, la, lb []int) bool {
	if a.side != "" && b.side != "" && a.side != b.side && a.side != "bilateral" && b.side != "bilateral" {
		return true
	}
	if len(a.sites) > 0 && len(b.sites) > 0 && !overlaps(a.sites, b.sites) {
		return true
	}
	if len(la) > 0 && len(lb) > 0 && !overlapsInt(la, lb) {
		return true
	}
	return false
}

func overlaps(a, b []string) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}

func overlapsInt(a, b []int) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}

// serviceLines turns one found service into claim lines with modifiers
// and pointers.
func (r *reader) serviceLines(f found, linked []int, dx []Diagnosis) []Line {
	l := Line{Code: f.code.Code, System: f.code.System, Description: f.code.Description, Units: f.units,
		Confidence: math.Round(f.confidence*100) / 100, Evidence: dedupeSpans(f.evidence), Reasoning: f.reasoning, Rules: f.rules,
		Pointers: r.servicePointers(f, linked, dx)}
	if f.code.CLIA == "qw" {
		l.Modifiers = append(l.Modifiers, "QW")
		l.Rules = append(l.Rules, Rule{ID: "QW", Citation: "CMS CLIA-waived test list", Summary: "CLIA-waived test billed under a certificate of waiver"})
	}
	if f.distinct {
		l.Modifiers = append(l.Modifiers, r.payer.DistinctModifier)
		l.Rules = append(l.Rules, Rule{ID: "distinct-site", Citation: "NCCI modifier 59/XS", Summary: "a separate anatomic site from the other repair line"})
	}
	if f.singleDose {
		l.Modifiers = append(l.Modifiers, "JZ")
		l.Rules = append(l.Rules, Rule{ID: "JZ", Citation: "CMS single-dose container policy", Summary: "no amount of the single-dose drug was discarded"})
	}
	if !f.code.Sided || f.side == "" {
		return []Line{l}
	}
	switch f.side {
	case "right":
		l.Modifiers = append(l.Modifiers, "RT")
	case "left":
		l.Modifiers = append(l.Modifiers, "LT")
	case "bilateral":
		if r.payer.Bilateral == "rt_lt" {
			right, left := l, l
			right.Modifiers = append(append([]string(nil), l.Modifiers...), "RT")
			left.Modifiers = append(append([]string(nil), l.Modifiers...), "LT")
			right.Reasoning += " Both sides: this payer takes an RT line and an LT line."
			left.Reasoning = right.Reasoning
			return []Line{right, left}
		}
		l.Modifiers = append(l.Modifiers, "50")
		l.Units = 1
		l.Reasoning += " Both sides: one line with modifier 50."
	}
	return []Line{l}
}
