package evaluate

import (
	"fmt"
	"time"

	"gopkg.in/yaml.v3"
)

// DefaultVignetteDOS is the date of service of a vignette that states none
// (coding-domain.md §9: FY2025 code sets).
const DefaultVignetteDOS = "2025-03-10"

// Vignette is one outpatient test note with its expected codes.
type Vignette struct {
	ID          int           `yaml:"id"`
	DOS         string        `yaml:"dos"`
	Payer       string        `yaml:"payer"`
	Patient     string        `yaml:"patient"`
	Age         int           `yaml:"age"`
	Sex         string        `yaml:"sex"`
	Note        string        `yaml:"note"`
	ICD         []string      `yaml:"icd"`
	ICDOptional []string      `yaml:"icd_optional"`
	CPT         []ServiceLine `yaml:"cpt"`
	EM          string        `yaml:"em"`
	Scrub       *ScrubClaim   `yaml:"scrub"`
}

// ServiceLine is an expected CPT/HCPCS line.
type ServiceLine struct {
	Code      string   `yaml:"code"`
	Units     int      `yaml:"units"`
	Modifiers []string `yaml:"modifiers"`
}

// ScrubClaim is the claim-scrubber fixture (a claim, not a note).
type ScrubClaim struct {
	Age           int           `yaml:"age"`
	Sex           string        `yaml:"sex"`
	Patient       string        `yaml:"patient"`
	Payer         string        `yaml:"payer"`
	Lines         []ServiceLine `yaml:"lines"`
	Diagnoses     []string      `yaml:"diagnoses"`
	ExpectedEdits []string      `yaml:"expected_edits"`
}

// IsCoding reports whether the vignette is a note to code (not the
// scrubber fixture).
func (v Vignette) IsCoding() bool { return v.Scrub == nil && v.Note != "" }

// DateOfService is the vignette's date of service, or the fixture default.
func (v Vignette) DateOfService() (time.Time, error) {
	s := v.DOS
	if s == "" {
		s = DefaultVignetteDOS
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("evaluate: vignette %d: dos %q: %w", v.ID, s, err)
	}
	return t, nil
}

// ParseVignettes decodes the vignette fixture and checks each entry.
func ParseVignettes(data []byte) ([]Vignette, error) {
	var vs []Vignette
	if err := yaml.Unmarshal(data, &vs); err != nil {
		return nil, fmt.Errorf("evaluate: vignettes: %w", err)
	}
	seen := map[int]bool{}
	for i, v := range vs {
		switch {
		case v.ID <= 0:
			return nil, fmt.Errorf("evaluate: vignettes: entry %d has no positive id", i+1)
		case seen[v.ID]:
			return nil, fmt.Errorf("evaluate: vignettes: id %d appears twice", v.ID)
		case v.Scrub == nil && v.Note == "":
			return nil, fmt.Errorf("evaluate: vignettes: id %d has neither a note nor a scrub claim", v.ID)
		case v.Note != "" && len(v.ICD) == 0:
			return nil, fmt.Errorf("evaluate: vignettes: id %d has a note but no expected icd codes", v.ID)
		}
		if _, err := v.DateOfService(); err != nil {
			return nil, err
		}
		seen[v.ID] = true
	}
	return vs, nil
}
