package analysis

import (
	"context"
	"sync"

	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/org"
	"github.com/medcode/medcode/internal/rules"
)

// ruleCache keeps the compiled rules of each organization's recent
// versions: a version never changes, so an entry never goes stale.
type ruleCache struct {
	mu   sync.Mutex
	sets map[ruleKey]*rules.Set
}

type ruleKey struct {
	org     int64
	version int
}

// maxCachedRuleSets bounds the cache; past it, it starts over.
const maxCachedRuleSets = 512

func newRuleCache() *ruleCache { return &ruleCache{sets: map[ruleKey]*rules.Set{}} }

// ruleSet returns the compiled current rules of the workspace's
// organization and their version; nil and 0 in a personal workspace or an
// organization without rules.
func (s *Service) ruleSet(ctx context.Context, ws org.Workspace) (*rules.Set, int, error) {
	if ws.Org == nil {
		return nil, 0, nil
	}
	rs, err := s.db.RuleSet(ctx, ws.Org.ID, 0)
	if apperr.Is(err, apperr.NotFound) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, err
	}
	key := ruleKey{ws.Org.ID, rs.Version}
	s.rules.mu.Lock()
	set, ok := s.rules.sets[key]
	s.rules.mu.Unlock()
	if ok {
		return set, rs.Version, nil
	}
	// The rules were checked against the catalog when saved; parse without
	// it so a code retired by a newer code set does not stop all coding.
	doc, err := rules.Parse([]byte(rs.Source), nil)
	if err != nil {
		return nil, 0, err
	}
	set = rules.Compile(doc, org.Citation(ws.Org, rs.Version), s.coder)
	s.rules.mu.Lock()
	if len(s.rules.sets) >= maxCachedRuleSets {
		clear(s.rules.sets)
	}
	s.rules.sets[key] = set
	s.rules.mu.Unlock()
	return set, rs.Version, nil
}
