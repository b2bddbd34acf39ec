package org_test

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/audit"
	"github.com/medcode/medcode/internal/mail"
	"github.com/medcode/medcode/internal/org"
	"github.com/medcode/medcode/internal/store"
	"github.com/medcode/medcode/internal/store/sqlite"
)

var update = flag.Bool("update", false, "rewrite docs/permissions.md from the matrix")

// TestPermissionsDoc keeps docs/permissions.md equal to the matrix: it is
// generated here, and the test fails when someone edits one without the
// other.
func TestPermissionsDoc(t *testing.T) {
	var b strings.Builder
	b.WriteString("# Roles and permissions\n\n")
	b.WriteString("<!-- Generated from the permission matrix in internal/org/permissions.go by\n")
	b.WriteString("     go test ./internal/org -run TestPermissionsDoc -update; do not edit by hand. -->\n\n")
	b.WriteString("Every member of an organization has one role. What a role may do in the organization's workspace is\n")
	b.WriteString("this table, which the server checks on every page and API endpoint (a test runs every role against\n")
	b.WriteString("every route and compares the answers with it). Someone who is not a member gets 404 Not Found from\n")
	b.WriteString("everything of the organization, as if it did not exist; a member without the permission gets\n")
	b.WriteString("403 Forbidden. In their personal workspace a user may do everything.\n\n")
	b.WriteString("| Permission | Allows |")
	for _, r := range store.Roles {
		fmt.Fprintf(&b, " %s |", r)
	}
	b.WriteString("\n|---|---|" + strings.Repeat(":-:|", len(store.Roles)) + "\n")
	for _, row := range org.Matrix {
		fmt.Fprintf(&b, "| `%s` | %s |", row.Permission, row.Allows)
		for _, has := range row.Roles {
			mark := " "
			if has {
				mark = "✓"
			}
			fmt.Fprintf(&b, " %s |", mark)
		}
		b.WriteString("\n")
	}
	b.WriteString("\nAn organization always keeps at least one owner: the last owner can be neither removed nor\n")
	b.WriteString("given another role, and cannot delete their account while others belong to the organization.\n")
	path := filepath.Join("..", "..", "docs", "permissions.md")
	if *update {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != b.String() {
		t.Fatalf("%s differs from the permission matrix: run go test ./internal/org -run TestPermissionsDoc -update", path)
	}
}

func TestMatrix(t *testing.T) {
	seen := map[org.Permission]bool{}
	for _, row := range org.Matrix {
		if seen[row.Permission] {
			t.Errorf("%s appears twice", row.Permission)
		}
		seen[row.Permission] = true
		if !row.Roles[0] {
			t.Errorf("the owner lacks %s", row.Permission)
		}
		// Each role holds a subset of the powers of the role above it.
		for i := 1; i < len(row.Roles); i++ {
			if row.Roles[i] && !row.Roles[i-1] {
				t.Errorf("%s: %s has it but %s does not", row.Permission, store.Roles[i], store.Roles[i-1])
			}
		}
	}
	tests := []struct {
		role store.Role
		p    org.Permission
		want bool
	}{
		{store.RoleOwner, org.DeleteOrg, true},
		{store.RoleAdmin, org.DeleteOrg, false},
		{store.RoleCoder, org.CreateAnalysis, true},
		{store.RoleBiller, org.CreateAnalysis, false},
		{store.RoleBiller, org.ReadNote, true},
		{store.RoleViewer, org.ReadAnalysis, true},
		{store.RoleViewer, org.ReadNote, false},
		{"superuser", org.ReadAnalysis, false},
		{store.RoleOwner, "org.launch", false},
	}
	for _, tt := range tests {
		if got := org.Can(tt.role, tt.p); got != tt.want {
			t.Errorf("Can(%s, %s) = %v", tt.role, tt.p, got)
		}
	}
}

// outbox records sent mail.
type outbox struct {
	mu   sync.Mutex
	sent []mail.Message
}

func (o *outbox) Send(_ context.Context, m mail.Message) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.sent = append(o.sent, m)
	return nil
}

type fixture struct {
	db   *sqlite.DB
	svc  *org.Service
	log  *audit.Log
	mail *outbox
	now  time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "org.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	f := &fixture{db: db, mail: &outbox{}, now: time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)}
	f.log = audit.New(db)
	f.log.Now = func() time.Time { return f.now }
	f.svc = org.New(db, f.log, f.mail, nil, org.Config{BaseURL: "https://medcode.example"}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	f.svc.Now = func() time.Time { return f.now }
	return f
}

func (f *fixture) user(t *testing.T, email string) *store.User {
	t.Helper()
	u := &store.User{Email: email, PasswordHash: "x", Tier: store.TierFree, CreatedAt: f.now}
	if err := f.db.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return u
}

func (f *fixture) workspace(t *testing.T, u *store.User, o *store.Org) org.Workspace {
	t.Helper()
	ws, err := f.svc.Workspace(context.Background(), u, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	return ws
}

// join invites u with role and accepts with the emailed link.
func (f *fixture) join(t *testing.T, by org.Workspace, u *store.User, role store.Role) org.Workspace {
	t.Helper()
	inv, err := f.svc.Invite(context.Background(), by, u.Email, role)
	if err != nil {
		t.Fatal(err)
	}
	token := strings.TrimPrefix(inv.Link, "https://medcode.example/invite?token=")
	if _, err := f.svc.Accept(context.Background(), u, token); err != nil {
		t.Fatal(err)
	}
	return f.workspace(t, u, by.Org)
}

func wantCode(t *testing.T, err error, code apperr.Code) {
	t.Helper()
	if apperr.CodeOf(err) != code {
		t.Fatalf("error %v, want %q", err, code)
	}
}

func (f *fixture) actions(t *testing.T, orgID int64) string {
	t.Helper()
	lines, _, err := f.log.List(context.Background(), orgID, audit.Query{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := len(lines) - 1; i >= 0; i-- {
		out = append(out, string(lines[i].Action))
	}
	return strings.Join(out, " ")
}

func TestCreateInviteAcceptAndRoles(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	ann, bob, cy := f.user(t, "ann@clinic.example"), f.user(t, "bob@clinic.example"), f.user(t, "cy@clinic.example")
	_, err := f.svc.Create(ctx, ann, "  ")
	wantCode(t, err, apperr.Invalid)
	o, err := f.svc.Create(ctx, ann, " Maple Family Clinic ")
	if err != nil || o.Name != "Maple Family Clinic" {
		t.Fatalf("Create = %+v, %v", o, err)
	}
	_, err = f.svc.Workspace(ctx, bob, o.ID)
	wantCode(t, err, apperr.NotFound)
	owner := f.workspace(t, ann, o)

	inv, err := f.svc.Invite(ctx, owner, "BOB@clinic.example", store.RoleAdmin)
	if err != nil || !inv.Emailed || len(f.mail.sent) != 1 || f.mail.sent[0].To != "bob@clinic.example" || !strings.Contains(f.mail.sent[0].Body, inv.Link) {
		t.Fatalf("Invite = %+v, %v; mail %+v", inv, err, f.mail.sent)
	}
	token := strings.TrimPrefix(inv.Link, "https://medcode.example/invite?token=")
	p, err := f.svc.Invitation(ctx, token)
	if err != nil || p.Org.Name != "Maple Family Clinic" || p.Invite.Role != store.RoleAdmin {
		t.Fatalf("Invitation = %+v, %v", p, err)
	}
	// Only the invited address may accept.
	_, err = f.svc.Accept(ctx, cy, token)
	wantCode(t, err, apperr.Forbidden)
	if _, err := f.svc.Accept(ctx, bob, token); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Accept(ctx, bob, token)
	wantCode(t, err, apperr.NotFound)
	admin := f.workspace(t, bob, o)
	if admin.Role != store.RoleAdmin || !admin.Can(org.ManageMembers) || admin.Can(org.ManageOwners) {
		t.Fatalf("admin workspace = %+v", admin)
	}

	// An admin invites below owner, never an owner.
	_, err = f.svc.Invite(ctx, admin, cy.Email, store.RoleOwner)
	wantCode(t, err, apperr.Forbidden)
	coder := f.join(t, admin, cy, store.RoleCoder)
	_, err = f.svc.Invite(ctx, coder, "dee@clinic.example", store.RoleViewer)
	wantCode(t, err, apperr.Forbidden)
	_, err = f.svc.Invite(ctx, admin, "dee@clinic.example", "chief")
	wantCode(t, err, apperr.Invalid)

	// An admin changes roles below owner, but cannot touch the owner.
	if err := f.svc.SetRole(ctx, admin, cy.ID, store.RoleBiller); err != nil {
		t.Fatal(err)
	}
	wantCode(t, f.svc.SetRole(ctx, admin, ann.ID, store.RoleViewer), apperr.Forbidden)
	wantCode(t, f.svc.SetRole(ctx, admin, cy.ID, store.RoleOwner), apperr.Forbidden)
	wantCode(t, f.svc.RemoveMember(ctx, admin, ann.ID), apperr.Forbidden)
	// The last owner cannot step down.
	wantCode(t, f.svc.SetRole(ctx, owner, ann.ID, store.RoleAdmin), apperr.Conflict)
	wantCode(t, f.svc.SetRole(ctx, owner, 9999, store.RoleAdmin), apperr.NotFound)
	if err := f.svc.RemoveMember(ctx, admin, cy.ID); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Workspace(ctx, cy, o.ID)
	wantCode(t, err, apperr.NotFound)

	roster, err := f.svc.Roster(ctx, owner)
	if err != nil || len(roster.Members) != 2 || len(roster.Invites) != 0 {
		t.Fatalf("Roster = %+v, %v", roster, err)
	}
	want := "org.create member.invite member.join member.invite member.join member.role member.remove"
	if got := f.actions(t, o.ID); got != want {
		t.Fatalf("audit = %s\nwant    %s", got, want)
	}
}

func TestRevokedAndExpiredInvitations(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	ann, bob := f.user(t, "ann@clinic.example"), f.user(t, "bob@clinic.example")
	o, _ := f.svc.Create(ctx, ann, "Aspen Clinic")
	owner := f.workspace(t, ann, o)
	inv, err := f.svc.Invite(ctx, owner, bob.Email, store.RoleViewer)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.RevokeInvite(ctx, owner, inv.Invite.ID); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Accept(ctx, bob, strings.TrimPrefix(inv.Link, "https://medcode.example/invite?token="))
	wantCode(t, err, apperr.NotFound)
	inv, _ = f.svc.Invite(ctx, owner, bob.Email, store.RoleViewer)
	f.now = f.now.Add(7*24*time.Hour + time.Second)
	_, err = f.svc.Accept(ctx, bob, strings.TrimPrefix(inv.Link, "https://medcode.example/invite?token="))
	wantCode(t, err, apperr.NotFound)
}

func TestBAAAndRetentionSettings(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	ann, bob := f.user(t, "ann@clinic.example"), f.user(t, "bob@clinic.example")
	o, _ := f.svc.Create(ctx, ann, "Birch Clinic")
	owner := f.workspace(t, ann, o)
	admin := f.join(t, owner, bob, store.RoleAdmin)
	_, err := f.svc.RecordBAA(ctx, admin, "BAA-1")
	wantCode(t, err, apperr.Forbidden)
	wantCode(t, f.svc.SetRetention(ctx, admin, 30, 0), apperr.Forbidden)
	_, err = f.svc.RecordBAA(ctx, owner, "")
	wantCode(t, err, apperr.Invalid)
	wantCode(t, f.svc.SetRetention(ctx, owner, 30, 7), apperr.Invalid) // notes need a BAA
	wantCode(t, f.svc.EndBAA(ctx, owner), apperr.Invalid)
	baa, err := f.svc.RecordBAA(ctx, owner, "BAA-2026-017, signed 2026-05-01")
	if err != nil || baa.RecordedBy != ann.ID || !baa.RecordedAt.Equal(f.now) {
		t.Fatalf("RecordBAA = %+v, %v", baa, err)
	}
	owner = f.workspace(t, ann, o)
	if !owner.BAA() {
		t.Fatal("the workspace does not see the BAA")
	}
	for _, bad := range [][2]int{{-1, 0}, {0, 4000}, {10, 30}} {
		wantCode(t, f.svc.SetRetention(ctx, owner, bad[0], bad[1]), apperr.Invalid)
	}
	if err := f.svc.SetRetention(ctx, owner, 60, 14); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.EndBAA(ctx, owner); err != nil {
		t.Fatal(err)
	}
	got, _ := f.db.Org(ctx, o.ID)
	if got.BAA != nil || got.RetentionDays != 60 || got.NoteRetentionDays != 0 {
		t.Fatalf("after ending the BAA: %+v", got)
	}
	if got := f.actions(t, o.ID); !strings.HasSuffix(got, "baa.record retention.update baa.end") {
		t.Fatalf("audit = %s", got)
	}
}

// TestPurgeWithSimulatedClock: the purge job removes exactly the analyses
// older than the period, as of the service's clock, and audits it.
func TestPurgeWithSimulatedClock(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	ann := f.user(t, "ann@clinic.example")
	o, _ := f.svc.Create(ctx, ann, "Cedar Clinic")
	owner := f.workspace(t, ann, o)
	if err := f.svc.SetRetention(ctx, owner, 30, 0); err != nil {
		t.Fatal(err)
	}
	start := f.now
	// One analysis a day for 40 days.
	for day := range 40 {
		a := &store.Analysis{ID: fmt.Sprintf("an_day%02d", day), KeyID: "k", Summary: []byte{1}, Record: []byte{1},
			CreatedAt: start.Add(time.Duration(day) * 24 * time.Hour)}
		if err := f.db.CreateAnalysis(ctx, owner.Scope(), a, store.Quota{}); err != nil {
			t.Fatal(err)
		}
	}
	steps := []struct {
		now       time.Time
		wantGone  int    // analyses purged by this run
		wantFirst string // the oldest left
	}{
		{start.Add(39 * 24 * time.Hour), 9, "an_day09"},                // days 0..8 are older than 30 days; day 9 is exactly 30
		{start.Add(39*24*time.Hour + time.Millisecond), 1, "an_day10"}, // now day 9 is older
		{start.Add(100 * 24 * time.Hour), 30, ""},                      // everything
	}
	for i, st := range steps {
		f.now = st.now
		res, err := f.svc.Purge(ctx, f.now)
		if err != nil {
			t.Fatal(err)
		}
		gone := 0
		for _, r := range res {
			gone += r.Analyses
		}
		if gone != st.wantGone {
			t.Errorf("step %d: purged %d, want %d", i, gone, st.wantGone)
		}
		list, _, _ := f.db.ListAnalyses(ctx, owner.Scope(), 100, 0)
		first := ""
		if len(list) > 0 {
			first = list[len(list)-1].ID
		}
		if first != st.wantFirst {
			t.Errorf("step %d: oldest kept %q, want %q", i, first, st.wantFirst)
		}
	}
	if got := f.actions(t, o.ID); strings.Count(got, "retention.purge") != 3 {
		t.Fatalf("audit = %s; want one purge entry per run that removed something", got)
	}
}

func TestDeleteOrg(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	ann, bob := f.user(t, "ann@clinic.example"), f.user(t, "bob@clinic.example")
	o, _ := f.svc.Create(ctx, ann, "Doomed Clinic")
	owner := f.workspace(t, ann, o)
	admin := f.join(t, owner, bob, store.RoleAdmin)
	wantCode(t, f.svc.Delete(ctx, admin), apperr.Forbidden)
	wantCode(t, f.svc.Delete(ctx, org.Personal(ann)), apperr.NotFound)
	if err := f.svc.Delete(ctx, owner); err != nil {
		t.Fatal(err)
	}
	_, err := f.svc.Workspace(ctx, bob, o.ID)
	wantCode(t, err, apperr.NotFound)
	if got := f.actions(t, o.ID); !strings.HasSuffix(got, "org.delete") {
		t.Fatalf("audit = %s", got)
	}
}
