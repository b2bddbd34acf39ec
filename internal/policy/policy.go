// Package policy publishes medcode's versioned terms of service and privacy
// policy and keeps each user's acceptances. The operator's Markdown files
// (or the defaults in /policies) are published into the database, which
// keeps the text of every version; what a user accepted is recorded as
// (user, document, version, time). A material version must be accepted
// before the user analyses again: the web app shows the notice at the next
// sign-in, and a Notifier tells every user by email.
package policy

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/markdown"
	"github.com/medcode/medcode/internal/store"
	"github.com/medcode/medcode/policies"
)

// Notifier tells users that a material version was published
// (internal/notice implements it: a banner and an email to every user).
type Notifier interface {
	PolicyChanged(ctx context.Context, doc Document, v store.PolicyVersion) error
}

// cacheFor is how long the version lists are reused before the database
// is asked again; another instance's publication shows within it.
const cacheFor = 10 * time.Second

// Service publishes policy versions and records acceptances.
type Service struct {
	db     store.Store
	notify Notifier
	log    *slog.Logger
	// Now is the clock; tests replace it.
	Now func() time.Time

	mu       sync.Mutex
	versions map[Document]cachedVersions
	rendered map[string]template.HTML // by document/version
	// settled holds, per user, the current versions under which they had
	// nothing to accept. Acceptances are never withdrawn, so the answer
	// holds until a version is published and the versions change; it
	// spares the acceptance query on every analysis.
	settled map[settledKey]string
}

// settledKey names a user account: the creation time tells apart an
// account that took over the id of a deleted one.
type settledKey struct {
	id      int64
	created int64
}

// maxSettled bounds the settled users remembered; past it the memory
// starts over.
const maxSettled = 100_000

type cachedVersions struct {
	at   time.Time
	list []store.PolicyVersion
}

// New returns the service. notify may be nil (no one is told; the
// command line publishes this way only when it cannot send email).
func New(db store.Store, notify Notifier, log *slog.Logger) *Service {
	return &Service{db: db, notify: notify, log: log, Now: func() time.Time { return time.Now().UTC() },
		versions: map[Document]cachedVersions{}, rendered: map[string]template.HTML{}, settled: map[settledKey]string{}}
}

// Load reads terms.md and privacy.md from fsys (the operator's policy
// directory) and takes the default for a file it lacks; nil fsys means the
// defaults only.
func Load(fsys fs.FS) ([]*File, error) {
	if fsys == nil {
		fsys = policies.Defaults
	}
	var out []*File
	for _, doc := range Documents {
		name := string(doc) + ".md"
		from := fsys
		b, err := fs.ReadFile(fsys, name)
		if errors.Is(err, fs.ErrNotExist) {
			from = policies.Defaults
			b, err = fs.ReadFile(policies.Defaults, name)
		}
		if err != nil {
			return nil, fmt.Errorf("policy: reading %s: %w", name, err)
		}
		where := name
		if from == policies.Defaults {
			where = "default " + name
		}
		f, err := Parse(doc, where, string(b))
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

// Publish records each file's version unless it is published already, and
// returns the versions it published. A version published before with other
// text is refused: a published version never changes, so give the edited
// text a new version. A new material version that changes something for
// existing users (there was an earlier version, or there are users) goes to
// the Notifier.
func (s *Service) Publish(ctx context.Context, files []*File) ([]store.PolicyVersion, error) {
	var published []store.PolicyVersion
	for _, f := range files {
		before, err := s.db.PolicyVersions(ctx, string(f.Document))
		if err != nil {
			return published, err
		}
		v := store.PolicyVersion{Document: string(f.Document), Version: f.Version, Material: f.Material, Summary: f.Summary,
			Body: f.Body, SHA256: f.SHA256(), PublishedAt: s.Now()}
		ok, err := s.db.PublishPolicy(ctx, &v)
		if apperr.Is(err, apperr.Conflict) {
			return published, fmt.Errorf("policy: %s version %s is already published with different text: give the edited text a new version", f.Document, f.Version)
		}
		if err != nil {
			return published, err
		}
		if !ok {
			if len(before) > 0 && before[0].Version != f.Version {
				s.log.Warn("a policy file holds an older version than the newest published one; the newest stays in force",
					"document", f.Document, "file", f.Version, "published", before[0].Version)
			}
			continue
		}
		s.forget(f.Document)
		published = append(published, v)
		s.log.Info("policy version published", "document", f.Document, "version", f.Version, "material", f.Material)
		if !f.Material || s.notify == nil {
			continue
		}
		users, err := s.db.NoticeRecipients(ctx, 0, 1, true)
		if err != nil {
			return published, err
		}
		if len(before) == 0 && len(users) == 0 {
			continue // a new installation: nobody to tell
		}
		if err := s.notify.PolicyChanged(ctx, f.Document, v); err != nil {
			return published, fmt.Errorf("policy: telling users about %s version %s: %w", f.Document, f.Version, err)
		}
	}
	return published, nil
}

func (s *Service) forget(doc Document) {
	s.mu.Lock()
	delete(s.versions, doc)
	s.mu.Unlock()
}

// Versions lists a document's published versions, newest first.
func (s *Service) Versions(ctx context.Context, doc Document) ([]store.PolicyVersion, error) {
	now := s.Now()
	s.mu.Lock()
	c, ok := s.versions[doc]
	s.mu.Unlock()
	if ok && now.Sub(c.at) < cacheFor {
		return c.list, nil
	}
	list, err := s.db.PolicyVersions(ctx, string(doc))
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.versions[doc] = cachedVersions{at: now, list: list}
	s.mu.Unlock()
	return list, nil
}

// Current is the newest version of each document; a document never
// published is missing from the map.
func (s *Service) Current(ctx context.Context) (map[Document]store.PolicyVersion, error) {
	out := map[Document]store.PolicyVersion{}
	for _, doc := range Documents {
		list, err := s.Versions(ctx, doc)
		if err != nil {
			return nil, err
		}
		if len(list) > 0 {
			out[doc] = list[0]
		}
	}
	return out, nil
}

// Page is one version of a document, rendered.
type Page struct {
	Document Document
	Version  store.PolicyVersion
	HTML     template.HTML
	Current  bool
	Versions []store.PolicyVersion // every version, newest first
}

// Page renders version of doc ("" for the current one); NotFound when the
// version is not published.
func (s *Service) Page(ctx context.Context, doc Document, version string) (*Page, error) {
	if !doc.valid() {
		return nil, apperr.New(apperr.NotFound, "no such document")
	}
	list, err := s.Versions(ctx, doc)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, apperr.New(apperr.NotFound, "the %s is not published yet", doc.Title())
	}
	if version == "" {
		version = list[0].Version
	}
	v, err := s.db.PolicyVersion(ctx, string(doc), version)
	if err != nil {
		return nil, err
	}
	key := string(doc) + "/" + version
	s.mu.Lock()
	html, ok := s.rendered[key]
	s.mu.Unlock()
	if !ok {
		html = markdown.Render(v.Body)
		s.mu.Lock()
		s.rendered[key] = html
		s.mu.Unlock()
	}
	return &Page{Document: doc, Version: *v, HTML: html, Current: version == list[0].Version, Versions: list}, nil
}

// Pending is a document the user must accept: its current version, and
// the newest material version that makes the acceptance necessary.
type Pending struct {
	Document Document
	Current  store.PolicyVersion
	Material store.PolicyVersion
}

// Pending lists the documents whose newest material version the user has
// not accepted, neither it nor a later version.
func (s *Service) Pending(ctx context.Context, userID int64) ([]Pending, error) {
	accepted, err := s.db.PolicyAcceptances(ctx, userID)
	if err != nil {
		return nil, err
	}
	has := map[string]bool{}
	for _, a := range accepted {
		has[a.Document+"/"+a.Version] = true
	}
	var out []Pending
	for _, doc := range Documents {
		list, err := s.Versions(ctx, doc)
		if err != nil {
			return nil, err
		}
		for _, v := range list {
			if has[string(doc)+"/"+v.Version] {
				break
			}
			if v.Material {
				out = append(out, Pending{Document: doc, Current: list[0], Material: v})
				break
			}
		}
	}
	return out, nil
}

// CheckCurrent refuses accepted unless it names the current version of
// every document: a version published while the user read the form must
// be read too.
func (s *Service) CheckCurrent(ctx context.Context, accepted map[Document]string) error {
	current, err := s.Current(ctx)
	if err != nil {
		return err
	}
	if len(current) < len(Documents) {
		return apperr.New(apperr.Unavailable, "The terms are not published yet; try again in a minute.")
	}
	for _, doc := range Documents {
		got := accepted[doc]
		if got == "" {
			return apperr.New(apperr.Invalid, "Accept the %s to continue.", doc.Title())
		}
		if got != current[doc].Version {
			return apperr.New(apperr.Invalid, "The %s changed to version %s while you were reading; please read it and accept it again.",
				doc.Title(), current[doc].Version)
		}
	}
	return nil
}

// Accept records that the user accepted the current version of every
// document (after CheckCurrent on what the form showed).
func (s *Service) Accept(ctx context.Context, userID int64, accepted map[Document]string) error {
	if err := s.CheckCurrent(ctx, accepted); err != nil {
		return err
	}
	now := s.Now()
	var rows []store.PolicyAcceptance
	for _, doc := range Documents {
		rows = append(rows, store.PolicyAcceptance{Document: string(doc), Version: accepted[doc], AcceptedAt: now})
	}
	if err := s.db.AcceptPolicies(ctx, userID, rows); err != nil {
		return err
	}
	s.log.Info("policies accepted", "user", userID, "terms", accepted[Terms], "privacy", accepted[Privacy])
	return nil
}

// Acceptances lists what the user accepted, oldest first (for the export).
func (s *Service) Acceptances(ctx context.Context, userID int64) ([]store.PolicyAcceptance, error) {
	return s.db.PolicyAcceptances(ctx, userID)
}

// RequireAccepted refuses new work (analyses) while the user has a
// material version to accept.
func (s *Service) RequireAccepted(ctx context.Context, u *store.User) error {
	current, err := s.Current(ctx)
	if err != nil {
		return err
	}
	var stamp strings.Builder
	for _, doc := range Documents {
		stamp.WriteString(string(doc) + "/" + current[doc].Version + " ")
	}
	key := settledKey{id: u.ID, created: u.CreatedAt.UnixMilli()}
	s.mu.Lock()
	settled := s.settled[key] == stamp.String()
	s.mu.Unlock()
	if settled {
		return nil
	}
	pending, err := s.Pending(ctx, u.ID)
	if err != nil {
		return err
	}
	if len(pending) == 0 {
		s.mu.Lock()
		if len(s.settled) >= maxSettled {
			s.settled = map[settledKey]string{}
		}
		s.settled[key] = stamp.String()
		s.mu.Unlock()
		return nil
	}
	p := pending[0]
	return apperr.New(apperr.Forbidden, "The %s changed (version %s). Accept it in the app (%s) before analysing again; you can still read, export and delete your data.",
		p.Document.Title(), p.Current.Version, "/policies/review").WithDetails(map[string]any{"policy_acceptance_required": pendingDetails(pending)})
}

func pendingDetails(pending []Pending) []map[string]string {
	var out []map[string]string
	for _, p := range pending {
		out = append(out, map[string]string{"document": string(p.Document), "version": p.Current.Version, "summary": p.Material.Summary})
	}
	return out
}
