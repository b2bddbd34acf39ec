package analysis

import (
	"context"
	"time"

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

// Export gathers the user's account and every analysis, decrypted.
func (s *Service) Export(ctx context.Context, u *store.User) (*Export, error) {
	usage, err := s.Usage(ctx, u)
	if err != nil {
		return nil, err
	}
	out := &Export{ExportedAt: s.Now(), Usage: usage, Analyses: []*Record{}, Account: Account{
		Email: u.Email, EmailVerified: !u.EmailVerifiedAt.IsZero(), DisplayName: u.DisplayName, Organization: u.Organization,
		Role: u.Role, Tier: u.Tier, MFAEnabled: u.MFAEnabled(), CreatedAt: u.CreatedAt}}
	var ids []string
	err = s.db.EachAnalysis(ctx, scope(u), func(a *store.Analysis) (bool, error) {
		ids = append(ids, a.ID)
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		rec, err := s.Get(ctx, u, id)
		if err != nil {
			return nil, err
		}
		out.Analyses = append(out.Analyses, rec)
	}
	return out, nil
}
