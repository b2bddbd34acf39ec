package engine

import (
	"errors"
	"fmt"
	"time"

	"github.com/medcode/medcode/internal/codeset"
)

// releaseFor picks the code-set release for a date of service: the one in
// effect, else the nearest installed one with a warning, so a note dated
// after the newest installed release (or before the oldest, or in a gap
// between two) is still coded and the coder told to verify it.
func (e *Engine) releaseFor(dos time.Time) (*codeset.Release, *Warning, error) {
	rel, err := e.set.ForDate(dos)
	var none *codeset.NoReleaseError
	if err == nil || !errors.As(err, &none) {
		return rel, nil, err
	}
	day := none.Date
	rels := e.set.Releases()
	var best *codeset.Release
	var bestGap time.Duration
	for _, r := range rels {
		gap := r.EffectiveFrom.Sub(day)
		if day.After(r.EffectiveTo) {
			gap = day.Sub(r.EffectiveTo)
		}
		// On a tie the newer release wins: its codes are the likelier to
		// still be valid.
		if best == nil || gap <= bestGap {
			best, bestGap = r, gap
		}
	}
	if best == nil {
		return nil, nil, fmt.Errorf("engine: %w", err)
	}
	const verify = "verify the codes against the release in effect on that date"
	date, span := day.Format(time.DateOnly), best.EffectiveFrom.Format(time.DateOnly)+" to "+best.EffectiveTo.Format(time.DateOnly)
	var msg string
	switch {
	case best == rels[len(rels)-1] && day.After(best.EffectiveTo):
		msg = fmt.Sprintf("date of service %s is after the newest installed release %s (in effect %s); coded with %s: %s; install a newer one with `medcode codesets install`", date, best.Name, span, best.Name, verify)
	case best == rels[0] && day.Before(best.EffectiveFrom):
		msg = fmt.Sprintf("date of service %s is before the oldest installed release %s (in effect %s); coded with %s: %s; install an older one with `medcode codesets install`", date, best.Name, span, best.Name, verify)
	default:
		msg = fmt.Sprintf("no installed release covers date of service %s; coded with the nearest, %s (in effect %s): %s; install the release of that date with `medcode codesets install`", date, best.Name, span, verify)
	}
	return best, &Warning{Kind: "codeset", Message: msg}, nil
}
