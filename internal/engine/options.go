package engine

import (
	"fmt"
	"slices"
	"time"
)

// Coding profiles.
const (
	// ProfileOutpatient follows the outpatient billing guidelines
	// (Section IV): no uncertain diagnoses, no symptoms integral to a
	// confirmed diagnosis, external causes left to the payer.
	ProfileOutpatient = "outpatient"
	// ProfileAbstract reports every affirmed condition and finding, as
	// registry abstraction and risk-adjustment review do.
	ProfileAbstract = "abstract"
)

// Profiles lists the valid profiles.
var Profiles = []string{ProfileOutpatient, ProfileAbstract}

// Payer classes.
var Payers = []string{"commercial", "medicare", "medicaid"}

// Patient types for the E/M level.
var PatientTypes = []string{"new", "established"}

// Options describe the encounter around the note.
type Options struct {
	// Profile is ProfileOutpatient (default) or ProfileAbstract.
	Profile string
	// DOS is the date of service; it picks the code-set release. Zero
	// means today.
	DOS time.Time
	// Payer is the payer class: commercial (default), medicare, medicaid.
	Payer string
	// PatientType is new or established; "" lets the note say.
	PatientType string
	// Age in years when known outside the note (0 = unknown, let the note
	// say); Sex is "F", "M" or "".
	Age int
	Sex string
}

// normalize fills defaults and rejects values outside the contract.
func (o Options) normalize(now time.Time) (Options, error) {
	if o.Profile == "" {
		o.Profile = ProfileOutpatient
	}
	if !slices.Contains(Profiles, o.Profile) {
		return o, fmt.Errorf("engine: unknown profile %q (want outpatient or abstract)", o.Profile)
	}
	if o.Payer == "" {
		o.Payer = "commercial"
	}
	if !slices.Contains(Payers, o.Payer) {
		return o, fmt.Errorf("engine: unknown payer class %q (want commercial, medicare or medicaid)", o.Payer)
	}
	if o.PatientType != "" && !slices.Contains(PatientTypes, o.PatientType) {
		return o, fmt.Errorf("engine: unknown patient type %q (want new or established)", o.PatientType)
	}
	if o.Age < 0 || o.Age > 130 {
		return o, fmt.Errorf("engine: age %d out of range", o.Age)
	}
	if o.Sex != "" && o.Sex != "F" && o.Sex != "M" {
		return o, fmt.Errorf("engine: sex %q (want F or M)", o.Sex)
	}
	if o.DOS.IsZero() {
		o.DOS = now
	}
	return o, nil
}
