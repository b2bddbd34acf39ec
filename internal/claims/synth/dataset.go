package synth

import (
	"math/rand/v2"

	"github.com/medcode/medcode/internal/claims"
	"github.com/medcode/medcode/internal/claims/x835"
)

// DatasetOptions shape a demonstration data set.
type DatasetOptions struct {
	Claims Options
	Remits RemitOptions
	Notes  NoteOptions
	// ErrorRate is the share of claims given a billing error a scrubber
	// catches (default 0.04).
	ErrorRate float64
}

// Dataset is a clinic's claims over a window of dates of service, the
// payers' remittances for them and the visit notes, with what was planted
// in them: the notes record the level they support and the services they
// document, Denials the lines the remittances deny.
type Dataset struct {
	Claims      []*claims.Claim
	Remittances []*x835.Remittance
	Notes       []Note
	Denials     []Denial
	Errors      []BillingError
}

// NewDataset generates n claims as Claims does, writes a note for every
// visit whose template has one (data/notes.yaml), changes the claims'
// billing where the note plan departs from the note (under- and
// over-coded levels, documented services left off), plants billing errors
// in some claims (see BillingError), and adjudicates the
// final claims as Remittances does. The same rng state gives the same
// data set.
func NewDataset(rng *rand.Rand, n int, o DatasetOptions) (*Dataset, error) {
	g, clinics, err := newGenerator(rng, o.Claims)
	if err != nil {
		return nil, err
	}
	nd, err := loadNotes()
	if err != nil {
		return nil, err
	}
	o.Notes.defaults()
	if o.ErrorRate == 0 {
		o.ErrorRate = 0.04
	}
	w := &noteWriter{rng: rng, d: nd, o: o.Notes, conservative: map[string]bool{}}
	ds := &Dataset{Claims: make([]*claims.Claim, n)}
	for i := range ds.Claims {
		c, t := g.next(i, clinics)
		ds.Claims[i] = c
		note, ok, err := w.write(c, t)
		if err != nil {
			return nil, err
		}
		if ok {
			ds.Notes = append(ds.Notes, note)
		}
		if rng.Float64() < o.ErrorRate {
			if kind := plantError(rng, c); kind != "" {
				ds.Errors = append(ds.Errors, BillingError{ClaimID: c.ID, Kind: kind})
			}
		}
	}
	ds.Remittances, ds.Denials, err = remittances(rng, ds.Claims, o.Remits)
	if err != nil {
		return nil, err
	}
	return ds, nil
}
