// Package audit is medcode's audit log: who did what, when, to which
// record, in which organization. Entries are append-only (the database
// refuses UPDATE and DELETE on them) and hash-chained: each entry's hash
// covers its fields and the hash of the entry before it, and a head row
// holds the last hash, so Verify finds any entry edited or deleted in the
// database, the last one included. Entries carry ids, action names and
// small details, never note text, names or email addresses.
package audit

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash"
	"time"

	"github.com/medcode/medcode/internal/store"
)

// Action names what happened. Actions are grouped by the prefix before
// the dot (the viewer filters on it).
type Action string

// The audited actions.
const (
	SignIn        Action = "signin"
	SignInFailed  Action = "signin.failed"
	AccountExport Action = "account.export"
	AccountDelete Action = "account.delete"

	// A data-subject request is recorded when it is made and when it is
	// done: export (request, then AccountExport), correction, deletion
	// (request, then AccountDelete).
	AccountExportRequest  Action = "account.export_request"
	AccountCorrectRequest Action = "account.correct_request"
	AccountCorrect        Action = "account.correct"
	AccountDeleteRequest  Action = "account.delete_request"

	SiteAdminGrant  Action = "site.admin_grant"
	SiteAdminRevoke Action = "site.admin_revoke"

	AnalysisCreate Action = "analysis.create"
	AnalysisView   Action = "analysis.view"
	AnalysisDelete Action = "analysis.delete"
	NoteView       Action = "analysis.note_view"

	OrgCreate Action = "org.create"
	OrgExport Action = "org.export"
	OrgDelete Action = "org.delete"

	MemberInvite       Action = "member.invite"
	MemberInviteRevoke Action = "member.invite_revoke"
	MemberJoin         Action = "member.join"
	MemberRole         Action = "member.role"
	MemberRemove       Action = "member.remove"

	RulesUpdate Action = "rules.update"

	BAARecord Action = "baa.record"
	BAAEnd    Action = "baa.end"

	RetentionUpdate Action = "retention.update"
	RetentionPurge  Action = "retention.purge"

	AuditExport Action = "audit.export"
)

// Actions describes every action, in the order the viewer lists them.
var Actions = []struct {
	Action Action
	Label  string
}{
	{SignIn, "Signed in"},
	{SignInFailed, "Sign-in failed"},
	{AccountExportRequest, "Asked for an export of their account"},
	{AccountExport, "Exported their account"},
	{AccountCorrectRequest, "Asked to correct their profile"},
	{AccountCorrect, "Corrected their profile"},
	{AccountDeleteRequest, "Asked to delete their account"},
	{AccountDelete, "Deleted their account"},
	{SiteAdminGrant, "Made a site administrator"},
	{SiteAdminRevoke, "Removed a site administrator"},
	{AnalysisCreate, "Analysed a note"},
	{AnalysisView, "Viewed an analysis"},
	{AnalysisDelete, "Deleted an analysis"},
	{NoteView, "Viewed a retained note"},
	{OrgCreate, "Created the organization"},
	{OrgExport, "Exported the organization's data"},
	{OrgDelete, "Deleted the organization"},
	{MemberInvite, "Invited a member"},
	{MemberInviteRevoke, "Withdrew an invitation"},
	{MemberJoin, "Joined"},
	{MemberRole, "Changed a member's role"},
	{MemberRemove, "Removed a member"},
	{RulesUpdate, "Changed the clinic rules"},
	{BAARecord, "Recorded the BAA"},
	{BAAEnd, "Ended the BAA"},
	{RetentionUpdate, "Changed retention"},
	{RetentionPurge, "Purged expired data"},
	{AuditExport, "Exported the audit log"},
}

// Label describes an action for people; unknown actions show as they are.
func (a Action) Label() string {
	for _, x := range Actions {
		if x.Action == a {
			return x.Label
		}
	}
	return string(a)
}

// SignInActions are the actions a member's sign-in leaves, which an
// organization's viewer shows beside its own entries.
var SignInActions = []string{string(SignIn), string(SignInFailed)}

// Event is one thing to record.
type Event struct {
	OrgID   int64 // 0: not about an organization
	ActorID int64 // 0: medcode itself
	Action  Action
	Target  string         // the record, member, version ... acted on
	Details map[string]any // small facts (a role, counts); never note text
}

// Log appends events to the audit log and reads them back for the viewer.
type Log struct {
	db store.Store
	// Now is the clock; tests replace it.
	Now func() time.Time
}

// New returns the log on db.
func New(db store.Store) *Log {
	return &Log{db: db, Now: func() time.Time { return time.Now().UTC() }}
}

// Record appends ev. Callers treat a failure as the failure of the action:
// an unaudited view or change must not pass silently.
func (l *Log) Record(ctx context.Context, ev Event) error {
	e := &store.AuditEntry{
		// Both adapters keep milliseconds at least; the hash covers what
		// they store.
		At:      l.Now().UTC().Truncate(time.Millisecond),
		OrgID:   ev.OrgID,
		ActorID: ev.ActorID,
		Action:  string(ev.Action),
		Target:  ev.Target,
	}
	if len(ev.Details) > 0 {
		b, err := json.Marshal(ev.Details)
		if err != nil {
			return fmt.Errorf("audit: encoding details of %s: %w", ev.Action, err)
		}
		e.Details = string(b)
	}
	if err := l.db.AppendAudit(ctx, e, Hash); err != nil {
		return fmt.Errorf("audit: recording %s: %w", ev.Action, err)
	}
	return nil
}

// hashVersion names the encoding below; a new encoding gets a new name.
const hashVersion = "medcode-audit-v1"

// Hash is an entry's chain hash: SHA-256 over a version tag, the previous
// entry's hash and every field, each length-prefixed so that no two
// different entries encode alike.
func Hash(e *store.AuditEntry) []byte {
	h := sha256.New()
	field(h, []byte(hashVersion))
	field(h, e.PrevHash)
	integer(h, e.Seq)
	integer(h, e.At.UnixMilli())
	integer(h, e.OrgID)
	integer(h, e.ActorID)
	field(h, []byte(e.Action))
	field(h, []byte(e.Target))
	field(h, []byte(e.Details))
	return h.Sum(nil)
}

func field(h hash.Hash, b []byte) {
	var n [binary.MaxVarintLen64]byte
	h.Write(n[:binary.PutUvarint(n[:], uint64(len(b)))])
	h.Write(b)
}

func integer(h hash.Hash, v int64) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(v))
	h.Write(n[:])
}
