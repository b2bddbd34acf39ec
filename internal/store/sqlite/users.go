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

var userFields = []string{"id", "email", "password_hash", "display_name", "organization", "role", "tier",
	"email_verified_at", "totp_secret", "failed_logins", "locked_until", "created_at"}

var userColumns = userCols("")

// userCols lists the user columns in scanUser's order, each with prefix.
func userCols(prefix string) string {
	return prefix + strings.Join(userFields, ", "+prefix)
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(...any) error }

// scanFunc adapts a function to scanner, to scan extra leading columns.
type scanFunc func(dest ...any) error

func (f scanFunc) Scan(dest ...any) error { return f(dest...) }

func scanUser(row scanner) (*store.User, error) {
	var u store.User
	var verified, locked, created int64
	var tier string
	if err := row.Scan(&u.ID, &u.Email, &u.PasswordHash, &u.DisplayName, &u.Organization, &u.Role, &tier,
		&verified, &u.TOTPSecret, &u.FailedLogins, &locked, &created); err != nil {
		return nil, err
	}
	u.Tier = store.Tier(tier)
	u.EmailVerifiedAt = fromMillis(verified)
	u.LockedUntil = fromMillis(locked)
	u.CreatedAt = fromMillis(created)
	return &u, nil
}

// CreateUser inserts u; Conflict when the email is taken.
func (db *DB) CreateUser(ctx context.Context, u *store.User) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		var exists int
		err := tx.QueryRowContext(ctx, "SELECT 1 FROM users WHERE email = ?", u.Email).Scan(&exists)
		if err == nil {
			return apperr.New(apperr.Conflict, "an account with this email already exists")
		}
		if err != sql.ErrNoRows {
			return fmt.Errorf("sqlite: checking email: %w", err)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO users (email, password_hash, display_name, organization, role, tier,
			email_verified_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			u.Email, u.PasswordHash, u.DisplayName, u.Organization, u.Role, string(u.Tier),
			millis(u.EmailVerifiedAt), millis(u.CreatedAt))
		if err != nil {
			return fmt.Errorf("sqlite: inserting user: %w", err)
		}
		if u.ID, err = res.LastInsertId(); err != nil {
			return fmt.Errorf("sqlite: inserting user: %w", err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO workspaces (user_id) VALUES (?)", u.ID); err != nil {
			return fmt.Errorf("sqlite: creating personal workspace: %w", err)
		}
		return nil
	})
}

// UserByID returns the user or NotFound.
func (db *DB) UserByID(ctx context.Context, id int64) (*store.User, error) {
	u, err := scanUser(db.readRow(ctx, "SELECT "+userColumns+" FROM users WHERE id = ?", id))
	if err != nil {
		return nil, notFound("user", err)
	}
	return u, nil
}

// UserByEmail returns the user or NotFound; email is matched lower-cased.
func (db *DB) UserByEmail(ctx context.Context, email string) (*store.User, error) {
	u, err := scanUser(db.read.QueryRowContext(ctx, "SELECT "+userColumns+" FROM users WHERE email = ?", strings.ToLower(email)))
	if err != nil {
		return nil, notFound("user", err)
	}
	return u, nil
}

func (db *DB) updateUser(ctx context.Context, id int64, set string, args ...any) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE users SET "+set+" WHERE id = ?", append(args, id)...)
		if err != nil {
			return fmt.Errorf("sqlite: updating user: %w", err)
		}
		return affectedOne(res, "user")
	})
}

// UpdateProfile sets the profile fields.
func (db *DB) UpdateProfile(ctx context.Context, id int64, name, org, role string) error {
	return db.updateUser(ctx, id, "display_name = ?, organization = ?, role = ?", name, org, role)
}

// UpdatePassword sets a new password hash.
func (db *DB) UpdatePassword(ctx context.Context, id int64, hash string) error {
	return db.updateUser(ctx, id, "password_hash = ?", hash)
}

// SetEmailVerified records when the email was verified.
func (db *DB) SetEmailVerified(ctx context.Context, id int64, at time.Time) error {
	return db.updateUser(ctx, id, "email_verified_at = ?", millis(at))
}

// SetTOTPSecret stores the sealed TOTP secret, nil to turn MFA off.
func (db *DB) SetTOTPSecret(ctx context.Context, id int64, sealed []byte) error {
	return db.updateUser(ctx, id, "totp_secret = ?", sealed)
}

// SetTier changes the usage tier.
func (db *DB) SetTier(ctx context.Context, id int64, tier store.Tier) error {
	if !tier.Valid() {
		return apperr.New(apperr.Invalid, "unknown tier %q", tier)
	}
	return db.updateUser(ctx, id, "tier = ?", string(tier))
}

// RecordLoginFailure counts a failure and locks the account at maxFailures.
func (db *DB) RecordLoginFailure(ctx context.Context, id int64, now time.Time, maxFailures int, lockout time.Duration) (time.Time, error) {
	var locked time.Time
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var failures int
		if err := tx.QueryRowContext(ctx, "UPDATE users SET failed_logins = failed_logins + 1 WHERE id = ? RETURNING failed_logins", id).Scan(&failures); err != nil {
			return notFound("user", err)
		}
		if failures < maxFailures {
			return nil
		}
		locked = now.Add(lockout)
		_, err := tx.ExecContext(ctx, "UPDATE users SET failed_logins = 0, locked_until = ? WHERE id = ?", millis(locked), id)
		return err
	})
	return locked, err
}

// ResetLoginFailures clears the failure count and any lock.
func (db *DB) ResetLoginFailures(ctx context.Context, id int64) error {
	return db.updateUser(ctx, id, "failed_logins = 0, locked_until = 0")
}

// UsersWithTOTP lists the users with MFA on.
func (db *DB) UsersWithTOTP(ctx context.Context) ([]store.User, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT "+userColumns+" FROM users WHERE totp_secret IS NOT NULL")
	if err != nil {
		return nil, fmt.Errorf("sqlite: listing users: %w", err)
	}
	defer rows.Close()
	var out []store.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: listing users: %w", err)
		}
		out = append(out, *u)
	}
	return out, rows.Err()
}

// DeleteUser deletes the user and the organizations where they are the
// only member; foreign keys cascade to every table that holds their rows.
// secure_delete zeroes the freed bytes and the checkpoint empties the WAL,
// so nothing of the account stays in the files.
func (db *DB) DeleteUser(ctx context.Context, id int64) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var orgName string
		err := tx.QueryRowContext(ctx, soleOwnerOfSharedOrg, id, store.RoleOwner, store.RoleOwner).Scan(&orgName)
		if err == nil {
			return apperr.New(apperr.Conflict, "You are the only owner of %s, which has other members: make another member an owner, or delete the organization, first.", orgName)
		}
		if err != sql.ErrNoRows {
			return fmt.Errorf("sqlite: checking organizations: %w", err)
		}
		if _, err := tx.ExecContext(ctx, deleteSoloOrgs, id); err != nil {
			return fmt.Errorf("sqlite: deleting organizations: %w", err)
		}
		res, err := tx.ExecContext(ctx, "DELETE FROM users WHERE id = ?", id)
		if err != nil {
			return fmt.Errorf("sqlite: deleting user: %w", err)
		}
		return affectedOne(res, "user")
	})
	if err != nil {
		return err
	}
	return db.checkpoint(ctx)
}

// soleOwnerOfSharedOrg finds an organization that deleting the user would
// leave without an owner while others still belong to it.
const soleOwnerOfSharedOrg = `SELECT o.name FROM orgs o JOIN org_members m ON m.org_id = o.id
	WHERE m.user_id = ? AND m.role = ?
	AND NOT EXISTS (SELECT 1 FROM org_members x WHERE x.org_id = o.id AND x.role = ? AND x.user_id <> m.user_id)
	AND EXISTS (SELECT 1 FROM org_members x WHERE x.org_id = o.id AND x.user_id <> m.user_id)
	LIMIT 1`

// deleteSoloOrgs deletes the organizations whose only member is the user.
const deleteSoloOrgs = `DELETE FROM orgs WHERE id IN (SELECT m.org_id FROM org_members m WHERE m.user_id = ?
	AND NOT EXISTS (SELECT 1 FROM org_members x WHERE x.org_id = m.org_id AND x.user_id <> m.user_id))`
