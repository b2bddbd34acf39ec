package store

import (
	"context"
	"time"
)

// Role is a member's role in an organization. What each role may do is
// the permission matrix of internal/org; the store knows only that an
// organization always keeps an owner.
type Role string

// The roles, most powerful first.
const (
	RoleOwner  Role = "owner"
	RoleAdmin  Role = "admin"
	RoleCoder  Role = "coder"
	RoleBiller Role = "biller"
	RoleViewer Role = "viewer"
)

// Roles lists the roles in display order.
var Roles = []Role{RoleOwner, RoleAdmin, RoleCoder, RoleBiller, RoleViewer}

// Valid reports whether r is one of Roles.
func (r Role) Valid() bool {
	for _, v := range Roles {
		if r == v {
			return true
		}
	}
	return false
}

// Org is an organization (a clinic): a workspace shared by its members.
type Org struct {
	ID        int64
	Name      string
	Tier      Tier
	CreatedAt time.Time
	// BAA is the Business Associate Agreement on record; nil when none.
	BAA *BAA
	// RetentionDays is how long analyses are kept; 0 keeps them until
	// deleted.
	RetentionDays int
	// NoteRetentionDays is how long note text is kept, sealed, with each
	// analysis; 0 keeps no note. Only under a BAA.
	NoteRetentionDays int
}

// BAA records who stated that a Business Associate Agreement is in place,
// when, and the reference of the signed document.
type BAA struct {
	RecordedBy int64 // user id as recorded; it outlives the account
	RecordedAt time.Time
	Document   string
}

// Member is one user's membership of an organization.
type Member struct {
	OrgID       int64
	UserID      int64
	Role        Role
	JoinedAt    time.Time
	Email       string // the user's, for display
	DisplayName string
}

// Membership is one organization of a user, with the user's role there.
type Membership struct {
	Org  Org
	Role Role
}

// Invite is an emailed invitation to join an organization; only the
// hash of its token is stored.
type Invite struct {
	ID        int64
	OrgID     int64
	Email     string // lower-cased; only this address may accept
	Role      Role
	Hash      []byte
	InvitedBy int64
	CreatedAt time.Time
	ExpiresAt time.Time
}

// PurgeResult is what a retention purge removed from one organization.
type PurgeResult struct {
	OrgID    int64
	Analyses int // records older than the retention period
	Notes    int // retained notes past their time
}

// Orgs stores organizations, their members and invitations.
type Orgs interface {
	// CreateOrg inserts o with its workspace and owner as its first
	// owner, and sets o.ID.
	CreateOrg(ctx context.Context, o *Org, owner int64, now time.Time) error
	// Org returns an organization; NotFound when absent.
	Org(ctx context.Context, id int64) (*Org, error)
	// OrgsOfUser lists the organizations the user belongs to, by name.
	OrgsOfUser(ctx context.Context, userID int64) ([]Membership, error)
	// Member returns one membership; NotFound when the user is not a
	// member of the organization.
	Member(ctx context.Context, orgID, userID int64) (*Member, error)
	// Members lists an organization's members by email.
	Members(ctx context.Context, orgID int64) ([]Member, error)
	// SetMemberRole changes a member's role and RemoveMember ends a
	// membership; both refuse (Conflict) to leave the organization
	// without an owner, and return NotFound for a non-member.
	SetMemberRole(ctx context.Context, orgID, userID int64, role Role) error
	RemoveMember(ctx context.Context, orgID, userID int64) error
	// SetBAA records a BAA, or with nil ends it: then note retention is
	// turned off and every retained note of the organization is deleted.
	SetBAA(ctx context.Context, orgID int64, baa *BAA) error
	// SetRetention sets the retention periods in days (0 = off).
	// Invalid when notes would be kept without a BAA.
	SetRetention(ctx context.Context, orgID int64, days, noteDays int) error
	SetOrgTier(ctx context.Context, orgID int64, tier Tier) error
	// DeleteOrg removes the organization and every record of its
	// workspace, then makes the deleted bytes unrecoverable.
	DeleteOrg(ctx context.Context, orgID int64) error

	// CreateInvite stores an invitation and sets inv.ID; an earlier
	// invitation of the same address to the same organization is
	// replaced. Conflict when the address is already a member.
	CreateInvite(ctx context.Context, inv *Invite) error
	// Invites lists an organization's unexpired invitations.
	Invites(ctx context.Context, orgID int64, now time.Time) ([]Invite, error)
	// DeleteInvite withdraws one invitation; NotFound when absent.
	DeleteInvite(ctx context.Context, orgID, inviteID int64) error
	// InviteByHash returns an unexpired invitation; NotFound otherwise.
	InviteByHash(ctx context.Context, hash []byte, now time.Time) (*Invite, error)
	// AcceptInvite consumes an unexpired invitation addressed to the
	// user's email and makes the user a member with its role. NotFound
	// when there is no such invitation; Conflict when already a member.
	AcceptInvite(ctx context.Context, hash []byte, userID int64, now time.Time) (*Invite, error)

	// PurgeExpired deletes, in every organization with a retention
	// period, the analyses created before now minus the period, and every
	// retained note whose time has come; then makes the bytes
	// unrecoverable. It reports what it removed, per organization.
	PurgeExpired(ctx context.Context, now time.Time) ([]PurgeResult, error)
}

// RuleSet is one version of an organization's clinic coding rules, as
// its author wrote it (YAML or JSON).
type RuleSet struct {
	OrgID     int64
	Version   int
	Source    string
	AuthorID  int64
	CreatedAt time.Time
}

// Rules stores versioned clinic coding rules. Versions are never edited.
type Rules interface {
	// SaveRuleSet appends a version (setting rs.Version to the next one).
	SaveRuleSet(ctx context.Context, rs *RuleSet) error
	// RuleSet returns one version, the current one for version 0;
	// NotFound when there is none.
	RuleSet(ctx context.Context, orgID int64, version int) (*RuleSet, error)
	// RuleSetVersions lists the versions newest first, without Source.
	RuleSetVersions(ctx context.Context, orgID int64) ([]RuleSet, error)
}

// AuditEntry is one line of the audit log. Entries hold ids, action names
// and small JSON details, never note text. Hash chains each entry to the
// one before it (PrevHash), so an edited or deleted entry breaks the chain.
type AuditEntry struct {
	Seq      int64
	At       time.Time
	OrgID    int64 // 0 when the event belongs to no organization
	ActorID  int64 // 0 for medcode itself or an unknown account
	Action   string
	Target   string
	Details  string // a JSON object, or ""
	PrevHash []byte
	Hash     []byte
}

// AuditFilter selects entries for the viewer.
type AuditFilter struct {
	OrgID int64 // required: the organization's entries
	// MemberSignIns adds the sign-in entries (SignInActions) of the
	// organization's current members.
	MemberSignIns bool
	SignInActions []string
	ActorID       int64  // 0: anyone
	Action        string // "": any; "x." matches every action starting with it
	From, To      time.Time
	Limit, Offset int // Limit 0: no limit
}

// Audit stores the append-only, hash-chained audit log. Adapters forbid
// UPDATE and DELETE on it in the database itself.
type Audit interface {
	// AppendAudit appends e after the current head: it sets e.Seq and
	// e.PrevHash, then e.Hash = hash(e), atomically with the head.
	AppendAudit(ctx context.Context, e *AuditEntry, hash func(*AuditEntry) []byte) error
	// ListAudit returns a page of entries newest first and the total.
	ListAudit(ctx context.Context, f AuditFilter) ([]AuditEntry, int, error)
	// EachAudit calls fn for every entry in sequence order.
	EachAudit(ctx context.Context, fn func(*AuditEntry) error) error
	// AuditHead returns the sequence number and hash of the last entry
	// appended (0 and nil for an empty log).
	AuditHead(ctx context.Context) (int64, []byte, error)
}
