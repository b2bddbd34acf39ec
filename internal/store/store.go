// Package store defines medcode's persistent records and the storage
// interface that each database adapter implements (store/sqlite today, a
// PostgreSQL sibling later). It holds no SQL; adapters return apperr errors
// (NotFound, Conflict, QuotaExceeded) so callers never see driver errors.
//
// Privacy rule for every adapter: no column ever holds a note's text. The
// result, the optional preview and code decisions arrive already sealed
// (internal/crypto); tokens and session ids arrive as SHA-256 hashes.
package store

import (
	"context"
	"time"
)

// Tier is a usage plan; each has a configurable monthly analysis limit.
type Tier string

// The built-in tiers.
const (
	TierFree       Tier = "free"
	TierPro        Tier = "pro"
	TierEnterprise Tier = "enterprise"
)

// Tiers lists the valid tiers in display order.
var Tiers = []Tier{TierFree, TierPro, TierEnterprise}

// Valid reports whether t is one of Tiers.
func (t Tier) Valid() bool {
	for _, v := range Tiers {
		if t == v {
			return true
		}
	}
	return false
}

// User is one account of an individual coder.
type User struct {
	ID              int64
	Email           string // stored lower-cased
	PasswordHash    string // PHC-format argon2id
	DisplayName     string
	Organization    string
	Role            string
	Tier            Tier
	EmailVerifiedAt time.Time // zero until verified
	TOTPSecret      []byte    // sealed; nil when MFA is off
	FailedLogins    int
	LockedUntil     time.Time
	CreatedAt       time.Time
}

// MFAEnabled reports whether the user signs in with a TOTP code.
func (u *User) MFAEnabled() bool { return len(u.TOTPSecret) > 0 }

// Scope names the workspace a call acts in and the user acting. Every
// record lives in exactly one workspace: a user's personal one (OrgID 0)
// or an organization's. An organization's records are visible only to its
// members: a Scope naming an organization the user does not belong to
// sees nothing, so another workspace's record is indistinguishable from a
// missing one (NotFound). Roles are checked above the store.
type Scope struct {
	UserID int64 // the acting user
	OrgID  int64 // 0 for the user's personal workspace
}

// Personal is the personal workspace of a user.
func Personal(userID int64) Scope { return Scope{UserID: userID} }

// InOrg is an organization's workspace, as seen by one of its members.
func InOrg(orgID, userID int64) Scope { return Scope{UserID: userID, OrgID: orgID} }

// Analysis is one coded note. Summary (codes and the optional preview),
// Record (the full result without evidence text), Decisions (the coder's
// verdict per code) and Note (the note itself, kept only by organizations
// under a BAA that turned note retention on) are sealed blobs.
type Analysis struct {
	ID            string
	OrgID         int64  // 0 for a record of a personal workspace
	CreatedBy     int64  // the user who ran it; 0 once their account is deleted
	NoteSHA256    string // hex
	Release       string // code-set release the engine used
	EngineVersion string
	Profile       string
	// Variant names what else shaped the result (payer class, patient
	// type, clinic rules version); it is part of the cache key.
	Variant       string
	Cached        bool   // served from an earlier analysis of the same note
	KeyID         string // the encryption key that sealed the blobs
	Summary       []byte
	Record        []byte
	Decisions     []byte
	Note          []byte    // nil unless the note is retained
	NoteExpiresAt time.Time // when a retained note is purged
	CreatedAt     time.Time
}

// CacheKey finds an earlier analysis whose result a new one may reuse.
type CacheKey struct {
	NoteSHA256    string
	Profile       string
	Release       string
	EngineVersion string
	Variant       string
}

// Quota is the usage check done atomically with an insert.
type Quota struct {
	Month string // "2006-01", the calendar month counted
	Limit int    // analyses allowed in Month; 0 means unlimited
	Count bool   // whether this insert counts (cached results do not)
}

// APIToken is a bearer token for the JSON API; only its hash is stored.
type APIToken struct {
	ID         int64
	UserID     int64
	Name       string
	Hash       []byte
	CreatedAt  time.Time
	LastUsedAt time.Time
}

// OneTimeKind is the purpose of an emailed single-use token.
type OneTimeKind string

// The emailed token kinds.
const (
	VerifyEmail   OneTimeKind = "verify_email"
	ResetPassword OneTimeKind = "reset_password"
)

// Users stores accounts.
type Users interface {
	// CreateUser inserts u with its personal workspace and sets u.ID;
	// Conflict if the email is taken.
	CreateUser(ctx context.Context, u *User) error
	// UserByID and UserByEmail return NotFound when absent.
	UserByID(ctx context.Context, id int64) (*User, error)
	UserByEmail(ctx context.Context, email string) (*User, error)
	// UpdateProfile sets display name, organization and role.
	UpdateProfile(ctx context.Context, id int64, name, org, role string) error
	UpdatePassword(ctx context.Context, id int64, hash string) error
	SetEmailVerified(ctx context.Context, id int64, at time.Time) error
	// SetTOTPSecret stores a sealed secret, or nil to turn MFA off.
	SetTOTPSecret(ctx context.Context, id int64, sealed []byte) error
	SetTier(ctx context.Context, id int64, tier Tier) error
	// RecordLoginFailure counts a failed sign-in; when the count reaches
	// maxFailures the account is locked until now+lockout and the count
	// restarts. It returns the resulting lock time (zero if not locked).
	RecordLoginFailure(ctx context.Context, id int64, now time.Time, maxFailures int, lockout time.Duration) (time.Time, error)
	ResetLoginFailures(ctx context.Context, id int64) error
	// DeleteUser removes the user and every row that belongs to them,
	// including the organizations where they are the only member, then
	// makes the deleted bytes unrecoverable from the database files. It
	// refuses (Conflict) while the user is the last owner of an
	// organization that has other members.
	DeleteUser(ctx context.Context, id int64) error
	// UsersWithTOTP lists the users with MFA on (for re-encryption of their
	// secrets after a key rotation).
	UsersWithTOTP(ctx context.Context) ([]User, error)
}

// Sessions stores web sessions (the scs store in internal/auth sits on it).
type Sessions interface {
	FindSession(ctx context.Context, tokenHash []byte, now time.Time) (data []byte, found bool, err error)
	// CommitSession upserts a session; userID 0 means not signed in.
	CommitSession(ctx context.Context, tokenHash []byte, userID int64, data []byte, expiry time.Time) error
	DeleteSession(ctx context.Context, tokenHash []byte) error
	// DeleteUserSessions signs a user out everywhere except keep (may be nil).
	DeleteUserSessions(ctx context.Context, userID int64, keep []byte) error
}

// Tokens stores API tokens and emailed one-time tokens.
type Tokens interface {
	CreateAPIToken(ctx context.Context, t *APIToken) error
	// UserByAPIToken returns the token's owner and records its use.
	UserByAPIToken(ctx context.Context, hash []byte, now time.Time) (*User, error)
	CreateOneTimeToken(ctx context.Context, kind OneTimeKind, hash []byte, userID int64, expires time.Time) error
	// ConsumeOneTimeToken deletes the token and returns its user; NotFound
	// if it is unknown, used or expired.
	ConsumeOneTimeToken(ctx context.Context, kind OneTimeKind, hash []byte, now time.Time) (int64, error)
}

// Analyses stores coded notes and monthly usage. Every method acts in
// one workspace (Scope).
type Analyses interface {
	// CreateAnalysis inserts a into the scope's workspace (setting a.OrgID
	// and a.CreatedBy from it) and counts it against q in one transaction;
	// QuotaExceeded (nothing inserted) when the month's limit is reached,
	// NotFound when the scope names an organization the user is not in.
	CreateAnalysis(ctx context.Context, s Scope, a *Analysis, q Quota) error
	// Analysis returns one record of the scope, without its Note,
	// NotFound otherwise.
	Analysis(ctx context.Context, s Scope, id string) (*Analysis, error)
	// AnalysisNote returns the sealed retained note of one record of the
	// scope and the key that sealed it; NotFound when the record is not
	// the scope's or keeps no note.
	AnalysisNote(ctx context.Context, s Scope, id string) (note []byte, keyID string, err error)
	// LatestAnalysisOfNote finds the newest record of the scope with the
	// same cache key; NotFound when there is none.
	LatestAnalysisOfNote(ctx context.Context, s Scope, k CacheKey) (*Analysis, error)
	// ListAnalyses returns records newest first without Record and Note,
	// and the scope's total count.
	ListAnalyses(ctx context.Context, s Scope, limit, offset int) ([]Analysis, int, error)
	// EachAnalysis calls fn for every record of the scope, newest first,
	// without Record and Note, until fn returns false or an error.
	EachAnalysis(ctx context.Context, s Scope, fn func(*Analysis) (bool, error)) error
	DeleteAnalysis(ctx context.Context, s Scope, id string) error
	// UpdateDecisions replaces the sealed decisions of one record of the
	// scope; update receives the current blob inside the transaction and
	// says how the workspace's feedback counts move.
	UpdateDecisions(ctx context.Context, s Scope, id string, update func(current []byte) (DecisionUpdate, error)) error
	// FeedbackCounts returns the scope's verdict counts, by code.
	FeedbackCounts(ctx context.Context, s Scope) ([]FeedbackCount, error)
	// Usage is the number of counted analyses of the scope's workspace in
	// month.
	Usage(ctx context.Context, s Scope, month string) (int, error)
	// ResealAnalyses rewrites, in batches, every record whose blobs are not
	// all sealed with activeKey; reseal returns the new blobs (Note
	// included).
	ResealAnalyses(ctx context.Context, activeKey string, reseal func(*Analysis) error) (int, error)
}

// Verdict is a coder's decision on one suggested code: accepted, rejected,
// or changed to Replacement.
type Verdict struct {
	Code        string
	Decision    string
	Replacement string // the code used instead, for a change
}

// DecisionUpdate is the new sealed decisions blob of a record and the
// verdict it withdraws (Undo) and records (Do), either nil, for the
// workspace's feedback counts.
type DecisionUpdate struct {
	Blob []byte
	Undo *Verdict
	Do   *Verdict
}

// FeedbackCount is how many times a workspace gave one verdict.
type FeedbackCount struct {
	Verdict
	Count int
}

// Limits counts attempts per key in fixed windows, in the database so that
// limits hold across server instances.
type Limits interface {
	// Hit adds one attempt for key in the window containing now and returns
	// the count in that window, including this one.
	Hit(ctx context.Context, key string, window time.Duration, now time.Time) (int, error)
}

// Store is everything the application persists.
type Store interface {
	Users
	Sessions
	Tokens
	Analyses
	Orgs
	Rules
	Audit
	Limits
	Batches
	Policies
	Notices
	Support
	SiteAdmins
	EmailChanges
	// DeleteExpired removes expired sessions and one-time tokens and
	// finished rate-limit windows.
	DeleteExpired(ctx context.Context, now time.Time) error
	// Ping checks that the database answers (for /readyz).
	Ping(ctx context.Context) error
	Close() error
}

// Database is a Store that owns its schema: Migrate brings it to the
// version the binary knows and refuses a newer one.
type Database interface {
	Store
	Migrate(ctx context.Context) error
}
