package claims

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// The claims CSV has one row per service line; claim-level columns repeat
// on every row of a claim (later rows may leave them empty). The columns
// are documented in docs/claims-csv.md; csvFields is the single source of
// truth for both reading and writing.

// csvField is one column: how to read it into a claim or line and how to
// write it back.
type csvField struct {
	name  string
	claim bool // claim-level: the same on every row of the claim
	get   func(c *Claim, l *Line) string
	set   func(c *Claim, l *Line, v string) error
}

// requiredCSVColumns must be present in the header.
var requiredCSVColumns = []string{
	"claim_id", "place_of_service", "billing_npi", "payer_class", "patient_sex",
	"diagnoses", "dos", "code", "charge", "pointers",
}

var csvFields = slices.Concat(
	[]csvField{
		claimText("claim_id", func(c *Claim) *string { return &c.ID }),
		claimText("frequency", func(c *Claim) *string { return &c.Frequency }),
		claimText("place_of_service", func(c *Claim) *string { return &c.PlaceOfService }),

		claimText("billing_npi", func(c *Claim) *string { return &c.Billing.NPI }),
		claimText("billing_taxonomy", func(c *Claim) *string { return &c.Billing.Taxonomy }),
		claimText("billing_organization", func(c *Claim) *string { return &c.Billing.Organization }),
		claimText("billing_last_name", func(c *Claim) *string { return &c.Billing.LastName }),
		claimText("billing_first_name", func(c *Claim) *string { return &c.Billing.FirstName }),
		claimText("billing_tax_id", func(c *Claim) *string { return &c.Billing.TaxID }),
	},
	addressFields("billing", billingAddress),
	[]csvField{
		renderingText("rendering_npi", func(p *Provider) *string { return &p.NPI }),
		renderingText("rendering_taxonomy", func(p *Provider) *string { return &p.Taxonomy }),
		renderingText("rendering_organization", func(p *Provider) *string { return &p.Organization }),
		renderingText("rendering_last_name", func(p *Provider) *string { return &p.LastName }),
		renderingText("rendering_first_name", func(p *Provider) *string { return &p.FirstName }),

		claimText("payer_id", func(c *Claim) *string { return &c.Payer.ID }),
		claimText("payer_name", func(c *Claim) *string { return &c.Payer.Name }),
		{name: "payer_class", claim: true,
			get: func(c *Claim, _ *Line) string { return string(c.Payer.Class) },
			set: func(c *Claim, _ *Line, v string) (err error) { c.Payer.Class, err = ParsePayerClass(v); return err }},

		claimText("patient_key", func(c *Claim) *string { return &c.Patient.Key }),
		{name: "patient_age", claim: true,
			get: func(c *Claim, _ *Line) string { return strconv.Itoa(c.Patient.Age) },
			set: func(c *Claim, _ *Line, v string) error {
				age, err := strconv.Atoi(v)
				if err != nil || age < 0 || age > 130 {
					return fmt.Errorf("age %q is not a number of years", v)
				}
				c.Patient.Age = age
				return nil
			}},
		{name: "patient_sex", claim: true,
			get: func(c *Claim, _ *Line) string { return string(c.Patient.Sex) },
			set: func(c *Claim, _ *Line, v string) (err error) { c.Patient.Sex, err = ParseSex(v); return err }},
		claimText("relationship", func(c *Claim) *string { return &c.Patient.Relationship }),
		personText("patient_last_name", patientIdentity, func(p *Person) *string { return &p.LastName }),
		personText("patient_first_name", patientIdentity, func(p *Person) *string { return &p.FirstName }),
		personText("patient_middle_name", patientIdentity, func(p *Person) *string { return &p.MiddleName }),
		personDate("patient_birth_date", patientIdentity),
	},
	addressFields("patient", patientAddress),
	[]csvField{
		insuredText("member_id", func(i *Insured) *string { return &i.MemberID }),
		insuredText("group_number", func(i *Insured) *string { return &i.GroupNumber }),
		personText("insured_last_name", insuredPerson, func(p *Person) *string { return &p.LastName }),
		personText("insured_first_name", insuredPerson, func(p *Person) *string { return &p.FirstName }),
		personText("insured_middle_name", insuredPerson, func(p *Person) *string { return &p.MiddleName }),
		personDate("insured_birth_date", insuredPerson),
		{name: "insured_sex", claim: true,
			get: func(c *Claim, _ *Line) string {
				if c.Insured == nil {
					return ""
				}
				return string(c.Insured.Sex)
			},
			set: func(c *Claim, _ *Line, v string) (err error) {
				if c.Insured == nil {
					c.Insured = &Insured{}
				}
				c.Insured.Sex, err = ParseSex(v)
				return err
			}},
	},
	addressFields("insured", insuredAddress),
	[]csvField{
		{name: "diagnoses", claim: true,
			get: func(c *Claim, _ *Line) string { return strings.Join(c.Diagnoses, ";") },
			set: func(c *Claim, _ *Line, v string) error {
				c.Diagnoses = nil
				for _, d := range splitList(v) {
					c.Diagnoses = append(c.Diagnoses, NormalizeICD(d))
				}
				return nil
			}},
		{name: "doc_minutes", claim: true,
			get: func(c *Claim, _ *Line) string {
				if c.Documentation == nil || c.Documentation.Minutes == 0 {
					return ""
				}
				return strconv.Itoa(c.Documentation.Minutes)
			},
			set: func(c *Claim, _ *Line, v string) error {
				m, err := strconv.Atoi(v)
				if err != nil || m < 0 {
					return fmt.Errorf("minutes %q is not a whole number", v)
				}
				documentation(c).Minutes = m
				return nil
			}},
		{name: "doc_side", claim: true,
			get: func(c *Claim, _ *Line) string {
				if c.Documentation == nil {
					return ""
				}
				return c.Documentation.Side
			},
			set: func(c *Claim, _ *Line, v string) error {
				switch side := strings.ToLower(v); side {
				case "right", "left", "bilateral":
					documentation(c).Side = side
					return nil
				}
				return fmt.Errorf("side %q is not right, left or bilateral", v)
			}},
		{name: "doc_unrelated", claim: true,
			get: func(c *Claim, _ *Line) string {
				if c.Documentation == nil {
					return ""
				}
				return strings.Join(c.Documentation.Unrelated, ";")
			},
			set: func(c *Claim, _ *Line, v string) error {
				d := documentation(c)
				d.Unrelated = nil
				for _, code := range splitList(v) {
					d.Unrelated = append(d.Unrelated, NormalizeICD(code))
				}
				return nil
			}},

		{name: "dos",
			get: func(_ *Claim, l *Line) string { return l.DOS.String() },
			set: func(_ *Claim, l *Line, v string) (err error) { l.DOS, err = ParseDate(v); return err }},
		{name: "code",
			get: func(_ *Claim, l *Line) string { return l.Code },
			set: func(_ *Claim, l *Line, v string) error { l.Code = NormalizeProcedure(v); return nil }},
		{name: "modifiers",
			get: func(_ *Claim, l *Line) string { return strings.Join(l.Modifiers, ";") },
			set: func(_ *Claim, l *Line, v string) error {
				l.Modifiers = nil
				for _, m := range splitList(v) {
					l.Modifiers = append(l.Modifiers, NormalizeProcedure(m))
				}
				return nil
			}},
		{name: "units",
			get: func(_ *Claim, l *Line) string { return strconv.Itoa(l.Units) },
			set: func(_ *Claim, l *Line, v string) (err error) { l.Units, err = ParseUnits(v); return err }},
		{name: "charge",
			get: func(_ *Claim, l *Line) string { return l.Charge.Dollars() },
			set: func(_ *Claim, l *Line, v string) (err error) { l.Charge, err = ParseMoney(v); return err }},
		{name: "pointers",
			get: func(_ *Claim, l *Line) string {
				s := make([]string, len(l.Pointers))
				for i, p := range l.Pointers {
					s[i] = strconv.Itoa(p)
				}
				return strings.Join(s, ";")
			},
			set: func(_ *Claim, l *Line, v string) (err error) { l.Pointers, err = ParsePointers(v); return err }},
		{name: "line_place_of_service",
			get: func(_ *Claim, l *Line) string { return l.PlaceOfService },
			set: func(_ *Claim, l *Line, v string) error { l.PlaceOfService = v; return nil }},
		{name: "ndc",
			get: func(_ *Claim, l *Line) string {
				if l.Drug == nil {
					return ""
				}
				return l.Drug.NDC
			},
			set: func(_ *Claim, l *Line, v string) error { drug(l).NDC = strings.ReplaceAll(v, "-", ""); return nil }},
		{name: "ndc_quantity",
			get: func(_ *Claim, l *Line) string {
				if l.Drug == nil {
					return ""
				}
				return strconv.FormatFloat(l.Drug.Quantity, 'f', -1, 64)
			},
			set: func(_ *Claim, l *Line, v string) error {
				q, err := strconv.ParseFloat(v, 64)
				if err != nil || q <= 0 {
					return fmt.Errorf("drug quantity %q is not a positive number", v)
				}
				drug(l).Quantity = q
				return nil
			}},
		{name: "ndc_unit",
			get: func(_ *Claim, l *Line) string {
				if l.Drug == nil {
					return ""
				}
				return l.Drug.Unit
			},
			set: func(_ *Claim, l *Line, v string) error { drug(l).Unit = strings.ToUpper(v); return nil }},
	},
)

func claimText(name string, field func(*Claim) *string) csvField {
	return csvField{name: name, claim: true,
		get: func(c *Claim, _ *Line) string { return *field(c) },
		set: func(c *Claim, _ *Line, v string) error { *field(c) = v; return nil }}
}

func renderingText(name string, field func(*Provider) *string) csvField {
	return csvField{name: name, claim: true,
		get: func(c *Claim, _ *Line) string {
			if c.Rendering == nil {
				return ""
			}
			return *field(c.Rendering)
		},
		set: func(c *Claim, _ *Line, v string) error {
			if c.Rendering == nil {
				c.Rendering = &Provider{}
			}
			*field(c.Rendering) = v
			return nil
		}}
}

func insuredText(name string, field func(*Insured) *string) csvField {
	return csvField{name: name, claim: true,
		get: func(c *Claim, _ *Line) string {
			if c.Insured == nil {
				return ""
			}
			return *field(c.Insured)
		},
		set: func(c *Claim, _ *Line, v string) error {
			if c.Insured == nil {
				c.Insured = &Insured{}
			}
			*field(c.Insured) = v
			return nil
		}}
}

// personOf returns a claim's person record, allocating it when alloc is set.
type personOf func(c *Claim, alloc bool) *Person

func patientIdentity(c *Claim, alloc bool) *Person {
	if c.Patient.Identity == nil && alloc {
		c.Patient.Identity = &Person{}
	}
	return c.Patient.Identity
}

func insuredPerson(c *Claim, alloc bool) *Person {
	if c.Insured == nil {
		if !alloc {
			return nil
		}
		c.Insured = &Insured{}
	}
	if c.Insured.Person == nil && alloc {
		c.Insured.Person = &Person{}
	}
	return c.Insured.Person
}

func personText(name string, person personOf, field func(*Person) *string) csvField {
	return csvField{name: name, claim: true,
		get: func(c *Claim, _ *Line) string {
			if p := person(c, false); p != nil {
				return *field(p)
			}
			return ""
		},
		set: func(c *Claim, _ *Line, v string) error { *field(person(c, true)) = v; return nil }}
}

func personDate(name string, person personOf) csvField {
	return csvField{name: name, claim: true,
		get: func(c *Claim, _ *Line) string {
			if p := person(c, false); p != nil {
				return p.BirthDate.String()
			}
			return ""
		},
		set: func(c *Claim, _ *Line, v string) (err error) {
			person(c, true).BirthDate, err = ParseDate(v)
			return err
		}}
}

// addressOf returns a claim's address record, allocating it when alloc is set.
type addressOf func(c *Claim, alloc bool) *Address

func billingAddress(c *Claim, alloc bool) *Address {
	if c.Billing.Address == nil && alloc {
		c.Billing.Address = &Address{}
	}
	return c.Billing.Address
}

func patientAddress(c *Claim, alloc bool) *Address {
	p := patientIdentity(c, alloc)
	if p == nil {
		return nil
	}
	if p.Address == nil && alloc {
		p.Address = &Address{}
	}
	return p.Address
}

func insuredAddress(c *Claim, alloc bool) *Address {
	p := insuredPerson(c, alloc)
	if p == nil {
		return nil
	}
	if p.Address == nil && alloc {
		p.Address = &Address{}
	}
	return p.Address
}

// addressFields returns the five columns prefix_address1, _address2,
// _city, _state and _zip.
func addressFields(prefix string, addr addressOf) []csvField {
	parts := []struct {
		suffix string
		field  func(*Address) *string
	}{
		{"address1", func(a *Address) *string { return &a.Line1 }},
		{"address2", func(a *Address) *string { return &a.Line2 }},
		{"city", func(a *Address) *string { return &a.City }},
		{"state", func(a *Address) *string { return &a.State }},
		{"zip", func(a *Address) *string { return &a.Zip }},
	}
	out := make([]csvField, len(parts))
	for i, p := range parts {
		out[i] = csvField{name: prefix + "_" + p.suffix, claim: true,
			get: func(c *Claim, _ *Line) string {
				if a := addr(c, false); a != nil {
					return *p.field(a)
				}
				return ""
			},
			set: func(c *Claim, _ *Line, v string) error { *p.field(addr(c, true)) = v; return nil }}
	}
	return out
}

func documentation(c *Claim) *Documentation {
	if c.Documentation == nil {
		c.Documentation = &Documentation{}
	}
	return c.Documentation
}

func drug(l *Line) *Drug {
	if l.Drug == nil {
		l.Drug = &Drug{}
	}
	return l.Drug
}

// splitList splits a list cell on semicolons, commas or spaces.
func splitList(v string) []string {
	return strings.FieldsFunc(v, func(r rune) bool { return r == ';' || r == ',' || r == ' ' || r == '|' })
}

// ParseSex reads M/F/U (or male/female/unknown).
func ParseSex(v string) (Sex, error) {
	switch strings.ToUpper(strings.TrimSpace(v)) {
	case "M", "MALE":
		return Male, nil
	case "F", "FEMALE":
		return Female, nil
	case "U", "UNKNOWN":
		return Unknown, nil
	}
	return "", fmt.Errorf("sex %q is not M, F or U", v)
}

// ParseUnits reads a positive whole number of units ("2" or "2.0").
func ParseUnits(v string) (int, error) {
	if n, err := strconv.Atoi(v); err == nil && n > 0 {
		return n, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f <= 0 || f != float64(int(f)) || f > 1e6 {
		return 0, fmt.Errorf("units %q is not a positive whole number", v)
	}
	return int(f), nil
}

// ParsePointers reads diagnosis pointers as numbers ("1;2") or as the
// CMS-1500 letters A-L ("AB", "A;B").
func ParsePointers(v string) ([]int, error) {
	var out []int
	for _, tok := range splitList(v) {
		if n, err := strconv.Atoi(tok); err == nil {
			if n < 1 || n > MaxDiagnoses {
				return nil, fmt.Errorf("pointer %d is outside 1-%d", n, MaxDiagnoses)
			}
			out = append(out, n)
			continue
		}
		for _, r := range strings.ToUpper(tok) {
			if r < 'A' || r > 'A'+MaxDiagnoses-1 {
				return nil, fmt.Errorf("pointer %q is not a number or a letter A-L", tok)
			}
			out = append(out, int(r-'A')+1)
		}
	}
	return out, nil
}

// CSVError names the row and column of a problem in a claims CSV.
type CSVError struct {
	Row    int // 1-based, the header is row 1
	Column string
	Err    error
}

func (e *CSVError) Error() string {
	if e.Column == "" {
		return fmt.Sprintf("claims csv: row %d: %v", e.Row, e.Err)
	}
	return fmt.Sprintf("claims csv: row %d, column %s: %v", e.Row, e.Column, e.Err)
}

func (e *CSVError) Unwrap() error { return e.Err }

// ReadCSV reads claims from the claims CSV format, in the order their ids
// first appear. Rows of one claim need not be adjacent.
func ReadCSV(r io.Reader) ([]*Claim, error) {
	cr := csv.NewReader(r)
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, &CSVError{Row: 1, Err: errors.New("empty file: no header row")}
	}
	if err != nil {
		return nil, fmt.Errorf("claims csv: %w", err)
	}
	byName := make(map[string]*csvField, len(csvFields))
	for i := range csvFields {
		byName[csvFields[i].name] = &csvFields[i]
	}
	cols := make([]*csvField, len(header))
	seen := map[string]bool{}
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		f, ok := byName[name]
		if !ok {
			return nil, &CSVError{Row: 1, Column: h, Err: errors.New("unknown column (see docs/claims-csv.md)")}
		}
		if seen[name] {
			return nil, &CSVError{Row: 1, Column: h, Err: errors.New("column appears twice")}
		}
		seen[name] = true
		cols[i] = f
	}
	for _, name := range requiredCSVColumns {
		if !seen[name] {
			return nil, &CSVError{Row: 1, Column: name, Err: errors.New("required column is missing")}
		}
	}
	if !seen["patient_age"] && !seen["patient_birth_date"] {
		return nil, &CSVError{Row: 1, Column: "patient_age", Err: errors.New("patient_age or patient_birth_date is required")}
	}

	var out []*Claim
	index := map[string]*Claim{}
	ageGiven := map[*Claim]bool{}
	idCol := -1
	for i, f := range cols {
		if f.name == "claim_id" {
			idCol = i
		}
	}
	for row := 2; ; row++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("claims csv: %w", err)
		}
		id := strings.TrimSpace(rec[idCol])
		if id == "" {
			return nil, &CSVError{Row: row, Column: "claim_id", Err: errors.New("empty claim id")}
		}
		c, known := index[id]
		if !known {
			c = &Claim{}
			index[id] = c
			out = append(out, c)
		}
		var line Line
		for i, f := range cols {
			v := strings.TrimSpace(rec[i])
			if v == "" {
				continue
			}
			if !f.claim {
				if err := f.set(c, &line, v); err != nil {
					return nil, &CSVError{Row: row, Column: f.name, Err: err}
				}
				continue
			}
			if !known {
				if err := f.set(c, nil, v); err != nil {
					return nil, &CSVError{Row: row, Column: f.name, Err: err}
				}
				if f.name == "patient_age" {
					ageGiven[c] = true
				}
				continue
			}
			// A later row of the claim: its claim-level values must agree.
			var scratch Claim
			if err := f.set(&scratch, nil, v); err != nil {
				return nil, &CSVError{Row: row, Column: f.name, Err: err}
			}
			if got, had := f.get(&scratch, nil), f.get(c, nil); got != had {
				return nil, &CSVError{Row: row, Column: f.name, Err: fmt.Errorf("%q differs from %q on an earlier row of claim %s", got, had, id)}
			}
		}
		c.Lines = append(c.Lines, line)
	}
	for _, c := range out {
		if c.Frequency == "" {
			c.Frequency = "1"
		}
		if !ageGiven[c] {
			if c.Patient.Identity == nil || c.Patient.Identity.BirthDate.IsZero() {
				return nil, fmt.Errorf("claims csv: claim %s: no patient_age and no patient_birth_date", c.ID)
			}
			c.Patient.Age = AgeOn(c.Patient.Identity.BirthDate, c.FirstDOS())
		}
	}
	return out, nil
}

// WriteCSV writes claims in the claims CSV format, every column, one row
// per service line.
func WriteCSV(w io.Writer, claims []*Claim) error {
	cw := csv.NewWriter(w)
	header := make([]string, len(csvFields))
	for i, f := range csvFields {
		header[i] = f.name
	}
	if err := cw.Write(header); err != nil {
		return fmt.Errorf("claims csv: %w", err)
	}
	rec := make([]string, len(csvFields))
	for _, c := range claims {
		for li := range c.Lines {
			for i, f := range csvFields {
				rec[i] = f.get(c, &c.Lines[li])
			}
			if err := cw.Write(rec); err != nil {
				return fmt.Errorf("claims csv: %w", err)
			}
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("claims csv: %w", err)
	}
	return nil
}
