package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
)

// csvHeader names the columns of the findings CSV (docs/report.md).
var csvHeader = []string{
	"finding_id", "analysis", "category", "item", "claim_id", "line", "dos", "week", "provider_npi", "provider",
	"payer_class", "payer", "code", "units", "charge", "paid", "contractual", "patient_responsibility", "other_adjustment",
	"amount", "estimate", "rvu", "opportunity", "expected", "remarks", "detail", "fix",
}

// WriteCSV writes every line-level finding, one row each: summing a
// column over the rows of an analysis, category and scope gives the
// report's figure for it.
func (r *Report) WriteCSV(w io.Writer) error {
	names := map[string]string{}
	for _, p := range r.Providers {
		names[p.Scope.Key] = p.Scope.Label
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return fmt.Errorf("report: csv: %w", err)
	}
	for _, f := range r.Findings {
		line := ""
		if f.Line > 0 {
			line = strconv.Itoa(f.Line)
		}
		units := ""
		if f.Units > 0 {
			units = strconv.Itoa(f.Units)
		}
		rvu := ""
		if f.RVU != 0 {
			rvu = strconv.FormatFloat(f.RVU, 'f', 2, 64)
		}
		rec := []string{
			f.ID, f.Analysis, f.Category, f.Item, f.ClaimID, line, f.DOS.String(), f.Week.String(), f.Provider, names[f.Provider],
			string(f.PayerClass), f.Payer, f.Code, units, f.Charge.Dollars(), f.Paid.Dollars(), f.Contractual.Dollars(),
			f.PatientResp.Dollars(), f.OtherAdj.Dollars(), f.Amount.Dollars(), f.Estimate.Dollars(), rvu,
			strconv.FormatBool(f.Opportunity), f.Expected, f.Remarks, f.Detail, f.Fix,
		}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("report: csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("report: csv: %w", err)
	}
	return nil
}
