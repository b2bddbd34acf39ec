package org

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/audit"
	"github.com/medcode/medcode/internal/auth"
	"github.com/medcode/medcode/internal/mail"
	"github.com/medcode/medcode/internal/rules"
	"github.com/medcode/medcode/internal/store"
)

// Config holds the organization rules.
type Config struct {
	BaseURL   string        // public URL the invitation links start with
	InviteTTL time.Duration // lifetime of an invitation link
}

// Field bounds.
const (
	maxName         = 100
	maxBAADocument  = 200
	maxRetentionDay = 3650 // ten years
)

// Service manages organizations. Every method that acts in an
// organization takes the caller's Workspace, checks its Permission there,
// and records what it changed in the audit log.
type Service struct {
	db      store.Store
	audit   *audit.Log
	mail    auth.Mailer   // nil when no SMTP server is configured
	catalog rules.Catalog // checks the codes of clinic rules
	cfg     Config
	log     *slog.Logger
	// Now is the clock; tests replace it.
	Now func() time.Time
}

// New returns the service; mailer may be nil (invitation links are then
// shown to the inviter to pass on), and catalog too (rules are then
// checked for the form of their codes only).
func New(db store.Store, log *audit.Log, mailer auth.Mailer, catalog rules.Catalog, cfg Config, logger *slog.Logger) *Service {
	if cfg.InviteTTL == 0 {
		cfg.InviteTTL = 7 * 24 * time.Hour
	}
	return &Service{db: db, audit: log, mail: mailer, catalog: catalog, cfg: cfg, log: logger, Now: func() time.Time { return time.Now().UTC() }}
}

// text trims s and checks its length.
func text(label, s string, limit int) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" || !utf8.ValidString(s) || utf8.RuneCountInString(s) > limit {
		return "", apperr.New(apperr.Invalid, "%s must be 1 to %d characters.", label, limit)
	}
	return s, nil
}

// Create makes an organization with u as its owner.
func (s *Service) Create(ctx context.Context, u *store.User, name string) (*store.Org, error) {
	name, err := text("The organization's name", name, maxName)
	if err != nil {
		return nil, err
	}
	o := &store.Org{Name: name}
	if err := s.db.CreateOrg(ctx, o, u.ID, s.Now()); err != nil {
		return nil, err
	}
	s.log.Info("organization created", "org", o.ID, "user", u.ID)
	return o, s.audit.Record(ctx, audit.Event{OrgID: o.ID, ActorID: u.ID, Action: audit.OrgCreate, Target: strconv.FormatInt(o.ID, 10)})
}

// Workspace returns u's workspace in the organization; NotFound unless u
// is a member, so an outsider cannot tell the organization exists.
func (s *Service) Workspace(ctx context.Context, u *store.User, orgID int64) (Workspace, error) {
	m, err := s.db.Member(ctx, orgID, u.ID)
	if err != nil {
		if apperr.Is(err, apperr.NotFound) {
			return Workspace{}, apperr.New(apperr.NotFound, "organization not found")
		}
		return Workspace{}, err
	}
	o, err := s.db.Org(ctx, orgID)
	if err != nil {
		return Workspace{}, err
	}
	return Workspace{User: u, Org: o, Role: m.Role}, nil
}

// WorkspaceAt is Workspace for the organization id of a route's {org}
// segment; an id that is not one is NotFound like any other.
func (s *Service) WorkspaceAt(ctx context.Context, u *store.User, orgPathValue string) (Workspace, error) {
	id, err := strconv.ParseInt(orgPathValue, 10, 64)
	if err != nil || id <= 0 {
		return Workspace{}, apperr.New(apperr.NotFound, "organization not found")
	}
	return s.Workspace(ctx, u, id)
}

// Memberships lists the organizations u belongs to.
func (s *Service) Memberships(ctx context.Context, u *store.User) ([]store.Membership, error) {
	return s.db.OrgsOfUser(ctx, u.ID)
}

// Roster is an organization's members and open invitations.
type Roster struct {
	Members []store.Member
	Invites []store.Invite
}

// Roster lists the members and the open invitations.
func (s *Service) Roster(ctx context.Context, ws Workspace) (*Roster, error) {
	if err := ws.RequireOrg(); err != nil {
		return nil, err
	}
	if err := ws.Require(ViewOrg); err != nil {
		return nil, err
	}
	members, err := s.db.Members(ctx, ws.Org.ID)
	if err != nil {
		return nil, err
	}
	r := &Roster{Members: members}
	if ws.Can(ManageMembers) {
		if r.Invites, err = s.db.Invites(ctx, ws.Org.ID, s.Now()); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// requireRoleChange checks that ws may give or take role: owners are
// made and unmade only by owners.
func requireRoleChange(ws Workspace, role store.Role) error {
	if err := ws.Require(ManageMembers); err != nil {
		return err
	}
	if !role.Valid() {
		return apperr.New(apperr.Invalid, "Unknown role %q: use owner, admin, coder, biller or viewer.", role)
	}
	if role == store.RoleOwner {
		return ws.Require(ManageOwners)
	}
	return nil
}

// Invitation is a created invitation and its link. Emailed reports
// whether the link went out by email; otherwise the inviter passes it on.
type Invitation struct {
	Invite  store.Invite
	Link    string
	Emailed bool
}

// Invite invites an email address to join with role.
func (s *Service) Invite(ctx context.Context, ws Workspace, email string, role store.Role) (*Invitation, error) {
	if err := ws.RequireOrg(); err != nil {
		return nil, err
	}
	if err := requireRoleChange(ws, role); err != nil {
		return nil, err
	}
	email, err := auth.NormalizeEmail(email)
	if err != nil {
		return nil, err
	}
	token, hash, err := auth.NewToken("inv_")
	if err != nil {
		return nil, err
	}
	now := s.Now()
	inv := store.Invite{OrgID: ws.Org.ID, Email: email, Role: role, Hash: hash, InvitedBy: ws.User.ID, CreatedAt: now, ExpiresAt: now.Add(s.cfg.InviteTTL)}
	if err := s.db.CreateInvite(ctx, &inv); err != nil {
		return nil, err
	}
	out := &Invitation{Invite: inv, Link: strings.TrimRight(s.cfg.BaseURL, "/") + "/invite?token=" + token}
	if err := s.audit.Record(ctx, audit.Event{OrgID: ws.Org.ID, ActorID: ws.User.ID, Action: audit.MemberInvite,
		Target: strconv.FormatInt(inv.ID, 10), Details: map[string]any{"role": role}}); err != nil {
		return nil, err
	}
	if s.mail != nil {
		msg := mail.Message{To: email, Subject: "You are invited to " + ws.Org.Name + " on medcode",
			Body: fmt.Sprintf("%s invites you to join %s on medcode as %s.\n\nTo accept, sign in (or create an account with this address) and open:\n\n%s\n\nThe link works once and expires on %s.\n",
				ws.User.Email, ws.Org.Name, role, out.Link, inv.ExpiresAt.Format("2 January 2006"))}
		if err := s.mail.Send(ctx, msg); err != nil {
			// The invitation stands; the inviter can copy the link instead.
			s.log.Warn("invitation email not sent", "org", ws.Org.ID, "invite", inv.ID, "err", err)
		} else {
			out.Emailed = true
		}
	}
	return out, nil
}

// RevokeInvite withdraws an open invitation.
func (s *Service) RevokeInvite(ctx context.Context, ws Workspace, inviteID int64) error {
	if err := ws.RequireOrg(); err != nil {
		return err
	}
	if err := ws.Require(ManageMembers); err != nil {
		return err
	}
	if err := s.db.DeleteInvite(ctx, ws.Org.ID, inviteID); err != nil {
		return err
	}
	return s.audit.Record(ctx, audit.Event{OrgID: ws.Org.ID, ActorID: ws.User.ID, Action: audit.MemberInviteRevoke, Target: strconv.FormatInt(inviteID, 10)})
}

// Pending is an invitation as its recipient sees it before accepting.
type Pending struct {
	Invite store.Invite
	Org    store.Org
}

// Invitation looks up an invitation link; NotFound when it is unknown,
// used or expired.
func (s *Service) Invitation(ctx context.Context, token string) (*Pending, error) {
	inv, err := s.db.InviteByHash(ctx, auth.HashToken(token), s.Now())
	if err != nil {
		return nil, notValid(err)
	}
	o, err := s.db.Org(ctx, inv.OrgID)
	if err != nil {
		return nil, notValid(err)
	}
	return &Pending{Invite: *inv, Org: *o}, nil
}

func notValid(err error) error {
	if apperr.Is(err, apperr.NotFound) {
		return apperr.New(apperr.NotFound, "This invitation is not valid any more: it was used, withdrawn or has expired. Ask for a new one.")
	}
	return err
}

// Accept makes u a member through an invitation addressed to u's email.
func (s *Service) Accept(ctx context.Context, u *store.User, token string) (*store.Org, error) {
	p, err := s.Invitation(ctx, token)
	if err != nil {
		return nil, err
	}
	if !strings.EqualFold(p.Invite.Email, u.Email) {
		return nil, apperr.New(apperr.Forbidden, "This invitation is for %s; you are signed in as %s.", p.Invite.Email, u.Email)
	}
	inv, err := s.db.AcceptInvite(ctx, auth.HashToken(token), u.ID, s.Now())
	if err != nil {
		return nil, notValid(err)
	}
	if err := s.audit.Record(ctx, audit.Event{OrgID: inv.OrgID, ActorID: u.ID, Action: audit.MemberJoin,
		Target: strconv.FormatInt(u.ID, 10), Details: map[string]any{"role": inv.Role, "invite": inv.ID}}); err != nil {
		return nil, err
	}
	return &p.Org, nil
}

// member returns a member of ws's organization; NotFound otherwise.
func (s *Service) member(ctx context.Context, ws Workspace, userID int64) (*store.Member, error) {
	return s.db.Member(ctx, ws.Org.ID, userID)
}

// SetRole changes a member's role. Owners are made and unmade only by
// owners, and an organization keeps at least one.
func (s *Service) SetRole(ctx context.Context, ws Workspace, userID int64, role store.Role) error {
	if err := ws.RequireOrg(); err != nil {
		return err
	}
	if err := requireRoleChange(ws, role); err != nil {
		return err
	}
	m, err := s.member(ctx, ws, userID)
	if err != nil {
		return err
	}
	if m.Role == store.RoleOwner {
		if err := ws.Require(ManageOwners); err != nil {
			return err
		}
	}
	if m.Role == role {
		return nil
	}
	if err := s.db.SetMemberRole(ctx, ws.Org.ID, userID, role); err != nil {
		return err
	}
	return s.audit.Record(ctx, audit.Event{OrgID: ws.Org.ID, ActorID: ws.User.ID, Action: audit.MemberRole,
		Target: strconv.FormatInt(userID, 10), Details: map[string]any{"from": m.Role, "to": role}})
}

// RemoveMember ends a membership; the member's analyses stay with the
// organization.
func (s *Service) RemoveMember(ctx context.Context, ws Workspace, userID int64) error {
	if err := ws.RequireOrg(); err != nil {
		return err
	}
	if err := ws.Require(ManageMembers); err != nil {
		return err
	}
	m, err := s.member(ctx, ws, userID)
	if err != nil {
		return err
	}
	if m.Role == store.RoleOwner {
		if err := ws.Require(ManageOwners); err != nil {
			return err
		}
	}
	if err := s.db.RemoveMember(ctx, ws.Org.ID, userID); err != nil {
		return err
	}
	return s.audit.Record(ctx, audit.Event{OrgID: ws.Org.ID, ActorID: ws.User.ID, Action: audit.MemberRemove,
		Target: strconv.FormatInt(userID, 10), Details: map[string]any{"role": m.Role}})
}

// RecordBAA records, as the caller and now, that a Business Associate
// Agreement is in place, with the reference of the signed document. From
// then on the PHI guard warns instead of blocking in this organization.
func (s *Service) RecordBAA(ctx context.Context, ws Workspace, document string) (*store.BAA, error) {
	if err := ws.RequireOrg(); err != nil {
		return nil, err
	}
	if err := ws.Require(ManageBAA); err != nil {
		return nil, err
	}
	document, err := text("The document reference", document, maxBAADocument)
	if err != nil {
		return nil, err
	}
	baa := &store.BAA{RecordedBy: ws.User.ID, RecordedAt: s.Now(), Document: document}
	if err := s.db.SetBAA(ctx, ws.Org.ID, baa); err != nil {
		return nil, err
	}
	return baa, s.audit.Record(ctx, audit.Event{OrgID: ws.Org.ID, ActorID: ws.User.ID, Action: audit.BAARecord,
		Details: map[string]any{"document": document}})
}

// EndBAA records that the agreement ended: the guard blocks PHI again,
// note retention stops and every retained note is deleted.
func (s *Service) EndBAA(ctx context.Context, ws Workspace) error {
	if err := ws.RequireOrg(); err != nil {
		return err
	}
	if err := ws.Require(ManageBAA); err != nil {
		return err
	}
	if ws.Org.BAA == nil {
		return apperr.New(apperr.Invalid, "No Business Associate Agreement is on record.")
	}
	if err := s.db.SetBAA(ctx, ws.Org.ID, nil); err != nil {
		return err
	}
	return s.audit.Record(ctx, audit.Event{OrgID: ws.Org.ID, ActorID: ws.User.ID, Action: audit.BAAEnd})
}

// SetRetention sets how many days analyses and notes are kept (0: keep
// analyses until deleted; keep no notes). Keeping notes needs a BAA.
func (s *Service) SetRetention(ctx context.Context, ws Workspace, days, noteDays int) error {
	if err := ws.RequireOrg(); err != nil {
		return err
	}
	if err := ws.Require(ManageRetention); err != nil {
		return err
	}
	for _, d := range []int{days, noteDays} {
		if d < 0 || d > maxRetentionDay {
			return apperr.New(apperr.Invalid, "A retention period is 0 to %d days.", maxRetentionDay)
		}
	}
	if days > 0 && noteDays > days {
		return apperr.New(apperr.Invalid, "Notes cannot be kept longer (%d days) than their analyses (%d days).", noteDays, days)
	}
	if err := s.db.SetRetention(ctx, ws.Org.ID, days, noteDays); err != nil {
		return err
	}
	return s.audit.Record(ctx, audit.Event{OrgID: ws.Org.ID, ActorID: ws.User.ID, Action: audit.RetentionUpdate,
		Details: map[string]any{"days": days, "note_days": noteDays}})
}

// Delete removes the organization and all its data. The audit entry is
// written first, so the log keeps it whatever happens next.
func (s *Service) Delete(ctx context.Context, ws Workspace) error {
	if err := ws.RequireOrg(); err != nil {
		return err
	}
	if err := ws.Require(DeleteOrg); err != nil {
		return err
	}
	if err := s.audit.Record(ctx, audit.Event{OrgID: ws.Org.ID, ActorID: ws.User.ID, Action: audit.OrgDelete, Target: strconv.FormatInt(ws.Org.ID, 10)}); err != nil {
		return err
	}
	if err := s.db.DeleteOrg(ctx, ws.Org.ID); err != nil {
		return err
	}
	s.log.Info("organization deleted", "org", ws.Org.ID, "user", ws.User.ID)
	return nil
}

// Purge applies every organization's retention periods as of now (the
// purge job's clock) and records what went in each organization's audit
// log.
func (s *Service) Purge(ctx context.Context, now time.Time) ([]store.PurgeResult, error) {
	results, err := s.db.PurgeExpired(ctx, now)
	if err != nil {
		return nil, err
	}
	for _, r := range results {
		err := s.audit.Record(ctx, audit.Event{OrgID: r.OrgID, Action: audit.RetentionPurge,
			Details: map[string]any{"analyses": r.Analyses, "notes": r.Notes}})
		if err != nil {
			return results, err
		}
		s.log.Info("retention purge", "org", r.OrgID, "analyses", r.Analyses, "notes", r.Notes)
	}
	return results, nil
}
