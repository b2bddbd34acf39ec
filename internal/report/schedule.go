package report

import (
	"fmt"

	"github.com/medcode/medcode/internal/claims"
	"github.com/medcode/medcode/internal/codeset"
	"github.com/medcode/medcode/internal/codeset/pfs"
)

// FeeSchedule picks the fee schedule installed with the code-set release
// in effect on the last date of service of the claims (the newest release
// when none covers it) and names it for the report.
func FeeSchedule(set *codeset.Set, cs []*claims.Claim) (*pfs.Schedule, string, error) {
	rel := set.Latest()
	var last claims.Date
	for _, c := range cs {
		for _, l := range c.Lines {
			if last.Before(l.DOS) {
				last = l.DOS
			}
		}
	}
	if r, err := set.ForDate(last.Time()); err == nil {
		rel = r
	}
	if rel.PFS == nil {
		return nil, "", fmt.Errorf("no Physician Fee Schedule installed with %s: install a PFS RVU release (pfs/rvuYYx) to price the report", rel.Name)
	}
	name := "Medicare Physician Fee Schedule"
	for _, v := range rel.CodeSets {
		if v.Set == codeset.SetPFS {
			name += " " + v.Name
		}
	}
	return rel.PFS, name, nil
}
