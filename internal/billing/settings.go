package billing

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/audit"
	"github.com/medcode/medcode/internal/claims"
	"github.com/medcode/medcode/internal/claims/x837"
	"github.com/medcode/medcode/internal/org"
)

// Settings is an organization's billing set-up: who bills, what it
// charges, and the trading partners of its 837P batches. None of it is
// PHI.
type Settings struct {
	// Billing is the billing provider claims made from analyses carry.
	Billing claims.Provider `json:"billing_provider"`
	// PlaceOfService is the default place of service of those claims.
	PlaceOfService string `json:"place_of_service"`
	// Charges is the charge master: the clinic's charge for one unit of
	// each code.
	Charges map[string]claims.Money `json:"charges"`
	// Partners names the submitter, receiver and envelope ids of the 837P;
	// its control number is the workspace's counter, not this field.
	Partners x837.Config `json:"partners"`
}

// Bounds of the settings.
const (
	maxCharges = 5000
	maxText    = 80
)

// Settings returns the organization's billing settings.
func (s *Service) Settings(ctx context.Context, ws org.Workspace) (*Settings, error) {
	if err := ws.RequireOrg(); err != nil {
		return nil, err
	}
	if err := ws.Require(org.ReadClaims); err != nil {
		return nil, err
	}
	return s.settings(ctx, ws)
}

func (s *Service) settings(ctx context.Context, ws org.Workspace) (*Settings, error) {
	p, _, err := s.profile(ctx, ws)
	if err != nil {
		return nil, err
	}
	out := &Settings{PlaceOfService: "11", Charges: map[string]claims.Money{}}
	if p.Settings == "" {
		return out, nil
	}
	if err := json.Unmarshal([]byte(p.Settings), out); err != nil {
		return nil, fmt.Errorf("billing: reading the settings of organization %d: %w", ws.OrgID(), err)
	}
	return out, nil
}

// SaveSettings checks and stores the organization's billing settings.
func (s *Service) SaveSettings(ctx context.Context, ws org.Workspace, set Settings) error {
	if err := ws.RequireOrg(); err != nil {
		return err
	}
	if err := ws.Require(org.ManageBilling); err != nil {
		return err
	}
	if err := set.check(); err != nil {
		return err
	}
	if _, _, err := s.profile(ctx, ws); err != nil {
		return err
	}
	b, err := json.Marshal(set)
	if err != nil {
		return fmt.Errorf("billing: encoding settings: %w", err)
	}
	if err := s.db.SaveBillingSettings(ctx, ws.Scope(), string(b)); err != nil {
		return err
	}
	return s.record(ctx, ws, audit.BillingSettings, "", map[string]any{"charges": len(set.Charges), "billing_npi": set.Billing.NPI})
}

// check normalises the settings and refuses what an 837P could not carry.
func (set *Settings) check() error {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if set.Billing.NPI != "" {
		if err := claims.CheckNPI(set.Billing.NPI); err != nil {
			add("Billing provider NPI: %v.", err)
		}
	}
	if set.PlaceOfService == "" {
		set.PlaceOfService = "11"
	}
	if !isDigits(set.PlaceOfService, 2) {
		add("The place of service is a two-digit code (11 office).")
	}
	if len(set.Charges) > maxCharges {
		add("The charge master holds at most %d codes.", maxCharges)
	}
	charges := make(map[string]claims.Money, len(set.Charges))
	for code, amount := range set.Charges {
		code = claims.NormalizeProcedure(code)
		if !validProcedure(code) {
			add("Charge master: %q is not a CPT or HCPCS code.", code)
		}
		if amount <= 0 {
			add("Charge master: the charge of %s must be more than zero.", code)
		}
		charges[code] = amount
	}
	set.Charges = charges
	p := &set.Partners
	for _, f := range []struct{ label, v string }{
		{"Submitter name", p.Submitter.Name}, {"Submitter id", p.Submitter.ID}, {"Receiver name", p.Receiver.Name},
		{"Receiver id", p.Receiver.ID}, {"Sender id", p.Envelope.SenderID}, {"Receiver interchange id", p.Envelope.ReceiverID},
		{"Submitter contact", p.Submitter.Contact}, {"Submitter phone", p.Submitter.Phone}, {"Submitter email", p.Submitter.Email},
	} {
		if len(f.v) > maxText || strings.ContainsAny(f.v, "*~:^\n\r") {
			add("%s: at most %d characters, without * ~ : ^.", f.label, maxText)
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return apperr.New(apperr.Invalid, "%s", strings.Join(problems, " ")).WithDetails(map[string]any{"problems": problems})
	}
	return nil
}

// ready says what an 837P export still lacks in the settings.
func (set *Settings) ready() error {
	p := set.Partners
	if p.Submitter.Name == "" || p.Submitter.ID == "" || p.Receiver.Name == "" || p.Receiver.ID == "" || p.Envelope.SenderID == "" || p.Envelope.ReceiverID == "" {
		return apperr.New(apperr.Invalid, "Name the 837P trading partners first (submitter and receiver names and ids, sender and receiver interchange ids) in the billing settings.")
	}
	if p.Submitter.Phone == "" && p.Submitter.Email == "" {
		return apperr.New(apperr.Invalid, "Give the submitter's phone number or email address in the billing settings: an 837P names whom the payer calls about the batch.")
	}
	return nil
}

func isDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// validProcedure accepts the shape of a CPT code (five digits, or four
// and a letter for category II/III) or a HCPCS Level II code (a letter
// and four digits).
func validProcedure(code string) bool {
	if len(code) != 5 {
		return false
	}
	for i, r := range code {
		digit := r >= '0' && r <= '9'
		letter := r >= 'A' && r <= 'Z'
		switch {
		case i == 0 && !digit && !letter, i == 4 && !digit && !letter, i > 0 && i < 4 && !digit:
			return false
		}
	}
	return true
}

// ParseCharges reads a charge master typed one code per line, "CODE
// AMOUNT" (a comma, a tab or spaces between), as the settings form takes it.
func ParseCharges(text string) (map[string]claims.Money, error) {
	out := map[string]claims.Money{}
	var problems []string
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.FieldsFunc(line, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == ';' })
		if len(fields) != 2 {
			problems = append(problems, fmt.Sprintf("line %d: write a code and its charge, such as \"99213 145.00\"", i+1))
			continue
		}
		amount, err := claims.ParseMoney(strings.TrimPrefix(fields[1], "$"))
		if err != nil {
			problems = append(problems, fmt.Sprintf("line %d: %v", i+1, err))
			continue
		}
		out[claims.NormalizeProcedure(fields[0])] = amount
	}
	if len(problems) > 0 {
		return nil, apperr.New(apperr.Invalid, "The charge master has problems: %s.", strings.Join(problems, "; ")).
			WithDetails(map[string]any{"problems": problems})
	}
	return out, nil
}

// FormatCharges writes a charge master back in the ParseCharges form,
// by code.
func FormatCharges(charges map[string]claims.Money) string {
	codes := make([]string, 0, len(charges))
	for c := range charges {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	var b strings.Builder
	for _, c := range codes {
		fmt.Fprintf(&b, "%s %s\n", c, charges[c].Dollars())
	}
	return b.String()
}
