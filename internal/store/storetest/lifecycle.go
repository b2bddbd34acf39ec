package storetest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/store"
)

func policy(doc, version string, material bool, body string, at time.Time) *store.PolicyVersion {
	return &store.PolicyVersion{Document: doc, Version: version, Material: material, Summary: "summary of " + version,
		Body: body, SHA256: fmt.Sprintf("%x", len(body)) + body, PublishedAt: at}
}

func testPolicies(t *testing.T, s store.Store) {
	ctx := context.Background()
	for _, p := range []*store.PolicyVersion{
		policy("terms", "v1", true, "one", t0),
		policy("terms", "v2", false, "two", t0.Add(time.Hour)),
		// Published in the same millisecond as v2: insertion order decides.
		policy("terms", "v3", true, "three", t0.Add(time.Hour)),
		policy("privacy", "p1", true, "private", t0),
	} {
		ok, err := s.PublishPolicy(ctx, p)
		if err != nil || !ok {
			t.Fatalf("PublishPolicy(%s %s) = %v, %v", p.Document, p.Version, ok, err)
		}
	}
	// The same text again changes nothing; other text is refused.
	if ok, err := s.PublishPolicy(ctx, policy("terms", "v2", false, "two", t0.Add(5*time.Hour))); err != nil || ok {
		t.Fatalf("republishing the same text: %v, %v", ok, err)
	}
	_, err := s.PublishPolicy(ctx, policy("terms", "v2", false, "changed", t0.Add(5*time.Hour)))
	wantCode(t, err, apperr.Conflict)

	vs, err := s.PolicyVersions(ctx, "terms")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range vs {
		if v.Body != "" {
			t.Errorf("PolicyVersions returned the body of %s", v.Version)
		}
		got = append(got, fmt.Sprintf("%s/%v/%s", v.Version, v.Material, v.PublishedAt.Format("15:04")))
	}
	if want := "v3/true/10:30 v2/false/10:30 v1/true/09:30"; strings.Join(got, " ") != want {
		t.Errorf("versions %q, want %q", strings.Join(got, " "), want)
	}
	v, err := s.PolicyVersion(ctx, "terms", "v2")
	if err != nil || v.Body != "two" || v.Summary != "summary of v2" || v.Material || !v.PublishedAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("PolicyVersion = %+v, %v", v, err)
	}
	_, err = s.PolicyVersion(ctx, "privacy", "v2")
	wantCode(t, err, apperr.NotFound)

	ann := mustUser(t, s, "ann@example.org")
	bob := mustUser(t, s, "bob@example.org")
	accept := func(u *store.User, doc, version string, at time.Time) error {
		return s.AcceptPolicies(ctx, u.ID, []store.PolicyAcceptance{{Document: doc, Version: version, AcceptedAt: at}})
	}
	if err := s.AcceptPolicies(ctx, ann.ID, []store.PolicyAcceptance{
		{Document: "terms", Version: "v1", AcceptedAt: t0}, {Document: "privacy", Version: "p1", AcceptedAt: t0},
	}); err != nil {
		t.Fatal(err)
	}
	if err := accept(ann, "terms", "v3", t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	// Accepting again keeps the first time.
	if err := accept(ann, "terms", "v1", t0.Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	// An unpublished version records nothing, not even the valid ones
	// beside it.
	err = s.AcceptPolicies(ctx, bob.ID, []store.PolicyAcceptance{
		{Document: "terms", Version: "v1", AcceptedAt: t0}, {Document: "terms", Version: "v9", AcceptedAt: t0},
	})
	wantCode(t, err, apperr.NotFound)
	acc, err := s.PolicyAcceptances(ctx, ann.ID)
	if err != nil {
		t.Fatal(err)
	}
	got = got[:0]
	for _, a := range acc {
		got = append(got, fmt.Sprintf("%s/%s/%s", a.Document, a.Version, a.AcceptedAt.Format("15:04")))
	}
	if want := "terms/v1/09:30 privacy/p1/09:30 terms/v3/11:30"; strings.Join(got, " ") != want {
		t.Errorf("acceptances %q, want %q", strings.Join(got, " "), want)
	}
	if acc, err := s.PolicyAcceptances(ctx, bob.ID); err != nil || len(acc) != 0 {
		t.Errorf("bob's acceptances = %v, %v", acc, err)
	}

	if at, err := s.AdultConfirmedAt(ctx, ann.ID); err != nil || !at.IsZero() {
		t.Fatalf("AdultConfirmedAt before = %v, %v", at, err)
	}
	if err := s.ConfirmAdult(ctx, ann.ID, t0); err != nil {
		t.Fatal(err)
	}
	if err := s.ConfirmAdult(ctx, ann.ID, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if at, err := s.AdultConfirmedAt(ctx, ann.ID); err != nil || !at.Equal(t0) {
		t.Fatalf("AdultConfirmedAt = %v, %v, want %v", at, err, t0)
	}
}

func testNotices(t *testing.T, s store.Store) {
	ctx := context.Background()
	ann := mustUser(t, s, "ann@example.org")
	bob := mustUser(t, s, "bob@example.org")
	cat := mustUser(t, s, "cat@example.org")
	for _, u := range []*store.User{ann, cat} {
		if err := s.SetEmailVerified(ctx, u.ID, t0); err != nil {
			t.Fatal(err)
		}
	}
	maint := &store.Notice{Kind: "maintenance", Title: "Down Sunday", Body: "For an hour.", Email: true,
		StartsAt: t0, EndsAt: t0.Add(48 * time.Hour), CreatedBy: ann.ID, CreatedAt: t0}
	later := &store.Notice{Kind: "codeset", Title: "FY2027 codes", Body: "New release.", StartsAt: t0.Add(24 * time.Hour), CreatedAt: t0}
	policyChange := &store.Notice{Kind: "policy", Title: "New terms", Body: "Read them.", Essential: true, Email: true,
		StartsAt: t0.Add(time.Hour), CreatedAt: t0.Add(time.Hour)}
	for _, n := range []*store.Notice{maint, later, policyChange} {
		if err := s.CreateNotice(ctx, n); err != nil {
			t.Fatal(err)
		}
		if n.ID == 0 {
			t.Fatal("CreateNotice set no id")
		}
	}
	got, err := s.Notice(ctx, maint.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != "Down Sunday" || got.Kind != "maintenance" || !got.Email || got.Essential || got.CreatedBy != ann.ID ||
		!got.StartsAt.Equal(t0) || !got.EndsAt.Equal(t0.Add(48*time.Hour)) || !got.EmailedAt.IsZero() {
		t.Fatalf("Notice = %+v", got)
	}
	_, err = s.Notice(ctx, 999)
	wantCode(t, err, apperr.NotFound)

	titles := func(ns []store.Notice) string {
		var out []string
		for _, n := range ns {
			out = append(out, n.Title)
		}
		return strings.Join(out, ", ")
	}
	active := func(userID int64, at time.Time) string {
		t.Helper()
		ns, err := s.ActiveNotices(ctx, userID, at)
		if err != nil {
			t.Fatal(err)
		}
		return titles(ns)
	}
	if got, want := active(0, t0.Add(2*time.Hour)), "Down Sunday, New terms"; got != want {
		t.Errorf("active at +2h: %q, want %q", got, want)
	}
	if got, want := active(bob.ID, t0.Add(25*time.Hour)), "Down Sunday, New terms, FY2027 codes"; got != want {
		t.Errorf("active at +25h: %q, want %q", got, want)
	}
	if got, want := active(bob.ID, t0.Add(48*time.Hour)), "New terms, FY2027 codes"; got != want {
		t.Errorf("active at +48h (the maintenance notice ended): %q, want %q", got, want)
	}
	if err := s.DismissNotice(ctx, bob.ID, policyChange.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.DismissNotice(ctx, bob.ID, policyChange.ID); err != nil {
		t.Fatalf("dismissing twice: %v", err)
	}
	wantCode(t, s.DismissNotice(ctx, bob.ID, 999), apperr.NotFound)
	if got, want := active(bob.ID, t0.Add(25*time.Hour)), "Down Sunday, FY2027 codes"; got != want {
		t.Errorf("bob after dismissing: %q, want %q", got, want)
	}
	if got, want := active(ann.ID, t0.Add(25*time.Hour)), "Down Sunday, New terms, FY2027 codes"; got != want {
		t.Errorf("ann is not affected by bob's dismissal: %q, want %q", got, want)
	}
	if err := s.EndNotice(ctx, later.ID, t0.Add(30*time.Hour)); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.EndNotice(ctx, 999, t0), apperr.NotFound)
	if got, want := active(ann.ID, t0.Add(31*time.Hour)), "Down Sunday, New terms"; got != want {
		t.Errorf("after ending: %q, want %q", got, want)
	}
	list, err := s.ListNotices(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := titles(list), "New terms, FY2027 codes"; got != want {
		t.Errorf("ListNotices(2) = %q, want %q", got, want)
	}

	// Recipients: every user for an essential notice; confirmed and not
	// opted out otherwise; in id order from after, limit at a time.
	recipients := func(after int64, limit int, essential bool) string {
		t.Helper()
		rs, err := s.NoticeRecipients(ctx, after, limit, essential)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range rs {
			out = append(out, fmt.Sprintf("%d:%s", r.UserID, r.Email))
		}
		return strings.Join(out, " ")
	}
	id := func(u *store.User) string { return fmt.Sprintf("%d:%s", u.ID, u.Email) }
	if got, want := recipients(0, 10, true), id(ann)+" "+id(bob)+" "+id(cat); got != want {
		t.Errorf("essential recipients %q, want %q", got, want)
	}
	if got, want := recipients(ann.ID, 1, true), id(bob); got != want {
		t.Errorf("essential recipients after ann, 1 at a time: %q, want %q", got, want)
	}
	if got, want := recipients(0, 10, false), id(ann)+" "+id(cat); got != want {
		t.Errorf("non-essential recipients %q, want %q", got, want)
	}
	if at, err := s.NoticeOptOut(ctx, cat.ID); err != nil || !at.IsZero() {
		t.Fatalf("NoticeOptOut before = %v, %v", at, err)
	}
	for range 2 {
		if err := s.SetNoticeOptOut(ctx, cat.ID, true, t0); err != nil {
			t.Fatal(err)
		}
	}
	if at, err := s.NoticeOptOut(ctx, cat.ID); err != nil || !at.Equal(t0) {
		t.Fatalf("NoticeOptOut = %v, %v", at, err)
	}
	if got, want := recipients(0, 10, false), id(ann); got != want {
		t.Errorf("non-essential recipients after cat opted out: %q, want %q", got, want)
	}
	if got, want := recipients(0, 10, true), id(ann)+" "+id(bob)+" "+id(cat); got != want {
		t.Errorf("essential recipients ignore the opt-out: %q, want %q", got, want)
	}
	if err := s.SetNoticeOptOut(ctx, cat.ID, false, t0); err != nil {
		t.Fatal(err)
	}
	if got, want := recipients(0, 10, false), id(ann)+" "+id(cat); got != want {
		t.Errorf("after opting back in: %q, want %q", got, want)
	}

	if err := s.RecordNoticeEmails(ctx, maint.ID, bob.ID, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.Notice(ctx, maint.ID); n.EmailedThrough != bob.ID || !n.EmailedAt.IsZero() {
		t.Errorf("progress = %d, %v", n.EmailedThrough, n.EmailedAt)
	}
	if err := s.RecordNoticeEmails(ctx, maint.ID, cat.ID, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.Notice(ctx, maint.ID); n.EmailedThrough != cat.ID || !n.EmailedAt.Equal(t0.Add(time.Minute)) {
		t.Errorf("done = %d, %v", n.EmailedThrough, n.EmailedAt)
	}
	wantCode(t, s.RecordNoticeEmails(ctx, 999, 1, t0), apperr.NotFound)

	// A deleted author leaves the notice in place, written by nobody.
	if err := s.DeleteUser(ctx, ann.ID); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Notice(ctx, maint.ID); err != nil || n.CreatedBy != 0 {
		t.Errorf("notice of a deleted author = %+v, %v", n, err)
	}
}

func testSupport(t *testing.T, s store.Store) {
	ctx := context.Background()
	ann := mustUser(t, s, "ann@example.org")
	bob := mustUser(t, s, "bob@example.org")
	staff := mustUser(t, s, "staff@example.org")

	q := &store.SupportThread{UserID: ann.ID, Kind: store.SupportQuestion, Subject: []byte("sealed-subject"), KeyID: "k1",
		Status: store.SupportOpen, CreatedAt: t0}
	qm := &store.SupportMessage{AuthorID: ann.ID, Body: []byte("sealed-body"), KeyID: "k1", CreatedAt: t0}
	if err := s.CreateSupportThread(ctx, q, qm); err != nil {
		t.Fatal(err)
	}
	if q.ID == 0 || qm.ID == 0 || qm.ThreadID != q.ID || q.Messages != 1 {
		t.Fatalf("created %+v / %+v", q, qm)
	}
	fb := &store.SupportThread{UserID: ann.ID, Kind: store.SupportFeedback, AnalysisID: "an_1", Subject: []byte("s2"), KeyID: "k1",
		Status: store.SupportOpen, CreatedAt: t0.Add(time.Minute)}
	if err := s.CreateSupportThread(ctx, fb, &store.SupportMessage{AuthorID: ann.ID, Body: []byte("b2"), KeyID: "k1", CreatedAt: t0.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	bq := &store.SupportThread{UserID: bob.ID, Kind: store.SupportQuestion, Subject: []byte("s3"), KeyID: "k2",
		Status: store.SupportOpen, CreatedAt: t0.Add(2 * time.Minute)}
	if err := s.CreateSupportThread(ctx, bq, &store.SupportMessage{AuthorID: bob.ID, Body: []byte("b3"), KeyID: "k2", CreatedAt: t0.Add(2 * time.Minute)}); err != nil {
		t.Fatal(err)
	}

	// A user sees only their own threads; the staff sees any.
	got, err := s.UserSupportThread(ctx, ann.ID, fb.ID)
	if err != nil || got.AnalysisID != "an_1" || got.Kind != store.SupportFeedback || string(got.Subject) != "s2" || got.KeyID != "k1" ||
		got.Status != store.SupportOpen || !got.CreatedAt.Equal(t0.Add(time.Minute)) || got.Messages != 1 {
		t.Fatalf("UserSupportThread = %+v, %v", got, err)
	}
	_, err = s.UserSupportThread(ctx, bob.ID, fb.ID)
	wantCode(t, err, apperr.NotFound)
	if got, err := s.SupportThread(ctx, fb.ID); err != nil || got.UserID != ann.ID {
		t.Fatalf("SupportThread = %+v, %v", got, err)
	}
	_, err = s.SupportThread(ctx, 999)
	wantCode(t, err, apperr.NotFound)

	ids := func(ts []store.SupportThread) []int64 {
		var out []int64
		for _, t := range ts {
			out = append(out, t.ID)
		}
		return out
	}
	queue := func() string {
		t.Helper()
		ts, err := s.SupportQueue(ctx, store.SupportOpen, 10)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(ids(ts))
	}
	if got, want := queue(), fmt.Sprint([]int64{q.ID, fb.ID, bq.ID}); got != want {
		t.Errorf("open queue %s, want %s (longest waiting first)", got, want)
	}

	// The staff answers ann's question: it leaves the open queue.
	reply := &store.SupportMessage{ThreadID: q.ID, AuthorID: staff.ID, Staff: true, Body: []byte("answer"), KeyID: "k1", CreatedAt: t0.Add(time.Hour)}
	if err := s.AddSupportMessage(ctx, reply, store.SupportAnswered); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.AddSupportMessage(ctx, &store.SupportMessage{ThreadID: 999, Body: []byte("x"), KeyID: "k1", CreatedAt: t0}, store.SupportOpen),
		apperr.NotFound)
	if got, want := queue(), fmt.Sprint([]int64{fb.ID, bq.ID}); got != want {
		t.Errorf("open queue after the reply %s, want %s", got, want)
	}
	answered, err := s.SupportQueue(ctx, store.SupportAnswered, 10)
	if err != nil || fmt.Sprint(ids(answered)) != fmt.Sprint([]int64{q.ID}) {
		t.Errorf("answered queue = %v, %v", ids(answered), err)
	}
	mine, err := s.UserSupportThreads(ctx, ann.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprint(ids(mine)), fmt.Sprint([]int64{q.ID, fb.ID}); got != want {
		t.Errorf("ann's threads %s, want %s (latest activity first)", got, want)
	}
	if mine[0].Messages != 2 || mine[0].Status != store.SupportAnswered || !mine[0].UpdatedAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("answered thread = %+v", mine[0])
	}
	msgs, err := s.SupportMessages(ctx, q.ID)
	if err != nil || len(msgs) != 2 {
		t.Fatalf("SupportMessages = %v, %v", msgs, err)
	}
	if string(msgs[0].Body) != "sealed-body" || msgs[0].Staff || msgs[0].AuthorID != ann.ID ||
		string(msgs[1].Body) != "answer" || !msgs[1].Staff || msgs[1].AuthorID != staff.ID || !msgs[1].CreatedAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("messages = %+v", msgs)
	}
	if err := s.SetSupportStatus(ctx, q.ID, store.SupportClosed, t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.SetSupportStatus(ctx, 999, store.SupportClosed, t0), apperr.NotFound)
	if got, _ := s.UserSupportThread(ctx, ann.ID, q.ID); got.Status != store.SupportClosed {
		t.Errorf("status after closing = %s", got.Status)
	}

	// Reseal rewrites what another key sealed, and says for whom.
	owners := map[string]int64{}
	n, err := s.ResealSupport(ctx, "k2", func(userID int64, blob []byte) ([]byte, error) {
		owners[string(blob)] = userID
		return append([]byte("k2:"), blob...), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != 5 || owners["sealed-subject"] != ann.ID || owners["answer"] != ann.ID || owners["s3"] != 0 {
		t.Errorf("resealed %d, owners %v", n, owners)
	}
	if n, err := s.ResealSupport(ctx, "k2", func(int64, []byte) ([]byte, error) { return nil, fmt.Errorf("called") }); err != nil || n != 0 {
		t.Errorf("second reseal = %d, %v", n, err)
	}
	if got, _ := s.UserSupportThread(ctx, ann.ID, q.ID); string(got.Subject) != "k2:sealed-subject" || got.KeyID != "k2" {
		t.Errorf("resealed subject %q key %s", got.Subject, got.KeyID)
	}

	// The staff member's account goes: the reply stays, by nobody. Ann's
	// account goes: her threads and messages go with it.
	if err := s.DeleteUser(ctx, staff.ID); err != nil {
		t.Fatal(err)
	}
	if msgs, _ := s.SupportMessages(ctx, q.ID); len(msgs) != 2 || msgs[1].AuthorID != 0 || !msgs[1].Staff {
		t.Errorf("messages after the staff member left = %+v", msgs)
	}
	if err := s.DeleteUser(ctx, ann.ID); err != nil {
		t.Fatal(err)
	}
	_, err = s.SupportThread(ctx, q.ID)
	wantCode(t, err, apperr.NotFound)
	if msgs, err := s.SupportMessages(ctx, q.ID); err != nil || len(msgs) != 0 {
		t.Errorf("messages of a deleted user's thread = %v, %v", msgs, err)
	}
	if got, want := queue(), fmt.Sprint([]int64{bq.ID}); got != want {
		t.Errorf("open queue after ann left %s, want %s", got, want)
	}
}

func testSiteAdmins(t *testing.T, s store.Store) {
	ctx := context.Background()
	ann := mustUser(t, s, "ann@example.org")
	bob := mustUser(t, s, "bob@example.org")
	is := func(u *store.User) bool {
		t.Helper()
		ok, err := s.IsSiteAdmin(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if is(ann) || is(bob) {
		t.Fatal("administrators before any grant")
	}
	for range 2 {
		if err := s.SetSiteAdmin(ctx, bob.ID, true, t0); err != nil {
			t.Fatal(err)
		}
	}
	wantCode(t, s.SetSiteAdmin(ctx, 999, true, t0), apperr.NotFound)
	if is(ann) || !is(bob) {
		t.Fatal("grant did not take")
	}
	admins, err := s.SiteAdmins(ctx)
	if err != nil || len(admins) != 1 || admins[0].Email != "bob@example.org" {
		t.Fatalf("SiteAdmins = %v, %v", admins, err)
	}
	if err := s.SetSiteAdmin(ctx, bob.ID, false, t0); err != nil {
		t.Fatal(err)
	}
	if is(bob) {
		t.Fatal("revoke did not take")
	}
	if err := s.SetSiteAdmin(ctx, ann.ID, true, t0); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteUser(ctx, ann.ID); err != nil {
		t.Fatal(err)
	}
	if admins, err := s.SiteAdmins(ctx); err != nil || len(admins) != 0 {
		t.Fatalf("administrators after the account went = %v, %v", admins, err)
	}
}

func testChangeEmail(t *testing.T, s store.Store) {
	ctx := context.Background()
	ann := mustUser(t, s, "ann@example.org")
	mustUser(t, s, "bob@example.org")
	if err := s.SetEmailVerified(ctx, ann.ID, t0); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.ChangeEmail(ctx, ann.ID, "bob@example.org"), apperr.Conflict)
	if err := s.ChangeEmail(ctx, ann.ID, "ann.new@example.org"); err != nil {
		t.Fatal(err)
	}
	u, err := s.UserByEmail(ctx, "ann.new@example.org")
	if err != nil || u.ID != ann.ID || !u.EmailVerifiedAt.IsZero() {
		t.Fatalf("after the change: %+v, %v", u, err)
	}
	_, err = s.UserByEmail(ctx, "ann@example.org")
	wantCode(t, err, apperr.NotFound)
	wantCode(t, s.ChangeEmail(ctx, 999, "x@example.org"), apperr.NotFound)
}
