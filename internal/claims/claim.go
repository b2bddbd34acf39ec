// Package claims holds the professional claim model (CMS-1500 / 837P) that
// the scrubber checks, the X12 writer exports and the remittance analysis
// matches payments against, with its CSV import and export.
package claims

import (
	"errors"
	"fmt"
	"strings"
)

// Limits of the 837P professional claim (005010X222A1).
const (
	MaxDiagnoses     = 12 // HI segment: one ABK and up to eleven ABF
	MaxPointers      = 4  // SV107: diagnosis code pointers per line
	MaxModifiers     = 4  // SV101-3..6
	MaxLines         = 50 // 2400 loop repeat
	MaxControlNumber = 38 // CLM01 length
)

// Sex is the administrative sex on the claim: "M", "F" or "U" (unknown).
type Sex string

// Administrative sex values, as X12 DMG03 writes them.
const (
	Male    Sex = "M"
	Female  Sex = "F"
	Unknown Sex = "U"
)

// PayerClass groups payers whose billing rules differ (variant codes,
// G2211, preventive coverage, ABN modifiers).
type PayerClass string

// Payer classes.
const (
	Medicare          PayerClass = "medicare"
	MedicareAdvantage PayerClass = "medicare_advantage"
	Medicaid          PayerClass = "medicaid"
	Commercial        PayerClass = "commercial"
	OtherPayer        PayerClass = "other"
)

// PayerClasses lists every payer class, for validation and reports.
var PayerClasses = []PayerClass{Medicare, MedicareAdvantage, Medicaid, Commercial, OtherPayer}

// MedicareLike reports whether the payer follows Medicare's professional
// billing rules (traditional Medicare and Medicare Advantage plans).
func (p PayerClass) MedicareLike() bool { return p == Medicare || p == MedicareAdvantage }

// filingIndicators are the X12 claim filing indicator codes (837P SBR09,
// 835 CLP06) written for each payer class.
var filingIndicators = map[PayerClass]string{
	Medicare:          "MB", // Medicare Part B
	MedicareAdvantage: "16", // Health Maintenance Organization (HMO) Medicare Risk
	Medicaid:          "MC",
	Commercial:        "CI",
	OtherPayer:        "ZZ", // mutually defined
}

// FilingIndicator returns the X12 claim filing indicator code of the class.
func (p PayerClass) FilingIndicator() string { return filingIndicators[p] }

// PayerClassOfFilingIndicator maps a claim filing indicator code read from
// an 837P or 835 to a payer class.
func PayerClassOfFilingIndicator(code string) PayerClass {
	switch code {
	case "MA", "MB":
		return Medicare
	case "16":
		return MedicareAdvantage
	case "MC":
		return Medicaid
	case "CI", "BL", "HM", "12", "13", "14", "15", "17", "AM", "DS", "LM":
		return Commercial
	}
	return OtherPayer
}

// ParsePayerClass reads a payer class name (case-insensitive; "-" or " " for "_").
func ParsePayerClass(s string) (PayerClass, error) {
	norm := strings.NewReplacer("-", "_", " ", "_").Replace(strings.ToLower(strings.TrimSpace(s)))
	for _, c := range PayerClasses {
		if string(c) == norm {
			return c, nil
		}
	}
	return "", fmt.Errorf("unknown payer class %q (want one of %v)", s, PayerClasses)
}

// Claim is one professional claim: one patient, one billing provider, one
// payer, diagnoses in order and up to 50 service lines.
type Claim struct {
	// ID is the patient control number (CLM01) the clinic assigns; the 835
	// echoes it back in CLP01.
	ID string `json:"id"`
	// Frequency is the claim frequency code: "1" original, "7" replacement, "8" void.
	Frequency string `json:"frequency"`
	// PlaceOfService is the claim's two-digit CMS place-of-service code
	// (11 office, 20 urgent care, 02/10 telehealth); a line may override it.
	PlaceOfService string         `json:"place_of_service"`
	Billing        Provider       `json:"billing"`
	Rendering      *Provider      `json:"rendering,omitempty"` // nil when the billing provider rendered the care
	Payer          Payer          `json:"payer"`
	Patient        Patient        `json:"patient"`
	Insured        *Insured       `json:"insured,omitempty"` // BAA organizations only
	Diagnoses      []string       `json:"diagnoses"`         // ICD-10-CM with the dot, first-listed first
	Lines          []Line         `json:"lines"`
	Documentation  *Documentation `json:"documentation,omitempty"`
}

// Provider is a billing or rendering provider.
type Provider struct {
	NPI      string `json:"npi"`
	Taxonomy string `json:"taxonomy,omitempty"` // NUCC provider taxonomy code, e.g. 207Q00000X
	// Organization is set for an organization (entity type 2); LastName and
	// FirstName for a person (entity type 1).
	Organization string   `json:"organization,omitempty"`
	LastName     string   `json:"last_name,omitempty"`
	FirstName    string   `json:"first_name,omitempty"`
	TaxID        string   `json:"tax_id,omitempty"` // billing provider's EIN
	Address      *Address `json:"address,omitempty"`
}

// IsOrganization reports whether the provider is an organization rather than a person.
func (p Provider) IsOrganization() bool { return p.Organization != "" }

// Address is a postal address.
type Address struct {
	Line1 string `json:"line1"`
	Line2 string `json:"line2,omitempty"`
	City  string `json:"city"`
	State string `json:"state"`
	Zip   string `json:"zip"`
}

// Payer is the health plan the claim is sent to.
type Payer struct {
	ID    string     `json:"id"` // payer identifier the clearinghouse routes on
	Name  string     `json:"name"`
	Class PayerClass `json:"class"`
}

// Patient is the person who received the care. Outside a BAA organization
// only de-identified demographics are held: Key, Age and Sex.
type Patient struct {
	// Key is a stable pseudonym for a de-identified patient, so that
	// duplicate and global-period edits can match claims of one person.
	Key string `json:"key,omitempty"`
	// Age is the age in years on the first date of service; a de-identified
	// age of 90 stands for 90 or older (HIPAA Safe Harbor).
	Age int `json:"age"`
	Sex Sex `json:"sex"`
	// Identity is present only in BAA organizations.
	Identity *Person `json:"identity,omitempty"`
	// Relationship is the patient's relationship to the insured as the X12
	// individual relationship code: "18" self (the default), "01" spouse,
	// "19" child, "G8" other.
	Relationship string `json:"relationship,omitempty"`
}

// Person is an identified individual (BAA organizations only).
type Person struct {
	LastName   string   `json:"last_name"`
	FirstName  string   `json:"first_name"`
	MiddleName string   `json:"middle_name,omitempty"`
	BirthDate  Date     `json:"birth_date"`
	Address    *Address `json:"address,omitempty"`
}

// Insured is the subscriber of the health plan (BAA organizations only).
type Insured struct {
	MemberID    string `json:"member_id"`
	GroupNumber string `json:"group_number,omitempty"`
	// Person and Sex describe the subscriber when not the patient; Person
	// is nil when the patient is the subscriber (relationship "18").
	Person *Person `json:"person,omitempty"`
	Sex    Sex     `json:"sex,omitempty"`
}

// Line is one service line.
type Line struct {
	Code           string   `json:"code"` // CPT or HCPCS Level II
	Modifiers      []string `json:"modifiers,omitempty"`
	Units          int      `json:"units"`
	Charge         Money    `json:"charge"`
	DOS            Date     `json:"dos"`
	PlaceOfService string   `json:"place_of_service,omitempty"` // empty: the claim's
	// Pointers are 1-based positions in Claim.Diagnoses, first = primary reason.
	Pointers []int `json:"pointers"`
	// Drug identifies the dispensed drug of a J-code line (837P loop 2410).
	Drug *Drug `json:"drug,omitempty"`
}

// Drug is the National Drug Code and quantity dispensed on a drug line.
type Drug struct {
	NDC      string  `json:"ndc"`      // 11 digits, 5-4-2 without dashes
	Quantity float64 `json:"quantity"` // in Unit
	Unit     string  `json:"unit"`     // X12 unit of measure: F2 international unit, GR gram, ME milligram, ML milliliter, UN unit
}

// HasModifier reports whether the line carries modifier m.
func (l Line) HasModifier(m string) bool {
	for _, x := range l.Modifiers {
		if x == m {
			return true
		}
	}
	return false
}

// Documentation carries facts from the visit note that some edits need and
// that the 837P has no place for. It stays inside medcode: the X12 writer
// never sends it.
type Documentation struct {
	// Minutes is the total time documented on the date of service (0 = none).
	Minutes int `json:"minutes,omitempty"`
	// Side is the body side the note names: "right", "left" or "bilateral".
	Side string `json:"side,omitempty"`
	// Unrelated lists diagnoses the provider documented as unrelated to the
	// others, which turns an Excludes1 conflict into a warning.
	Unrelated []string `json:"unrelated,omitempty"`
}

// TotalCharge is the sum of the line charges (CLM02).
func (c *Claim) TotalCharge() Money {
	var t Money
	for _, l := range c.Lines {
		t += l.Charge
	}
	return t
}

// FirstDOS returns the earliest line date of service (zero without lines).
func (c *Claim) FirstDOS() Date {
	var first Date
	for _, l := range c.Lines {
		if first.IsZero() || l.DOS.Before(first) {
			first = l.DOS
		}
	}
	return first
}

// Identified reports whether the claim holds the patient's identity, which
// an 837P needs and only BAA organizations may store.
func (c *Claim) Identified() bool { return c.Patient.Identity != nil && c.Insured != nil }

// RelationshipCode returns the patient's relationship to the insured, "18"
// (self) when not given.
func (p Patient) RelationshipCode() string {
	if p.Relationship == "" {
		return "18"
	}
	return p.Relationship
}

// Validate reports the structural problems that make a claim impossible
// to submit as an 837P: missing parties, limits of the format and
// malformed identifiers. Coding problems are the scrubber's job.
func (c *Claim) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if c.ID == "" {
		add("no claim id (patient control number)")
	} else if len(c.ID) > MaxControlNumber {
		add("claim id longer than %d characters", MaxControlNumber)
	}
	if err := CheckNPI(c.Billing.NPI); err != nil {
		add("billing provider: %v", err)
	}
	if c.Billing.Organization == "" && c.Billing.LastName == "" {
		add("billing provider has no name")
	}
	if c.Billing.TaxID == "" {
		add("billing provider has no tax id")
	}
	if c.Billing.Address == nil {
		add("billing provider has no address")
	}
	if c.Rendering != nil {
		if err := CheckNPI(c.Rendering.NPI); err != nil {
			add("rendering provider: %v", err)
		}
	}
	if c.Payer.ID == "" || c.Payer.Name == "" {
		add("payer id and name are required")
	}
	if !c.Identified() {
		add("patient identity and insured member id are required for an 837P (BAA organizations only)")
	}
	if len(c.Diagnoses) == 0 {
		add("no diagnosis")
	}
	if len(c.Diagnoses) > MaxDiagnoses {
		add("%d diagnoses; an 837P holds at most %d", len(c.Diagnoses), MaxDiagnoses)
	}
	if len(c.Lines) == 0 || len(c.Lines) > MaxLines {
		add("%d service lines; an 837P holds 1 to %d", len(c.Lines), MaxLines)
	}
	if c.PlaceOfService == "" {
		add("no place of service")
	}
	for i, l := range c.Lines {
		if l.Code == "" {
			add("line %d: no procedure code", i+1)
		}
		if len(l.Modifiers) > MaxModifiers {
			add("line %d: %d modifiers; at most %d", i+1, len(l.Modifiers), MaxModifiers)
		}
		if l.Units <= 0 {
			add("line %d: units must be positive", i+1)
		}
		if l.DOS.IsZero() {
			add("line %d: no date of service", i+1)
		}
		if len(l.Pointers) == 0 || len(l.Pointers) > MaxPointers {
			add("line %d: %d diagnosis pointers; 1 to %d are required", i+1, len(l.Pointers), MaxPointers)
		}
		for _, p := range l.Pointers {
			if p < 1 || p > len(c.Diagnoses) {
				add("line %d: pointer %d refers to no diagnosis", i+1, p)
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("claim %s: %w", c.ID, err)
	}
	return nil
}
