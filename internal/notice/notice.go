// Package notice is medcode's service notices: a site administrator writes
// one (maintenance, a new code-set release, a policy change), it shows as a
// banner while it is active, and, when chosen, goes to users by email. The
// emails go through the Mailer, which in the server is the job queue's:
// each email is a job, retried while the SMTP server is down, so writing a
// notice only queues. Non-essential notices go to users with a confirmed
// address who did not opt out, and carry a signed unsubscribe link.
package notice

import (
	"context"
	"encoding/base64"
	"fmt"
	"html/template"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/crypto"
	"github.com/medcode/medcode/internal/mail"
	"github.com/medcode/medcode/internal/markdown"
	"github.com/medcode/medcode/internal/policy"
	"github.com/medcode/medcode/internal/store"
)

// Mailer sends (in the server: queues) one email.
type Mailer interface {
	Send(ctx context.Context, m mail.Message) error
}

// Kind is what a notice is about.
type Kind string

// The notice kinds.
const (
	Maintenance Kind = "maintenance"
	CodeSet     Kind = "codeset"
	PolicyKind  Kind = "policy"
	General     Kind = "general"
)

// Kinds lists the kinds with their labels, in the order the form offers
// them.
var Kinds = []struct {
	Kind  Kind
	Label string
}{
	{Maintenance, "Maintenance"},
	{CodeSet, "New code-set release"},
	{PolicyKind, "Policy change"},
	{General, "General"},
}

// Label names a kind for people.
func (k Kind) Label() string {
	for _, x := range Kinds {
		if x.Kind == k {
			return x.Label
		}
	}
	return string(k)
}

// Essential reports whether notices of the kind go to every user without
// an unsubscribe link: a policy change concerns what users agreed to.
func (k Kind) Essential() bool { return k == PolicyKind }

func (k Kind) valid() bool {
	for _, x := range Kinds {
		if x.Kind == k {
			return true
		}
	}
	return false
}

// Limits of a notice.
const (
	maxTitle = 120
	maxBody  = 4000
	// emailBatch is how many recipients are read, queued and recorded at a
	// time.
	emailBatch = 200
	// policyNoticeDays is how long the banner of a policy change shows.
	policyNoticeDays = 30
)

// Config holds the notice settings.
type Config struct {
	BaseURL string // public URL the emailed links start with
}

// Service writes, shows and emails notices.
type Service struct {
	db   store.Store
	keys *crypto.Keyring
	mail Mailer // nil when no email is configured
	cfg  Config
	log  *slog.Logger
	// Now is the clock; tests replace it.
	Now func() time.Time
	// sending serialises the email runs of this instance, so a notice's
	// run and its resumption never overlap.
	sending sync.Mutex
}

// New returns the service; mailer may be nil.
func New(db store.Store, keys *crypto.Keyring, mailer Mailer, cfg Config, log *slog.Logger) *Service {
	return &Service{db: db, keys: keys, mail: mailer, cfg: cfg, log: log, Now: func() time.Time { return time.Now().UTC() }}
}

// Draft is a notice as the administrator writes it.
type Draft struct {
	Kind     Kind
	Title    string
	Body     string // Markdown (the subset of internal/markdown)
	StartsAt time.Time
	EndsAt   time.Time // zero: until ended
	Email    bool
}

// Publish validates d, stores it and, when d.Email, queues its emails.
// The notice is stored even when queueing fails part way; the admin page
// then offers to queue the rest.
func (s *Service) Publish(ctx context.Context, authorID int64, d Draft) (*store.Notice, error) {
	d.Title, d.Body = strings.TrimSpace(d.Title), strings.TrimSpace(d.Body)
	switch {
	case !d.Kind.valid():
		return nil, apperr.New(apperr.Invalid, "Choose what the notice is about.")
	case d.Title == "" || utf8.RuneCountInString(d.Title) > maxTitle:
		return nil, apperr.New(apperr.Invalid, "Give a title of at most %d characters.", maxTitle)
	case d.Body == "" || utf8.RuneCountInString(d.Body) > maxBody:
		return nil, apperr.New(apperr.Invalid, "Write the notice in at most %d characters.", maxBody)
	case !utf8.ValidString(d.Title + d.Body):
		return nil, apperr.New(apperr.Invalid, "The notice is not valid text.")
	case d.Email && s.mail == nil:
		return nil, apperr.New(apperr.Unavailable, "This server has no email configured; publish the notice without email.")
	}
	now := s.Now()
	if d.StartsAt.IsZero() || d.StartsAt.Before(now) {
		d.StartsAt = now
	}
	if !d.EndsAt.IsZero() && !d.EndsAt.After(d.StartsAt) {
		return nil, apperr.New(apperr.Invalid, "The notice must end after it starts.")
	}
	n := &store.Notice{Kind: string(d.Kind), Title: d.Title, Body: d.Body, Essential: d.Kind.Essential(), Email: d.Email,
		StartsAt: d.StartsAt, EndsAt: d.EndsAt, CreatedBy: authorID, CreatedAt: now}
	if err := s.db.CreateNotice(ctx, n); err != nil {
		return nil, err
	}
	s.log.Info("notice published", "notice", n.ID, "kind", n.Kind, "email", n.Email, "by", authorID)
	if n.Email {
		if err := s.SendEmails(ctx, n.ID); err != nil {
			return n, err
		}
	}
	return n, nil
}

// SendEmails queues the emails of a notice that are not queued yet: it
// picks up where an interrupted run stopped (the notice records the last
// user id reached) and does nothing once all are queued.
func (s *Service) SendEmails(ctx context.Context, id int64) error {
	if s.mail == nil {
		return apperr.New(apperr.Unavailable, "This server has no email configured.")
	}
	s.sending.Lock()
	defer s.sending.Unlock()
	n, err := s.db.Notice(ctx, id)
	if err != nil {
		return err
	}
	if !n.Email || !n.EmailedAt.IsZero() {
		return nil
	}
	after, queued := n.EmailedThrough, 0
	for {
		rs, err := s.db.NoticeRecipients(ctx, after, emailBatch, n.Essential)
		if err != nil {
			return err
		}
		if len(rs) == 0 {
			break
		}
		for _, r := range rs {
			msg, err := s.message(n, r)
			if err == nil {
				err = s.mail.Send(ctx, msg)
			}
			if err != nil {
				// Record the progress so that a retry starts at r.
				if rerr := s.db.RecordNoticeEmails(ctx, n.ID, after, time.Time{}); rerr != nil {
					s.log.Error("recording notice email progress", "notice", n.ID, "err", rerr)
				}
				return &apperr.Error{Code: apperr.Unavailable, Message: "Some emails could not be queued; try again from the notices page.",
					Cause: fmt.Errorf("notice: emailing notice %d to user %d: %w", n.ID, r.UserID, err)}
			}
			after = r.UserID
			queued++
		}
		if err := s.db.RecordNoticeEmails(ctx, n.ID, after, time.Time{}); err != nil {
			return err
		}
	}
	if err := s.db.RecordNoticeEmails(ctx, n.ID, after, s.Now()); err != nil {
		return err
	}
	s.log.Info("notice emails queued", "notice", n.ID, "emails", queued)
	return nil
}

// message is the email of notice n to r.
func (s *Service) message(n *store.Notice, r store.Recipient) (mail.Message, error) {
	base := strings.TrimRight(s.cfg.BaseURL, "/")
	var b strings.Builder
	b.WriteString(n.Title + "\n\n")
	b.WriteString(markdown.PlainText(n.Body, base) + "\n\n")
	b.WriteString("medcode: " + base + "/\n\n-- \n")
	if n.Essential {
		b.WriteString("This notice concerns the terms of your medcode account, so it goes to every account holder.\n")
	} else {
		token, err := s.UnsubscribeToken(r.UserID)
		if err != nil {
			return mail.Message{}, err
		}
		b.WriteString("You receive service notices because you have a medcode account at " + base + ".\n")
		b.WriteString("To stop them, open: " + base + "/unsubscribe?token=" + token + "\n")
	}
	return mail.Message{To: r.Email, Subject: "medcode: " + n.Title, Body: b.String()}, nil
}

// Banner is an active notice as a page shows it.
type Banner struct {
	ID    int64
	Kind  Kind
	Title string
	Body  template.HTML
}

// Active returns the banners to show to userID (0 for a visitor). A
// policy change speaks to account holders, so visitors do not see it.
func (s *Service) Active(ctx context.Context, userID int64) ([]Banner, error) {
	ns, err := s.db.ActiveNotices(ctx, userID, s.Now())
	if err != nil {
		return nil, err
	}
	out := make([]Banner, 0, len(ns))
	for _, n := range ns {
		if userID == 0 && Kind(n.Kind) == PolicyKind {
			continue
		}
		out = append(out, Banner{ID: n.ID, Kind: Kind(n.Kind), Title: n.Title, Body: markdown.Render(n.Body)})
	}
	return out, nil
}

// Dismiss hides a notice from a user.
func (s *Service) Dismiss(ctx context.Context, userID, noticeID int64) error {
	return s.db.DismissNotice(ctx, userID, noticeID)
}

// End stops showing a notice now.
func (s *Service) End(ctx context.Context, id int64) error {
	if err := s.db.EndNotice(ctx, id, s.Now()); err != nil {
		return err
	}
	s.log.Info("notice ended", "notice", id)
	return nil
}

// List returns the newest notices first, for the administrator.
func (s *Service) List(ctx context.Context) ([]store.Notice, error) {
	return s.db.ListNotices(ctx, 100)
}

// PolicyChanged publishes the notice of a material policy version: a
// banner for policyNoticeDays and an email to every user (implements
// policy.Notifier).
func (s *Service) PolicyChanged(ctx context.Context, doc policy.Document, v store.PolicyVersion) error {
	now := s.Now()
	body := v.Summary + "\n\nRead [the new version](" + doc.Path() + "). medcode asks you to accept it before your next analysis; " +
		"if you do not agree, you may [export your data](/profile#your-data) and [delete your account](/account/delete)."
	n := &store.Notice{Kind: string(PolicyKind), Title: "We changed our " + doc.Title(), Body: body, Essential: true,
		Email: s.mail != nil, StartsAt: now, EndsAt: now.AddDate(0, 0, policyNoticeDays), CreatedAt: now}
	if err := s.db.CreateNotice(ctx, n); err != nil {
		return err
	}
	s.log.Info("policy change notice published", "notice", n.ID, "document", doc, "version", v.Version, "email", n.Email)
	if !n.Email {
		return nil
	}
	return s.SendEmails(ctx, n.ID)
}

// unsubscribeAAD binds the token to its purpose.
var unsubscribeAAD = []byte("medcode/unsubscribe/notices")

// UnsubscribeToken is the signed token of a user's unsubscribe link: the
// user id sealed with the server's keyring (AES-GCM authenticates it, so a
// token cannot be forged or altered without the key; it stays valid
// through key rotations while the old key is kept).
func (s *Service) UnsubscribeToken(userID int64) (string, error) {
	sealed, err := s.keys.Seal([]byte(strconv.FormatInt(userID, 10)), unsubscribeAAD)
	if err != nil {
		return "", fmt.Errorf("notice: unsubscribe token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(sealed), nil
}

// Unsubscribe turns off the notice emails of the token's user and returns
// the user id.
func (s *Service) Unsubscribe(ctx context.Context, token string) (int64, error) {
	bad := apperr.New(apperr.Invalid, "This unsubscribe link is not valid. Turn notice emails off on your profile instead.")
	sealed, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(token) > 512 {
		return 0, bad
	}
	plain, err := s.keys.Open(sealed, unsubscribeAAD)
	if err != nil {
		return 0, bad
	}
	userID, err := strconv.ParseInt(string(plain), 10, 64)
	if err != nil {
		return 0, bad
	}
	if err := s.db.SetNoticeOptOut(ctx, userID, true, s.Now()); err != nil {
		if _, uerr := s.db.UserByID(ctx, userID); apperr.Is(uerr, apperr.NotFound) {
			return 0, apperr.New(apperr.NotFound, "This account no longer exists.")
		}
		return 0, err
	}
	s.log.Info("notice emails turned off by link", "user", userID)
	return userID, nil
}

// SetEmails turns a user's notice emails on or off.
func (s *Service) SetEmails(ctx context.Context, userID int64, on bool) error {
	return s.db.SetNoticeOptOut(ctx, userID, !on, s.Now())
}

// EmailsOn reports whether the user receives non-essential notice emails.
func (s *Service) EmailsOn(ctx context.Context, userID int64) (bool, error) {
	at, err := s.db.NoticeOptOut(ctx, userID)
	return at.IsZero(), err
}
