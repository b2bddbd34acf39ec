package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/medcode/medcode/internal/analysis"
	"github.com/medcode/medcode/internal/codeset"
	"github.com/medcode/medcode/internal/datadir"
	"github.com/medcode/medcode/internal/engine"
	"github.com/medcode/medcode/internal/phi"
	"github.com/medcode/medcode/internal/rules"
)

// openEngine loads the installed code sets, builds the coding engine and
// the PHI detector, and compiles the release in effect today so the first
// request does not pay for it.
func openEngine(_ context.Context) (analysis.Coder, *phi.Detector, error) {
	dir, err := datadir.Resolve()
	if err != nil {
		return nil, nil, err
	}
	set, err := codeset.Open(dir)
	if err != nil {
		return nil, nil, err
	}
	eng, err := engine.New(set)
	if err != nil {
		return nil, nil, err
	}
	coder := &serverCoder{eng: eng, set: set, now: time.Now}
	if err := eng.Prepare(coder.dos()); err != nil {
		return nil, nil, err
	}
	detector, err := phi.NewDetector(phi.Options{})
	if err != nil {
		return nil, nil, err
	}
	return coder, detector, nil
}

// serverCoder adapts the engine to the analysis service: notes submitted
// through the app are coded as of today.
type serverCoder struct {
	eng *engine.Engine
	set *codeset.Set
	now func() time.Time
}

func (c *serverCoder) Code(ctx context.Context, note string, opts engine.Options) (*engine.Result, error) {
	if opts.DOS.IsZero() {
		opts.DOS = c.dos()
	}
	return c.eng.Code(ctx, note, opts)
}

// release is the release today's notes are coded with: the one in effect,
// else the nearest installed one (a server whose code sets are out of date
// keeps coding with the newest it has rather than failing every note).
func (c *serverCoder) release() *codeset.Release {
	day := c.now()
	rel, err := c.set.ForDate(day)
	var none *codeset.NoReleaseError
	if errors.As(err, &none) {
		rel = c.set.Latest()
		if day.Before(c.set.Releases()[0].EffectiveFrom) {
			rel = c.set.Releases()[0]
		}
	}
	return rel
}

// dos is the date of service notes are coded as of: today, or the first
// day of the nearest release when none covers today.
func (c *serverCoder) dos() time.Time {
	day := c.now()
	if _, err := c.set.ForDate(day); err == nil {
		return day
	}
	return c.release().EffectiveFrom
}

// Release names the release notes are coded with.
func (c *serverCoder) Release() string { return fmt.Sprintf("ICD-10-CM %s", c.release().Name) }

// Describe looks a code up in that release (for clinic rules and coders'
// corrections).
func (c *serverCoder) Describe(code string) (string, bool) {
	return rules.ReleaseCatalog{Release: c.release()}.Describe(code)
}

func (c *serverCoder) EngineVersion() string { return c.eng.Version() }
