package billing

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/audit"
	"github.com/medcode/medcode/internal/claims"
	"github.com/medcode/medcode/internal/claims/scrub"
	"github.com/medcode/medcode/internal/claims/x837"
	"github.com/medcode/medcode/internal/org"
	"github.com/medcode/medcode/internal/store"
)

// Export is an 837P batch ready to download.
type Export struct {
	Data          []byte
	Filename      string
	ControlNumber int
	Claims        []string // the exported claims' record ids, in file order
}

// Export writes claims as one 837P batch for the organization's trading
// partners, with the next interchange control number, and marks them
// exported. With no ids it takes every draft claim. The batch is scrubbed
// again as a whole first: a claim with an ERROR finding, or one an 837P
// cannot carry (no patient identity outside a BAA), stops the export with
// the reasons.
func (s *Service) Export(ctx context.Context, ws org.Workspace, ids []string, test bool) (*Export, error) {
	if err := requireClaims(ws, org.ExportClaims); err != nil {
		return nil, err
	}
	set, err := s.settings(ctx, ws)
	if err != nil {
		return nil, err
	}
	if err := set.ready(); err != nil {
		return nil, err
	}
	ps, err := s.exportable(ctx, ws, ids)
	if err != nil {
		return nil, err
	}
	if err := s.scrubAll(ps); err != nil {
		return nil, err
	}
	var problems []string
	for _, p := range ps {
		var blocking []string
		for _, f := range p.body.Findings {
			if f.Severity == scrub.Error {
				blocking = append(blocking, f.Edit)
			}
		}
		if len(blocking) > 0 {
			problems = append(problems, fmt.Sprintf("%s: scrubber errors %s", p.body.Claim.ID, strings.Join(blocking, ", ")))
		} else if err := p.body.Claim.Validate(); err != nil {
			problems = append(problems, strings.ReplaceAll(err.Error(), "\n", "; "))
		}
	}
	if len(problems) > 0 {
		return nil, apperr.New(apperr.Invalid, "%d of %d claims cannot be sent: %s. Fix them or leave them out.",
			len(problems), len(ps), strings.Join(firstN(problems, 5), "; ")).WithDetails(map[string]any{"problems": problems})
	}
	n, err := s.db.NextControlNumber(ctx, ws.Scope())
	if err != nil {
		return nil, err
	}
	cfg := set.Partners
	cfg.Envelope.ControlNumber, cfg.Envelope.Time, cfg.Envelope.Test = n, s.Now(), test
	cs := make([]*claims.Claim, len(ps))
	out := &Export{ControlNumber: n, Filename: "claims-" + strconv.Itoa(n) + ".837"}
	for i, p := range ps {
		cs[i] = p.body.Claim
		out.Claims = append(out.Claims, p.row.ID)
	}
	if out.Data, err = x837.Write(cfg, cs, true); err != nil {
		return nil, apperr.New(apperr.Invalid, "%s", err.Error())
	}
	if err := s.db.MarkClaimsExported(ctx, ws.Scope(), out.Claims, s.Now()); err != nil {
		return nil, err
	}
	return out, s.record(ctx, ws, audit.ClaimExport, strconv.Itoa(n), map[string]any{"claims": len(out.Claims), "test": test})
}

// exportable reads the claims to export: those named, else every draft.
func (s *Service) exportable(ctx context.Context, ws org.Workspace, ids []string) ([]*prepared, error) {
	var rows []*store.Claim
	if len(ids) == 0 {
		err := s.db.EachClaim(ctx, ws.Scope(), func(c *store.Claim) (bool, error) {
			if c.Status == store.ClaimDraft {
				rows = append(rows, c)
			}
			return true, nil
		})
		if err != nil {
			return nil, err
		}
		if len(rows) == 0 {
			return nil, apperr.New(apperr.Invalid, "No draft claim to send: every claim was exported already.")
		}
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		c, err := s.db.Claim(ctx, ws.Scope(), id)
		if err != nil {
			return nil, err
		}
		rows = append(rows, c)
	}
	if len(rows) > MaxImport {
		return nil, apperr.New(apperr.TooLarge, "An 837P batch holds at most %d claims here; select fewer.", MaxImport)
	}
	ps := make([]*prepared, len(rows))
	for i, c := range rows {
		b, err := s.openClaim(c)
		if err != nil {
			return nil, err
		}
		ps[i] = &prepared{row: c, body: b}
	}
	return ps, nil
}
