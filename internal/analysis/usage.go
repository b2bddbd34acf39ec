package analysis

import (
	"context"
	"time"

	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/org"
	"github.com/medcode/medcode/internal/store"
)

// Usage is a workspace's consumption in the current calendar month (UTC).
type Usage struct {
	Tier     store.Tier `json:"tier"`
	Month    string     `json:"month"`
	Used     int        `json:"used"`
	Limit    int        `json:"limit"` // 0 = unlimited
	ResetsAt time.Time  `json:"resets_at"`
}

// Unlimited reports whether the tier has no monthly limit.
func (u *Usage) Unlimited() bool { return u.Limit == 0 }

// Remaining is how many analyses are left this month (meaningless when
// Unlimited).
func (u *Usage) Remaining() int { return max(0, u.Limit-u.Used) }

func month(t time.Time) string { return t.UTC().Format("2006-01") }

// nextMonth is the first instant of the month after t, in UTC.
func nextMonth(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, time.UTC)
}

// tier is the usage plan of the workspace: the organization's, or the
// user's own.
func tier(ws org.Workspace) store.Tier {
	if ws.Org != nil {
		return ws.Org.Tier
	}
	return ws.User.Tier
}

func (s *Service) limit(ws org.Workspace) int { return s.cfg.Limits[tier(ws)] }

// Usage returns the workspace's usage this month.
func (s *Service) Usage(ctx context.Context, ws org.Workspace) (*Usage, error) {
	now := s.Now()
	used, err := s.db.Usage(ctx, ws.Scope(), month(now))
	if err != nil {
		return nil, err
	}
	return &Usage{Tier: tier(ws), Month: month(now), Used: used, Limit: s.limit(ws), ResetsAt: nextMonth(now)}, nil
}

// checkQuota refuses before coding when the month's limit is used up; the
// insert re-checks atomically for concurrent requests.
func (s *Service) checkQuota(ctx context.Context, ws org.Workspace) error {
	if s.limit(ws) == 0 {
		return nil // unlimited: nothing to read
	}
	us, err := s.Usage(ctx, ws)
	if err != nil {
		return err
	}
	if !us.Unlimited() && us.Used >= us.Limit {
		return s.quotaError(ws, s.Now())
	}
	return nil
}

func (s *Service) quotaError(ws org.Workspace, now time.Time) error {
	limit, reset := s.limit(ws), nextMonth(now)
	who := "You have"
	if ws.Org != nil {
		who = ws.Org.Name + " has"
	}
	return apperr.New(apperr.QuotaExceeded,
		"%s used all %d analyses of the %s plan for %s. The limit resets on %s.",
		who, limit, tier(ws), now.UTC().Format("January 2006"), reset.Format("2 January 2006")).
		WithDetails(map[string]any{"limit": limit, "tier": tier(ws), "resets_at": reset})
}
