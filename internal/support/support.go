// Package support is medcode's support desk: a user sends a question or
// feedback, sees the replies and answers back; the site administrators
// work a queue of the threads waiting for them. Feedback on a result names
// the analysis by its id; the note is never attached outside BAA mode, and
// outside BAA mode a message must hold no patient identifiers: the PHI
// detector checks each one, as it checks notes. In BAA mode the user may
// attach the note to feedback (the browser holds it; the server never
// kept it). Subjects and messages are sealed at rest with the server's
// keyring, bound to the user they belong to. Emails say only that there is
// something to read, with a link; the text stays in the app.
package support

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/crypto"
	"github.com/medcode/medcode/internal/mail"
	"github.com/medcode/medcode/internal/phi"
	"github.com/medcode/medcode/internal/store"
)

// Mailer sends (in the server: queues) one email.
type Mailer interface {
	Send(ctx context.Context, m mail.Message) error
}

// Limits of a message, and of how many messages a user sends.
const (
	maxSubject = 120
	maxBody    = 5000
	queueLimit = 200
	perHour    = 30
)

// Config holds the support settings.
type Config struct {
	BaseURL string // public URL the emailed links start with
	// BAA reports whether the user works under a Business Associate
	// Agreement; nil means never.
	BAA          func(ctx context.Context, u *store.User) bool
	MaxNoteBytes int // the largest note that may be attached
}

// Service runs the support desk.
type Service struct {
	db   store.Store
	keys *crypto.Keyring
	phi  *phi.Detector // nil: the default detector
	mail Mailer        // nil: no email notifications
	cfg  Config
	log  *slog.Logger
	// Now is the clock; tests replace it.
	Now func() time.Time
}

// New returns the service; detector and mailer may be nil.
func New(db store.Store, keys *crypto.Keyring, detector *phi.Detector, mailer Mailer, cfg Config, log *slog.Logger) *Service {
	return &Service{db: db, keys: keys, phi: detector, mail: mailer, cfg: cfg, log: log, Now: func() time.Time { return time.Now().UTC() }}
}

// analysisID matches medcode's own analysis ids, which users quote to
// name a result; the detector would take their hex digits for a record
// number.
var analysisID = regexp.MustCompile(`\ban_[0-9a-f]{24}\b`)

// scan finds the identifiers in text, ignoring analysis ids.
func (s *Service) scan(text string) []phi.Span {
	text = analysisID.ReplaceAllStringFunc(text, func(id string) string { return strings.Repeat(" ", len(id)) })
	if s.phi == nil {
		return phi.Scan(text)
	}
	return s.phi.Scan(text)
}

// Thread is a thread opened for reading: subject and messages in clear.
type Thread struct {
	ID         int64
	UserID     int64
	Kind       store.SupportKind
	AnalysisID string
	Subject    string
	Status     store.SupportStatus
	CreatedAt  time.Time
	UpdatedAt  time.Time
	Messages   []Message // nil in lists
	Count      int       // number of messages
}

// Message is one message in clear.
type Message struct {
	Staff     bool
	Body      string
	CreatedAt time.Time
}

// Draft is what a user writes to open a thread.
type Draft struct {
	Kind    store.SupportKind
	Subject string
	Body    string
}

func aad(userID int64) []byte { return []byte("medcode/support/user/" + strconv.FormatInt(userID, 10)) }

// BAAMode reports whether u may send identifiers and attach notes.
func (s *Service) BAAMode(ctx context.Context, u *store.User) bool {
	return s.cfg.BAA != nil && s.cfg.BAA(ctx, u)
}

// limit refuses a user's message beyond perHour in the hour, so the queue
// and the administrators' mailboxes cannot be flooded.
func (s *Service) limit(ctx context.Context, u *store.User) error {
	n, err := s.db.Hit(ctx, "support:"+strconv.FormatInt(u.ID, 10), time.Hour, s.Now())
	if err != nil {
		return err
	}
	if n > perHour {
		return apperr.New(apperr.RateLimited, "You sent %d messages in the last hour; write again later.", perHour)
	}
	return nil
}

// check validates a message body; outside BAA mode it must hold no
// identifiers.
func (s *Service) check(body string, baa bool) (string, error) {
	body = strings.TrimSpace(strings.ReplaceAll(body, "\r\n", "\n"))
	if body == "" {
		return "", apperr.New(apperr.Invalid, "Write a message.")
	}
	if !utf8.ValidString(body) || utf8.RuneCountInString(body) > maxBody {
		return "", apperr.New(apperr.Invalid, "Keep the message under %d characters; support cannot take notes, only a description of the problem.", maxBody)
	}
	if spans := s.scan(body); len(spans) > 0 && !baa {
		return "", apperr.New(apperr.PHIFound, "The message appears to contain patient identifiers (%d found, e.g. a %s). Support messages must not hold "+
			"patient information: describe the problem without it, and name a result by its analysis id.", len(spans), spans[0].Type)
	}
	return body, nil
}

// Open starts a thread for u.
func (s *Service) Open(ctx context.Context, u *store.User, d Draft) (*Thread, error) {
	return s.open(ctx, u, d, s.BAAMode(ctx, u), "", "")
}

// Feedback starts a feedback thread about one of the scope's analyses;
// the thread names the analysis by id. baa says whether the workspace of
// the analysis works under a BAA: only then may note, the note's text, be
// given; it is stored, sealed, as a message of its own.
func (s *Service) Feedback(ctx context.Context, u *store.User, scope store.Scope, baa bool, analysisID, body, note string) (*Thread, error) {
	if _, err := s.db.Analysis(ctx, scope, analysisID); err != nil {
		return nil, err
	}
	if note != "" {
		if !baa {
			return nil, apperr.New(apperr.Forbidden, "A note can be attached to feedback only in BAA mode; describe the problem instead.")
		}
		if len(note) > s.cfg.MaxNoteBytes || !utf8.ValidString(note) {
			return nil, apperr.New(apperr.TooLarge, "The note is larger than %d bytes or not valid text.", s.cfg.MaxNoteBytes)
		}
	}
	return s.open(ctx, u, Draft{Kind: store.SupportFeedback, Subject: "Feedback on analysis " + analysisID, Body: body}, baa, analysisID, note)
}

// attachedNote starts the message that carries an attached note.
const attachedNote = "Note attached under the BAA:\n\n"

func (s *Service) open(ctx context.Context, u *store.User, d Draft, baa bool, analysisID, note string) (*Thread, error) {
	if d.Kind != store.SupportQuestion && d.Kind != store.SupportFeedback {
		return nil, apperr.New(apperr.Invalid, "Choose a question or feedback.")
	}
	if err := s.limit(ctx, u); err != nil {
		return nil, err
	}
	subject := strings.TrimSpace(d.Subject)
	if subject == "" || utf8.RuneCountInString(subject) > maxSubject || !utf8.ValidString(subject) || strings.ContainsAny(subject, "\r\n") {
		return nil, apperr.New(apperr.Invalid, "Give a subject of at most %d characters on one line.", maxSubject)
	}
	if spans := s.scan(subject); len(spans) > 0 && !baa {
		return nil, apperr.New(apperr.PHIFound, "The subject appears to contain patient identifiers; remove them.")
	}
	body, err := s.check(d.Body, baa)
	if err != nil {
		return nil, err
	}
	sealedSubject, err := s.keys.Seal([]byte(subject), aad(u.ID))
	if err != nil {
		return nil, err
	}
	sealedBody, err := s.keys.Seal([]byte(body), aad(u.ID))
	if err != nil {
		return nil, err
	}
	now := s.Now()
	t := &store.SupportThread{UserID: u.ID, Kind: d.Kind, AnalysisID: analysisID, Subject: sealedSubject, KeyID: s.keys.ActiveID(),
		Status: store.SupportOpen, CreatedAt: now}
	if err := s.db.CreateSupportThread(ctx, t, &store.SupportMessage{AuthorID: u.ID, Body: sealedBody, KeyID: s.keys.ActiveID(), CreatedAt: now}); err != nil {
		return nil, err
	}
	count := 1
	if note != "" {
		sealedNote, err := s.keys.Seal([]byte(attachedNote+note), aad(u.ID))
		if err != nil {
			return nil, err
		}
		if err := s.db.AddSupportMessage(ctx, &store.SupportMessage{ThreadID: t.ID, AuthorID: u.ID, Body: sealedNote,
			KeyID: s.keys.ActiveID(), CreatedAt: now}, store.SupportOpen); err != nil {
			return nil, err
		}
		count++
	}
	s.log.Info("support thread opened", "thread", t.ID, "user", u.ID, "kind", t.Kind, "analysis", analysisID, "note_attached", note != "")
	s.tellStaff(ctx, t.ID)
	return &Thread{ID: t.ID, UserID: u.ID, Kind: t.Kind, AnalysisID: analysisID, Subject: subject, Status: t.Status,
		CreatedAt: now, UpdatedAt: now, Count: count}, nil
}

// Reply adds the user's message to their thread; it waits for the staff
// again.
func (s *Service) Reply(ctx context.Context, u *store.User, threadID int64, body string) error {
	t, err := s.db.UserSupportThread(ctx, u.ID, threadID)
	if err != nil {
		return err
	}
	if err := s.limit(ctx, u); err != nil {
		return err
	}
	if err := s.add(ctx, t, u.ID, false, body, store.SupportOpen); err != nil {
		return err
	}
	s.tellStaff(ctx, t.ID)
	return nil
}

// StaffReply adds an administrator's answer and emails the user a link.
func (s *Service) StaffReply(ctx context.Context, staff *store.User, threadID int64, body string) error {
	t, err := s.db.SupportThread(ctx, threadID)
	if err != nil {
		return err
	}
	if err := s.add(ctx, t, staff.ID, true, body, store.SupportAnswered); err != nil {
		return err
	}
	owner, err := s.db.UserByID(ctx, t.UserID)
	if err != nil {
		return err
	}
	s.notify(ctx, owner.Email, "medcode support replied to your message",
		"There is a reply to your support message #"+strconv.FormatInt(t.ID, 10)+". Read it in medcode:\n\n"+s.link("/support/", t.ID)+"\n")
	return nil
}

func (s *Service) add(ctx context.Context, t *store.SupportThread, authorID int64, staff bool, body string, status store.SupportStatus) error {
	if t.Status == store.SupportClosed && !staff {
		return apperr.New(apperr.Conflict, "This conversation is closed; start a new one.")
	}
	// The staff answers in the mode of the user's thread: identifiers a
	// user under a BAA sent may be quoted back.
	owner, err := s.db.UserByID(ctx, t.UserID)
	if err != nil {
		return err
	}
	body, err = s.check(body, s.BAAMode(ctx, owner))
	if err != nil {
		return err
	}
	sealed, err := s.keys.Seal([]byte(body), aad(t.UserID))
	if err != nil {
		return err
	}
	m := &store.SupportMessage{ThreadID: t.ID, AuthorID: authorID, Staff: staff, Body: sealed, KeyID: s.keys.ActiveID(), CreatedAt: s.Now()}
	if err := s.db.AddSupportMessage(ctx, m, status); err != nil {
		return err
	}
	s.log.Info("support message added", "thread", t.ID, "author", authorID, "staff", staff)
	return nil
}

// Close ends a thread of u.
func (s *Service) Close(ctx context.Context, u *store.User, threadID int64) error {
	if _, err := s.db.UserSupportThread(ctx, u.ID, threadID); err != nil {
		return err
	}
	return s.db.SetSupportStatus(ctx, threadID, store.SupportClosed, s.Now())
}

// StaffClose ends any thread.
func (s *Service) StaffClose(ctx context.Context, threadID int64) error {
	return s.db.SetSupportStatus(ctx, threadID, store.SupportClosed, s.Now())
}

// Threads lists u's threads, latest activity first.
func (s *Service) Threads(ctx context.Context, u *store.User) ([]Thread, error) {
	ts, err := s.db.UserSupportThreads(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	return s.openAll(ts)
}

// Thread returns one of u's threads with its messages.
func (s *Service) Thread(ctx context.Context, u *store.User, id int64) (*Thread, error) {
	t, err := s.db.UserSupportThread(ctx, u.ID, id)
	if err != nil {
		return nil, err
	}
	return s.withMessages(ctx, t)
}

// StaffThread returns any thread with its messages.
func (s *Service) StaffThread(ctx context.Context, id int64) (*Thread, error) {
	t, err := s.db.SupportThread(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.withMessages(ctx, t)
}

// Queue lists the threads with status, longest waiting first.
func (s *Service) Queue(ctx context.Context, status store.SupportStatus) ([]Thread, error) {
	ts, err := s.db.SupportQueue(ctx, status, queueLimit)
	if err != nil {
		return nil, err
	}
	return s.openAll(ts)
}

func (s *Service) openAll(ts []store.SupportThread) ([]Thread, error) {
	out := make([]Thread, 0, len(ts))
	for i := range ts {
		t, err := s.openThread(&ts[i])
		if err != nil {
			return nil, err
		}
		out = append(out, *t)
	}
	return out, nil
}

func (s *Service) openThread(t *store.SupportThread) (*Thread, error) {
	subject, err := s.keys.Open(t.Subject, aad(t.UserID))
	if err != nil {
		return nil, fmt.Errorf("support: opening the subject of thread %d: %w", t.ID, err)
	}
	return &Thread{ID: t.ID, UserID: t.UserID, Kind: t.Kind, AnalysisID: t.AnalysisID, Subject: string(subject), Status: t.Status,
		CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt, Count: t.Messages}, nil
}

func (s *Service) withMessages(ctx context.Context, st *store.SupportThread) (*Thread, error) {
	t, err := s.openThread(st)
	if err != nil {
		return nil, err
	}
	ms, err := s.db.SupportMessages(ctx, st.ID)
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		body, err := s.keys.Open(m.Body, aad(st.UserID))
		if err != nil {
			return nil, fmt.Errorf("support: opening message %d: %w", m.ID, err)
		}
		t.Messages = append(t.Messages, Message{Staff: m.Staff, Body: string(body), CreatedAt: m.CreatedAt})
	}
	return t, nil
}

// Reseal re-encrypts subjects and messages under the active key after a
// key rotation and returns how many changed.
func (s *Service) Reseal(ctx context.Context) (int, error) {
	return s.db.ResealSupport(ctx, s.keys.ActiveID(), func(userID int64, blob []byte) ([]byte, error) {
		plain, err := s.keys.Open(blob, aad(userID))
		if err != nil {
			return nil, fmt.Errorf("support: opening a message of user %d: %w", userID, err)
		}
		return s.keys.Seal(plain, aad(userID))
	})
}

// tellStaff emails every site administrator that a thread waits for them.
// A failure is logged, not returned: the message is stored and the queue
// page shows it.
func (s *Service) tellStaff(ctx context.Context, threadID int64) {
	if s.mail == nil {
		return
	}
	admins, err := s.db.SiteAdmins(ctx)
	if err != nil {
		s.log.Warn("listing site administrators", "err", err)
		return
	}
	for _, a := range admins {
		s.notify(ctx, a.Email, "medcode support: a message is waiting",
			"Support thread #"+strconv.FormatInt(threadID, 10)+" waits for an answer:\n\n"+s.link("/admin/support/", threadID)+"\n")
	}
}

func (s *Service) notify(ctx context.Context, to, subject, body string) {
	if s.mail == nil {
		return
	}
	if err := s.mail.Send(ctx, mail.Message{To: to, Subject: subject, Body: body}); err != nil {
		s.log.Warn("support email not queued", "subject", subject, "err", err)
	}
}

func (s *Service) link(path string, id int64) string {
	return strings.TrimRight(s.cfg.BaseURL, "/") + path + strconv.FormatInt(id, 10)
}
