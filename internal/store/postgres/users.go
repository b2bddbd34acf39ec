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

var userFields = []string{"id", "email", "password_hash", "display_name", "organization", "role", "tier",
	"email_verified_at", "totp_secret", "failed_logins", "locked_until", "created_at"}

var userColumns = userCols("")

// userCols lists the user columns in scanUser's order, each with prefix.
func userCols(prefix string) string {
	return prefix + strings.Join(userFields, ", "+prefix)
}

// scanFunc adapts a function to pgx.Row, to scan extra leading columns.
type scanFunc func(dest ...any) error

func (f scanFunc) Scan(dest ...any) error { return f(dest...) }

func scanUser(row pgx.Row) (*store.User, error) {
	var u store.User
	var verified, locked pgtype.Timestamptz
	var tier string
	if err := row.Scan(&u.ID, &u.Email, &u.PasswordHash, &u.DisplayName, &u.Organization, &u.Role, &tier,
		&verified, &u.TOTPSecret, &u.FailedLogins, &locked, &u.CreatedAt); err != nil {
		return nil, err
	}
	u.Tier = store.Tier(tier)
	u.EmailVerifiedAt = fromNull(verified)
	u.LockedUntil = fromNull(locked)
	u.CreatedAt = u.CreatedAt.UTC()
	return &u, nil
}

// CreateUser inserts u with its personal workspace; Conflict when the
// email is taken.
func (db *DB) CreateUser(ctx context.Context, u *store.User) error {
	err := db.pool.QueryRow(ctx, `WITH u AS (
		INSERT INTO users (email, password_hash, display_name, organization, role, tier,
		email_verified_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (email) DO NOTHING RETURNING id),
	ws AS (INSERT INTO workspaces (user_id) SELECT id FROM u)
	SELECT id FROM u`,
		u.Email, u.PasswordHash, u.DisplayName, u.Organization, u.Role, string(u.Tier),
		nullTime(u.EmailVerifiedAt), u.CreatedAt).Scan(&u.ID)
	if errors.Is(err, pgx.ErrNoRows) {
		return apperr.New(apperr.Conflict, "an account with this email already exists")
	}
	if err != nil {
		return fmt.Errorf("postgres: inserting user: %w", err)
	}
	return nil
}

// UserByID returns the user or NotFound.
func (db *DB) UserByID(ctx context.Context, id int64) (*store.User, error) {
	u, err := scanUser(db.pool.QueryRow(ctx, "SELECT "+userColumns+" FROM users WHERE id = $1", id))
	if err != nil {
		return nil, notFound("user", err)
	}
	return u, nil
}

// UserByEmail returns the user or NotFound; email is matched lower-cased.
func (db *DB) UserByEmail(ctx context.Context, email string) (*store.User, error) {
	u, err := scanUser(db.pool.QueryRow(ctx, "SELECT "+userColumns+" FROM users WHERE email = $1", strings.ToLower(email)))
	if err != nil {
		return nil, notFound("user", err)
	}
	return u, nil
}

// updateUser runs "UPDATE users SET <set> WHERE id = $1"; set numbers its
// parameters from $2.
func (db *DB) updateUser(ctx context.Context, id int64, set string, args ...any) error {
	tag, err := db.pool.Exec(ctx, "UPDATE users SET "+set+" WHERE id = $1", append([]any{id}, args...)...)
	if err != nil {
		return fmt.Errorf("postgres: updating user: %w", err)
	}
	return affectedOne(tag, "user")
}

// UpdateProfile sets the profile fields.
func (db *DB) UpdateProfile(ctx context.Context, id int64, name, org, role string) error {
	return db.updateUser(ctx, id, "display_name = $2, organization = $3, role = $4", name, org, role)
}

// UpdatePassword sets a new password hash.
func (db *DB) UpdatePassword(ctx context.Context, id int64, hash string) error {
	return db.updateUser(ctx, id, "password_hash = $2", hash)
}

// SetEmailVerified records when the email was verified.
func (db *DB) SetEmailVerified(ctx context.Context, id int64, at time.Time) error {
	return db.updateUser(ctx, id, "email_verified_at = $2", nullTime(at))
}

// SetTOTPSecret stores the sealed TOTP secret, nil to turn MFA off.
func (db *DB) SetTOTPSecret(ctx context.Context, id int64, sealed []byte) error {
	return db.updateUser(ctx, id, "totp_secret = $2", sealed)
}

// SetTier changes the usage tier.
func (db *DB) SetTier(ctx context.Context, id int64, tier store.Tier) error {
	if !tier.Valid() {
		return apperr.New(apperr.Invalid, "unknown tier %q", tier)
	}
	return db.updateUser(ctx, id, "tier = $2", string(tier))
}

// RecordLoginFailure counts a failure and locks the account at
// maxFailures, in one statement so that concurrent failures on several
// instances each count.
func (db *DB) RecordLoginFailure(ctx context.Context, id int64, now time.Time, maxFailures int, lockout time.Duration) (time.Time, error) {
	var locked pgtype.Timestamptz
	err := db.pool.QueryRow(ctx, `UPDATE users SET
		failed_logins = CASE WHEN failed_logins + 1 >= $2 THEN 0 ELSE failed_logins + 1 END,
		locked_until  = CASE WHEN failed_logins + 1 >= $2 THEN $3::timestamptz ELSE locked_until END
		WHERE id = $1 RETURNING CASE WHEN failed_logins = 0 THEN locked_until END`,
		id, maxFailures, now.Add(lockout)).Scan(&locked)
	if err != nil {
		return time.Time{}, notFound("user", err)
	}
	return fromNull(locked), nil
}

// ResetLoginFailures clears the failure count and any lock.
func (db *DB) ResetLoginFailures(ctx context.Context, id int64) error {
	return db.updateUser(ctx, id, "failed_logins = 0, locked_until = NULL")
}

// UsersWithTOTP lists the users with MFA on.
func (db *DB) UsersWithTOTP(ctx context.Context) ([]store.User, error) {
	rows, err := db.pool.Query(ctx, "SELECT "+userColumns+" FROM users WHERE totp_secret IS NOT NULL ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("postgres: listing users: %w", err)
	}
	defer rows.Close()
	var out []store.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("postgres: listing users: %w", err)
		}
		out = append(out, *u)
	}
	return out, rows.Err()
}

// DeleteUser deletes the user and the organizations where they are the
// only member; foreign keys cascade to every table that holds their rows.
// PostgreSQL keeps the dead row versions in its data files and WAL until
// vacuum and WAL recycling overwrite them, so unlike the SQLite adapter
// this cannot promise the bytes are gone at once (docs/operations.md: run
// PostgreSQL on encrypted storage).
func (db *DB) DeleteUser(ctx context.Context, id int64) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		// Lock the user's memberships so that a concurrent role change
		// cannot slip past the owner check.
		if _, err := tx.Exec(ctx, "SELECT 1 FROM org_members WHERE org_id IN (SELECT org_id FROM org_members WHERE user_id = $1) FOR UPDATE", id); err != nil {
			return fmt.Errorf("postgres: checking organizations: %w", err)
		}
		var orgName string
		err := tx.QueryRow(ctx, soleOwnerOfSharedOrg, id, string(store.RoleOwner)).Scan(&orgName)
		if err == nil {
			return apperr.New(apperr.Conflict, "You are the only owner of %s, which has other members: make another member an owner, or delete the organization, first.", orgName)
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("postgres: checking organizations: %w", err)
		}
		if _, err := tx.Exec(ctx, deleteSoloOrgs, id); err != nil {
			return fmt.Errorf("postgres: deleting organizations: %w", err)
		}
		tag, err := tx.Exec(ctx, "DELETE FROM users WHERE id = $1", id)
		if err != nil {
			return fmt.Errorf("postgres: deleting user: %w", err)
		}
		return affectedOne(tag, "user")
	})
}

// soleOwnerOfSharedOrg finds an organization that deleting the user would
// leave without an owner while others still belong to it.
const soleOwnerOfSharedOrg = `SELECT o.name FROM orgs o JOIN org_members m ON m.org_id = o.id
	WHERE m.user_id = $1 AND m.role = $2
	AND NOT EXISTS (SELECT 1 FROM org_members x WHERE x.org_id = o.id AND x.role = $2 AND x.user_id <> m.user_id)
	AND EXISTS (SELECT 1 FROM org_members x WHERE x.org_id = o.id AND x.user_id <> m.user_id)
	LIMIT 1`

// deleteSoloOrgs deletes the organizations whose only member is the user.
const deleteSoloOrgs = `DELETE FROM orgs WHERE id IN (SELECT m.org_id FROM org_members m WHERE m.user_id = $1
	AND NOT EXISTS (SELECT 1 FROM org_members x WHERE x.org_id = m.org_id AND x.user_id <> m.user_id))`
