package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/store"
)

// after numbers the parameters that follow those of inScope(s, 1): the
// i-th of them (from 0).
func after(s store.Scope, i int) string { return param(next(s) + i) }

// claimColumns are read from claims c joined to their workspace w; the
// body comes last so that lists can leave it out.
const claimColumns = `c.id, coalesce(w.org_id, 0), coalesce(c.created_by, 0), c.control_key, c.source, c.analysis_id, c.status,
	c.errors, c.warnings, c.charge, c.paid, c.key_id, c.created_at, c.updated_at, c.exported_at`

const claimFrom = " FROM claims c JOIN workspaces w ON w.id = c.workspace_id"

func scanClaim(row pgx.Row, withBody bool) (*store.Claim, error) {
	var c store.Claim
	var status string
	var exported pgtype.Timestamptz
	dest := []any{&c.ID, &c.OrgID, &c.CreatedBy, &c.ControlKey, &c.Source, &c.AnalysisID, &status,
		&c.Errors, &c.Warnings, &c.Charge, &c.Paid, &c.KeyID, &c.CreatedAt, &c.UpdatedAt, &exported}
	if withBody {
		dest = append(dest, &c.Body)
	}
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	c.Status = store.ClaimStatus(status)
	c.CreatedAt, c.UpdatedAt, c.ExportedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC(), fromNull(exported)
	return &c, nil
}

// uniqueViolation reports whether err is PostgreSQL's unique_violation.
func uniqueViolation(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && pg.Code == "23505"
}

// errPostedBefore is the Conflict of a payment posted twice.
func errPostedBefore() error {
	return apperr.New(apperr.Conflict, "This payment (the same payer and trace number) was posted before.")
}

func errControlKeyTaken() error {
	return apperr.New(apperr.Conflict, "A claim with this claim id already exists.")
}

// CreateClaims inserts claims into the scope's workspace.
func (db *DB) CreateClaims(ctx context.Context, s store.Scope, cs []*store.Claim) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		ws, err := workspaceOf(ctx, tx, s)
		if err != nil {
			return err
		}
		for _, c := range cs {
			c.OrgID, c.CreatedBy = s.OrgID, s.UserID
			_, err := tx.Exec(ctx, `INSERT INTO claims (id, workspace_id, created_by, control_key, source, analysis_id, status,
				errors, warnings, charge, paid, key_id, body, created_at, updated_at, exported_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
				c.ID, ws, c.CreatedBy, c.ControlKey, c.Source, c.AnalysisID, string(c.Status), c.Errors, c.Warnings, c.Charge, c.Paid,
				c.KeyID, c.Body, c.CreatedAt, c.UpdatedAt, nullTime(c.ExportedAt))
			if uniqueViolation(err) {
				return errControlKeyTaken()
			}
			if err != nil {
				return fmt.Errorf("postgres: inserting claim: %w", err)
			}
		}
		return nil
	})
}

// workspaceOf resolves the scope's workspace in tx; NotFound when the
// user may not act in it.
func workspaceOf(ctx context.Context, tx pgx.Tx, s store.Scope) (int64, error) {
	q, args := workspaceSQL(s, 1)
	var id int64
	if err := tx.QueryRow(ctx, q, args...).Scan(&id); err != nil {
		return 0, notFound("workspace", err)
	}
	return id, nil
}

// Claim returns one claim of the scope.
func (db *DB) Claim(ctx context.Context, s store.Scope, id string) (*store.Claim, error) {
	where, args := inScope(s, 1, id)
	c, err := scanClaim(db.pool.QueryRow(ctx, "SELECT "+claimColumns+", c.body"+claimFrom+" WHERE c."+where+" AND c.id = "+after(s, 0), args...), true)
	if err != nil {
		return nil, notFound("claim", err)
	}
	return c, nil
}

// ClaimsByControlKey returns the scope's claims with the keys.
func (db *DB) ClaimsByControlKey(ctx context.Context, s store.Scope, keys []string) (map[string]*store.Claim, error) {
	where, args := inScope(s, 1, keys)
	rows, err := db.pool.Query(ctx, "SELECT "+claimColumns+", c.body"+claimFrom+" WHERE c."+where+" AND c.control_key = ANY("+after(s, 0)+")", args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: finding claims: %w", err)
	}
	defer rows.Close()
	out := map[string]*store.Claim{}
	for rows.Next() {
		c, err := scanClaim(rows, true)
		if err != nil {
			return nil, fmt.Errorf("postgres: finding claims: %w", err)
		}
		out[c.ControlKey] = c
	}
	return out, rows.Err()
}

// ListClaims returns a page of the scope's claims, newest first.
func (db *DB) ListClaims(ctx context.Context, s store.Scope, f store.ClaimFilter) ([]store.Claim, int, error) {
	where, args := inScope(s, 1, string(f.Status))
	where = "c." + where + " AND (" + after(s, 0) + " = '' OR c.status = " + after(s, 0) + ")"
	var total int
	if err := db.pool.QueryRow(ctx, "SELECT count(*)"+claimFrom+" WHERE "+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("postgres: counting claims: %w", err)
	}
	var limit any // NULL: no limit
	if f.Limit > 0 {
		limit = f.Limit
	}
	rows, err := db.pool.Query(ctx, "SELECT "+claimColumns+claimFrom+" WHERE "+where+
		" ORDER BY c.created_at DESC, c.seq DESC LIMIT "+after(s, 1)+" OFFSET "+after(s, 2), append(args, limit, f.Offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("postgres: listing claims: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Claim, error) {
		c, err := scanClaim(r, false)
		if err != nil {
			return store.Claim{}, err
		}
		return *c, nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("postgres: listing claims: %w", err)
	}
	return out, total, nil
}

// EachClaim calls fn for every claim of the scope, oldest first.
func (db *DB) EachClaim(ctx context.Context, s store.Scope, fn func(*store.Claim) (bool, error)) error {
	where, args := inScope(s, 1)
	rows, err := db.pool.Query(ctx, "SELECT "+claimColumns+", c.body"+claimFrom+" WHERE c."+where+" ORDER BY c.created_at, c.seq", args...)
	if err != nil {
		return fmt.Errorf("postgres: reading claims: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		c, err := scanClaim(rows, true)
		if err != nil {
			return fmt.Errorf("postgres: reading claims: %w", err)
		}
		more, err := fn(c)
		if err != nil || !more {
			return err
		}
	}
	return rows.Err()
}

// UpdateClaim replaces a claim's content.
func (db *DB) UpdateClaim(ctx context.Context, s store.Scope, c *store.Claim) error {
	where, args := inScope(s, 1, c.ID, c.ControlKey, c.Errors, c.Warnings, c.Charge, c.KeyID, c.Body, c.UpdatedAt)
	tag, err := db.pool.Exec(ctx, "UPDATE claims SET control_key = "+after(s, 1)+", errors = "+after(s, 2)+", warnings = "+after(s, 3)+
		", charge = "+after(s, 4)+", key_id = "+after(s, 5)+", body = "+after(s, 6)+", updated_at = "+after(s, 7)+
		" WHERE id = "+after(s, 0)+" AND "+where, args...)
	if uniqueViolation(err) {
		return errControlKeyTaken()
	}
	if err != nil {
		return fmt.Errorf("postgres: updating claim: %w", err)
	}
	return affectedOne(tag, "claim")
}

// DeleteClaim removes a claim; the postings to it lose their link.
func (db *DB) DeleteClaim(ctx context.Context, s store.Scope, id string) error {
	where, args := inScope(s, 1, id)
	tag, err := db.pool.Exec(ctx, "DELETE FROM claims WHERE id = "+after(s, 0)+" AND "+where, args...)
	if err != nil {
		return fmt.Errorf("postgres: deleting claim: %w", err)
	}
	return affectedOne(tag, "claim")
}

// MarkClaimsExported moves the draft claims among ids to exported.
func (db *DB) MarkClaimsExported(ctx context.Context, s store.Scope, ids []string, now time.Time) error {
	where, args := inScope(s, 1, ids, string(store.ClaimDraft), string(store.ClaimExported), now)
	_, err := db.pool.Exec(ctx, "UPDATE claims SET status = CASE WHEN status = "+after(s, 1)+" THEN "+after(s, 2)+" ELSE status END, "+
		"exported_at = coalesce(exported_at, "+after(s, 3)+") WHERE id = ANY("+after(s, 0)+") AND "+where, args...)
	if err != nil {
		return fmt.Errorf("postgres: marking claims exported: %w", err)
	}
	return nil
}

const remittanceColumns = "r.id, coalesce(w.org_id, 0), coalesce(r.created_by, 0), r.trace_key, r.payment, r.claims, r.matched, r.balanced, r.key_id, r.created_at"

const remittanceFrom = " FROM remittances r JOIN workspaces w ON w.id = r.workspace_id"

func scanRemittance(row pgx.Row, withBody bool) (*store.Remittance, error) {
	var r store.Remittance
	dest := []any{&r.ID, &r.OrgID, &r.CreatedBy, &r.TraceKey, &r.Payment, &r.Claims, &r.Matched, &r.Balanced, &r.KeyID, &r.CreatedAt}
	if withBody {
		dest = append(dest, &r.Body)
	}
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	r.CreatedAt = r.CreatedAt.UTC()
	return &r, nil
}

// PostRemittance stores a remittance and posts it to its claims.
func (db *DB) PostRemittance(ctx context.Context, s store.Scope, r *store.Remittance, postings []store.Posting) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		ws, err := workspaceOf(ctx, tx, s)
		if err != nil {
			return err
		}
		r.OrgID, r.CreatedBy = s.OrgID, s.UserID
		_, err = tx.Exec(ctx, `INSERT INTO remittances (id, workspace_id, created_by, trace_key, payment, claims, matched, balanced, key_id, body, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			r.ID, ws, r.CreatedBy, r.TraceKey, r.Payment, r.Claims, r.Matched, r.Balanced, r.KeyID, r.Body, r.CreatedAt)
		if uniqueViolation(err) {
			return errPostedBefore()
		}
		if err != nil {
			return fmt.Errorf("postgres: inserting remittance: %w", err)
		}
		for _, p := range postings {
			var claim any
			if p.ClaimID != "" {
				claim = p.ClaimID
				tag, err := tx.Exec(ctx, "UPDATE claims SET status = $1, paid = paid + $2, updated_at = $3 WHERE id = $4 AND workspace_id = $5",
					string(p.Status), p.Paid, r.CreatedAt, p.ClaimID, ws)
				if err != nil {
					return fmt.Errorf("postgres: posting to claim: %w", err)
				}
				if err := affectedOne(tag, "claim"); err != nil {
					return err
				}
			}
			_, err := tx.Exec(ctx, "INSERT INTO postings (remittance_id, seq, claim_id, status, paid) VALUES ($1, $2, $3, $4, $5)",
				r.ID, p.Seq, claim, string(p.Status), p.Paid)
			if err != nil {
				return fmt.Errorf("postgres: inserting posting: %w", err)
			}
		}
		return nil
	})
}

// Remittance returns one remittance of the scope with its postings.
func (db *DB) Remittance(ctx context.Context, s store.Scope, id string) (*store.Remittance, []store.Posting, error) {
	where, args := inScope(s, 1, id)
	r, err := scanRemittance(db.pool.QueryRow(ctx, "SELECT "+remittanceColumns+", r.body"+remittanceFrom+" WHERE r."+where+" AND r.id = "+after(s, 0), args...), true)
	if err != nil {
		return nil, nil, notFound("remittance", err)
	}
	rows, err := db.pool.Query(ctx, "SELECT seq, coalesce(claim_id, ''), status, paid FROM postings WHERE remittance_id = $1 ORDER BY seq", id)
	if err != nil {
		return nil, nil, fmt.Errorf("postgres: reading postings: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.Posting, error) {
		var p store.Posting
		var status string
		err := row.Scan(&p.Seq, &p.ClaimID, &status, &p.Paid)
		p.Status = store.ClaimStatus(status)
		return p, err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("postgres: reading postings: %w", err)
	}
	return r, out, nil
}

// ListRemittances returns a page of the scope's remittances, newest first.
func (db *DB) ListRemittances(ctx context.Context, s store.Scope, limit, offset int) ([]store.Remittance, int, error) {
	where, args := inScope(s, 1)
	var total int
	if err := db.pool.QueryRow(ctx, "SELECT count(*)"+remittanceFrom+" WHERE r."+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("postgres: counting remittances: %w", err)
	}
	var lim any
	if limit > 0 {
		lim = limit
	}
	rows, err := db.pool.Query(ctx, "SELECT "+remittanceColumns+remittanceFrom+" WHERE r."+where+
		" ORDER BY r.created_at DESC, r.seq DESC LIMIT "+after(s, 0)+" OFFSET "+after(s, 1), append(args, lim, offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("postgres: listing remittances: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.Remittance, error) {
		r, err := scanRemittance(row, false)
		if err != nil {
			return store.Remittance{}, err
		}
		return *r, nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("postgres: listing remittances: %w", err)
	}
	return out, total, nil
}

// ClaimPostings lists the postings to one claim of the scope.
func (db *DB) ClaimPostings(ctx context.Context, s store.Scope, claimID string) ([]store.ClaimPosting, error) {
	where, args := inScope(s, 1, claimID)
	rows, err := db.pool.Query(ctx, `SELECT p.remittance_id, p.seq, p.status, p.paid, r.created_at
		FROM postings p JOIN remittances r ON r.id = p.remittance_id
		WHERE r.`+where+` AND p.claim_id = `+after(s, 0)+` ORDER BY r.created_at, r.seq, p.seq`, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: reading postings: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.ClaimPosting, error) {
		var p store.ClaimPosting
		var status string
		err := row.Scan(&p.RemittanceID, &p.Seq, &status, &p.Paid, &p.PostedAt)
		p.Status, p.PostedAt = store.ClaimStatus(status), p.PostedAt.UTC()
		return p, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: reading postings: %w", err)
	}
	return out, nil
}

// BillingProfile returns the scope's profile, creating it with secret.
func (db *DB) BillingProfile(ctx context.Context, s store.Scope, secret []byte, keyID string) (*store.BillingProfile, error) {
	ws, args := workspaceSQL(s, 3)
	p := &store.BillingProfile{OrgID: s.OrgID}
	// The insert yields nothing when the profile exists (or the scope has
	// no workspace); the read after it sees the row either way.
	_, err := db.pool.Exec(ctx, "INSERT INTO billing_profiles (workspace_id, key_id, secret) SELECT id, $1, $2 FROM ("+ws+") ws ON CONFLICT DO NOTHING",
		append([]any{keyID, secret}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("postgres: creating billing profile: %w", err)
	}
	where, args := inScope(s, 1)
	err = db.pool.QueryRow(ctx, "SELECT settings, key_id, secret, control_number FROM billing_profiles WHERE "+where, args...).
		Scan(&p.Settings, &p.KeyID, &p.Secret, &p.ControlNumber)
	if err != nil {
		return nil, notFound("workspace", err)
	}
	return p, nil
}

// SaveBillingSettings replaces the settings of the scope's profile.
func (db *DB) SaveBillingSettings(ctx context.Context, s store.Scope, settings string) error {
	where, args := inScope(s, 1, settings)
	tag, err := db.pool.Exec(ctx, "UPDATE billing_profiles SET settings = "+after(s, 0)+" WHERE "+where, args...)
	if err != nil {
		return fmt.Errorf("postgres: saving billing settings: %w", err)
	}
	return affectedOne(tag, "billing profile")
}

// NextControlNumber advances the scope's interchange control number.
func (db *DB) NextControlNumber(ctx context.Context, s store.Scope) (int, error) {
	where, args := inScope(s, 1)
	var n int
	err := db.pool.QueryRow(ctx, "UPDATE billing_profiles SET control_number = control_number % 999999999 + 1 WHERE "+where+
		" RETURNING control_number", args...).Scan(&n)
	if err != nil {
		return 0, notFound("billing profile", err)
	}
	return n, nil
}
