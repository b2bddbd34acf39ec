package auth

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"log/slog"
	netmail "net/mail"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/audit"
	"github.com/medcode/medcode/internal/crypto"
	"github.com/medcode/medcode/internal/mail"
	"github.com/medcode/medcode/internal/policy"
	"github.com/medcode/medcode/internal/store"
)

// Mailer sends email. The server gives the job queue's mailer
// (internal/jobs), which queues the message for a job that sends it over
// SMTP (internal/mail) and retries while the server fails.
type Mailer interface {
	Send(ctx context.Context, m mail.Message) error
}

// Config holds the account rules.
type Config struct {
	MaxFailures int           // failed sign-ins before the account locks
	Lockout     time.Duration // how long it stays locked
	IPAttempts  int           // sign-in, sign-up and reset attempts per address per IPWindow
	IPWindow    time.Duration
	VerifyTTL   time.Duration // lifetime of an email-verification link
	ResetTTL    time.Duration // lifetime of a password-reset link
	BaseURL     string        // public URL the emailed links start with
	Issuer      string        // name shown in authenticator apps
}

// DefaultConfig is the configuration medcode ships with.
func DefaultConfig() Config {
	return Config{MaxFailures: 5, Lockout: 15 * time.Minute, IPAttempts: 30, IPWindow: 15 * time.Minute,
		VerifyTTL: 48 * time.Hour, ResetTTL: time.Hour, BaseURL: "http://127.0.0.1:8080", Issuer: "medcode"}
}

// Accounts is the account service. Its methods return apperr errors with
// messages fit to show to the user.
type Accounts struct {
	db    store.Store
	keys  *crypto.Keyring
	mail  Mailer // nil when no SMTP server is configured
	audit *audit.Log
	cfg   Config
	log   *slog.Logger
	// Consents checks and records the policies accepted at sign-up;
	// SignUp refuses to run without it.
	Consents Consents
	// Now is the clock; tests replace it.
	Now func() time.Time
}

// NewAccounts returns the service. mailer may be nil: then verification and
// reset emails are unavailable and say so. Sign-ins, failed sign-ins and
// account deletions go to the audit log.
func NewAccounts(db store.Store, keys *crypto.Keyring, mailer Mailer, log *audit.Log, cfg Config, logger *slog.Logger) *Accounts {
	return &Accounts{db: db, keys: keys, mail: mailer, audit: log, cfg: cfg, log: logger, Now: func() time.Time { return time.Now().UTC() }}
}

// MailEnabled reports whether emails can be sent.
func (a *Accounts) MailEnabled() bool { return a.mail != nil }

// NormalizeEmail validates an address and returns it lower-cased.
func NormalizeEmail(email string) (string, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	addr, err := netmail.ParseAddress(email)
	if err != nil || addr.Address != email || len(email) > 254 || !strings.Contains(email[strings.LastIndex(email, "@"):], ".") {
		return "", apperr.New(apperr.Invalid, "Enter a valid email address.")
	}
	return email, nil
}

// limitKey names a rate-limit counter without storing the address itself.
func limitKey(kind, value string) string {
	h := sha256.Sum256([]byte(value))
	return kind + ":" + hex.EncodeToString(h[:16])
}

func (a *Accounts) limitIP(ctx context.Context, kind, ip string) error {
	n, err := a.db.Hit(ctx, limitKey(kind, ip), a.cfg.IPWindow, a.Now())
	if err != nil {
		return err
	}
	if n > a.cfg.IPAttempts {
		return apperr.New(apperr.RateLimited, "Too many attempts from your network; try again in %d minutes.", int(a.cfg.IPWindow.Minutes()))
	}
	return nil
}

// Consents checks and records the policy versions a person accepts
// (internal/policy implements it).
type Consents interface {
	CheckCurrent(ctx context.Context, accepted map[policy.Document]string) error
	Accept(ctx context.Context, userID int64, accepted map[policy.Document]string) error
}

// SignUpRequest is what a person sends to create an account.
type SignUpRequest struct {
	Email    string
	Password string
	IP       string // the client address, for the rate limit only
	// Adult is the person's confirmation that they are 18 or older.
	Adult bool
	// Accepted names the versions of the terms and the privacy policy the
	// person read and accepts; they must be the current ones.
	Accepted map[policy.Document]string
}

// SignUp creates an account for a person who confirms being 18 or older
// and accepts the current terms and privacy policy, records both, and,
// when email is configured, sends the verification link.
func (a *Accounts) SignUp(ctx context.Context, req SignUpRequest) (*store.User, error) {
	if a.Consents == nil {
		return nil, fmt.Errorf("auth: sign-up needs the policy service (Accounts.Consents)")
	}
	if err := a.limitIP(ctx, "signup", req.IP); err != nil {
		return nil, err
	}
	if !req.Adult {
		return nil, apperr.New(apperr.Invalid, "medcode is for people 18 or older: confirm that you are.")
	}
	if err := a.Consents.CheckCurrent(ctx, req.Accepted); err != nil {
		return nil, err
	}
	email, err := NormalizeEmail(req.Email)
	if err != nil {
		return nil, err
	}
	if err := CheckPassword(req.Password, email); err != nil {
		return nil, err
	}
	hash, err := HashPassword(req.Password)
	if err != nil {
		return nil, err
	}
	u := &store.User{Email: email, PasswordHash: hash, Tier: store.TierFree, CreatedAt: a.Now()}
	if err := a.db.CreateUser(ctx, u); err != nil {
		return nil, err
	}
	if err := a.recordConsent(ctx, u.ID, req.Accepted); err != nil {
		// An account must not exist without its consent on record.
		if derr := a.db.DeleteUser(ctx, u.ID); derr != nil {
			a.log.Error("removing an account whose consent was not recorded", "user", u.ID, "err", derr)
		}
		return nil, err
	}
	a.log.Info("account created", "user", u.ID)
	if a.mail != nil {
		if err := a.SendVerification(ctx, u); err != nil {
			// The account exists; the profile page offers to resend.
			a.log.Warn("verification email not sent", "user", u.ID, "err", err)
		}
	}
	return u, nil
}

func (a *Accounts) recordConsent(ctx context.Context, userID int64, accepted map[policy.Document]string) error {
	if err := a.db.ConfirmAdult(ctx, userID, a.Now()); err != nil {
		return err
	}
	return a.Consents.Accept(ctx, userID, accepted)
}

// Authenticate checks email and password with per-address rate limits and
// per-account lockout. It does not check TOTP; see CheckTOTP.
func (a *Accounts) Authenticate(ctx context.Context, email, password, ip string) (*store.User, error) {
	if err := a.limitIP(ctx, "signin", ip); err != nil {
		return nil, err
	}
	bad := apperr.New(apperr.Unauthorized, "Email or password is incorrect.")
	u, err := a.db.UserByEmail(ctx, strings.TrimSpace(email))
	if apperr.Is(err, apperr.NotFound) {
		VerifyPassword(dummyHash, password) // same cost as a real check
		// The address is not recorded: it may be someone's mistyped secret.
		if err := a.audit.Record(ctx, audit.Event{Action: audit.SignInFailed, Details: map[string]any{"reason": "unknown account"}}); err != nil {
			return nil, err
		}
		return nil, bad
	}
	if err != nil {
		return nil, err
	}
	now := a.Now()
	if now.Before(u.LockedUntil) {
		if err := a.auditFailure(ctx, u, "locked"); err != nil {
			return nil, err
		}
		return nil, a.locked(u.LockedUntil)
	}
	ok, err := VerifyPassword(u.PasswordHash, password)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, a.failed(ctx, u, "password", bad)
	}
	if u.FailedLogins > 0 || !u.LockedUntil.IsZero() {
		if err := a.db.ResetLoginFailures(ctx, u.ID); err != nil {
			return nil, err
		}
	}
	return u, nil
}

func (a *Accounts) locked(until time.Time) error {
	return apperr.New(apperr.RateLimited, "Too many failed sign-ins: the account is locked until %s UTC.", until.UTC().Format("15:04"))
}

func (a *Accounts) auditFailure(ctx context.Context, u *store.User, reason string) error {
	return a.audit.Record(ctx, audit.Event{ActorID: u.ID, Action: audit.SignInFailed, Target: strconv.FormatInt(u.ID, 10),
		Details: map[string]any{"reason": reason}})
}

// failed counts and audits a failed attempt and returns the error to show.
func (a *Accounts) failed(ctx context.Context, u *store.User, reason string, bad error) error {
	if err := a.auditFailure(ctx, u, reason); err != nil {
		return err
	}
	until, err := a.db.RecordLoginFailure(ctx, u.ID, a.Now(), a.cfg.MaxFailures, a.cfg.Lockout)
	if err != nil {
		return err
	}
	if !until.IsZero() {
		a.log.Warn("account locked after failed sign-ins", "user", u.ID, "until", until)
		return a.locked(until)
	}
	return bad
}

// CheckTOTP verifies the second factor; a wrong code counts as a failure.
func (a *Accounts) CheckTOTP(ctx context.Context, u *store.User, code string) error {
	if !u.MFAEnabled() {
		return nil
	}
	if a.Now().Before(u.LockedUntil) {
		return a.locked(u.LockedUntil)
	}
	secret, err := a.keys.Open(u.TOTPSecret, totpAAD(u.ID))
	if err != nil {
		return fmt.Errorf("auth: opening TOTP secret of user %d: %w", u.ID, err)
	}
	if !ValidTOTP(string(secret), strings.TrimSpace(code), a.Now()) {
		return a.failed(ctx, u, "authentication code", apperr.New(apperr.Unauthorized, "The authentication code is not valid."))
	}
	return nil
}

func totpAAD(userID int64) []byte {
	return []byte("medcode/user/" + strconv.FormatInt(userID, 10) + "/totp")
}

// IssueAPIToken signs in with email, password and (when MFA is on) a TOTP
// code, and returns a new bearer token.
func (a *Accounts) IssueAPIToken(ctx context.Context, email, password, code, ip string) (string, error) {
	u, err := a.Authenticate(ctx, email, password, ip)
	if err != nil {
		return "", err
	}
	if u.MFAEnabled() && code == "" {
		return "", apperr.New(apperr.Unauthorized, "This account uses two-factor authentication: send the current code as \"totp\".")
	}
	if err := a.CheckTOTP(ctx, u, code); err != nil {
		return "", err
	}
	token, hash, err := NewToken("mct_")
	if err != nil {
		return "", err
	}
	if err := a.db.CreateAPIToken(ctx, &store.APIToken{UserID: u.ID, Name: "api", Hash: hash, CreatedAt: a.Now()}); err != nil {
		return "", err
	}
	a.log.Info("API token issued", "user", u.ID)
	return token, a.SignedIn(ctx, u, "api token")
}

// SignedIn audits a completed sign-in (password and, when on, the second
// factor), by the web form or for an API token.
func (a *Accounts) SignedIn(ctx context.Context, u *store.User, via string) error {
	return a.audit.Record(ctx, audit.Event{ActorID: u.ID, Action: audit.SignIn, Target: strconv.FormatInt(u.ID, 10),
		Details: map[string]any{"via": via}})
}

// UserByAPIToken returns the owner of a bearer token.
func (a *Accounts) UserByAPIToken(ctx context.Context, token string) (*store.User, error) {
	u, err := a.db.UserByAPIToken(ctx, HashToken(token), a.Now())
	if apperr.Is(err, apperr.NotFound) {
		return nil, apperr.New(apperr.Unauthorized, "The bearer token is not valid.")
	}
	return u, err
}

// User returns an account by id.
func (a *Accounts) User(ctx context.Context, id int64) (*store.User, error) {
	return a.db.UserByID(ctx, id)
}

func (a *Accounts) sendLink(ctx context.Context, u *store.User, kind store.OneTimeKind, ttl time.Duration, path, subject, body string) error {
	if a.mail == nil {
		return apperr.New(apperr.Unavailable, "This server has no email configured; ask its administrator.")
	}
	token, hash, err := NewToken("")
	if err != nil {
		return err
	}
	if err := a.db.CreateOneTimeToken(ctx, kind, hash, u.ID, a.Now().Add(ttl)); err != nil {
		return err
	}
	link := strings.TrimRight(a.cfg.BaseURL, "/") + path + "?token=" + token
	msg := mail.Message{To: u.Email, Subject: subject, Body: fmt.Sprintf(body, link, formatTTL(ttl))}
	if err := a.mail.Send(ctx, msg); err != nil {
		return &apperr.Error{Code: apperr.Unavailable, Message: "The email could not be sent; try again later.", Cause: err}
	}
	return nil
}

func formatTTL(d time.Duration) string {
	if d >= 2*time.Hour {
		return fmt.Sprintf("%d hours", int(d.Hours()))
	}
	return fmt.Sprintf("%d minutes", int(d.Minutes()))
}

// SendVerification emails a link that confirms the address.
func (a *Accounts) SendVerification(ctx context.Context, u *store.User) error {
	return a.sendLink(ctx, u, store.VerifyEmail, a.cfg.VerifyTTL, "/verify-email", "Confirm your medcode email address",
		"Open this link to confirm the email address of your medcode account:\n\n%s\n\nThe link works once and expires in %s. If you did not sign up, ignore this email.\n")
}

// VerifyEmail consumes a verification link.
func (a *Accounts) VerifyEmail(ctx context.Context, token string) error {
	id, err := a.db.ConsumeOneTimeToken(ctx, store.VerifyEmail, HashToken(token), a.Now())
	if apperr.Is(err, apperr.NotFound) {
		return apperr.New(apperr.Invalid, "This confirmation link is not valid any more; send a new one from your profile.")
	}
	if err != nil {
		return err
	}
	return a.db.SetEmailVerified(ctx, id, a.Now())
}

// RequestPasswordReset emails a reset link if the account exists. It says
// nothing about whether it does.
func (a *Accounts) RequestPasswordReset(ctx context.Context, email, ip string) error {
	if err := a.limitIP(ctx, "reset", ip); err != nil {
		return err
	}
	if a.mail == nil {
		return apperr.New(apperr.Unavailable, "This server has no email configured; ask its administrator to reset your password.")
	}
	u, err := a.db.UserByEmail(ctx, strings.TrimSpace(email))
	if apperr.Is(err, apperr.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return a.sendLink(ctx, u, store.ResetPassword, a.cfg.ResetTTL, "/password/reset", "Reset your medcode password",
		"Someone asked to reset the password of your medcode account. To choose a new password, open:\n\n%s\n\nThe link works once and expires in %s. If it was not you, ignore this email; your password is unchanged.\n")
}

// ResetPassword sets a new password from a reset link and signs the user
// out everywhere.
func (a *Accounts) ResetPassword(ctx context.Context, token, password string) error {
	// Check what can be checked before the link is used up, so a refused
	// password does not cost the user their link.
	if err := CheckPassword(password, ""); err != nil {
		return err
	}
	id, err := a.db.ConsumeOneTimeToken(ctx, store.ResetPassword, HashToken(token), a.Now())
	if apperr.Is(err, apperr.NotFound) {
		return apperr.New(apperr.Invalid, "This reset link is not valid any more; ask for a new one.")
	}
	if err != nil {
		return err
	}
	u, err := a.db.UserByID(ctx, id)
	if err != nil {
		return err
	}
	if err := a.setPassword(ctx, u, password, nil); err != nil {
		return err
	}
	// The link proved control of the mailbox, which also verifies it.
	if u.EmailVerifiedAt.IsZero() {
		if err := a.db.SetEmailVerified(ctx, u.ID, a.Now()); err != nil {
			return err
		}
	}
	return a.db.ResetLoginFailures(ctx, u.ID)
}

// ChangePassword replaces the password after checking the current one, and
// ends the user's other sessions (keep is the current session's hash).
func (a *Accounts) ChangePassword(ctx context.Context, u *store.User, current, next string, keep []byte) error {
	if err := a.ConfirmPassword(u, current); err != nil {
		return err
	}
	return a.setPassword(ctx, u, next, keep)
}

func (a *Accounts) setPassword(ctx context.Context, u *store.User, password string, keep []byte) error {
	if err := CheckPassword(password, u.Email); err != nil {
		return err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	if err := a.db.UpdatePassword(ctx, u.ID, hash); err != nil {
		return err
	}
	a.log.Info("password changed", "user", u.ID)
	return a.db.DeleteUserSessions(ctx, u.ID, keep)
}

// ConfirmPassword re-checks the password before a sensitive action.
func (a *Accounts) ConfirmPassword(u *store.User, password string) error {
	ok, err := VerifyPassword(u.PasswordHash, password)
	if err != nil {
		return err
	}
	if !ok {
		return apperr.New(apperr.Invalid, "The current password is not correct.")
	}
	return nil
}

// Profile field bounds.
const maxProfileField = 100

// UpdateProfile sets display name, organization and role.
func (a *Accounts) UpdateProfile(ctx context.Context, u *store.User, name, org, role string) error {
	fields := map[string]*string{"Display name": &name, "Organization": &org, "Role": &role}
	for label, v := range fields {
		*v = strings.TrimSpace(*v)
		if utf8.RuneCountInString(*v) > maxProfileField || !utf8.ValidString(*v) {
			return apperr.New(apperr.Invalid, "%s must be at most %d characters.", label, maxProfileField)
		}
	}
	return a.db.UpdateProfile(ctx, u.ID, name, org, role)
}

// BeginMFA makes a TOTP secret for u and returns it with the secret sealed
// for the confirmation form, so nothing is stored until the user proves
// their app works.
func (a *Accounts) BeginMFA(u *store.User) (*TOTPEnrollment, string, error) {
	enr, err := NewTOTP(a.cfg.Issuer, u.Email)
	if err != nil {
		return nil, "", err
	}
	sealed, err := a.keys.Seal([]byte(enr.Secret), totpAAD(u.ID))
	if err != nil {
		return nil, "", err
	}
	return enr, base64.RawURLEncoding.EncodeToString(sealed), nil
}

// EnableMFA stores the secret of BeginMFA once code matches it.
func (a *Accounts) EnableMFA(ctx context.Context, u *store.User, sealedSecret, code string) error {
	sealed, err := base64.RawURLEncoding.DecodeString(sealedSecret)
	if err != nil {
		return apperr.New(apperr.Invalid, "The setup form is damaged; start again.")
	}
	secret, err := a.keys.Open(sealed, totpAAD(u.ID))
	if err != nil {
		return apperr.New(apperr.Invalid, "The setup form is damaged; start again.")
	}
	if !ValidTOTP(string(secret), strings.TrimSpace(code), a.Now()) {
		return apperr.New(apperr.Invalid, "The code does not match; check your authenticator app's clock and try again.")
	}
	a.log.Info("two-factor authentication enabled", "user", u.ID)
	return a.db.SetTOTPSecret(ctx, u.ID, sealed)
}

// DisableMFA turns TOTP off after checking the password.
func (a *Accounts) DisableMFA(ctx context.Context, u *store.User, password string) error {
	if err := a.ConfirmPassword(u, password); err != nil {
		return err
	}
	a.log.Info("two-factor authentication disabled", "user", u.ID)
	return a.db.SetTOTPSecret(ctx, u.ID, nil)
}

// DeleteAccount removes the user and all their data, with the
// organizations where they are the only member. It refuses while they are
// the last owner of an organization others belong to. The audit log keeps
// the deletion (by id only).
func (a *Accounts) DeleteAccount(ctx context.Context, u *store.User) error {
	if err := a.db.DeleteUser(ctx, u.ID); err != nil {
		return err
	}
	a.log.Info("account deleted", "user", u.ID)
	return a.audit.Record(ctx, audit.Event{ActorID: u.ID, Action: audit.AccountDelete, Target: strconv.FormatInt(u.ID, 10)})
}

// SetTier changes a user's usage tier (medcode admin).
func (a *Accounts) SetTier(ctx context.Context, email string, tier store.Tier) (*store.User, error) {
	if !tier.Valid() {
		return nil, apperr.New(apperr.Invalid, "unknown tier %q (want free, pro or enterprise)", tier)
	}
	u, err := a.db.UserByEmail(ctx, strings.TrimSpace(email))
	if err != nil {
		return nil, err
	}
	if err := a.db.SetTier(ctx, u.ID, tier); err != nil {
		return nil, err
	}
	u.Tier = tier
	return u, nil
}

// ResealSecrets re-encrypts TOTP secrets under the active key after a key
// rotation and returns how many changed.
func (a *Accounts) ResealSecrets(ctx context.Context) (int, error) {
	users, err := a.db.UsersWithTOTP(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, u := range users {
		if id, err := crypto.KeyID(u.TOTPSecret); err == nil && id == a.keys.ActiveID() {
			continue
		}
		secret, err := a.keys.Open(u.TOTPSecret, totpAAD(u.ID))
		if err != nil {
			return n, fmt.Errorf("auth: TOTP secret of user %d: %w", u.ID, err)
		}
		sealed, err := a.keys.Seal(secret, totpAAD(u.ID))
		if err != nil {
			return n, err
		}
		if err := a.db.SetTOTPSecret(ctx, u.ID, sealed); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
