package report

import (
	"math"
	"sort"
	"strings"

	"github.com/medcode/medcode/internal/claims"
	"github.com/medcode/medcode/internal/claims/carc"
	"github.com/medcode/medcode/internal/claims/scrub"
)

// ScopeReport is every analysis for one scope, computed from the findings
// of that scope only.
type ScopeReport struct {
	Scope       Scope
	Volume      Volume
	EM          []Distribution // established, then new patients
	Coding      Coding
	Edits       []EditCount
	Denials     []ReasonCount
	Missed      []ServiceCount
	Opportunity Opportunity
	Weeks       []Week
}

// Volume counts claims, lines and money (line findings).
type Volume struct {
	Claims, Lines, AdjudicatedLines, DeniedLines int
	// CleanClaims passed the scrubber without an ERROR.
	CleanClaims                                               int
	Charges, Paid, Contractual, PatientResp, OtherAdj, Denied claims.Money
	DenialRate, CleanClaimRate                                float64 // fractions
}

// Distribution is the E/M level distribution of one patient type against
// the benchmark.
type Distribution struct {
	PatientType string
	Total       int
	Levels      []LevelShare
	// MeanLevel and BenchmarkMean are the average level (1 for 99202/99212
	// up to 4 for 99205/99215, 0 for 99211).
	MeanLevel, BenchmarkMean float64
	// Tested is set when Total reaches MinVisits; then ChiSquare and P
	// are the goodness-of-fit test against the benchmark.
	Tested       bool
	ChiSquare, P float64
	// Signal is "lower", "higher" or "in line" with the benchmark when
	// tested, "" otherwise.
	Signal string
}

// LevelShare is one code of a distribution.
type LevelShare struct {
	Code      string
	Count     int
	Share     float64 // percent of the patient type's visits
	Benchmark float64 // percent
	Delta     float64 // percentage points
	Z         float64
	Flagged   bool // |z| >= 1.96 with enough visits
}

// MinVisits is the number of visits of a patient type a scope needs
// before its distribution is tested (coding-domain.md 7.2).
const MinVisits = 30

// Coding counts the re-coded E/M visits by category.
type Coding struct {
	Reviewed, Under, Over, Supported, Review int
	// UnderValue is the revenue the under-coded visits leave; OverValue
	// the revenue at risk on the over-coded ones.
	UnderValue, OverValue claims.Money
}

// EditCount is one scrubber edit's findings.
type EditCount struct {
	Edit, Severity, Title, Fix string
	CARCs                      []string
	Findings, Claims           int
}

// ReasonCount is one denial reason (group and CARC).
type ReasonCount struct {
	Group, CARC, Description, Fix, Kind string
	// Edits are the scrubber edits that prevent the reason.
	Edits []string
	// Remarks are the RARCs that came with it, most frequent first.
	Remarks []string
	Lines   int
	// Amount is the money denied; Estimate the fee-schedule value of the
	// denied services; Recoverable the part of it a corrected claim can
	// bring (revenue opportunity).
	Amount, Estimate, Recoverable claims.Money
	Share, Cumulative             float64 // of all denied dollars, percent
}

// ServiceCount is one missed service.
type ServiceCount struct {
	Code, Label       string
	Findings, Units   int
	FromNotes, ByRule int
	Unpriced          int
	Estimate          claims.Money
}

// Opportunity is the revenue opportunity of a scope.
type Opportunity struct {
	UnderCoding, Missed, Denials, Total claims.Money
	// OverCodingRisk is revenue billed above what the notes support.
	OverCodingRisk claims.Money
}

// Week is one week of the trend.
type Week struct {
	Start                                claims.Date
	Claims, Lines, DeniedLines, EMVisits int
	UnderCoded, Missed                   int
	Charges, Paid, Denied, Opportunity   claims.Money
	DenialRate                           float64
}

// aggregate computes a scope's analyses from the findings.
func aggregate(s Scope, all []Finding, bm *Benchmark, reasons *carc.Table, tabs *serviceTables, scrubber *scrub.Scrubber) ScopeReport {
	var fs []*Finding
	for i := range all {
		if s.matches(&all[i]) {
			fs = append(fs, &all[i])
		}
	}
	sr := ScopeReport{Scope: s}
	sr.Volume = volume(fs)
	sr.EM = []Distribution{
		distribution("established", establishedCodes, bm.Established, fs),
		distribution("new", newCodes, bm.New, fs),
	}
	sr.Coding = coding(fs)
	sr.Edits = edits(fs, scrubber)
	sr.Denials = denials(fs, reasons)
	sr.Missed = missed(fs, tabs)
	for _, f := range fs {
		switch {
		case f.Analysis == AnalysisCoding && f.Category == CodingOver:
			sr.Opportunity.OverCodingRisk += f.Estimate
		case !f.Opportunity:
		case f.Analysis == AnalysisCoding:
			sr.Opportunity.UnderCoding += f.Estimate
		case f.Analysis == AnalysisMissed:
			sr.Opportunity.Missed += f.Estimate
		case f.Analysis == AnalysisDenial:
			sr.Opportunity.Denials += f.Estimate
		}
	}
	o := &sr.Opportunity
	o.Total = o.UnderCoding + o.Missed + o.Denials
	sr.Weeks = weeks(fs)
	return sr
}

func volume(fs []*Finding) Volume {
	var v Volume
	claimSet := map[string]bool{}
	dirty := map[string]bool{}
	for _, f := range fs {
		if f.Analysis == AnalysisScrub && f.Category == string(scrub.Error) {
			dirty[f.ClaimID] = true
		}
		if f.Analysis != AnalysisLine {
			continue
		}
		claimSet[f.ClaimID] = true
		v.Lines++
		v.Charges += f.Charge
		v.Paid += f.Paid
		v.Contractual += f.Contractual
		v.PatientResp += f.PatientResp
		v.OtherAdj += f.OtherAdj
		if f.Category != LineNoRemit {
			v.AdjudicatedLines++
		}
		if f.Category == LineDenied {
			v.DeniedLines++
			v.Denied += f.Amount
		}
	}
	v.Claims = len(claimSet)
	for id := range claimSet {
		if !dirty[id] {
			v.CleanClaims++
		}
	}
	v.DenialRate = ratio(v.DeniedLines, v.AdjudicatedLines)
	v.CleanClaimRate = ratio(v.CleanClaims, v.Claims)
	return v
}

func ratio(n, d int) float64 {
	if d == 0 {
		return 0
	}
	return float64(n) / float64(d)
}

func distribution(patient string, codes []string, bench map[string]float64, fs []*Finding) Distribution {
	d := Distribution{PatientType: patient}
	counts := map[string]int{}
	for _, f := range fs {
		if f.Analysis == AnalysisEM && f.Category == patient {
			counts[f.Item]++
			d.Total++
		}
	}
	d.Tested = d.Total >= MinVisits
	for _, code := range codes {
		ls := LevelShare{Code: code, Count: counts[code], Benchmark: bench[code]}
		lvl := float64(emLevel(code))
		d.BenchmarkMean += lvl * ls.Benchmark / 100
		if d.Total > 0 {
			ls.Share = 100 * float64(ls.Count) / float64(d.Total)
			ls.Delta = ls.Share - ls.Benchmark
			d.MeanLevel += lvl * float64(ls.Count) / float64(d.Total)
			if p0 := ls.Benchmark / 100; p0 > 0 && p0 < 1 {
				ls.Z = (ls.Share/100 - p0) / math.Sqrt(p0*(1-p0)/float64(d.Total))
			}
			if p0 := ls.Benchmark / 100; p0 > 0 {
				expected := p0 * float64(d.Total)
				d.ChiSquare += (float64(ls.Count) - expected) * (float64(ls.Count) - expected) / expected
			}
		}
		ls.Flagged = d.Tested && math.Abs(ls.Z) >= 1.96
		d.Levels = append(d.Levels, ls)
	}
	if d.Tested {
		d.P = chiSquareP(d.ChiSquare, len(codes)-1)
		switch {
		case d.P >= 0.05:
			d.Signal = "in line"
		case d.MeanLevel < d.BenchmarkMean:
			d.Signal = "lower"
		default:
			d.Signal = "higher"
		}
	}
	return d
}

func coding(fs []*Finding) Coding {
	var c Coding
	for _, f := range fs {
		if f.Analysis != AnalysisCoding {
			continue
		}
		c.Reviewed++
		switch f.Category {
		case CodingUnder:
			c.Under++
			c.UnderValue += f.Estimate
		case CodingOver:
			c.Over++
			c.OverValue += f.Estimate
		case CodingMatch:
			c.Supported++
		default:
			c.Review++
		}
	}
	return c
}

func edits(fs []*Finding, s *scrub.Scrubber) []EditCount {
	catalog := map[string]scrub.Edit{}
	order := map[string]int{}
	for i, e := range s.Catalog() {
		catalog[e.ID] = e
		order[e.ID] = i
	}
	type key struct{ edit, severity string }
	counts := map[key]*EditCount{}
	claimsOf := map[key]map[string]bool{}
	var keys []key
	for _, f := range fs {
		if f.Analysis != AnalysisScrub {
			continue
		}
		k := key{f.Item, f.Category}
		ec := counts[k]
		if ec == nil {
			e := catalog[f.Item]
			ec = &EditCount{Edit: f.Item, Severity: f.Category, Title: e.Title, Fix: e.Fix, CARCs: e.CARCs}
			counts[k], claimsOf[k] = ec, map[string]bool{}
			keys = append(keys, k)
		}
		ec.Findings++
		claimsOf[k][f.ClaimID] = true
	}
	rank := map[string]int{string(scrub.Error): 0, string(scrub.Warn): 1, string(scrub.Info): 2}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if rank[a.severity] != rank[b.severity] {
			return rank[a.severity] < rank[b.severity]
		}
		if counts[a].Findings != counts[b].Findings {
			return counts[a].Findings > counts[b].Findings
		}
		return order[a.edit] < order[b.edit]
	})
	out := make([]EditCount, len(keys))
	for i, k := range keys {
		counts[k].Claims = len(claimsOf[k])
		out[i] = *counts[k]
	}
	return out
}

func denials(fs []*Finding, reasons *carc.Table) []ReasonCount {
	type key struct{ group, carc string }
	byKey := map[key]*ReasonCount{}
	remarks := map[key]map[string]int{}
	var keys []key
	var total claims.Money
	for _, f := range fs {
		if f.Analysis != AnalysisDenial {
			continue
		}
		k := key{f.Category, f.Item}
		rc := byKey[k]
		if rc == nil {
			rc = &ReasonCount{Group: k.group, CARC: k.carc}
			if r, ok := reasons.Reason(k.carc); ok {
				rc.Description, rc.Fix, rc.Kind, rc.Edits = r.Description, r.Fix, r.Kind, r.Edits
			}
			byKey[k], remarks[k] = rc, map[string]int{}
			keys = append(keys, k)
		}
		rc.Lines++
		rc.Amount += f.Amount
		rc.Estimate += f.Estimate
		if f.Opportunity {
			rc.Recoverable += f.Estimate
		}
		total += f.Amount
		for _, rm := range strings.Fields(f.Remarks) {
			remarks[k][rm]++
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := byKey[keys[i]], byKey[keys[j]]
		if a.Amount != b.Amount {
			return a.Amount > b.Amount
		}
		return a.Lines > b.Lines
	})
	out := make([]ReasonCount, len(keys))
	cum := 0.0
	for i, k := range keys {
		rc := byKey[k]
		rc.Remarks = byFrequency(remarks[k])
		if total > 0 {
			rc.Share = 100 * float64(rc.Amount) / float64(total)
		}
		cum += rc.Share
		rc.Cumulative = cum
		out[i] = *rc
	}
	return out
}

func byFrequency(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool {
		if m[out[i]] != m[out[j]] {
			return m[out[i]] > m[out[j]]
		}
		return out[i] < out[j]
	})
	return out
}

func missed(fs []*Finding, tabs *serviceTables) []ServiceCount {
	byCode := map[string]*ServiceCount{}
	var codes []string
	for _, f := range fs {
		if f.Analysis != AnalysisMissed {
			continue
		}
		sc := byCode[f.Item]
		if sc == nil {
			label, _ := tabs.serviceOf(f.Item)
			if isOfficeEM(f.Item) {
				label = "problem-oriented visit at a preventive visit (modifier 25)"
			}
			sc = &ServiceCount{Code: f.Item, Label: label}
			byCode[f.Item] = sc
			codes = append(codes, f.Item)
		}
		sc.Findings++
		sc.Units += f.Units
		sc.Estimate += f.Estimate
		if f.Estimate == 0 {
			sc.Unpriced++
		}
		if f.Category == SourceNote {
			sc.FromNotes++
		} else {
			sc.ByRule++
		}
	}
	sort.Slice(codes, func(i, j int) bool {
		a, b := byCode[codes[i]], byCode[codes[j]]
		if a.Estimate != b.Estimate {
			return a.Estimate > b.Estimate
		}
		return a.Code < b.Code
	})
	out := make([]ServiceCount, len(codes))
	for i, c := range codes {
		out[i] = *byCode[c]
	}
	return out
}

func weeks(fs []*Finding) []Week {
	byStart := map[claims.Date]*Week{}
	claimsOf := map[claims.Date]map[string]bool{}
	adjudicated := map[claims.Date]int{}
	for _, f := range fs {
		if f.Week.IsZero() {
			continue
		}
		w := byStart[f.Week]
		if w == nil {
			w = &Week{Start: f.Week}
			byStart[f.Week], claimsOf[f.Week] = w, map[string]bool{}
		}
		if f.Opportunity {
			w.Opportunity += f.Estimate
		}
		switch f.Analysis {
		case AnalysisLine:
			claimsOf[f.Week][f.ClaimID] = true
			w.Lines++
			w.Charges += f.Charge
			w.Paid += f.Paid
			if f.Category != LineNoRemit {
				adjudicated[f.Week]++
			}
			if f.Category == LineDenied {
				w.DeniedLines++
				w.Denied += f.Amount
			}
		case AnalysisEM:
			w.EMVisits++
		case AnalysisCoding:
			if f.Category == CodingUnder {
				w.UnderCoded++
			}
		case AnalysisMissed:
			w.Missed++
		}
	}
	out := make([]Week, 0, len(byStart))
	for start, w := range byStart {
		w.Claims = len(claimsOf[start])
		w.DenialRate = ratio(w.DeniedLines, adjudicated[start])
		out = append(out, *w)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out
}
