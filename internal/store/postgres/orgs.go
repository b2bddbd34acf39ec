package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/store"
)

const orgColumns = "o.id, o.name, o.tier, o.baa_recorded_by, o.baa_recorded_at, o.baa_document, o.retention_days, o.note_retention_days, o.created_at"

func scanOrg(row pgx.Row, extra ...any) (*store.Org, error) {
	var o store.Org
	var tier, doc string
	var baaBy int64
	var baaAt pgtype.Timestamptz
	cols := []any{&o.ID, &o.Name, &tier, &baaBy, &baaAt, &doc, &o.RetentionDays, &o.NoteRetentionDays, &o.CreatedAt}
	if err := row.Scan(append(cols, extra...)...); err != nil {
		return nil, err
	}
	o.Tier = store.Tier(tier)
	o.CreatedAt = o.CreatedAt.UTC()
	if baaAt.Valid {
		o.BAA = &store.BAA{RecordedBy: baaBy, RecordedAt: baaAt.Time.UTC(), Document: doc}
	}
	return &o, nil
}

// CreateOrg inserts the organization, its workspace and its first owner,
// in one statement.
func (db *DB) CreateOrg(ctx context.Context, o *store.Org, owner int64, now time.Time) error {
	if o.Tier == "" {
		o.Tier = store.TierFree
	}
	o.CreatedAt = now
	err := db.pool.QueryRow(ctx, `WITH o AS (INSERT INTO orgs (name, tier, created_at) VALUES ($1, $2, $3) RETURNING id),
		ws AS (INSERT INTO workspaces (org_id) SELECT id FROM o),
		m AS (INSERT INTO org_members (org_id, user_id, role, joined_at) SELECT id, $4, $5, $3 FROM o)
		SELECT id FROM o`, o.Name, string(o.Tier), now, owner, string(store.RoleOwner)).Scan(&o.ID)
	if err != nil {
		return fmt.Errorf("postgres: inserting organization: %w", err)
	}
	return nil
}

// Org returns an organization.
func (db *DB) Org(ctx context.Context, id int64) (*store.Org, error) {
	o, err := scanOrg(db.pool.QueryRow(ctx, "SELECT "+orgColumns+" FROM orgs o WHERE o.id = $1", id))
	if err != nil {
		return nil, notFound("organization", err)
	}
	return o, nil
}

// OrgsOfUser lists the user's organizations by name.
func (db *DB) OrgsOfUser(ctx context.Context, userID int64) ([]store.Membership, error) {
	rows, err := db.pool.Query(ctx, "SELECT "+orgColumns+`, m.role FROM orgs o JOIN org_members m ON m.org_id = o.id
		WHERE m.user_id = $1 ORDER BY o.name COLLATE "C", o.id`, userID)
	if err != nil {
		return nil, fmt.Errorf("postgres: listing organizations: %w", err)
	}
	defer rows.Close()
	var out []store.Membership
	for rows.Next() {
		var role string
		o, err := scanOrg(rows, &role)
		if err != nil {
			return nil, fmt.Errorf("postgres: listing organizations: %w", err)
		}
		out = append(out, store.Membership{Org: *o, Role: store.Role(role)})
	}
	return out, rows.Err()
}

const memberColumns = "m.org_id, m.user_id, m.role, m.joined_at, u.email, u.display_name"

func scanMember(row pgx.Row) (*store.Member, error) {
	var m store.Member
	var role string
	if err := row.Scan(&m.OrgID, &m.UserID, &role, &m.JoinedAt, &m.Email, &m.DisplayName); err != nil {
		return nil, err
	}
	m.Role, m.JoinedAt = store.Role(role), m.JoinedAt.UTC()
	return &m, nil
}

// Member returns one membership.
func (db *DB) Member(ctx context.Context, orgID, userID int64) (*store.Member, error) {
	m, err := scanMember(db.pool.QueryRow(ctx, "SELECT "+memberColumns+` FROM org_members m JOIN users u ON u.id = m.user_id
		WHERE m.org_id = $1 AND m.user_id = $2`, orgID, userID))
	if err != nil {
		return nil, notFound("member", err)
	}
	return m, nil
}

// Members lists an organization's members by email.
func (db *DB) Members(ctx context.Context, orgID int64) ([]store.Member, error) {
	rows, err := db.pool.Query(ctx, "SELECT "+memberColumns+` FROM org_members m JOIN users u ON u.id = m.user_id
		WHERE m.org_id = $1 ORDER BY u.email COLLATE "C"`, orgID)
	if err != nil {
		return nil, fmt.Errorf("postgres: listing members: %w", err)
	}
	defer rows.Close()
	var out []store.Member
	for rows.Next() {
		m, err := scanMember(rows)
		if err != nil {
			return nil, fmt.Errorf("postgres: listing members: %w", err)
		}
		out = append(out, *m)
	}
	return out, rows.Err()
}

// changeMembers runs a change of one membership with the organization's
// membership rows locked, then checks that an owner is left: two owners
// demoting each other at once on two instances cannot both succeed.
func (db *DB) changeMembers(ctx context.Context, orgID int64, change func(tx pgx.Tx) error) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT 1 FROM org_members WHERE org_id = $1 FOR UPDATE", orgID); err != nil {
			return fmt.Errorf("postgres: locking members: %w", err)
		}
		if err := change(tx); err != nil {
			return err
		}
		var owners int
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM org_members WHERE org_id = $1 AND role = $2", orgID, string(store.RoleOwner)).Scan(&owners); err != nil {
			return fmt.Errorf("postgres: counting owners: %w", err)
		}
		if owners == 0 {
			return apperr.New(apperr.Conflict, "An organization needs an owner: make another member an owner first.")
		}
		return nil
	})
}

// SetMemberRole changes a member's role, keeping an owner.
func (db *DB) SetMemberRole(ctx context.Context, orgID, userID int64, role store.Role) error {
	if !role.Valid() {
		return apperr.New(apperr.Invalid, "unknown role %q", role)
	}
	return db.changeMembers(ctx, orgID, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, "UPDATE org_members SET role = $3 WHERE org_id = $1 AND user_id = $2", orgID, userID, string(role))
		if err != nil {
			return fmt.Errorf("postgres: changing role: %w", err)
		}
		return affectedOne(tag, "member")
	})
}

// RemoveMember ends a membership, keeping an owner.
func (db *DB) RemoveMember(ctx context.Context, orgID, userID int64) error {
	return db.changeMembers(ctx, orgID, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, "DELETE FROM org_members WHERE org_id = $1 AND user_id = $2", orgID, userID)
		if err != nil {
			return fmt.Errorf("postgres: removing member: %w", err)
		}
		return affectedOne(tag, "member")
	})
}

// SetBAA records or ends the organization's BAA. Ending it drops every
// retained note: without the agreement medcode may not hold them.
func (db *DB) SetBAA(ctx context.Context, orgID int64, baa *store.BAA) error {
	if baa != nil {
		// Recording a BAA again (a renewed agreement) replaces the record.
		tag, err := db.pool.Exec(ctx, "UPDATE orgs SET baa_recorded_by = $2, baa_recorded_at = $3, baa_document = $4 WHERE id = $1",
			orgID, baa.RecordedBy, baa.RecordedAt, baa.Document)
		if err != nil {
			return fmt.Errorf("postgres: recording BAA: %w", err)
		}
		return affectedOne(tag, "organization")
	}
	return db.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE orgs SET baa_recorded_by = 0, baa_recorded_at = NULL, baa_document = '',
			note_retention_days = 0 WHERE id = $1`, orgID)
		if err != nil {
			return fmt.Errorf("postgres: ending BAA: %w", err)
		}
		if err := affectedOne(tag, "organization"); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE analyses SET note = NULL, note_expires_at = NULL
			WHERE note IS NOT NULL AND workspace_id = (SELECT id FROM workspaces WHERE org_id = $1)`, orgID)
		if err != nil {
			return fmt.Errorf("postgres: deleting retained notes: %w", err)
		}
		return nil
	})
}

// SetRetention sets the retention periods; keeping notes needs a BAA. The
// row lock holds off a BAA ending at the same time.
func (db *DB) SetRetention(ctx context.Context, orgID int64, days, noteDays int) error {
	if days < 0 || noteDays < 0 {
		return apperr.New(apperr.Invalid, "A retention period cannot be negative.")
	}
	return db.inTx(ctx, func(tx pgx.Tx) error {
		var hasBAA bool
		if err := tx.QueryRow(ctx, "SELECT baa_recorded_at IS NOT NULL FROM orgs WHERE id = $1 FOR UPDATE", orgID).Scan(&hasBAA); err != nil {
			return notFound("organization", err)
		}
		if noteDays > 0 && !hasBAA {
			return apperr.New(apperr.Invalid, "Notes can be kept only under a Business Associate Agreement: record the BAA first.")
		}
		if _, err := tx.Exec(ctx, "UPDATE orgs SET retention_days = $2, note_retention_days = $3 WHERE id = $1", orgID, days, noteDays); err != nil {
			return fmt.Errorf("postgres: setting retention: %w", err)
		}
		return nil
	})
}

// SetOrgTier changes the organization's usage tier.
func (db *DB) SetOrgTier(ctx context.Context, orgID int64, tier store.Tier) error {
	if !tier.Valid() {
		return apperr.New(apperr.Invalid, "unknown tier %q", tier)
	}
	tag, err := db.pool.Exec(ctx, "UPDATE orgs SET tier = $2 WHERE id = $1", orgID, string(tier))
	if err != nil {
		return fmt.Errorf("postgres: setting tier: %w", err)
	}
	return affectedOne(tag, "organization")
}

// DeleteOrg deletes the organization; its workspace, records, members,
// invitations, rules and feedback cascade. The audit log keeps its
// entries: they hold ids, not data.
func (db *DB) DeleteOrg(ctx context.Context, orgID int64) error {
	tag, err := db.pool.Exec(ctx, "DELETE FROM orgs WHERE id = $1", orgID)
	if err != nil {
		return fmt.Errorf("postgres: deleting organization: %w", err)
	}
	return affectedOne(tag, "organization")
}

const inviteColumns = "id, org_id, email, role, hash, invited_by, created_at, expires_at"

func scanInvite(row pgx.Row) (*store.Invite, error) {
	var inv store.Invite
	var role string
	if err := row.Scan(&inv.ID, &inv.OrgID, &inv.Email, &role, &inv.Hash, &inv.InvitedBy, &inv.CreatedAt, &inv.ExpiresAt); err != nil {
		return nil, err
	}
	inv.Role, inv.CreatedAt, inv.ExpiresAt = store.Role(role), inv.CreatedAt.UTC(), inv.ExpiresAt.UTC()
	return &inv, nil
}

// CreateInvite stores an invitation, replacing an earlier one of the same
// address.
func (db *DB) CreateInvite(ctx context.Context, inv *store.Invite) error {
	inv.Email = strings.ToLower(inv.Email)
	return db.inTx(ctx, func(tx pgx.Tx) error {
		var member int
		err := tx.QueryRow(ctx, `SELECT 1 FROM org_members m JOIN users u ON u.id = m.user_id
			WHERE m.org_id = $1 AND u.email = $2`, inv.OrgID, inv.Email).Scan(&member)
		if err == nil {
			return apperr.New(apperr.Conflict, "%s is already a member.", inv.Email)
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("postgres: checking members: %w", err)
		}
		err = tx.QueryRow(ctx, `INSERT INTO org_invites (org_id, email, role, hash, invited_by, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (org_id, email) DO UPDATE SET role = excluded.role, hash = excluded.hash, invited_by = excluded.invited_by,
				created_at = excluded.created_at, expires_at = excluded.expires_at
			RETURNING id`, inv.OrgID, inv.Email, string(inv.Role), inv.Hash, inv.InvitedBy, inv.CreatedAt, inv.ExpiresAt).Scan(&inv.ID)
		if err != nil {
			return fmt.Errorf("postgres: inserting invitation: %w", err)
		}
		return nil
	})
}

// Invites lists the unexpired invitations.
func (db *DB) Invites(ctx context.Context, orgID int64, now time.Time) ([]store.Invite, error) {
	rows, err := db.pool.Query(ctx, "SELECT "+inviteColumns+` FROM org_invites WHERE org_id = $1 AND expires_at > $2 ORDER BY email COLLATE "C"`, orgID, now)
	if err != nil {
		return nil, fmt.Errorf("postgres: listing invitations: %w", err)
	}
	defer rows.Close()
	var out []store.Invite
	for rows.Next() {
		inv, err := scanInvite(rows)
		if err != nil {
			return nil, fmt.Errorf("postgres: listing invitations: %w", err)
		}
		out = append(out, *inv)
	}
	return out, rows.Err()
}

// DeleteInvite withdraws an invitation.
func (db *DB) DeleteInvite(ctx context.Context, orgID, inviteID int64) error {
	tag, err := db.pool.Exec(ctx, "DELETE FROM org_invites WHERE org_id = $1 AND id = $2", orgID, inviteID)
	if err != nil {
		return fmt.Errorf("postgres: deleting invitation: %w", err)
	}
	return affectedOne(tag, "invitation")
}

// InviteByHash returns an unexpired invitation.
func (db *DB) InviteByHash(ctx context.Context, hash []byte, now time.Time) (*store.Invite, error) {
	inv, err := scanInvite(db.pool.QueryRow(ctx, "SELECT "+inviteColumns+" FROM org_invites WHERE hash = $1 AND expires_at > $2", hash, now))
	if err != nil {
		return nil, notFound("invitation", err)
	}
	return inv, nil
}

// AcceptInvite turns an invitation addressed to the user into a membership.
func (db *DB) AcceptInvite(ctx context.Context, hash []byte, userID int64, now time.Time) (*store.Invite, error) {
	var inv *store.Invite
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		inv, err = scanInvite(tx.QueryRow(ctx, `DELETE FROM org_invites WHERE hash = $1 AND expires_at > $2
			AND email = (SELECT email FROM users WHERE id = $3) RETURNING `+inviteColumns, hash, now, userID))
		if err != nil {
			return notFound("invitation", err)
		}
		tag, err := tx.Exec(ctx, `INSERT INTO org_members (org_id, user_id, role, joined_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (org_id, user_id) DO NOTHING`, inv.OrgID, userID, string(inv.Role), now)
		if err != nil {
			return fmt.Errorf("postgres: adding member: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return apperr.New(apperr.Conflict, "You are already a member of this organization.")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return inv, nil
}

// PurgeExpired applies every organization's retention periods, each
// organization in one statement.
func (db *DB) PurgeExpired(ctx context.Context, now time.Time) ([]store.PurgeResult, error) {
	rows, err := db.pool.Query(ctx, `SELECT o.id, w.id, o.retention_days FROM orgs o JOIN workspaces w ON w.org_id = o.id
		WHERE o.retention_days > 0 OR EXISTS (SELECT 1 FROM analyses a WHERE a.workspace_id = w.id AND a.note IS NOT NULL AND a.note_expires_at <= $1)
		ORDER BY o.id`, now)
	if err != nil {
		return nil, fmt.Errorf("postgres: finding organizations to purge: %w", err)
	}
	type target struct {
		org, workspace int64
		days           int
	}
	targets, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (target, error) {
		var t target
		err := r.Scan(&t.org, &t.workspace, &t.days)
		return t, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: finding organizations to purge: %w", err)
	}
	var out []store.PurgeResult
	for _, t := range targets {
		r := store.PurgeResult{OrgID: t.org}
		// One statement: the old records go, then the due notes of those left.
		err := db.pool.QueryRow(ctx, `WITH purged AS (
				DELETE FROM analyses WHERE workspace_id = $1 AND $2 > 0 AND created_at < $3 RETURNING id),
			cleared AS (
				UPDATE analyses SET note = NULL, note_expires_at = NULL
				WHERE workspace_id = $1 AND note IS NOT NULL AND note_expires_at <= $4 AND id NOT IN (SELECT id FROM purged)
				RETURNING id)
			SELECT (SELECT count(*) FROM purged), (SELECT count(*) FROM cleared)`,
			t.workspace, t.days, now.Add(-time.Duration(t.days)*24*time.Hour), now).Scan(&r.Analyses, &r.Notes)
		if err != nil {
			return out, fmt.Errorf("postgres: purging organization %d: %w", t.org, err)
		}
		if r.Analyses > 0 || r.Notes > 0 {
			out = append(out, r)
		}
	}
	return out, nil
}
