package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/store"
)

// orgTests are the conformance tests of organizations, rules and the audit
// log; Run runs them with the others.
var orgTests = []struct {
	name string
	fn   func(t *testing.T, s store.Store)
}{
	{"Orgs", testOrgs},
	{"OrgRecordsOnlyForMembers", testOrgScope},
	{"Invites", testInvites},
	{"BAAAndNoteRetention", testBAAAndRetention},
	{"PurgeExactlyWhatExpired", testPurge},
	{"DeleteOrgCascades", testDeleteOrg},
	{"DeleteUserAndOrgs", testDeleteUserWithOrgs},
	{"RuleSetVersions", testRuleSets},
	{"AuditChainAndFilters", testAudit},
	{"AuditConcurrentAppends", testAuditConcurrent},
	{"OrgBatches", testOrgBatches},
}

func mustOrg(t *testing.T, s store.Store, name string, owner *store.User) *store.Org {
	t.Helper()
	o := &store.Org{Name: name}
	if err := s.CreateOrg(context.Background(), o, owner.ID, t0); err != nil {
		t.Fatalf("CreateOrg(%s): %v", name, err)
	}
	return o
}

// join makes u a member of o with role through an invitation.
func join(t *testing.T, s store.Store, o *store.Org, u *store.User, role store.Role) {
	t.Helper()
	ctx := context.Background()
	hash := []byte(fmt.Sprintf("invite-%d-%d", o.ID, u.ID))
	if err := s.CreateInvite(ctx, &store.Invite{OrgID: o.ID, Email: u.Email, Role: role, Hash: hash, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AcceptInvite(ctx, hash, u.ID, t0); err != nil {
		t.Fatal(err)
	}
}

func testOrgs(t *testing.T, s store.Store) {
	ctx := context.Background()
	ann, bob := mustUser(t, s, "ann@clinic.example"), mustUser(t, s, "bob@clinic.example")
	o := mustOrg(t, s, "Maple Clinic", ann)
	if o.ID == 0 || o.Tier != store.TierFree || !o.CreatedAt.Equal(t0) {
		t.Fatalf("CreateOrg = %+v", o)
	}
	mustOrg(t, s, "Aspen Clinic", ann)
	got, err := s.Org(ctx, o.ID)
	if err != nil || got.Name != "Maple Clinic" || got.BAA != nil || got.RetentionDays != 0 {
		t.Fatalf("Org = %+v, %v", got, err)
	}
	_, err = s.Org(ctx, o.ID+100)
	wantCode(t, err, apperr.NotFound)

	join(t, s, o, bob, store.RoleCoder)
	orgs, err := s.OrgsOfUser(ctx, ann.ID)
	if err != nil || len(orgs) != 2 || orgs[0].Org.Name != "Aspen Clinic" || orgs[1].Role != store.RoleOwner {
		t.Fatalf("OrgsOfUser(ann) = %+v, %v", orgs, err)
	}
	if orgs, _ := s.OrgsOfUser(ctx, bob.ID); len(orgs) != 1 || orgs[0].Role != store.RoleCoder || orgs[0].Org.ID != o.ID {
		t.Fatalf("OrgsOfUser(bob) = %+v", orgs)
	}
	m, err := s.Member(ctx, o.ID, bob.ID)
	if err != nil || m.Role != store.RoleCoder || m.Email != bob.Email || !m.JoinedAt.Equal(t0) {
		t.Fatalf("Member = %+v, %v", m, err)
	}
	members, err := s.Members(ctx, o.ID)
	if err != nil || len(members) != 2 || members[0].UserID != ann.ID || members[1].UserID != bob.ID {
		t.Fatalf("Members = %+v, %v", members, err)
	}

	wantCode(t, s.SetMemberRole(ctx, o.ID, ann.ID, store.RoleAdmin), apperr.Conflict)
	wantCode(t, s.RemoveMember(ctx, o.ID, ann.ID), apperr.Conflict)
	wantCode(t, s.SetMemberRole(ctx, o.ID, bob.ID, "superuser"), apperr.Invalid)
	wantCode(t, s.SetMemberRole(ctx, o.ID+100, bob.ID, store.RoleAdmin), apperr.NotFound)
	if err := s.SetMemberRole(ctx, o.ID, bob.ID, store.RoleOwner); err != nil {
		t.Fatal(err)
	}
	// With a second owner the first may step down.
	if err := s.SetMemberRole(ctx, o.ID, ann.ID, store.RoleViewer); err != nil {
		t.Fatal(err)
	}
	if m, _ := s.Member(ctx, o.ID, ann.ID); m.Role != store.RoleViewer {
		t.Fatalf("role not changed: %+v", m)
	}
	if err := s.RemoveMember(ctx, o.ID, ann.ID); err != nil {
		t.Fatal(err)
	}
	_, err = s.Member(ctx, o.ID, ann.ID)
	wantCode(t, err, apperr.NotFound)
	wantCode(t, s.RemoveMember(ctx, o.ID, ann.ID), apperr.NotFound)

	if err := s.SetOrgTier(ctx, o.ID, store.TierEnterprise); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.SetOrgTier(ctx, o.ID, "gold"), apperr.Invalid)
	if got, _ := s.Org(ctx, o.ID); got.Tier != store.TierEnterprise {
		t.Fatalf("tier = %s", got.Tier)
	}
}

// testOrgScope: an organization's records are visible to its members in
// the organization's scope only; everyone else gets NotFound from every
// method.
func testOrgScope(t *testing.T, s store.Store) {
	ctx := context.Background()
	owner, coder, outsider := mustUser(t, s, "o@clinic.example"), mustUser(t, s, "c@clinic.example"), mustUser(t, s, "x@else.example")
	o := mustOrg(t, s, "Birch Clinic", owner)
	other := mustOrg(t, s, "Other Clinic", outsider)
	join(t, s, o, coder, store.RoleCoder)
	in := store.InOrg(o.ID, coder.ID)
	rec := analysis("org-1", "h", t0)
	rec.Note, rec.NoteExpiresAt = []byte("sealed note"), t0.Add(24*time.Hour)
	if err := s.CreateAnalysis(ctx, in, rec, store.Quota{Month: "2026-03", Count: true}); err != nil {
		t.Fatal(err)
	}
	if rec.OrgID != o.ID || rec.CreatedBy != coder.ID {
		t.Fatalf("CreateAnalysis set org %d, creator %d", rec.OrgID, rec.CreatedBy)
	}
	if err := s.CreateAnalysis(ctx, store.Personal(coder.ID), analysis("own-1", "h", t0), store.Quota{}); err != nil {
		t.Fatal(err)
	}
	// Both members see the record in the organization's scope.
	for _, u := range []*store.User{owner, coder} {
		got, err := s.Analysis(ctx, store.InOrg(o.ID, u.ID), "org-1")
		if err != nil || got.OrgID != o.ID || got.CreatedBy != coder.ID || !got.NoteExpiresAt.Equal(t0.Add(24*time.Hour)) {
			t.Fatalf("member %d reads %+v, %v", u.ID, got, err)
		}
		if note, _, err := s.AnalysisNote(ctx, store.InOrg(o.ID, u.ID), "org-1"); err != nil || string(note) != "sealed note" {
			t.Fatalf("member %d reads note %q, %v", u.ID, note, err)
		}
	}
	if n, _ := s.Usage(ctx, store.InOrg(o.ID, owner.ID), "2026-03"); n != 1 {
		t.Fatalf("organization usage %d, want 1", n)
	}
	if n, _ := s.Usage(ctx, store.Personal(coder.ID), "2026-03"); n != 0 {
		t.Fatalf("the coder's own usage counts the organization's analysis: %d", n)
	}
	// A personal record is not in the organization, nor the other way round.
	_, err := s.Analysis(ctx, in, "own-1")
	wantCode(t, err, apperr.NotFound)
	_, err = s.Analysis(ctx, store.Personal(coder.ID), "org-1")
	wantCode(t, err, apperr.NotFound)
	_, _, err = s.AnalysisNote(ctx, store.Personal(coder.ID), "own-1")
	wantCode(t, err, apperr.NotFound) // it keeps no note

	// Outsiders, naming the organization or not, see nothing.
	for _, sc := range []store.Scope{store.InOrg(o.ID, outsider.ID), store.Personal(outsider.ID), store.InOrg(other.ID, outsider.ID), store.InOrg(other.ID, coder.ID)} {
		_, err := s.Analysis(ctx, sc, "org-1")
		wantCode(t, err, apperr.NotFound)
		_, _, err = s.AnalysisNote(ctx, sc, "org-1")
		wantCode(t, err, apperr.NotFound)
		_, err = s.LatestAnalysisOfNote(ctx, sc, cacheKey("h"))
		wantCode(t, err, apperr.NotFound)
		wantCode(t, s.UpdateDecisions(ctx, sc, "org-1", keep), apperr.NotFound)
		wantCode(t, s.DeleteAnalysis(ctx, sc, "org-1"), apperr.NotFound)
		if list, total, _ := s.ListAnalyses(ctx, sc, 10, 0); total != 0 || len(list) != 0 {
			t.Fatalf("scope %+v lists %d records", sc, total)
		}
		seen := 0
		s.EachAnalysis(ctx, sc, func(*store.Analysis) (bool, error) { seen++; return true, nil })
		if seen != 0 {
			t.Fatalf("scope %+v streams %d records", sc, seen)
		}
		if counts, _ := s.FeedbackCounts(ctx, sc); len(counts) != 0 {
			t.Fatalf("scope %+v sees feedback", sc)
		}
	}
	if n, _ := s.Usage(ctx, store.InOrg(o.ID, outsider.ID), "2026-03"); n != 0 {
		t.Fatalf("outsider reads the organization's usage: %d", n)
	}
	wantCode(t, s.CreateAnalysis(ctx, store.InOrg(o.ID, outsider.ID), analysis("intrude", "h", t0), store.Quota{}), apperr.NotFound)

	// A removed member loses access at once.
	if err := s.RemoveMember(ctx, o.ID, coder.ID); err != nil {
		t.Fatal(err)
	}
	_, err = s.Analysis(ctx, in, "org-1")
	wantCode(t, err, apperr.NotFound)
	if got, err := s.Analysis(ctx, store.InOrg(o.ID, owner.ID), "org-1"); err != nil || got.CreatedBy != coder.ID {
		t.Fatalf("the record left with its author: %+v, %v", got, err)
	}
}

func testInvites(t *testing.T, s store.Store) {
	ctx := context.Background()
	owner, dee := mustUser(t, s, "owner@clinic.example"), mustUser(t, s, "dee@clinic.example")
	eve := mustUser(t, s, "eve@clinic.example")
	o := mustOrg(t, s, "Cedar Clinic", owner)
	inv := &store.Invite{OrgID: o.ID, Email: "DEE@clinic.example", Role: store.RoleBiller, Hash: []byte("h1"), InvitedBy: owner.ID, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	if err := s.CreateInvite(ctx, inv); err != nil || inv.ID == 0 || inv.Email != "dee@clinic.example" {
		t.Fatalf("CreateInvite: %+v, %v", inv, err)
	}
	// A second invitation of the same address replaces the first.
	again := &store.Invite{OrgID: o.ID, Email: "dee@clinic.example", Role: store.RoleCoder, Hash: []byte("h2"), InvitedBy: owner.ID, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	if err := s.CreateInvite(ctx, again); err != nil {
		t.Fatal(err)
	}
	expired := &store.Invite{OrgID: o.ID, Email: "late@clinic.example", Role: store.RoleViewer, Hash: []byte("h3"), CreatedAt: t0, ExpiresAt: t0.Add(time.Minute)}
	if err := s.CreateInvite(ctx, expired); err != nil {
		t.Fatal(err)
	}
	list, err := s.Invites(ctx, o.ID, t0.Add(2*time.Minute))
	if err != nil || len(list) != 1 || list[0].Role != store.RoleCoder || !bytes.Equal(list[0].Hash, []byte("h2")) {
		t.Fatalf("Invites = %+v, %v", list, err)
	}
	_, err = s.InviteByHash(ctx, []byte("h1"), t0)
	wantCode(t, err, apperr.NotFound)
	_, err = s.InviteByHash(ctx, []byte("h3"), t0.Add(2*time.Minute))
	wantCode(t, err, apperr.NotFound)
	if got, err := s.InviteByHash(ctx, []byte("h2"), t0); err != nil || got.OrgID != o.ID || got.InvitedBy != owner.ID {
		t.Fatalf("InviteByHash = %+v, %v", got, err)
	}
	// Only the invited address may accept, and only once.
	_, err = s.AcceptInvite(ctx, []byte("h2"), eve.ID, t0)
	wantCode(t, err, apperr.NotFound)
	got, err := s.AcceptInvite(ctx, []byte("h2"), dee.ID, t0)
	if err != nil || got.Role != store.RoleCoder {
		t.Fatalf("AcceptInvite = %+v, %v", got, err)
	}
	_, err = s.AcceptInvite(ctx, []byte("h2"), dee.ID, t0)
	wantCode(t, err, apperr.NotFound)
	if m, err := s.Member(ctx, o.ID, dee.ID); err != nil || m.Role != store.RoleCoder {
		t.Fatalf("member after accepting = %+v, %v", m, err)
	}
	wantCode(t, s.CreateInvite(ctx, &store.Invite{OrgID: o.ID, Email: dee.Email, Role: store.RoleAdmin, Hash: []byte("h4"), CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}), apperr.Conflict)

	if err := s.CreateInvite(ctx, &store.Invite{OrgID: o.ID, Email: eve.Email, Role: store.RoleViewer, Hash: []byte("h5"), CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	list, _ = s.Invites(ctx, o.ID, t0)
	var eveInvite int64
	for _, i := range list {
		if i.Email == eve.Email {
			eveInvite = i.ID
		}
	}
	wantCode(t, s.DeleteInvite(ctx, o.ID+100, eveInvite), apperr.NotFound)
	if err := s.DeleteInvite(ctx, o.ID, eveInvite); err != nil {
		t.Fatal(err)
	}
	_, err = s.AcceptInvite(ctx, []byte("h5"), eve.ID, t0)
	wantCode(t, err, apperr.NotFound)
}

func testBAAAndRetention(t *testing.T, s store.Store) {
	ctx := context.Background()
	owner := mustUser(t, s, "baa@clinic.example")
	o := mustOrg(t, s, "Elm Clinic", owner)
	in := store.InOrg(o.ID, owner.ID)
	wantCode(t, s.SetRetention(ctx, o.ID, 30, 7), apperr.Invalid)
	wantCode(t, s.SetRetention(ctx, o.ID, -1, 0), apperr.Invalid)
	baa := &store.BAA{RecordedBy: owner.ID, RecordedAt: t0, Document: "BAA-2026-017 (signed PDF in the contracts drive)"}
	if err := s.SetBAA(ctx, o.ID, baa); err != nil {
		t.Fatal(err)
	}
	if err := s.SetRetention(ctx, o.ID, 30, 7); err != nil {
		t.Fatal(err)
	}
	got, err := s.Org(ctx, o.ID)
	if err != nil || got.BAA == nil || *got.BAA != *baa || got.RetentionDays != 30 || got.NoteRetentionDays != 7 {
		t.Fatalf("Org = %+v (BAA %+v), %v", got, got.BAA, err)
	}
	rec := analysis("n-1", "h", t0)
	rec.Note, rec.NoteExpiresAt = []byte("sealed"), t0.Add(7*24*time.Hour)
	if err := s.CreateAnalysis(ctx, in, rec, store.Quota{}); err != nil {
		t.Fatal(err)
	}
	// Ending the BAA turns note retention off and drops the notes.
	if err := s.SetBAA(ctx, o.ID, nil); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Org(ctx, o.ID)
	if got.BAA != nil || got.NoteRetentionDays != 0 || got.RetentionDays != 30 {
		t.Fatalf("after ending the BAA: %+v", got)
	}
	_, _, err = s.AnalysisNote(ctx, in, "n-1")
	wantCode(t, err, apperr.NotFound)
	if a, err := s.Analysis(ctx, in, "n-1"); err != nil || !a.NoteExpiresAt.IsZero() {
		t.Fatalf("record after its note was dropped: %+v, %v", a, err)
	}
	wantCode(t, s.SetBAA(ctx, o.ID+100, baa), apperr.NotFound)
	wantCode(t, s.SetRetention(ctx, o.ID+100, 1, 0), apperr.NotFound)
}

// testPurge: with a simulated clock, the purge removes exactly the records
// older than each organization's period and the notes whose time has come.
func testPurge(t *testing.T, s store.Store) {
	ctx := context.Background()
	owner := mustUser(t, s, "purge@clinic.example")
	kept, unlimited := mustOrg(t, s, "Fir Clinic", owner), mustOrg(t, s, "Oak Clinic", owner)
	if err := s.SetBAA(ctx, kept.ID, &store.BAA{RecordedBy: owner.ID, RecordedAt: t0, Document: "doc"}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetRetention(ctx, kept.ID, 30, 7); err != nil {
		t.Fatal(err)
	}
	now := t0.Add(90 * 24 * time.Hour)
	period := 30 * 24 * time.Hour
	records := []struct {
		scope      store.Scope
		id         string
		age        time.Duration
		noteExpiry time.Time // zero: no note
		wantGone   bool
		wantNote   bool
	}{
		{store.InOrg(kept.ID, owner.ID), "older", period + time.Millisecond, time.Time{}, true, false},
		{store.InOrg(kept.ID, owner.ID), "exactly", period, time.Time{}, false, false},
		{store.InOrg(kept.ID, owner.ID), "young-note-due", time.Hour, now, false, false},
		{store.InOrg(kept.ID, owner.ID), "young-note-kept", time.Hour, now.Add(time.Millisecond), false, true},
		{store.InOrg(unlimited.ID, owner.ID), "no-period", 10 * period, time.Time{}, false, false},
		{store.Personal(owner.ID), "personal", 10 * period, time.Time{}, false, false},
	}
	for _, r := range records {
		a := analysis(r.id, "h", now.Add(-r.age))
		if !r.noteExpiry.IsZero() {
			a.Note, a.NoteExpiresAt = []byte("sealed"), r.noteExpiry
		}
		if err := s.CreateAnalysis(ctx, r.scope, a, store.Quota{}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.PurgeExpired(ctx, now)
	if err != nil || fmt.Sprint(got) != fmt.Sprint([]store.PurgeResult{{OrgID: kept.ID, Analyses: 1, Notes: 1}}) {
		t.Fatalf("PurgeExpired = %+v, %v", got, err)
	}
	for _, r := range records {
		_, err := s.Analysis(ctx, r.scope, r.id)
		if gone := apperr.Is(err, apperr.NotFound); gone != r.wantGone || (!gone && err != nil) {
			t.Errorf("%s: gone=%v (%v), want gone=%v", r.id, gone, err, r.wantGone)
		}
		_, _, err = s.AnalysisNote(ctx, r.scope, r.id)
		if (err == nil) != r.wantNote {
			t.Errorf("%s: note kept=%v, want %v", r.id, err == nil, r.wantNote)
		}
	}
	if again, err := s.PurgeExpired(ctx, now); err != nil || len(again) != 0 {
		t.Fatalf("second purge = %+v, %v", again, err)
	}
}

func testDeleteOrg(t *testing.T, s store.Store) {
	ctx := context.Background()
	owner, coder := mustUser(t, s, "del@clinic.example"), mustUser(t, s, "delc@clinic.example")
	o, survivor := mustOrg(t, s, "Ash Clinic", owner), mustOrg(t, s, "Yew Clinic", owner)
	join(t, s, o, coder, store.RoleCoder)
	for _, org := range []*store.Org{o, survivor} {
		if err := s.CreateAnalysis(ctx, store.InOrg(org.ID, owner.ID), analysis(fmt.Sprint("del-", org.ID), "h", t0), store.Quota{Month: "2026-03", Count: true}); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveRuleSet(ctx, &store.RuleSet{OrgID: org.ID, Source: "rules", AuthorID: owner.ID, CreatedAt: t0}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CreateInvite(ctx, &store.Invite{OrgID: o.ID, Email: "new@clinic.example", Role: store.RoleViewer, Hash: []byte("del-inv"), CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	entry := &store.AuditEntry{At: t0, OrgID: o.ID, ActorID: owner.ID, Action: "org.delete"}
	if err := s.AppendAudit(ctx, entry, testHash); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteOrg(ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.DeleteOrg(ctx, o.ID), apperr.NotFound)
	_, err := s.Org(ctx, o.ID)
	wantCode(t, err, apperr.NotFound)
	if orgs, _ := s.OrgsOfUser(ctx, coder.ID); len(orgs) != 0 {
		t.Error("membership of the deleted organization remains")
	}
	if _, err := s.RuleSet(ctx, o.ID, 0); !apperr.Is(err, apperr.NotFound) {
		t.Error("rules of the deleted organization remain")
	}
	if _, err := s.InviteByHash(ctx, []byte("del-inv"), t0); !apperr.Is(err, apperr.NotFound) {
		t.Error("invitation of the deleted organization remains")
	}
	if _, err := s.Analysis(ctx, store.InOrg(survivor.ID, owner.ID), fmt.Sprint("del-", survivor.ID)); err != nil {
		t.Errorf("the other organization's record is gone: %v", err)
	}
	// The audit log keeps what happened.
	if list, _, _ := s.ListAudit(ctx, store.AuditFilter{OrgID: o.ID}); len(list) != 1 {
		t.Errorf("audit entries of the deleted organization: %d, want 1", len(list))
	}
}

func testDeleteUserWithOrgs(t *testing.T, s store.Store) {
	ctx := context.Background()
	owner, coder := mustUser(t, s, "leave@clinic.example"), mustUser(t, s, "stay@clinic.example")
	shared, solo := mustOrg(t, s, "Shared Clinic", owner), mustOrg(t, s, "Solo Practice", owner)
	join(t, s, shared, coder, store.RoleCoder)
	if err := s.CreateAnalysis(ctx, store.InOrg(shared.ID, owner.ID), analysis("by-owner", "h", t0), store.Quota{}); err != nil {
		t.Fatal(err)
	}
	// The last owner of an organization with other members cannot go.
	wantCode(t, s.DeleteUser(ctx, owner.ID), apperr.Conflict)
	if _, err := s.UserByID(ctx, owner.ID); err != nil {
		t.Fatalf("refused deletion deleted the user: %v", err)
	}
	if err := s.SetMemberRole(ctx, shared.ID, coder.ID, store.RoleOwner); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteUser(ctx, owner.ID); err != nil {
		t.Fatal(err)
	}
	// The practice they ran alone went with them; the shared clinic and its
	// record stay, no longer attributed.
	if _, err := s.Org(ctx, solo.ID); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("solo organization remains: %v", err)
	}
	got, err := s.Analysis(ctx, store.InOrg(shared.ID, coder.ID), "by-owner")
	if err != nil || got.CreatedBy != 0 {
		t.Fatalf("shared record after its author left: %+v, %v", got, err)
	}
}

func testRuleSets(t *testing.T, s store.Store) {
	ctx := context.Background()
	owner := mustUser(t, s, "rules@clinic.example")
	o, other := mustOrg(t, s, "Pine Clinic", owner), mustOrg(t, s, "Spruce Clinic", owner)
	_, err := s.RuleSet(ctx, o.ID, 0)
	wantCode(t, err, apperr.NotFound)
	for i, src := range []string{"suppress: [R05.9]\n", "suppress: [R05.9, R53.83]\n"} {
		rs := &store.RuleSet{OrgID: o.ID, Source: src, AuthorID: owner.ID, CreatedAt: t0.Add(time.Duration(i) * time.Hour)}
		if err := s.SaveRuleSet(ctx, rs); err != nil || rs.Version != i+1 {
			t.Fatalf("SaveRuleSet = version %d, %v", rs.Version, err)
		}
	}
	if err := s.SaveRuleSet(ctx, &store.RuleSet{OrgID: other.ID, Source: "x", AuthorID: owner.ID, CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	cur, err := s.RuleSet(ctx, o.ID, 0)
	if err != nil || cur.Version != 2 || cur.Source != "suppress: [R05.9, R53.83]\n" || cur.AuthorID != owner.ID {
		t.Fatalf("current rules = %+v, %v", cur, err)
	}
	if v1, err := s.RuleSet(ctx, o.ID, 1); err != nil || v1.Source != "suppress: [R05.9]\n" || !v1.CreatedAt.Equal(t0) {
		t.Fatalf("version 1 = %+v, %v", v1, err)
	}
	_, err = s.RuleSet(ctx, o.ID, 3)
	wantCode(t, err, apperr.NotFound)
	versions, err := s.RuleSetVersions(ctx, o.ID)
	if err != nil || len(versions) != 2 || versions[0].Version != 2 || versions[1].Source != "" {
		t.Fatalf("RuleSetVersions = %+v, %v", versions, err)
	}
}

// testHash stands in for internal/audit's hash: it covers the sequence
// number, the previous hash and the action.
func testHash(e *store.AuditEntry) []byte {
	h := sha256.New()
	h.Write(e.PrevHash)
	h.Write([]byte(strconv.FormatInt(e.Seq, 10) + e.Action + e.Target))
	return h.Sum(nil)
}

func testAudit(t *testing.T, s store.Store) {
	ctx := context.Background()
	if seq, hash, err := s.AuditHead(ctx); err != nil || seq != 0 || hash != nil {
		t.Fatalf("head of an empty log = %d, %x, %v", seq, hash, err)
	}
	owner, member, stranger := mustUser(t, s, "audit@clinic.example"), mustUser(t, s, "m@clinic.example"), mustUser(t, s, "s@else.example")
	o := mustOrg(t, s, "Audit Clinic", owner)
	join(t, s, o, member, store.RoleViewer)
	entries := []store.AuditEntry{
		{At: t0, OrgID: 0, ActorID: member.ID, Action: "signin"},
		{At: t0.Add(time.Minute), OrgID: 0, ActorID: stranger.ID, Action: "signin"},
		{At: t0.Add(2 * time.Minute), OrgID: o.ID, ActorID: owner.ID, Action: "rules.update", Target: "v1", Details: `{"version":1}`},
		{At: t0.Add(3 * time.Minute), OrgID: o.ID, ActorID: member.ID, Action: "analysis.view", Target: "an_1"},
		{At: t0.Add(4 * time.Minute), OrgID: o.ID + 1, ActorID: owner.ID, Action: "analysis.view", Target: "an_2"},
	}
	var prev []byte
	for i := range entries {
		e := &entries[i]
		if err := s.AppendAudit(ctx, e, testHash); err != nil {
			t.Fatal(err)
		}
		if e.Seq != int64(i+1) || !bytes.Equal(e.PrevHash, prev) || !bytes.Equal(e.Hash, testHash(e)) {
			t.Fatalf("entry %d: seq %d, prev %x, hash %x", i, e.Seq, e.PrevHash, e.Hash)
		}
		prev = e.Hash
	}
	if seq, hash, _ := s.AuditHead(ctx); seq != 5 || !bytes.Equal(hash, prev) {
		t.Fatalf("head = %d, %x", seq, hash)
	}
	var seqs []int64
	err := s.EachAudit(ctx, func(e *store.AuditEntry) error {
		seqs = append(seqs, e.Seq)
		if e.Seq == 3 && (e.Details != `{"version":1}` || e.Target != "v1" || !e.At.Equal(t0.Add(2*time.Minute))) {
			return fmt.Errorf("entry 3 read back as %+v", e)
		}
		return nil
	})
	if err != nil || fmt.Sprint(seqs) != "[1 2 3 4 5]" {
		t.Fatalf("EachAudit = %v, %v", seqs, err)
	}
	signins := []string{"signin", "signin.failed"}
	tests := []struct {
		name string
		f    store.AuditFilter
		want string // sequence numbers, newest first
	}{
		{"organization", store.AuditFilter{OrgID: o.ID}, "[4 3]"},
		{"with member sign-ins", store.AuditFilter{OrgID: o.ID, MemberSignIns: true, SignInActions: signins}, "[4 3 1]"},
		{"actor", store.AuditFilter{OrgID: o.ID, ActorID: member.ID}, "[4]"},
		{"action", store.AuditFilter{OrgID: o.ID, Action: "rules.update"}, "[3]"},
		{"action prefix", store.AuditFilter{OrgID: o.ID, Action: "analysis."}, "[4]"},
		{"from", store.AuditFilter{OrgID: o.ID, From: t0.Add(3 * time.Minute)}, "[4]"},
		{"to", store.AuditFilter{OrgID: o.ID, To: t0.Add(3 * time.Minute)}, "[3]"},
		{"page", store.AuditFilter{OrgID: o.ID, MemberSignIns: true, SignInActions: signins, Limit: 1, Offset: 1}, "[3]"},
	}
	for _, tt := range tests {
		list, total, err := s.ListAudit(ctx, tt.f)
		var got []int64
		for _, e := range list {
			got = append(got, e.Seq)
		}
		if err != nil || fmt.Sprint(got) != tt.want {
			t.Errorf("%s: %v (total %d), %v; want %s", tt.name, got, total, err, tt.want)
		}
		if tt.name == "page" && total != 3 {
			t.Errorf("page: total %d, want 3", total)
		}
	}
}

func testAuditConcurrent(t *testing.T, s store.Store) {
	ctx := context.Background()
	const n = 24
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.AppendAudit(ctx, &store.AuditEntry{At: t0, Action: "signin", Target: strconv.Itoa(i)}, testHash)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	var prev []byte
	var seq int64
	err := s.EachAudit(ctx, func(e *store.AuditEntry) error {
		seq++
		if e.Seq != seq || !bytes.Equal(e.PrevHash, prev) || !bytes.Equal(e.Hash, testHash(e)) {
			return fmt.Errorf("chain broken at %d", e.Seq)
		}
		prev = e.Hash
		return nil
	})
	if err != nil || seq != n {
		t.Fatalf("%d entries, %v", seq, err)
	}
}

// testOrgBatches: a batch sent in an organization's workspace, and the
// analyses it stores, belong to the organization: its members see them,
// the sender's own workspace and outsiders do not; an outsider cannot send
// one there.
func testOrgBatches(t *testing.T, s store.Store) {
	ctx := context.Background()
	owner, coder, outsider := mustUser(t, s, "ob-o@clinic.example"), mustUser(t, s, "ob-c@clinic.example"), mustUser(t, s, "ob-x@else.example")
	o := mustOrg(t, s, "Batch Clinic", owner)
	join(t, s, o, coder, store.RoleCoder)
	wantCode(t, s.CreateBatch(ctx, &store.Batch{ID: "ob-0", UserID: outsider.ID, OrgID: o.ID, Mode: store.BatchStream,
		Status: store.BatchReceiving, CreatedAt: t0, UpdatedAt: t0}), apperr.NotFound)
	b := &store.Batch{ID: "ob-1", UserID: coder.ID, OrgID: o.ID, Mode: store.BatchStream, Status: store.BatchReceiving, CreatedAt: t0, UpdatedAt: t0}
	if err := s.CreateBatch(ctx, b); err != nil {
		t.Fatal(err)
	}
	done := []store.BatchCompletion{{Item: store.BatchItem{Seq: 1, AnalysisID: "ob-an-1", Outcome: []byte("o")},
		Analysis: analysis("ob-an-1", "h", t0), Quota: store.Quota{Month: "2026-03", Count: true}}}
	if n, err := s.CompleteBatchItems(ctx, "ob-1", done, t0); err != nil || n != 1 {
		t.Fatalf("CompleteBatchItems = %d, %v", n, err)
	}
	got, err := s.Batch(ctx, store.InOrg(o.ID, owner.ID), "ob-1")
	if err != nil || got.OrgID != o.ID || got.UserID != coder.ID {
		t.Fatalf("the owner reads %+v, %v", got, err)
	}
	a, err := s.Analysis(ctx, store.InOrg(o.ID, owner.ID), "ob-an-1")
	if err != nil || a.CreatedBy != coder.ID {
		t.Fatalf("the batch's analysis in the organization: %+v, %v", a, err)
	}
	if n, _ := s.Usage(ctx, store.InOrg(o.ID, owner.ID), "2026-03"); n != 1 {
		t.Fatalf("organization usage %d, want 1", n)
	}
	var items int
	err = s.EachBatchItem(ctx, store.InOrg(o.ID, owner.ID), "ob-1", func(it *store.BatchItem, a *store.Analysis) (bool, error) {
		if a == nil || a.ID != "ob-an-1" || a.OrgID != o.ID {
			return false, fmt.Errorf("item %+v with analysis %+v", it, a)
		}
		items++
		return true, nil
	})
	if err != nil || items != 1 {
		t.Fatalf("EachBatchItem: %d items, %v", items, err)
	}
	for _, sc := range []store.Scope{store.Personal(coder.ID), store.InOrg(o.ID, outsider.ID), store.Personal(outsider.ID)} {
		_, err := s.Batch(ctx, sc, "ob-1")
		wantCode(t, err, apperr.NotFound)
		if list, _ := s.ListBatches(ctx, sc, 10); len(list) != 0 {
			t.Fatalf("scope %+v lists the organization's batch", sc)
		}
		wantCode(t, s.EachBatchItem(ctx, sc, "ob-1", func(*store.BatchItem, *store.Analysis) (bool, error) { return true, nil }), apperr.NotFound)
	}
}
