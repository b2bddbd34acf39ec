package report

import (
	"fmt"
	"sort"
	"strings"
)

// assumptions states what each analysis rests on, with the figures of
// this report (benchmark, locality, gates, rules).
func assumptions(r *Report, cfg Config, tabs *serviceTables, withNotes bool) []Assumptions {
	bm := r.Benchmark
	volume := []string{
		"Payments and adjustments come from each claim's final adjudication in the 835 remittances, in payment-date order: a reversal (claim status 22) cancels the adjudication before it, and a later adjudication replaces an earlier one.",
		"A line is denied when an adjustment's reason code (CARC) is a denial, eligibility or coordination-of-benefits reason; deductible, coinsurance, copay and contractual write-offs (CO-45) are not denials.",
		"Denial rate = denied lines / lines adjudicated. Clean-claim rate = claims the scrubber passed without an ERROR / claims.",
		"Care is attributed to the rendering provider of a claim, else to its billing provider.",
	}
	if n := r.Inputs.UnmatchedRemits; n > 0 {
		volume = append(volume, fmt.Sprintf("%d adjudications name claims that are not in the claims file: their denials count overall and by payer class, not by provider.", n))
	}
	em := []string{
		fmt.Sprintf("Benchmark: %s (%s), confidence [%s], file version %s. Source: %s Caveat: %s", bm.Name, bm.DataYear, bm.Confidence, r.BenchmarkVersion, bm.Source, bm.Caveat),
		"Office E/M lines 99202-99205 (new patients) and 99211-99215 (established patients) are counted per line, whatever their modifiers.",
		"A difference from the benchmark is a signal to audit, never proof of mis-coding; a distribution lower than the benchmark suggests under-coding, a higher one over-coding.",
		fmt.Sprintf("Flags need at least %d visits of the patient type in the scope: a chi-square goodness-of-fit test against the benchmark (p < 0.05) and, per level, a z-test of the share (|z| >= 1.96). Levels expected fewer than 5 times make the chi-square approximate.", MinVisits),
	}
	coding := []string{
		"Notes are matched to claims by file name: <claim id>.txt, the claim id being the patient control number (CLM01).",
		"Each note is re-coded by the medcode engine with the claim's date of service, payer class, patient age and sex, and the patient type of the billed code. The documented level is the higher of the MDM level (two of three elements) and the level the documented total time supports.",
		fmt.Sprintf("A documented level with engine confidence below %.2f, a note in which the engine finds no office E/M level, or a patient type that differs from the billed code's is left for human review, not counted as under- or over-coded.", minConfidence(cfg)),
		"The dollar difference is the fee-schedule price of the documented code minus that of the billed code (under-coding: revenue left; over-coding: revenue at risk).",
		"No note text is kept in the report: only codes, levels and the engine's reasons without quotes from the note.",
	}
	if !withNotes {
		coding = []string{"No notes were given: under- and over-coding were not measured, and missed services come from the claim rules only."}
	}
	missed := []string{
		"A missed service is a separately billable service or add-on (coding-domain.md 7.4) that a re-coded note documents and the claim does not bill, or bills fewer units of.",
		"Claims without a re-coded note are checked by claim rules instead, each resting on an assumption to verify before billing:",
	}
	for _, cr := range tabs.ClaimRules {
		missed = append(missed, fmt.Sprintf("Rule %s (%s): %s", cr.ID, cr.Code, cr.Assumption))
	}
	for _, v := range tabs.Variants {
		missed = append(missed, fmt.Sprintf("%s documented is counted as %s when the claim bills %s for %s: %s", v.Code, v.Becomes, strings.Join(v.WhenBilled, "/"), strings.Join(v.Payers, ", "), v.Reason))
	}
	missed = append(missed, "Payers differ in covering these services; the estimate assumes the payer pays the fee schedule.")
	var lost []string
	for code, why := range tabs.Unrecoverable {
		lost = append(lost, "CARC "+code+" ("+why+")")
	}
	sort.Strings(lost)
	denials := []string{
		"Denials are grouped by adjustment group and reason code (CARC), with their remark codes (RARC); descriptions and fixes are medcode's own words (internal/claims/carc).",
		"Denied dollars are the adjusted amounts of the denials (usually the line charge); the estimate prices the denied services at the fee schedule.",
		"Recoverable: contractual (CO) denials a corrected claim can recover. Patient-responsibility (PR) denials are billed to the patient, and these are not recoverable: " + strings.Join(lost, "; ") + ".",
		"Preventable: the reason code has scrubber edits that catch its cause before the claim is sent.",
	}
	scrubbing := []string{
		fmt.Sprintf("The claims were checked by the medcode scrubber as of %s, the last date in the data.", r.AsOf),
	}
	if len(r.InactiveEdits) > 0 {
		var names []string
		for _, st := range r.InactiveEdits {
			names = append(names, st.ID+" ("+st.Status+": needs "+strings.Join(st.Missing, ", ")+")")
		}
		scrubbing = append(scrubbing, "Edits that did not fully run for lack of installed code-set data: "+strings.Join(names, "; ")+".")
	}
	var fees []string
	for _, f := range tabs.Fees {
		fees = append(fees, fmt.Sprintf("%s $%s [%s]: %s", f.Code, f.USD, f.Confidence, strings.TrimSuffix(strings.TrimSpace(f.Source), ".")))
	}
	pricing := []string{
		fmt.Sprintf("Dollar estimates are RVUs x GPCIs x conversion factor of the %s, at %s; the non-facility rate applies except at facility places of service (%s).", r.FeeSchedule, r.Locality, strings.Join(tabs.FacilityPOS, ", ")),
		"Services the fee schedule does not price use this fee table, or are left unpriced ($0): " + strings.Join(fees, "; ") + ".",
		"Multiple-procedure, bilateral and sequestration reductions and payer contracts are not applied: the estimate is a Medicare-rate yardstick, not a forecast of payment.",
		"Revenue opportunity = under-coded visits + missed services + recoverable denials. Over-coding is shown as revenue at risk, never as opportunity.",
		"Weeks start on Monday; a finding falls in the week of its date of service.",
	}
	return []Assumptions{
		{AnalysisLine, "Volume, payments and denial rate", volume},
		{AnalysisEM, "E/M level distribution", em},
		{AnalysisCoding, "Under- and over-coding", coding},
		{AnalysisMissed, "Missed services and add-ons", missed},
		{AnalysisDenial, "Denials", denials},
		{AnalysisScrub, "Scrubber findings", scrubbing},
		{"pricing", "Revenue opportunity and pricing", pricing},
	}
}

func minConfidence(cfg Config) float64 {
	if cfg.MinConfidence > 0 {
		return cfg.MinConfidence
	}
	return 0.6
}
