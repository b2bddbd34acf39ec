package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/store"
)

// claimColumns are read from claims c joined to their workspace w; the
// body comes last so that lists can leave it out.
const claimColumns = `c.id, coalesce(w.org_id, 0), coalesce(c.created_by, 0), c.control_key, c.source, c.analysis_id, c.status,
	c.errors, c.warnings, c.charge, c.paid, c.key_id, c.created_at, c.updated_at, c.exported_at`

const claimFrom = " FROM claims c JOIN workspaces w ON w.id = c.workspace_id"

func scanClaim(row scanner, withBody bool) (*store.Claim, error) {
	var c store.Claim
	var status string
	var created, updated, exported int64
	dest := []any{&c.ID, &c.OrgID, &c.CreatedBy, &c.ControlKey, &c.Source, &c.AnalysisID, &status,
		&c.Errors, &c.Warnings, &c.Charge, &c.Paid, &c.KeyID, &created, &updated, &exported}
	if withBody {
		dest = append(dest, &c.Body)
	}
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	c.Status = store.ClaimStatus(status)
	c.CreatedAt, c.UpdatedAt, c.ExportedAt = fromMillis(created), fromMillis(updated), fromMillis(exported)
	return &c, nil
}

// errControlKeyTaken is the Conflict of a claim id used twice in a
// workspace.
func errControlKeyTaken() error {
	return apperr.New(apperr.Conflict, "A claim with this claim id already exists.")
}

// errPostedBefore is the Conflict of a payment posted twice.
func errPostedBefore() error {
	return apperr.New(apperr.Conflict, "This payment (the same payer and trace number) was posted before.")
}

// uniqueViolation reports whether err is SQLite's UNIQUE constraint error.
func uniqueViolation(err error) bool {
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// CreateClaims inserts claims into the scope's workspace.
func (db *DB) CreateClaims(ctx context.Context, s store.Scope, cs []*store.Claim) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		ws, err := db.workspaceID(ctx, tx, s)
		if err != nil {
			return err
		}
		for _, c := range cs {
			c.OrgID, c.CreatedBy = s.OrgID, s.UserID
			_, err := tx.ExecContext(ctx, `INSERT INTO claims (id, workspace_id, created_by, control_key, source, analysis_id, status,
				errors, warnings, charge, paid, key_id, body, created_at, updated_at, exported_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				c.ID, ws, c.CreatedBy, c.ControlKey, c.Source, c.AnalysisID, string(c.Status), c.Errors, c.Warnings, c.Charge, c.Paid,
				c.KeyID, c.Body, millis(c.CreatedAt), millis(c.UpdatedAt), millis(c.ExportedAt))
			if uniqueViolation(err) {
				return errControlKeyTaken()
			}
			if err != nil {
				return fmt.Errorf("sqlite: inserting claim: %w", err)
			}
		}
		return nil
	})
}

// Claim returns one claim of the scope.
func (db *DB) Claim(ctx context.Context, s store.Scope, id string) (*store.Claim, error) {
	where, args := inScope(s, id)
	c, err := scanClaim(db.readRow(ctx, "SELECT "+claimColumns+", c.body"+claimFrom+" WHERE c."+where+" AND c.id = ?", args...), true)
	if err != nil {
		return nil, notFound("claim", err)
	}
	return c, nil
}

// ClaimsByControlKey returns the scope's claims with the keys.
func (db *DB) ClaimsByControlKey(ctx context.Context, s store.Scope, keys []string) (map[string]*store.Claim, error) {
	out := map[string]*store.Claim{}
	// SQLite bounds the parameters of one statement: look keys up in
	// slices.
	const slice = 500
	for start := 0; start < len(keys); start += slice {
		part := keys[start:min(start+slice, len(keys))]
		args := make([]any, len(part))
		for i, k := range part {
			args[i] = k
		}
		where, all := inScope(s, args...)
		rows, err := db.read.QueryContext(ctx, "SELECT "+claimColumns+", c.body"+claimFrom+" WHERE c."+where+
			" AND c.control_key IN (?"+strings.Repeat(", ?", len(part)-1)+")", all...)
		if err != nil {
			return nil, fmt.Errorf("sqlite: finding claims: %w", err)
		}
		for rows.Next() {
			c, err := scanClaim(rows, true)
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("sqlite: finding claims: %w", err)
			}
			out[c.ControlKey] = c
		}
		if err := rows.Close(); err != nil {
			return nil, fmt.Errorf("sqlite: finding claims: %w", err)
		}
	}
	return out, nil
}

// ListClaims returns a page of the scope's claims, newest first.
func (db *DB) ListClaims(ctx context.Context, s store.Scope, f store.ClaimFilter) ([]store.Claim, int, error) {
	where, args := inScope(s)
	where = "c." + where
	if f.Status != "" {
		where += " AND c.status = ?"
		args = append(args, string(f.Status))
	}
	var total int
	if err := db.read.QueryRowContext(ctx, "SELECT count(*)"+claimFrom+" WHERE "+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("sqlite: counting claims: %w", err)
	}
	limit := f.Limit
	if limit == 0 {
		limit = -1
	}
	rows, err := db.read.QueryContext(ctx, "SELECT "+claimColumns+claimFrom+" WHERE "+where+
		" ORDER BY c.created_at DESC, c.rowid DESC LIMIT ? OFFSET ?", append(args, limit, f.Offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("sqlite: listing claims: %w", err)
	}
	defer rows.Close()
	var out []store.Claim
	for rows.Next() {
		c, err := scanClaim(rows, false)
		if err != nil {
			return nil, 0, fmt.Errorf("sqlite: listing claims: %w", err)
		}
		out = append(out, *c)
	}
	return out, total, rows.Err()
}

// EachClaim calls fn for every claim of the scope, oldest first.
func (db *DB) EachClaim(ctx context.Context, s store.Scope, fn func(*store.Claim) (bool, error)) error {
	where, args := inScope(s)
	rows, err := db.read.QueryContext(ctx, "SELECT "+claimColumns+", c.body"+claimFrom+" WHERE c."+where+" ORDER BY c.created_at, c.rowid", args...)
	if err != nil {
		return fmt.Errorf("sqlite: reading claims: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		c, err := scanClaim(rows, true)
		if err != nil {
			return fmt.Errorf("sqlite: reading claims: %w", err)
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
	return db.inTx(ctx, func(tx *sql.Tx) error {
		where, args := inScope(s)
		res, err := tx.ExecContext(ctx, `UPDATE claims SET control_key = ?, errors = ?, warnings = ?, charge = ?, key_id = ?, body = ?, updated_at = ?
			WHERE id = ? AND `+where, append([]any{c.ControlKey, c.Errors, c.Warnings, c.Charge, c.KeyID, c.Body, millis(c.UpdatedAt), c.ID}, args...)...)
		if uniqueViolation(err) {
			return errControlKeyTaken()
		}
		if err != nil {
			return fmt.Errorf("sqlite: updating claim: %w", err)
		}
		return affectedOne(res, "claim")
	})
}

// DeleteClaim removes a claim; the postings to it lose their link.
func (db *DB) DeleteClaim(ctx context.Context, s store.Scope, id string) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		where, args := inScope(s)
		res, err := tx.ExecContext(ctx, "DELETE FROM claims WHERE id = ? AND "+where, append([]any{id}, args...)...)
		if err != nil {
			return fmt.Errorf("sqlite: deleting claim: %w", err)
		}
		return affectedOne(res, "claim")
	})
}

// MarkClaimsExported moves the draft claims among ids to exported.
func (db *DB) MarkClaimsExported(ctx context.Context, s store.Scope, ids []string, now time.Time) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		ws, err := db.workspaceID(ctx, tx, s)
		if err != nil {
			return err
		}
		for _, id := range ids {
			_, err := tx.ExecContext(ctx, `UPDATE claims SET
				status = CASE status WHEN ? THEN ? ELSE status END,
				exported_at = CASE exported_at WHEN 0 THEN ? ELSE exported_at END
				WHERE id = ? AND workspace_id = ?`,
				string(store.ClaimDraft), string(store.ClaimExported), millis(now), id, ws)
			if err != nil {
				return fmt.Errorf("sqlite: marking claims exported: %w", err)
			}
		}
		return nil
	})
}

const remittanceColumns = "r.id, coalesce(w.org_id, 0), coalesce(r.created_by, 0), r.trace_key, r.payment, r.claims, r.matched, r.balanced, r.key_id, r.created_at"

const remittanceFrom = " FROM remittances r JOIN workspaces w ON w.id = r.workspace_id"

func scanRemittance(row scanner, withBody bool) (*store.Remittance, error) {
	var r store.Remittance
	var created int64
	dest := []any{&r.ID, &r.OrgID, &r.CreatedBy, &r.TraceKey, &r.Payment, &r.Claims, &r.Matched, &r.Balanced, &r.KeyID, &created}
	if withBody {
		dest = append(dest, &r.Body)
	}
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	r.CreatedAt = fromMillis(created)
	return &r, nil
}

// PostRemittance stores a remittance and posts it to its claims.
func (db *DB) PostRemittance(ctx context.Context, s store.Scope, r *store.Remittance, postings []store.Posting) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		ws, err := db.workspaceID(ctx, tx, s)
		if err != nil {
			return err
		}
		r.OrgID, r.CreatedBy = s.OrgID, s.UserID
		_, err = tx.ExecContext(ctx, `INSERT INTO remittances (id, workspace_id, created_by, trace_key, payment, claims, matched, balanced, key_id, body, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.ID, ws, r.CreatedBy, r.TraceKey, r.Payment, r.Claims, r.Matched, r.Balanced, r.KeyID, r.Body, millis(r.CreatedAt))
		if uniqueViolation(err) {
			return errPostedBefore()
		}
		if err != nil {
			return fmt.Errorf("sqlite: inserting remittance: %w", err)
		}
		for _, p := range postings {
			var claim any
			if p.ClaimID != "" {
				claim = p.ClaimID
				res, err := tx.ExecContext(ctx, "UPDATE claims SET status = ?, paid = paid + ?, updated_at = ? WHERE id = ? AND workspace_id = ?",
					string(p.Status), p.Paid, millis(r.CreatedAt), p.ClaimID, ws)
				if err != nil {
					return fmt.Errorf("sqlite: posting to claim: %w", err)
				}
				if err := affectedOne(res, "claim"); err != nil {
					return err
				}
			}
			_, err := tx.ExecContext(ctx, "INSERT INTO postings (remittance_id, seq, claim_id, status, paid) VALUES (?, ?, ?, ?, ?)",
				r.ID, p.Seq, claim, string(p.Status), p.Paid)
			if err != nil {
				return fmt.Errorf("sqlite: inserting posting: %w", err)
			}
		}
		return nil
	})
}

// Remittance returns one remittance of the scope with its postings.
func (db *DB) Remittance(ctx context.Context, s store.Scope, id string) (*store.Remittance, []store.Posting, error) {
	where, args := inScope(s, id)
	r, err := scanRemittance(db.readRow(ctx, "SELECT "+remittanceColumns+", r.body"+remittanceFrom+" WHERE r."+where+" AND r.id = ?", args...), true)
	if err != nil {
		return nil, nil, notFound("remittance", err)
	}
	rows, err := db.read.QueryContext(ctx, "SELECT seq, coalesce(claim_id, ''), status, paid FROM postings WHERE remittance_id = ? ORDER BY seq", id)
	if err != nil {
		return nil, nil, fmt.Errorf("sqlite: reading postings: %w", err)
	}
	defer rows.Close()
	var out []store.Posting
	for rows.Next() {
		var p store.Posting
		var status string
		if err := rows.Scan(&p.Seq, &p.ClaimID, &status, &p.Paid); err != nil {
			return nil, nil, fmt.Errorf("sqlite: reading postings: %w", err)
		}
		p.Status = store.ClaimStatus(status)
		out = append(out, p)
	}
	return r, out, rows.Err()
}

// ListRemittances returns a page of the scope's remittances, newest first.
func (db *DB) ListRemittances(ctx context.Context, s store.Scope, limit, offset int) ([]store.Remittance, int, error) {
	where, args := inScope(s)
	var total int
	if err := db.read.QueryRowContext(ctx, "SELECT count(*)"+remittanceFrom+" WHERE r."+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("sqlite: counting remittances: %w", err)
	}
	if limit == 0 {
		limit = -1
	}
	rows, err := db.read.QueryContext(ctx, "SELECT "+remittanceColumns+remittanceFrom+" WHERE r."+where+
		" ORDER BY r.created_at DESC, r.rowid DESC LIMIT ? OFFSET ?", append(args, limit, offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("sqlite: listing remittances: %w", err)
	}
	defer rows.Close()
	var out []store.Remittance
	for rows.Next() {
		r, err := scanRemittance(rows, false)
		if err != nil {
			return nil, 0, fmt.Errorf("sqlite: listing remittances: %w", err)
		}
		out = append(out, *r)
	}
	return out, total, rows.Err()
}

// ClaimPostings lists the postings to one claim of the scope.
func (db *DB) ClaimPostings(ctx context.Context, s store.Scope, claimID string) ([]store.ClaimPosting, error) {
	where, args := inScope(s, claimID)
	rows, err := db.read.QueryContext(ctx, `SELECT p.remittance_id, p.seq, p.status, p.paid, r.created_at
		FROM postings p JOIN remittances r ON r.id = p.remittance_id
		WHERE r.`+where+` AND p.claim_id = ? ORDER BY r.created_at, r.rowid, p.seq`, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: reading postings: %w", err)
	}
	defer rows.Close()
	var out []store.ClaimPosting
	for rows.Next() {
		var p store.ClaimPosting
		var status string
		var at int64
		if err := rows.Scan(&p.RemittanceID, &p.Seq, &status, &p.Paid, &at); err != nil {
			return nil, fmt.Errorf("sqlite: reading postings: %w", err)
		}
		p.Status, p.PostedAt = store.ClaimStatus(status), fromMillis(at)
		out = append(out, p)
	}
	return out, rows.Err()
}

// BillingProfile returns the scope's profile, creating it with secret.
func (db *DB) BillingProfile(ctx context.Context, s store.Scope, secret []byte, keyID string) (*store.BillingProfile, error) {
	where, args := inScope(s)
	read := func(q func(string, ...any) *sql.Row) (*store.BillingProfile, error) {
		p := &store.BillingProfile{OrgID: s.OrgID}
		err := q("SELECT settings, key_id, secret, control_number FROM billing_profiles WHERE "+where, args...).
			Scan(&p.Settings, &p.KeyID, &p.Secret, &p.ControlNumber)
		return p, err
	}
	p, err := read(func(q string, a ...any) *sql.Row { return db.readRow(ctx, q, a...) })
	if err == nil {
		return p, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("sqlite: reading billing profile: %w", err)
	}
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		ws, err := db.workspaceID(ctx, tx, s)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO billing_profiles (workspace_id, key_id, secret) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
			ws, keyID, secret); err != nil {
			return fmt.Errorf("sqlite: creating billing profile: %w", err)
		}
		p, err = read(func(q string, a ...any) *sql.Row { return tx.QueryRowContext(ctx, q, a...) })
		if err != nil {
			return fmt.Errorf("sqlite: reading billing profile: %w", err)
		}
		return nil
	})
	return p, err
}

// SaveBillingSettings replaces the settings of the scope's profile.
func (db *DB) SaveBillingSettings(ctx context.Context, s store.Scope, settings string) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		where, args := inScope(s)
		res, err := tx.ExecContext(ctx, "UPDATE billing_profiles SET settings = ? WHERE "+where, append([]any{settings}, args...)...)
		if err != nil {
			return fmt.Errorf("sqlite: saving billing settings: %w", err)
		}
		return affectedOne(res, "billing profile")
	})
}

// NextControlNumber advances the scope's interchange control number.
func (db *DB) NextControlNumber(ctx context.Context, s store.Scope) (int, error) {
	var n int
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		where, args := inScope(s)
		err := tx.QueryRowContext(ctx, "UPDATE billing_profiles SET control_number = control_number % 999999999 + 1 WHERE "+where+
			" RETURNING control_number", args...).Scan(&n)
		if err != nil {
			return notFound("billing profile", err)
		}
		return nil
	})
	return n, err
}
