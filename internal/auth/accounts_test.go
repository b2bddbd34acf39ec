package auth

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/pquerna/otp/totp"

	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/audit"
	"github.com/medcode/medcode/internal/crypto"
	"github.com/medcode/medcode/internal/mail"
	"github.com/medcode/medcode/internal/policy"
	"github.com/medcode/medcode/internal/store"
	"github.com/medcode/medcode/internal/store/sqlite"
)

const goodPassword = "tulip-Granite-49-orbit"

// outbox records sent messages in place of SMTP (the SMTP client itself is
// tested against a real server in internal/mail).
type outbox struct{ sent []mail.Message }

func (o *outbox) Send(_ context.Context, m mail.Message) error {
	o.sent = append(o.sent, m)
	return nil
}

func (o *outbox) lastLink(t *testing.T) string {
	t.Helper()
	return o.linkIn(t, len(o.sent)-1)
}

// linkIn returns the token of the link in the i-th message sent.
func (o *outbox) linkIn(t *testing.T, i int) string {
	t.Helper()
	if i < 0 || i >= len(o.sent) {
		t.Fatalf("no email %d (%d sent)", i, len(o.sent))
	}
	m := regexp.MustCompile(`https?://\S+token=(\S+)`).FindStringSubmatch(o.sent[i].Body)
	if m == nil {
		t.Fatalf("no link in %q", o.sent[i].Body)
	}
	return m[1]
}

type fixture struct {
	acc      *Accounts
	policies *policy.Service
	db       *sqlite.DB
	mail     *outbox
	now      time.Time
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
	f := &fixture{db: db, mail: &outbox{}, now: time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)}
	cfg := DefaultConfig()
	cfg.IPAttempts = 8
	f.acc = NewAccounts(db, keys, f.mail, audit.New(db), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	f.acc.Now = func() time.Time { return f.now }
	f.policies = policy.New(db, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	f.policies.Now = func() time.Time { return f.now }
	files, err := policy.Load(nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.policies.Publish(ctx, files); err != nil {
		t.Fatal(err)
	}
	f.acc.Consents = f.policies
	return f
}

// request is a sign-up by an adult accepting the current policies.
func (f *fixture) request(t *testing.T, email, password string) SignUpRequest {
	return SignUpRequest{Email: email, Password: password, IP: "10.0.0.1", Adult: true, Accepted: f.current(t)}
}

func (f *fixture) current(t *testing.T) map[policy.Document]string {
	t.Helper()
	current, err := f.policies.Current(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[policy.Document]string{}
	for doc, v := range current {
		out[doc] = v.Version
	}
	return out
}

func TestSignUp(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	tests := []struct {
		name, email, password string
		code                  apperr.Code
	}{
		{"ok", " Ann@Example.org ", goodPassword, ""},
		{"taken", "ann@example.org", goodPassword, apperr.Conflict},
		{"bad email", "ann@", goodPassword, apperr.Invalid},
		{"display-name email", "Ann <ann2@example.org>", goodPassword, apperr.Invalid},
		{"weak password", "bob@example.org", "Password2024!", apperr.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := f.acc.SignUp(ctx, f.request(t, tt.email, tt.password))
			if apperr.CodeOf(err) != tt.code {
				t.Fatalf("err = %v, want code %q", err, tt.code)
			}
			if tt.code == "" && (u.Email != "ann@example.org" || u.Tier != store.TierFree) {
				t.Fatalf("user = %+v", u)
			}
		})
	}
	if len(f.mail.sent) != 1 || f.mail.sent[0].To != "ann@example.org" {
		t.Fatalf("verification emails: %+v", f.mail.sent)
	}
	token := f.mail.lastLink(t)
	if err := f.acc.VerifyEmail(ctx, token); err != nil {
		t.Fatal(err)
	}
	if u, _ := f.db.UserByEmail(ctx, "ann@example.org"); u.EmailVerifiedAt.IsZero() {
		t.Fatal("email not verified")
	}
	if err := f.acc.VerifyEmail(ctx, token); apperr.CodeOf(err) != apperr.Invalid {
		t.Fatalf("link used twice: %v", err)
	}
}

func TestAuthenticateLockout(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.acc.SignUp(ctx, f.request(t, "ann@example.org", goodPassword)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.acc.Authenticate(ctx, "nobody@example.org", goodPassword, "10.0.0.2"); apperr.CodeOf(err) != apperr.Unauthorized {
		t.Fatalf("unknown email: %v", err)
	}
	for i := 1; i < f.acc.cfg.MaxFailures; i++ {
		if _, err := f.acc.Authenticate(ctx, "ann@example.org", "wrong password!", "10.0.0.2"); apperr.CodeOf(err) != apperr.Unauthorized {
			t.Fatalf("failure %d: %v", i, err)
		}
	}
	_, err := f.acc.Authenticate(ctx, "ann@example.org", "wrong password!", "10.0.0.3")
	if apperr.CodeOf(err) != apperr.RateLimited || !strings.Contains(apperr.MessageOf(err), "locked until") {
		t.Fatalf("lockout: %v", err)
	}
	if _, err := f.acc.Authenticate(ctx, "ann@example.org", goodPassword, "10.0.0.3"); apperr.CodeOf(err) != apperr.RateLimited {
		t.Fatalf("right password during lockout: %v", err)
	}
	f.now = f.now.Add(f.acc.cfg.Lockout + time.Second)
	u, err := f.acc.Authenticate(ctx, "ANN@example.org", goodPassword, "10.0.0.3")
	if err != nil || u.Email != "ann@example.org" {
		t.Fatalf("after lockout: %v", err)
	}
	want := `signin.failed {"reason":"unknown account"}` + strings.Repeat(` signin.failed {"reason":"password"}`, f.acc.cfg.MaxFailures) +
		` signin.failed {"reason":"locked"}`
	if got := f.audited(t); got != want {
		t.Fatalf("audit log:\n%s\nwant\n%s", got, want)
	}
}

// audited lists the audit log as "action details" entries.
func (f *fixture) audited(t *testing.T) string {
	t.Helper()
	var out []string
	err := f.db.EachAudit(context.Background(), func(e *store.AuditEntry) error {
		out = append(out, strings.TrimSpace(e.Action+" "+e.Details))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(out, " ")
}

func TestAddressRateLimit(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	var err error
	for range f.acc.cfg.IPAttempts + 1 {
		_, err = f.acc.Authenticate(ctx, "x@example.org", "whatever password", "192.0.2.9")
	}
	if apperr.CodeOf(err) != apperr.RateLimited {
		t.Fatalf("attempt %d from one address: %v", f.acc.cfg.IPAttempts+1, err)
	}
	if _, err := f.acc.Authenticate(ctx, "x@example.org", "whatever password", "192.0.2.10"); apperr.CodeOf(err) != apperr.Unauthorized {
		t.Fatalf("other address limited too: %v", err)
	}
}

func TestMFAAndAPIToken(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	u, err := f.acc.SignUp(ctx, f.request(t, "ann@example.org", goodPassword))
	if err != nil {
		t.Fatal(err)
	}
	enr, sealed, err := f.acc.BeginMFA(u)
	if err != nil || !strings.HasPrefix(enr.QRDataURL, "data:image/png;base64,") || !strings.HasPrefix(enr.URL, "otpauth://totp/") {
		t.Fatalf("BeginMFA = %+v, %v", enr, err)
	}
	if err := f.acc.EnableMFA(ctx, u, sealed, "000000"); apperr.CodeOf(err) != apperr.Invalid {
		t.Fatalf("wrong setup code accepted: %v", err)
	}
	code, _ := totp.GenerateCode(enr.Secret, f.now)
	if err := f.acc.EnableMFA(ctx, u, sealed, code); err != nil {
		t.Fatal(err)
	}
	if _, err := f.acc.IssueAPIToken(ctx, "ann@example.org", goodPassword, "", "10.0.0.1"); apperr.CodeOf(err) != apperr.Unauthorized {
		t.Fatalf("token without TOTP: %v", err)
	}
	token, err := f.acc.IssueAPIToken(ctx, "ann@example.org", goodPassword, code, "10.0.0.1")
	if err != nil || !strings.HasPrefix(token, "mct_") {
		t.Fatalf("IssueAPIToken = %q, %v", token, err)
	}
	got, err := f.acc.UserByAPIToken(ctx, token)
	if err != nil || got.ID != u.ID {
		t.Fatalf("UserByAPIToken = %+v, %v", got, err)
	}
	if _, err := f.acc.UserByAPIToken(ctx, token+"x"); apperr.CodeOf(err) != apperr.Unauthorized {
		t.Fatalf("bad token: %v", err)
	}
	u, _ = f.acc.User(ctx, u.ID)
	if err := f.acc.DisableMFA(ctx, u, "not my password"); apperr.CodeOf(err) != apperr.Invalid {
		t.Fatalf("DisableMFA with a wrong password: %v", err)
	}
	if err := f.acc.DisableMFA(ctx, u, goodPassword); err != nil {
		t.Fatal(err)
	}
	if got := f.audited(t); got != `signin {"via":"api token"}` {
		t.Fatalf("audit log: %s", got)
	}
}

func TestPasswordResetEndsSessions(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	u, err := f.acc.SignUp(ctx, f.request(t, "ann@example.org", goodPassword))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.db.CommitSession(ctx, []byte("s1"), u.ID, []byte("d"), f.now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := f.acc.RequestPasswordReset(ctx, "nobody@example.org", "10.0.0.1"); err != nil {
		t.Fatalf("unknown email must look like success: %v", err)
	}
	sentBefore := len(f.mail.sent)
	if err := f.acc.RequestPasswordReset(ctx, "ann@example.org", "10.0.0.1"); err != nil {
		t.Fatal(err)
	}
	if len(f.mail.sent) != sentBefore+1 {
		t.Fatal("no reset email")
	}
	token := f.mail.lastLink(t)
	if err := f.acc.ResetPassword(ctx, token, "short"); apperr.CodeOf(err) != apperr.Invalid {
		t.Fatalf("weak new password: %v", err)
	}
	// A refused password leaves the link usable.
	if err := f.acc.ResetPassword(ctx, token, "new-Quartz-harbor-17"); err != nil {
		t.Fatal(err)
	}
	if err := f.acc.ResetPassword(ctx, token, "other-Quartz-harbor-18"); apperr.CodeOf(err) != apperr.Invalid {
		t.Fatalf("reset link used twice: %v", err)
	}
	if _, found, _ := f.db.FindSession(ctx, []byte("s1"), f.now); found {
		t.Fatal("session survived the password reset")
	}
	if _, err := f.acc.Authenticate(ctx, "ann@example.org", "new-Quartz-harbor-17", "10.0.0.1"); err != nil {
		t.Fatal(err)
	}
}

func TestSessionStoreRecordsOwner(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	u, err := f.acc.SignUp(ctx, f.request(t, "ann@example.org", goodPassword))
	if err != nil {
		t.Fatal(err)
	}
	codec := scs.GobCodec{}
	ss := NewSessionStore(f.db, codec, func() time.Time { return f.now })
	b, _ := codec.Encode(f.now.Add(time.Hour), map[string]any{SessionUserID: u.ID})
	if err := ss.Commit("tok", b, f.now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got, found, err := ss.Find("tok"); err != nil || !found || string(got) != string(b) {
		t.Fatalf("Find = %v, %v", found, err)
	}
	// The row is keyed by the hash, never the token, and carries the owner.
	if _, found, _ := f.db.FindSession(ctx, []byte("tok"), f.now); found {
		t.Fatal("session stored under the raw token")
	}
	if err := f.db.DeleteUserSessions(ctx, u.ID, nil); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := ss.Find("tok"); found {
		t.Fatal("session not linked to its user")
	}
	if err := ss.Commit("bad", []byte("not gob"), f.now.Add(time.Hour)); err == nil {
		t.Fatal("undecodable session data accepted")
	}
}
