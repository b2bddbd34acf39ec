package store

import (
	"context"
	"time"
)

// The records of an account's life around the coding: the policy versions
// it accepted, the service notices it sees and may be emailed, its support
// conversations, and who administers the site.

// PolicyVersion is one published version of a policy document (the terms
// of service or the privacy policy). A published version never changes.
type PolicyVersion struct {
	Document string // "terms" or "privacy"
	Version  string // the operator's name for it, e.g. "2026-11-01"
	// Material versions change what users agreed to: users must accept
	// them before they analyse again.
	Material    bool
	Summary     string // what changed, for the notice
	Body        string // the Markdown text as published (empty in lists)
	SHA256      string // hex digest of Body
	PublishedAt time.Time
}

// PolicyAcceptance is a user's acceptance of one version of a document.
type PolicyAcceptance struct {
	Document   string
	Version    string
	AcceptedAt time.Time
}

// Policies stores published policy versions and users' acceptances.
type Policies interface {
	// PublishPolicy records v as the newest version of its document. It
	// returns false and writes nothing when that version is already
	// published with the same text, and Conflict when it is published with
	// other text.
	PublishPolicy(ctx context.Context, v *PolicyVersion) (bool, error)
	// PolicyVersions lists a document's versions newest first, without
	// Body.
	PolicyVersions(ctx context.Context, document string) ([]PolicyVersion, error)
	// PolicyVersion returns one version with its Body, NotFound otherwise.
	PolicyVersion(ctx context.Context, document, version string) (*PolicyVersion, error)
	// AcceptPolicies records acceptances of published versions; accepting
	// a version again keeps the first time. NotFound (nothing recorded)
	// when a version is not published.
	AcceptPolicies(ctx context.Context, userID int64, accepted []PolicyAcceptance) error
	// PolicyAcceptances lists a user's acceptances, oldest first.
	PolicyAcceptances(ctx context.Context, userID int64) ([]PolicyAcceptance, error)
	// ConfirmAdult records that the user confirmed being 18 or older.
	ConfirmAdult(ctx context.Context, userID int64, at time.Time) error
	// AdultConfirmedAt is when the user confirmed it; zero if never.
	AdultConfirmedAt(ctx context.Context, userID int64) (time.Time, error)
}

// Notice is a service notice: a banner while it is active and, when Email
// is set, an email to users.
type Notice struct {
	ID    int64
	Kind  string // maintenance, codeset, policy or general
	Title string
	Body  string
	// Essential notices go to every user and cannot be unsubscribed from;
	// the others go to users with a confirmed address who did not opt out.
	Essential bool
	Email     bool
	StartsAt  time.Time
	EndsAt    time.Time // zero: until ended
	CreatedBy int64     // 0 when medcode wrote it (a policy change)
	CreatedAt time.Time
	// EmailedThrough is the highest user id the emails have been queued
	// for (they go out in user-id order); EmailedAt is set when every
	// recipient's email is queued.
	EmailedThrough int64
	EmailedAt      time.Time
}

// Recipient is a user an email goes to.
type Recipient struct {
	UserID int64
	Email  string
}

// Notices stores service notices, dismissals and email opt-outs.
type Notices interface {
	CreateNotice(ctx context.Context, n *Notice) error
	// Notice returns one notice, NotFound otherwise.
	Notice(ctx context.Context, id int64) (*Notice, error)
	// ListNotices returns the newest notices first.
	ListNotices(ctx context.Context, limit int) ([]Notice, error)
	// ActiveNotices returns the notices shown at now, oldest first,
	// without those userID dismissed (userID 0: a visitor).
	ActiveNotices(ctx context.Context, userID int64, now time.Time) ([]Notice, error)
	// EndNotice stops showing a notice from at on.
	EndNotice(ctx context.Context, id int64, at time.Time) error
	DismissNotice(ctx context.Context, userID, noticeID int64) error
	// RecordNoticeEmails records that a notice's emails are queued up to
	// user id through, and all of them when done is not zero.
	RecordNoticeEmails(ctx context.Context, id, through int64, done time.Time) error
	// NoticeRecipients returns up to limit recipients with a user id above
	// after, in id order: every user for an essential notice, otherwise
	// the users with a confirmed address who did not opt out.
	NoticeRecipients(ctx context.Context, after int64, limit int, essential bool) ([]Recipient, error)
	// SetNoticeOptOut turns the non-essential notice emails of a user off
	// (optOut) or back on.
	SetNoticeOptOut(ctx context.Context, userID int64, optOut bool, at time.Time) error
	// NoticeOptOut is when the user opted out; zero when they receive them.
	NoticeOptOut(ctx context.Context, userID int64) (time.Time, error)
}

// SupportKind says what a support thread is about.
type SupportKind string

// The support thread kinds.
const (
	SupportQuestion SupportKind = "support"  // a question or problem
	SupportFeedback SupportKind = "feedback" // feedback, possibly on one result
)

// SupportStatus is whose turn it is in a thread.
type SupportStatus string

// The support thread statuses.
const (
	SupportOpen     SupportStatus = "open"     // waiting for the staff
	SupportAnswered SupportStatus = "answered" // the staff replied
	SupportClosed   SupportStatus = "closed"
)

// SupportThread is one conversation between a user and the site's staff.
// Subject and message bodies are sealed (internal/crypto) for the user.
type SupportThread struct {
	ID         int64
	UserID     int64
	Kind       SupportKind
	AnalysisID string // the result feedback is about; "" otherwise
	Subject    []byte
	KeyID      string // the key that sealed Subject
	Status     SupportStatus
	CreatedAt  time.Time
	UpdatedAt  time.Time // the last message or status change
	Messages   int
}

// SupportMessage is one message of a thread.
type SupportMessage struct {
	ID        int64
	ThreadID  int64
	AuthorID  int64 // 0 once the author's account is deleted
	Staff     bool  // written by a site administrator
	Body      []byte
	KeyID     string // the key that sealed Body
	CreatedAt time.Time
}

// Support stores support threads and their messages.
type Support interface {
	// CreateSupportThread inserts t with its first message and sets the
	// ids of both.
	CreateSupportThread(ctx context.Context, t *SupportThread, first *SupportMessage) error
	// UserSupportThread returns one thread of userID, NotFound otherwise.
	UserSupportThread(ctx context.Context, userID, id int64) (*SupportThread, error)
	// SupportThread returns any thread (for the staff), NotFound otherwise.
	SupportThread(ctx context.Context, id int64) (*SupportThread, error)
	// UserSupportThreads lists a user's threads, latest activity first.
	UserSupportThreads(ctx context.Context, userID int64) ([]SupportThread, error)
	// SupportQueue lists the threads with status, longest waiting first.
	SupportQueue(ctx context.Context, status SupportStatus, limit int) ([]SupportThread, error)
	// SupportMessages lists a thread's messages in order.
	SupportMessages(ctx context.Context, threadID int64) ([]SupportMessage, error)
	// AddSupportMessage appends m and sets the thread's status, in one
	// transaction; NotFound when the thread is gone.
	AddSupportMessage(ctx context.Context, m *SupportMessage, status SupportStatus) error
	// SetSupportStatus changes a thread's status.
	SetSupportStatus(ctx context.Context, threadID int64, status SupportStatus, at time.Time) error
	// ResealSupport rewrites every sealed subject and body not sealed with
	// activeKey; reseal receives the owning user's id and the blob.
	ResealSupport(ctx context.Context, activeKey string, reseal func(userID int64, blob []byte) ([]byte, error)) (int, error)
}

// SiteAdmins stores who administers the site: writes service notices,
// answers support and sees the queue.
type SiteAdmins interface {
	// SetSiteAdmin grants (admin) or revokes the role.
	SetSiteAdmin(ctx context.Context, userID int64, admin bool, at time.Time) error
	IsSiteAdmin(ctx context.Context, userID int64) (bool, error)
	// SiteAdmins lists the administrators by id.
	SiteAdmins(ctx context.Context) ([]User, error)
}

// EmailChanges corrects an account's email address.
type EmailChanges interface {
	// ChangeEmail sets a new address and marks it unconfirmed; Conflict
	// when another account has it.
	ChangeEmail(ctx context.Context, userID int64, email string) error
}
