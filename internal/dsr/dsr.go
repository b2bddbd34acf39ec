// Package dsr carries out a user's data-subject requests: access (a full
// export as JSON, the history also as CSV), correction of profile data and
// of the email address, and deletion of the account. Each request is
// recorded in the audit log (internal/audit) when it is made and again
// when it is completed, so a request that failed half way shows as one
// without its completion. Audit entries hold ids, action names and the
// names of the fields changed, never the data itself.
package dsr

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/medcode/medcode/internal/analysis"
	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/audit"
	"github.com/medcode/medcode/internal/auth"
	"github.com/medcode/medcode/internal/notice"
	"github.com/medcode/medcode/internal/policy"
	"github.com/medcode/medcode/internal/store"
	"github.com/medcode/medcode/internal/support"
)

// Service carries out the requests.
type Service struct {
	accounts *auth.Accounts
	analyses *analysis.Service
	policies *policy.Service
	notices  *notice.Service
	support  *support.Service
	db       store.Store
	audit    *audit.Log
}

// Deps are the services whose data a request covers.
type Deps struct {
	Accounts *auth.Accounts
	Analyses *analysis.Service
	Policies *policy.Service
	Notices  *notice.Service
	Support  *support.Service
	DB       store.Store
	Audit    *audit.Log
}

// New returns the service.
func New(d Deps) *Service {
	return &Service{accounts: d.Accounts, analyses: d.Analyses, policies: d.Policies, notices: d.Notices, support: d.Support,
		db: d.DB, audit: d.Audit}
}

// record appends one step; a request that cannot be recorded is not
// carried out.
func (s *Service) record(ctx context.Context, u *store.User, a audit.Action, details map[string]any) error {
	err := s.audit.Record(ctx, audit.Event{ActorID: u.ID, Action: a, Target: strconv.FormatInt(u.ID, 10), Details: details})
	if err != nil {
		return fmt.Errorf("dsr: recording %s for user %d: %w", a, u.ID, err)
	}
	return nil
}

// Export is everything medcode holds about a user, as they can read it:
// the account, usage and analyses of analysis.Export and the account's
// life around them.
type Export struct {
	analysis.Export
	AdultConfirmedAt  *time.Time            `json:"adult_confirmed_at"`
	PolicyAcceptances []Acceptance          `json:"policy_acceptances"`
	NoticeEmails      bool                  `json:"notice_emails"`
	Support           []SupportConversation `json:"support"`
}

// Acceptance is one accepted policy version.
type Acceptance struct {
	Document   string    `json:"document"`
	Version    string    `json:"version"`
	AcceptedAt time.Time `json:"accepted_at"`
}

// SupportConversation is one support thread with its messages.
type SupportConversation struct {
	ID         int64            `json:"id"`
	Kind       string           `json:"kind"`
	AnalysisID string           `json:"analysis_id,omitempty"`
	Subject    string           `json:"subject"`
	Status     string           `json:"status"`
	CreatedAt  time.Time        `json:"created_at"`
	Messages   []SupportMessage `json:"messages"`
}

// SupportMessage is one message of a conversation.
type SupportMessage struct {
	From      string    `json:"from"` // "you" or "support"
	Body      string    `json:"body"`
	CreatedAt time.Time `json:"created_at"`
}

// Export gathers everything held about u. format names what the user
// asked for ("json" or "csv") in the audit log. The analyses come last:
// their export records the completion (audit.AccountExport), once
// everything else is gathered.
func (s *Service) Export(ctx context.Context, u *store.User, format string) (*Export, error) {
	if err := s.record(ctx, u, audit.AccountExportRequest, map[string]any{"format": format}); err != nil {
		return nil, err
	}
	out := &Export{PolicyAcceptances: []Acceptance{}, Support: []SupportConversation{}}
	adult, err := s.db.AdultConfirmedAt(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	if !adult.IsZero() {
		out.AdultConfirmedAt = &adult
	}
	accepted, err := s.policies.Acceptances(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	for _, a := range accepted {
		out.PolicyAcceptances = append(out.PolicyAcceptances, Acceptance{Document: a.Document, Version: a.Version, AcceptedAt: a.AcceptedAt})
	}
	if out.NoticeEmails, err = s.notices.EmailsOn(ctx, u.ID); err != nil {
		return nil, err
	}
	threads, err := s.support.Threads(ctx, u)
	if err != nil {
		return nil, err
	}
	for _, t := range threads {
		full, err := s.support.Thread(ctx, u, t.ID)
		if err != nil {
			return nil, err
		}
		c := SupportConversation{ID: full.ID, Kind: string(full.Kind), AnalysisID: full.AnalysisID, Subject: full.Subject,
			Status: string(full.Status), CreatedAt: full.CreatedAt}
		for _, m := range full.Messages {
			from := "you"
			if m.Staff {
				from = "support"
			}
			c.Messages = append(c.Messages, SupportMessage{From: from, Body: m.Body, CreatedAt: m.CreatedAt})
		}
		out.Support = append(out.Support, c)
	}
	base, err := s.analyses.Export(ctx, u)
	if err != nil {
		return nil, err
	}
	out.Export = *base
	return out, nil
}

// csvHeader names the columns of the history CSV.
var csvHeader = []string{"analysis_id", "created_at", "profile", "release", "engine_version", "cached",
	"diagnoses", "procedures", "em_code", "em_method", "accepted", "rejected", "preview"}

// HistoryCSV writes the user's analyses as CSV, one row per analysis,
// newest first; codes are joined with ";".
func (s *Service) HistoryCSV(ctx context.Context, u *store.User, w io.Writer) error {
	exp, err := s.Export(ctx, u, "csv")
	if err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return fmt.Errorf("dsr: writing CSV: %w", err)
	}
	for _, rec := range exp.Analyses {
		if err := cw.Write(historyRow(rec)); err != nil {
			return fmt.Errorf("dsr: writing CSV: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("dsr: writing CSV: %w", err)
	}
	return nil
}

func historyRow(rec *analysis.Record) []string {
	var dx, px []string
	var emCode, emMethod string
	if r := rec.Result; r != nil {
		for _, d := range r.Diagnoses {
			dx = append(dx, d.Code)
		}
		for _, p := range r.Procedures {
			code := p.Code
			if len(p.Modifiers) > 0 {
				code += "-" + strings.Join(p.Modifiers, "-")
			}
			if p.Units > 1 {
				code += "x" + strconv.Itoa(p.Units)
			}
			px = append(px, code)
		}
		if r.EM != nil {
			emCode, emMethod = r.EM.Code, r.EM.Method
		}
	}
	var accepted, rejected []string
	for code, d := range rec.Decisions {
		switch d {
		case analysis.Accepted:
			accepted = append(accepted, code)
		case analysis.Rejected:
			rejected = append(rejected, code)
		}
	}
	slices.Sort(accepted)
	slices.Sort(rejected)
	return []string{rec.ID, rec.CreatedAt.UTC().Format(time.RFC3339), rec.Profile, rec.Release, rec.EngineVersion,
		strconv.FormatBool(rec.Cached), strings.Join(dx, ";"), strings.Join(px, ";"), emCode, emMethod,
		strings.Join(accepted, ";"), strings.Join(rejected, ";"), cell(rec.Preview)}
}

// cell keeps a spreadsheet from reading free text as a formula.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// Profile is the correctable profile data.
type Profile struct {
	DisplayName  string
	Organization string
	Role         string
}

// CorrectProfile corrects the profile fields; the audit log names the
// fields that changed.
func (s *Service) CorrectProfile(ctx context.Context, u *store.User, p Profile) error {
	var fields []string
	for _, f := range []struct {
		name     string
		old, new string
	}{
		{"display_name", u.DisplayName, p.DisplayName},
		{"organization", u.Organization, p.Organization},
		{"role", u.Role, p.Role},
	} {
		if strings.TrimSpace(f.new) != f.old {
			fields = append(fields, f.name)
		}
	}
	if len(fields) == 0 {
		return nil
	}
	if err := s.record(ctx, u, audit.AccountCorrectRequest, map[string]any{"fields": fields}); err != nil {
		return err
	}
	if err := s.accounts.UpdateProfile(ctx, u, p.DisplayName, p.Organization, p.Role); err != nil {
		return err
	}
	return s.record(ctx, u, audit.AccountCorrect, map[string]any{"fields": fields})
}

// ChangeEmail corrects the email address (the password confirms it).
func (s *Service) ChangeEmail(ctx context.Context, u *store.User, password, email string) error {
	fields := map[string]any{"fields": []string{"email"}}
	if err := s.accounts.ConfirmPassword(u, password); err != nil {
		return err
	}
	if err := s.record(ctx, u, audit.AccountCorrectRequest, fields); err != nil {
		return err
	}
	if err := s.accounts.ChangeEmail(ctx, u, email); err != nil {
		return err
	}
	return s.record(ctx, u, audit.AccountCorrect, fields)
}

// DeleteAccount deletes the account and all its data once the user has
// confirmed with their password and the explicit confirmation; the
// deletion itself records its completion (audit.AccountDelete).
func (s *Service) DeleteAccount(ctx context.Context, u *store.User, password string, confirmed bool) error {
	if !confirmed {
		return apperr.New(apperr.Invalid, "Tick the box to confirm that you want everything deleted.")
	}
	if err := s.accounts.ConfirmPassword(u, password); err != nil {
		return err
	}
	if err := s.record(ctx, u, audit.AccountDeleteRequest, nil); err != nil {
		return err
	}
	return s.accounts.DeleteAccount(ctx, u)
}
