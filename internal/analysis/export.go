package analysis

import (
	"context"
	"time"

	"github.com/medcode/medcode/internal/audit"
	"github.com/medcode/medcode/internal/org"
	"github.com/medcode/medcode/internal/store"
)

// Export is everything medcode holds about a user, as they can read it.
type Export struct {
	ExportedAt time.Time `json:"exported_at"`
	Account    Account   `json:"account"`
	Usage      *Usage    `json:"usage"`
	Analyses   []*Record `json:"analyses"`
}

// Account is the exported profile (no password hash, no secrets).
type Account struct {
	Email         string     `json:"email"`
	EmailVerified bool       `json:"email_verified"`
	DisplayName   string     `json:"display_name"`
	Organization  string     `json:"organization"`
	Role          string     `json:"role"`
	Tier          store.Tier `json:"tier"`
	MFAEnabled    bool       `json:"mfa_enabled"`
	CreatedAt     time.Time  `json:"created_at"`
}

// Export gathers the user's account and every analysis of their personal
// workspace, decrypted, and audits it.
func (s *Service) Export(ctx context.Context, u *store.User) (*Export, error) {
	ws := org.Personal(u)
	usage, err := s.Usage(ctx, ws)
	if err != nil {
		return nil, err
	}
	out := &Export{ExportedAt: s.Now(), Usage: usage, Account: Account{
		Email: u.Email, EmailVerified: !u.EmailVerifiedAt.IsZero(), DisplayName: u.DisplayName, Organization: u.Organization,
		Role: u.Role, Tier: u.Tier, MFAEnabled: u.MFAEnabled(), CreatedAt: u.CreatedAt}}
	if out.Analyses, err = s.records(ctx, ws); err != nil {
		return nil, err
	}
	return out, s.audit.Record(ctx, audit.Event{ActorID: u.ID, Action: audit.AccountExport, Details: map[string]any{"analyses": len(out.Analyses)}})
}

// ExportedRecord is an analysis in an organization's export, with its
// retained note when there is one.
type ExportedRecord struct {
	*Record
	Note string `json:"note,omitempty"`
}

// OrgExport is everything medcode holds for an organization.
type OrgExport struct {
	ExportedAt   time.Time        `json:"exported_at"`
	Organization ExportedOrg      `json:"organization"`
	Members      []ExportedMember `json:"members"`
	Rules        []store.RuleSet  `json:"rules"`
	Feedback     *org.Feedback    `json:"feedback"`
	Usage        *Usage           `json:"usage"`
	Analyses     []ExportedRecord `json:"analyses"`
}

// ExportedOrg is the organization's settings.
type ExportedOrg struct {
	ID                int64      `json:"id"`
	Name              string     `json:"name"`
	Tier              store.Tier `json:"tier"`
	CreatedAt         time.Time  `json:"created_at"`
	BAA               *store.BAA `json:"baa,omitempty"`
	RetentionDays     int        `json:"retention_days"`
	NoteRetentionDays int        `json:"note_retention_days"`
}

// ExportedMember is one member.
type ExportedMember struct {
	UserID   int64      `json:"user_id"`
	Email    string     `json:"email"`
	Name     string     `json:"name,omitempty"`
	Role     store.Role `json:"role"`
	JoinedAt time.Time  `json:"joined_at"`
}

// ExportOrg gathers the organization's settings, members, every version
// of its rules, its feedback statistics and every analysis with its
// retained note, and audits it.
func (s *Service) ExportOrg(ctx context.Context, ws org.Workspace, orgs *org.Service) (*OrgExport, error) {
	if err := ws.RequireOrg(); err != nil {
		return nil, err
	}
	if err := ws.Require(org.ExportOrg); err != nil {
		return nil, err
	}
	o := ws.Org
	out := &OrgExport{ExportedAt: s.Now(), Members: []ExportedMember{}, Rules: []store.RuleSet{}, Analyses: []ExportedRecord{},
		Organization: ExportedOrg{ID: o.ID, Name: o.Name, Tier: o.Tier, CreatedAt: o.CreatedAt, BAA: o.BAA,
			RetentionDays: o.RetentionDays, NoteRetentionDays: o.NoteRetentionDays}}
	roster, err := orgs.Roster(ctx, ws)
	if err != nil {
		return nil, err
	}
	for _, m := range roster.Members {
		out.Members = append(out.Members, ExportedMember{UserID: m.UserID, Email: m.Email, Name: m.DisplayName, Role: m.Role, JoinedAt: m.JoinedAt})
	}
	versions, err := orgs.RuleVersions(ctx, ws)
	if err != nil {
		return nil, err
	}
	for _, v := range versions {
		rs, err := orgs.Rules(ctx, ws, v.Version)
		if err != nil {
			return nil, err
		}
		out.Rules = append(out.Rules, *rs)
	}
	if out.Feedback, err = orgs.Feedback(ctx, ws); err != nil {
		return nil, err
	}
	if out.Usage, err = s.Usage(ctx, ws); err != nil {
		return nil, err
	}
	recs, err := s.records(ctx, ws)
	if err != nil {
		return nil, err
	}
	for _, rec := range recs {
		e := ExportedRecord{Record: rec}
		if rec.NoteRetained {
			sealed, _, err := s.db.AnalysisNote(ctx, ws.Scope(), rec.ID)
			if err != nil {
				return nil, err
			}
			note, err := s.keys.Open(sealed, aad(rec.ID, "note"))
			if err != nil {
				return nil, err
			}
			e.Note = string(note)
		}
		out.Analyses = append(out.Analyses, e)
	}
	return out, s.audit.Record(ctx, audit.Event{OrgID: o.ID, ActorID: ws.User.ID, Action: audit.OrgExport,
		Details: map[string]any{"analyses": len(out.Analyses)}})
}

// records opens every record of the workspace, newest first.
func (s *Service) records(ctx context.Context, ws org.Workspace) ([]*Record, error) {
	var ids []string
	err := s.db.EachAnalysis(ctx, ws.Scope(), func(a *store.Analysis) (bool, error) {
		ids = append(ids, a.ID)
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	out := []*Record{}
	for _, id := range ids {
		a, err := s.db.Analysis(ctx, ws.Scope(), id)
		if err != nil {
			return nil, err
		}
		rec, err := s.record(a)
		if err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
	return out, nil
}
