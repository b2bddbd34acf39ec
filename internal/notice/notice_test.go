package notice_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/crypto"
	"github.com/medcode/medcode/internal/mail"
	"github.com/medcode/medcode/internal/notice"
	"github.com/medcode/medcode/internal/policy"
	"github.com/medcode/medcode/internal/store"
	"github.com/medcode/medcode/internal/store/sqlite"
)

// outbox records messages; failAfter > 0 makes the send after that many
// fail (a queue insert that fails).
type outbox struct {
	sent      []mail.Message
	failAfter int
}

func (o *outbox) Send(_ context.Context, m mail.Message) error {
	if o.failAfter > 0 && len(o.sent) == o.failAfter {
		o.failAfter = 0
		return errors.New("queue unavailable")
	}
	o.sent = append(o.sent, m)
	return nil
}

func (o *outbox) to() []string {
	var out []string
	for _, m := range o.sent {
		out = append(out, m.To)
	}
	return out
}

type fixture struct {
	db   *sqlite.DB
	svc  *notice.Service
	mail *outbox
	now  time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	keys, err := crypto.ParseKeys("k1:" + strings.Repeat("A", 43) + "=")
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{db: db, mail: &outbox{}, now: time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)}
	f.svc = notice.New(db, keys, f.mail, notice.Config{BaseURL: "https://medcode.example"}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	f.svc.Now = func() time.Time { return f.now }
	return f
}

// users creates n users; the odd-numbered ones have confirmed addresses.
func (f *fixture) users(t *testing.T, n int) []*store.User {
	t.Helper()
	var out []*store.User
	for i := range n {
		u := &store.User{Email: fmt.Sprintf("u%02d@example.org", i), PasswordHash: "x", Tier: store.TierFree, CreatedAt: f.now}
		if i%2 == 1 {
			u.EmailVerifiedAt = f.now
		}
		if err := f.db.CreateUser(context.Background(), u); err != nil {
			t.Fatal(err)
		}
		out = append(out, u)
	}
	return out
}

func TestPublishValidates(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	ok := notice.Draft{Kind: notice.Maintenance, Title: "Down", Body: "An hour."}
	tests := []struct {
		name  string
		draft func(d notice.Draft) notice.Draft
	}{
		{"unknown kind", func(d notice.Draft) notice.Draft { d.Kind = "party"; return d }},
		{"no title", func(d notice.Draft) notice.Draft { d.Title = "  "; return d }},
		{"long title", func(d notice.Draft) notice.Draft { d.Title = strings.Repeat("t", 121); return d }},
		{"no body", func(d notice.Draft) notice.Draft { d.Body = ""; return d }},
		{"long body", func(d notice.Draft) notice.Draft { d.Body = strings.Repeat("b", 4001); return d }},
		{"ends before it starts", func(d notice.Draft) notice.Draft {
			d.StartsAt, d.EndsAt = f.now.Add(time.Hour), f.now.Add(time.Minute)
			return d
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.svc.Publish(ctx, 0, tt.draft(ok))
			if apperr.CodeOf(err) != apperr.Invalid {
				t.Fatalf("error %v, want invalid", err)
			}
		})
	}
	n, err := f.svc.Publish(ctx, 0, ok)
	if err != nil {
		t.Fatal(err)
	}
	if !n.StartsAt.Equal(f.now) || n.Essential || n.Email {
		t.Errorf("published %+v", n)
	}
}

func TestEmailsGoOnceToTheRightUsersAndResume(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	us := f.users(t, 9) // u01, u03, u05, u07 confirmed
	if err := f.svc.SetEmails(ctx, us[3].ID, false); err != nil {
		t.Fatal(err)
	}
	// The queue fails after two emails: the notice is stored, the error
	// says to retry, and the retry sends the rest, none twice.
	f.mail.failAfter = 2
	n, err := f.svc.Publish(ctx, us[0].ID, notice.Draft{Kind: notice.CodeSet, Title: "FY2027 codes", Body: "See **the** [release](/codesets).", Email: true})
	if apperr.CodeOf(err) != apperr.Unavailable || n == nil {
		t.Fatalf("Publish = %v, %v; want the notice and an unavailable error", n, err)
	}
	if err := f.svc.SendEmails(ctx, n.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.SendEmails(ctx, n.ID); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(f.mail.to(), " "), "u01@example.org u05@example.org u07@example.org"; got != want {
		t.Fatalf("sent to %q, want %q (confirmed, not opted out, once each)", got, want)
	}
	stored, _ := f.db.Notice(ctx, n.ID)
	if stored.EmailedAt.IsZero() || stored.EmailedThrough != us[7].ID {
		t.Errorf("progress %d, done %v", stored.EmailedThrough, stored.EmailedAt)
	}
	m := f.mail.sent[0]
	if m.Subject != "medcode: FY2027 codes" || !strings.Contains(m.Body, "See the release (https://medcode.example/codesets).") ||
		!strings.Contains(m.Body, "https://medcode.example/unsubscribe?token=") {
		t.Errorf("message %+v", m)
	}

	// Each unsubscribe link turns off its own user's emails only.
	token := regexp.MustCompile(`token=(\S+)`).FindStringSubmatch(m.Body)[1]
	id, err := f.svc.Unsubscribe(ctx, token)
	if err != nil || id != us[1].ID {
		t.Fatalf("Unsubscribe = %d, %v", id, err)
	}
	for _, u := range []*store.User{us[1], us[5]} {
		on, err := f.svc.EmailsOn(ctx, u.ID)
		if err != nil || on != (u == us[5]) {
			t.Errorf("%s emails on = %v, %v", u.Email, on, err)
		}
	}
	for _, bad := range []string{"", "x", token[:len(token)-2] + "AA", strings.Repeat("A", 600)} {
		if _, err := f.svc.Unsubscribe(ctx, bad); apperr.CodeOf(err) != apperr.Invalid {
			t.Errorf("Unsubscribe(%q) = %v, want invalid", bad, err)
		}
	}

	// A policy change is essential: every user, no unsubscribe link.
	f.mail.sent = nil
	if err := f.svc.PolicyChanged(ctx, policy.Terms, store.PolicyVersion{Document: "terms", Version: "v2", Summary: "Shorter retention."}); err != nil {
		t.Fatal(err)
	}
	got := f.mail.to()
	sort.Strings(got)
	if len(got) != 9 {
		t.Fatalf("policy change went to %v, want all 9 users", got)
	}
	if b := f.mail.sent[0].Body; strings.Contains(b, "unsubscribe") || !strings.Contains(b, "Shorter retention.") ||
		!strings.Contains(b, "https://medcode.example/terms") {
		t.Errorf("policy email body %q", b)
	}
}

func TestBannersDismissAndEnd(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	us := f.users(t, 2)
	n, err := f.svc.Publish(ctx, us[0].ID, notice.Draft{Kind: notice.Maintenance, Title: "Down <b>Sunday</b>",
		Body: "<script>x</script> from **02:00**", EndsAt: f.now.Add(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Publish(ctx, us[0].ID, notice.Draft{Kind: notice.General, Title: "Later", Body: "b",
		StartsAt: f.now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	banners, err := f.svc.Active(ctx, us[1].ID)
	if err != nil || len(banners) != 1 {
		t.Fatalf("Active = %v, %v", banners, err)
	}
	if got := string(banners[0].Body); got != "<p>&lt;script&gt;x&lt;/script&gt; from <strong>02:00</strong></p>\n" {
		t.Errorf("banner body %q", got)
	}
	if err := f.svc.Dismiss(ctx, us[1].ID, n.ID); err != nil {
		t.Fatal(err)
	}
	if banners, _ := f.svc.Active(ctx, us[1].ID); len(banners) != 0 {
		t.Errorf("dismissed banner still shown: %v", banners)
	}
	if banners, _ := f.svc.Active(ctx, 0); len(banners) != 1 {
		t.Errorf("visitors see %d banners, want 1", len(banners))
	}
	// A policy change is for account holders only.
	if err := f.svc.PolicyChanged(ctx, policy.Terms, store.PolicyVersion{Version: "v2", Summary: "s"}); err != nil {
		t.Fatal(err)
	}
	if banners, _ := f.svc.Active(ctx, 0); len(banners) != 1 {
		t.Errorf("visitors see %d banners after a policy change, want 1", len(banners))
	}
	if banners, _ := f.svc.Active(ctx, us[0].ID); len(banners) != 2 {
		t.Errorf("a user sees %d banners after a policy change, want 2", len(banners))
	}
	if err := f.svc.End(ctx, n.ID); err != nil {
		t.Fatal(err)
	}
	f.now = f.now.Add(time.Second)
	if banners, _ := f.svc.Active(ctx, us[1].ID); len(banners) != 1 || banners[0].Kind != notice.PolicyKind {
		t.Errorf("after ending the maintenance notice: %v", banners)
	}
}

func TestNoEmailWithoutMailer(t *testing.T) {
	f := newFixture(t)
	svc := notice.New(f.db, nil, nil, notice.Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	_, err := svc.Publish(context.Background(), 0, notice.Draft{Kind: notice.General, Title: "t", Body: "b", Email: true})
	if apperr.CodeOf(err) != apperr.Unavailable {
		t.Fatalf("error %v, want unavailable", err)
	}
	f.users(t, 1)
	if err := svc.PolicyChanged(context.Background(), policy.Privacy, store.PolicyVersion{Summary: "s"}); err != nil {
		t.Fatalf("a policy change without email still makes its banner: %v", err)
	}
	if ns, _ := f.db.ListNotices(context.Background(), 10); len(ns) != 1 || ns[0].Email {
		t.Errorf("notices %+v", ns)
	}
}
