package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/store"
)

const orgColumns = "o.id, o.name, o.tier, o.baa_recorded_by, o.baa_recorded_at, o.baa_document, o.retention_days, o.note_retention_days, o.created_at"

func scanOrg(row scanner, dest ...any) (*store.Org, error) {
	var o store.Org
	var tier, doc string
	var baaBy, baaAt, created int64
	cols := []any{&o.ID, &o.Name, &tier, &baaBy, &baaAt, &doc, &o.RetentionDays, &o.NoteRetentionDays, &created}
	if err := row.Scan(append(cols, dest...)...); err != nil {
		return nil, err
	}
	o.Tier = store.Tier(tier)
	o.CreatedAt = fromMillis(created)
	if baaAt != 0 {
		o.BAA = &store.BAA{RecordedBy: baaBy, RecordedAt: fromMillis(baaAt), Document: doc}
	}
	return &o, nil
}

// CreateOrg inserts the organization, its workspace and its first owner.
func (db *DB) CreateOrg(ctx context.Context, o *store.Org, owner int64, now time.Time) error {
	if o.Tier == "" {
		o.Tier = store.TierFree
	}
	o.CreatedAt = now
	return db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "INSERT INTO orgs (name, tier, created_at) VALUES (?, ?, ?)", o.Name, string(o.Tier), millis(now))
		if err != nil {
			return fmt.Errorf("sqlite: inserting organization: %w", err)
		}
		if o.ID, err = res.LastInsertId(); err != nil {
			return fmt.Errorf("sqlite: inserting organization: %w", err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO workspaces (org_id) VALUES (?)", o.ID); err != nil {
			return fmt.Errorf("sqlite: creating organization workspace: %w", err)
		}
		_, err = tx.ExecContext(ctx, "INSERT INTO org_members (org_id, user_id, role, joined_at) VALUES (?, ?, ?, ?)",
			o.ID, owner, store.RoleOwner, millis(now))
		if err != nil {
			return fmt.Errorf("sqlite: adding owner: %w", err)
		}
		return nil
	})
}

// Org returns an organization.
func (db *DB) Org(ctx context.Context, id int64) (*store.Org, error) {
	o, err := scanOrg(db.readRow(ctx, "SELECT "+orgColumns+" FROM orgs o WHERE o.id = ?", id))
	if err != nil {
		return nil, notFound("organization", err)
	}
	return o, nil
}

// OrgsOfUser lists the user's organizations by name.
func (db *DB) OrgsOfUser(ctx context.Context, userID int64) ([]store.Membership, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT "+orgColumns+`, m.role FROM orgs o JOIN org_members m ON m.org_id = o.id
		WHERE m.user_id = ? ORDER BY o.name, o.id`, userID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: listing organizations: %w", err)
	}
	defer rows.Close()
	var out []store.Membership
	for rows.Next() {
		var role string
		o, err := scanOrg(rows, &role)
		if err != nil {
			return nil, fmt.Errorf("sqlite: listing organizations: %w", err)
		}
		out = append(out, store.Membership{Org: *o, Role: store.Role(role)})
	}
	return out, rows.Err()
}

const memberColumns = "m.org_id, m.user_id, m.role, m.joined_at, u.email, u.display_name"

func scanMember(row scanner) (*store.Member, error) {
	var m store.Member
	var role string
	var joined int64
	if err := row.Scan(&m.OrgID, &m.UserID, &role, &joined, &m.Email, &m.DisplayName); err != nil {
		return nil, err
	}
	m.Role, m.JoinedAt = store.Role(role), fromMillis(joined)
	return &m, nil
}

// Member returns one membership.
func (db *DB) Member(ctx context.Context, orgID, userID int64) (*store.Member, error) {
	m, err := scanMember(db.readRow(ctx, "SELECT "+memberColumns+` FROM org_members m JOIN users u ON u.id = m.user_id
		WHERE m.org_id = ? AND m.user_id = ?`, orgID, userID))
	if err != nil {
		return nil, notFound("member", err)
	}
	return m, nil
}

// Members lists an organization's members by email.
func (db *DB) Members(ctx context.Context, orgID int64) ([]store.Member, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT "+memberColumns+` FROM org_members m JOIN users u ON u.id = m.user_id
		WHERE m.org_id = ? ORDER BY u.email`, orgID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: listing members: %w", err)
	}
	defer rows.Close()
	var out []store.Member
	for rows.Next() {
		m, err := scanMember(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: listing members: %w", err)
		}
		out = append(out, *m)
	}
	return out, rows.Err()
}

// keepsOwner fails the transaction when the organization has no owner left.
func keepsOwner(ctx context.Context, tx *sql.Tx, orgID int64) error {
	var owners int
	err := tx.QueryRowContext(ctx, "SELECT count(*) FROM org_members WHERE org_id = ? AND role = ?", orgID, store.RoleOwner).Scan(&owners)
	if err != nil {
		return fmt.Errorf("sqlite: counting owners: %w", err)
	}
	if owners == 0 {
		return apperr.New(apperr.Conflict, "An organization needs an owner: make another member an owner first.")
	}
	return nil
}

// SetMemberRole changes a member's role, keeping an owner.
func (db *DB) SetMemberRole(ctx context.Context, orgID, userID int64, role store.Role) error {
	if !role.Valid() {
		return apperr.New(apperr.Invalid, "unknown role %q", role)
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE org_members SET role = ? WHERE org_id = ? AND user_id = ?", role, orgID, userID)
		if err != nil {
			return fmt.Errorf("sqlite: changing role: %w", err)
		}
		if err := affectedOne(res, "member"); err != nil {
			return err
		}
		return keepsOwner(ctx, tx, orgID)
	})
}

// RemoveMember ends a membership, keeping an owner.
func (db *DB) RemoveMember(ctx context.Context, orgID, userID int64) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM org_members WHERE org_id = ? AND user_id = ?", orgID, userID)
		if err != nil {
			return fmt.Errorf("sqlite: removing member: %w", err)
		}
		if err := affectedOne(res, "member"); err != nil {
			return err
		}
		return keepsOwner(ctx, tx, orgID)
	})
}

// SetBAA records or ends the organization's BAA. Ending it drops every
// retained note: without the agreement medcode may not hold them.
func (db *DB) SetBAA(ctx context.Context, orgID int64, baa *store.BAA) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if baa != nil {
			res, err := tx.ExecContext(ctx, "UPDATE orgs SET baa_recorded_by = ?, baa_recorded_at = ?, baa_document = ? WHERE id = ?",
				baa.RecordedBy, millis(baa.RecordedAt), baa.Document, orgID)
			if err != nil {
				return fmt.Errorf("sqlite: recording BAA: %w", err)
			}
			return affectedOne(res, "organization")
		}
		res, err := tx.ExecContext(ctx, `UPDATE orgs SET baa_recorded_by = 0, baa_recorded_at = 0, baa_document = '',
			note_retention_days = 0 WHERE id = ?`, orgID)
		if err != nil {
			return fmt.Errorf("sqlite: ending BAA: %w", err)
		}
		if err := affectedOne(res, "organization"); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE analyses SET note = NULL, note_expires_at = 0
			WHERE note IS NOT NULL AND workspace_id = (SELECT id FROM workspaces WHERE org_id = ?)`, orgID)
		if err != nil {
			return fmt.Errorf("sqlite: deleting retained notes: %w", err)
		}
		return nil
	})
	if err != nil || baa != nil {
		return err
	}
	return db.checkpoint(ctx)
}

// SetRetention sets the retention periods.
func (db *DB) SetRetention(ctx context.Context, orgID int64, days, noteDays int) error {
	if days < 0 || noteDays < 0 {
		return apperr.New(apperr.Invalid, "A retention period cannot be negative.")
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		var baaAt int64
		if err := tx.QueryRowContext(ctx, "SELECT baa_recorded_at FROM orgs WHERE id = ?", orgID).Scan(&baaAt); err != nil {
			return notFound("organization", err)
		}
		if noteDays > 0 && baaAt == 0 {
			return apperr.New(apperr.Invalid, "Notes can be kept only under a Business Associate Agreement: record the BAA first.")
		}
		_, err := tx.ExecContext(ctx, "UPDATE orgs SET retention_days = ?, note_retention_days = ? WHERE id = ?", days, noteDays, orgID)
		if err != nil {
			return fmt.Errorf("sqlite: setting retention: %w", err)
		}
		return nil
	})
}

// SetOrgTier changes the organization's usage tier.
func (db *DB) SetOrgTier(ctx context.Context, orgID int64, tier store.Tier) error {
	if !tier.Valid() {
		return apperr.New(apperr.Invalid, "unknown tier %q", tier)
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE orgs SET tier = ? WHERE id = ?", string(tier), orgID)
		if err != nil {
			return fmt.Errorf("sqlite: setting tier: %w", err)
		}
		return affectedOne(res, "organization")
	})
}

// DeleteOrg deletes the organization; its workspace, records, members,
// invitations, rules and feedback cascade. The audit log keeps its
// entries: they hold ids, not data.
func (db *DB) DeleteOrg(ctx context.Context, orgID int64) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM orgs WHERE id = ?", orgID)
		if err != nil {
			return fmt.Errorf("sqlite: deleting organization: %w", err)
		}
		return affectedOne(res, "organization")
	})
	if err != nil {
		return err
	}
	return db.checkpoint(ctx)
}

const inviteColumns = "id, org_id, email, role, hash, invited_by, created_at, expires_at"

func scanInvite(row scanner) (*store.Invite, error) {
	var inv store.Invite
	var role string
	var created, expires int64
	if err := row.Scan(&inv.ID, &inv.OrgID, &inv.Email, &role, &inv.Hash, &inv.InvitedBy, &created, &expires); err != nil {
		return nil, err
	}
	inv.Role, inv.CreatedAt, inv.ExpiresAt = store.Role(role), fromMillis(created), fromMillis(expires)
	return &inv, nil
}

// CreateInvite stores an invitation, replacing an earlier one of the same
// address.
func (db *DB) CreateInvite(ctx context.Context, inv *store.Invite) error {
	inv.Email = strings.ToLower(inv.Email)
	return db.inTx(ctx, func(tx *sql.Tx) error {
		var member int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM org_members m JOIN users u ON u.id = m.user_id
			WHERE m.org_id = ? AND u.email = ?`, inv.OrgID, inv.Email).Scan(&member)
		if err == nil {
			return apperr.New(apperr.Conflict, "%s is already a member.", inv.Email)
		}
		if err != sql.ErrNoRows {
			return fmt.Errorf("sqlite: checking members: %w", err)
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM org_invites WHERE org_id = ? AND email = ?", inv.OrgID, inv.Email); err != nil {
			return fmt.Errorf("sqlite: replacing invitation: %w", err)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO org_invites (org_id, email, role, hash, invited_by, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, inv.OrgID, inv.Email, inv.Role, inv.Hash, inv.InvitedBy, millis(inv.CreatedAt), millis(inv.ExpiresAt))
		if err != nil {
			return fmt.Errorf("sqlite: inserting invitation: %w", err)
		}
		inv.ID, err = res.LastInsertId()
		return err
	})
}

// Invites lists the unexpired invitations.
func (db *DB) Invites(ctx context.Context, orgID int64, now time.Time) ([]store.Invite, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT "+inviteColumns+" FROM org_invites WHERE org_id = ? AND expires_at > ? ORDER BY email",
		orgID, millis(now))
	if err != nil {
		return nil, fmt.Errorf("sqlite: listing invitations: %w", err)
	}
	defer rows.Close()
	var out []store.Invite
	for rows.Next() {
		inv, err := scanInvite(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: listing invitations: %w", err)
		}
		out = append(out, *inv)
	}
	return out, rows.Err()
}

// DeleteInvite withdraws an invitation.
func (db *DB) DeleteInvite(ctx context.Context, orgID, inviteID int64) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM org_invites WHERE org_id = ? AND id = ?", orgID, inviteID)
		if err != nil {
			return fmt.Errorf("sqlite: deleting invitation: %w", err)
		}
		return affectedOne(res, "invitation")
	})
}

// InviteByHash returns an unexpired invitation.
func (db *DB) InviteByHash(ctx context.Context, hash []byte, now time.Time) (*store.Invite, error) {
	inv, err := scanInvite(db.readRow(ctx, "SELECT "+inviteColumns+" FROM org_invites WHERE hash = ? AND expires_at > ?", hash, millis(now)))
	if err != nil {
		return nil, notFound("invitation", err)
	}
	return inv, nil
}

// AcceptInvite turns an invitation addressed to the user into a membership.
func (db *DB) AcceptInvite(ctx context.Context, hash []byte, userID int64, now time.Time) (*store.Invite, error) {
	var inv *store.Invite
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		inv, err = scanInvite(tx.QueryRowContext(ctx, "DELETE FROM org_invites WHERE hash = ? AND expires_at > ? AND email = (SELECT email FROM users WHERE id = ?) RETURNING "+inviteColumns,
			hash, millis(now), userID))
		if err != nil {
			return notFound("invitation", err)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO org_members (org_id, user_id, role, joined_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (org_id, user_id) DO NOTHING`, inv.OrgID, userID, inv.Role, millis(now))
		if err != nil {
			return fmt.Errorf("sqlite: adding member: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.Conflict, "You are already a member of this organization.")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return inv, nil
}

// PurgeExpired applies every organization's retention periods.
func (db *DB) PurgeExpired(ctx context.Context, now time.Time) ([]store.PurgeResult, error) {
	var out []store.PurgeResult
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT o.id, w.id, o.retention_days FROM orgs o JOIN workspaces w ON w.org_id = o.id
			WHERE o.retention_days > 0 OR EXISTS (SELECT 1 FROM analyses a WHERE a.workspace_id = w.id AND a.note IS NOT NULL AND a.note_expires_at <= ?)
			ORDER BY o.id`, millis(now))
		if err != nil {
			return fmt.Errorf("sqlite: finding organizations to purge: %w", err)
		}
		type target struct{ org, workspace, days int64 }
		var targets []target
		for rows.Next() {
			var t target
			if err := rows.Scan(&t.org, &t.workspace, &t.days); err != nil {
				rows.Close()
				return fmt.Errorf("sqlite: finding organizations to purge: %w", err)
			}
			targets = append(targets, t)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, t := range targets {
			r := store.PurgeResult{OrgID: t.org}
			if t.days > 0 {
				cutoff := now.Add(-time.Duration(t.days) * 24 * time.Hour)
				res, err := tx.ExecContext(ctx, "DELETE FROM analyses WHERE workspace_id = ? AND created_at < ?", t.workspace, millis(cutoff))
				if err != nil {
					return fmt.Errorf("sqlite: purging analyses: %w", err)
				}
				n, _ := res.RowsAffected()
				r.Analyses = int(n)
			}
			res, err := tx.ExecContext(ctx, `UPDATE analyses SET note = NULL, note_expires_at = 0
				WHERE workspace_id = ? AND note IS NOT NULL AND note_expires_at <= ?`, t.workspace, millis(now))
			if err != nil {
				return fmt.Errorf("sqlite: purging notes: %w", err)
			}
			n, _ := res.RowsAffected()
			r.Notes = int(n)
			if r.Analyses > 0 || r.Notes > 0 {
				out = append(out, r)
			}
		}
		return nil
	})
	if err != nil || len(out) == 0 {
		return out, err
	}
	return out, db.checkpoint(ctx)
}
