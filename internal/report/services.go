package report

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/medcode/medcode/internal/claims"
)

// codeSet is a list of CPT/HCPCS codes and inclusive ranges ("90460-90474").
type codeSet []string

// has reports whether code is listed or falls in a listed range of codes
// of its own length.
func (s codeSet) has(code string) bool {
	for _, e := range s {
		lo, hi, isRange := strings.Cut(e, "-")
		switch {
		case !isRange && code == e:
			return true
		case isRange && len(code) == len(lo) && code >= lo && code <= hi:
			return true
		}
	}
	return false
}

func (s codeSet) check() error {
	for _, e := range s {
		lo, hi, isRange := strings.Cut(e, "-")
		if lo == "" || isRange && (len(lo) != len(hi) || lo > hi) {
			return fmt.Errorf("%q is not a code or a range of codes of one length", e)
		}
	}
	return nil
}

// service is a kind of separately billable service.
type service struct {
	Codes codeSet `yaml:"codes"`
	Label string  `yaml:"label"`
}

// variant is a documented code a payer class wants billed as another.
type variant struct {
	Code       string   `yaml:"code"`
	Becomes    string   `yaml:"becomes"`
	WhenBilled codeSet  `yaml:"when_billed"`
	Payers     []string `yaml:"payers"`
	Reason     string   `yaml:"reason"`
}

// claimRule infers a missed service from a claim alone.
type claimRule struct {
	ID              string   `yaml:"id"`
	Code            string   `yaml:"code"`
	Payers          []string `yaml:"payers"`
	From            string   `yaml:"from"`
	WhenBilled      codeSet  `yaml:"when_billed"`
	UnlessBilled    codeSet  `yaml:"unless_billed"`
	UnlessModifiers []string `yaml:"unless_modifiers"`
	NotPOS          []string `yaml:"not_pos"`
	Assumption      string   `yaml:"assumption"`
	from            claims.Date
}

// fee prices a service the Physician Fee Schedule does not.
type fee struct {
	Code       string `yaml:"code"`
	USD        string `yaml:"usd"`
	Confidence string `yaml:"confidence"`
	Source     string `yaml:"source"`
	amount     claims.Money
}

// serviceTables is tables/services.yaml.
type serviceTables struct {
	Services    []service   `yaml:"services"`
	Variants    []variant   `yaml:"variants"`
	ClaimRules  []claimRule `yaml:"claim_rules"`
	Fees        []fee       `yaml:"fees"`
	FacilityPOS []string    `yaml:"facility_pos"`
	// Unrecoverable maps a CARC to why its denials are no revenue
	// opportunity.
	Unrecoverable map[string]string `yaml:"unrecoverable_denials"`
}

func parseServices(data []byte) (*serviceTables, error) {
	var t serviceTables
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&t); err != nil {
		return nil, fmt.Errorf("report: tables/services.yaml: %w", err)
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("report: tables/services.yaml: "+format, args...)
	}
	checkPayers := func(ps []string) error {
		for _, p := range ps {
			if _, err := claims.ParsePayerClass(p); err != nil {
				return err
			}
		}
		return nil
	}
	for _, s := range t.Services {
		if s.Label == "" || len(s.Codes) == 0 {
			return nil, bad("a service needs codes and a label")
		}
		if err := s.Codes.check(); err != nil {
			return nil, bad("service %s: %v", s.Label, err)
		}
	}
	for _, v := range t.Variants {
		if v.Code == "" || v.Becomes == "" || v.Reason == "" {
			return nil, bad("a variant needs code, becomes and reason")
		}
		if err := errors.Join(v.WhenBilled.check(), checkPayers(v.Payers)); err != nil {
			return nil, bad("variant %s: %v", v.Code, err)
		}
	}
	for i := range t.ClaimRules {
		r := &t.ClaimRules[i]
		if r.ID == "" || r.Code == "" || r.Assumption == "" || len(r.WhenBilled) == 0 {
			return nil, bad("claim rule %q needs id, code, when_billed and assumption", r.ID)
		}
		if err := errors.Join(r.WhenBilled.check(), r.UnlessBilled.check(), checkPayers(r.Payers)); err != nil {
			return nil, bad("claim rule %s: %v", r.ID, err)
		}
		if r.From != "" {
			d, err := claims.ParseDate(r.From)
			if err != nil {
				return nil, bad("claim rule %s: from: %v", r.ID, err)
			}
			r.from = d
		}
	}
	for i := range t.Fees {
		f := &t.Fees[i]
		m, err := claims.ParseMoney(f.USD)
		if err != nil || f.Code == "" || f.Source == "" {
			return nil, bad("fee %q needs a code, a dollar amount and a source", f.Code)
		}
		f.amount = m
	}
	return &t, nil
}

// serviceOf returns the label of the separately billable service a code
// belongs to.
func (t *serviceTables) serviceOf(code string) (string, bool) {
	for _, s := range t.Services {
		if s.Codes.has(code) {
			return s.Label, true
		}
	}
	return "", false
}

// variantFor returns the code a documented code is billed as on a claim.
func (t *serviceTables) variantFor(code string, c *claims.Claim) (string, string) {
	for _, v := range t.Variants {
		if v.Code == code && payerIn(v.Payers, c.Payer.Class) && billsAny(c, v.WhenBilled) {
			return v.Becomes, v.Reason
		}
	}
	return code, ""
}

func payerIn(payers []string, class claims.PayerClass) bool {
	return len(payers) == 0 || slices.Contains(payers, string(class))
}

func billsAny(c *claims.Claim, set codeSet) bool {
	return slices.ContainsFunc(c.Lines, func(l claims.Line) bool { return set.has(l.Code) })
}

// fires returns the trigger line (0-based) of a claim rule, or -1.
func (r *claimRule) fires(c *claims.Claim) int {
	if !payerIn(r.Payers, c.Payer.Class) || slices.Contains(r.NotPOS, c.PlaceOfService) || billsAny(c, r.UnlessBilled) {
		return -1
	}
	for i, l := range c.Lines {
		if !r.WhenBilled.has(l.Code) || slices.ContainsFunc(r.UnlessModifiers, l.HasModifier) {
			continue
		}
		if !r.from.IsZero() && l.DOS.Before(r.from) {
			continue
		}
		return i
	}
	return -1
}

// facility reports whether a place of service is priced at the facility rate.
func (t *serviceTables) facility(pos string) bool { return slices.Contains(t.FacilityPOS, pos) }
