// Package analysis is the coding workflow around the engine: the PHI guard,
// the per-user cache, encryption at rest, monthly usage limits, history,
// per-code decisions and data export. The engine and the PHI detector come
// in through the Coder and PHIScanner interfaces.
package analysis

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"
	"unicode/utf8"

	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/crypto"
	"github.com/medcode/medcode/internal/engine"
	"github.com/medcode/medcode/internal/store"
)

// Coder codes one note; internal/engine implements it.
type Coder interface {
	Code(ctx context.Context, note string, profile string) (*engine.Result, error)
	// Release names the code-set release, EngineVersion the engine build;
	// together with the note hash and profile they key the cache.
	Release() string
	EngineVersion() string
}

// Profiles are the coding profiles a request may ask for; the first is the
// default.
var Profiles = []string{"outpatient", "abstract"}

// PreviewLen is the length, in characters, of the optional note preview.
const PreviewLen = 200

// Config holds the workflow rules.
type Config struct {
	Limits       map[store.Tier]int // analyses per calendar month; 0 = unlimited
	PHIAction    PHIAction
	MaxNoteBytes int
	// RequireVerifiedEmail refuses analyses until the email is confirmed.
	RequireVerifiedEmail bool
}

// Service runs analyses for users.
type Service struct {
	db      store.Store
	keys    *crypto.Keyring
	coder   Coder
	phi     PHIScanner
	cfg     Config
	log     *slog.Logger
	metrics *Metrics
	// Now is the clock; tests replace it.
	Now func() time.Time
}

// New returns the service. metrics may be nil.
func New(db store.Store, keys *crypto.Keyring, coder Coder, scanner PHIScanner, cfg Config, metrics *Metrics, log *slog.Logger) *Service {
	return &Service{db: db, keys: keys, coder: coder, phi: scanner, cfg: cfg, log: log, metrics: metrics,
		Now: func() time.Time { return time.Now().UTC() }}
}

// Request is one submission.
type Request struct {
	Note        string
	Attested    bool // the user confirms the note holds no PHI
	SavePreview bool
	Profile     string
}

func scope(u *store.User) store.Scope { return store.Scope{UserID: u.ID} }

func (s *Service) validate(u *store.User, req *Request) error {
	if s.cfg.RequireVerifiedEmail && u.EmailVerifiedAt.IsZero() {
		return apperr.New(apperr.Forbidden, "Confirm your email address before analysing notes (see your profile to resend the link).")
	}
	if req.Profile == "" {
		req.Profile = Profiles[0]
	}
	known := false
	for _, p := range Profiles {
		known = known || p == req.Profile
	}
	if !known {
		return apperr.New(apperr.Invalid, "Unknown profile %q: use outpatient or abstract.", req.Profile)
	}
	if len(req.Note) > s.cfg.MaxNoteBytes {
		return apperr.New(apperr.TooLarge, "The note is %d bytes; the limit is %d.", len(req.Note), s.cfg.MaxNoteBytes)
	}
	if !utf8.ValidString(req.Note) {
		return apperr.New(apperr.Invalid, "The note is not valid UTF-8 text.")
	}
	if len(req.Note) == 0 || isBlank(req.Note) {
		return apperr.New(apperr.Invalid, "The note is empty.")
	}
	return nil
}

func isBlank(s string) bool {
	for _, r := range s {
		if r != ' ' && r != '\t' && r != '\n' && r != '\r' {
			return false
		}
	}
	return true
}

// Analyze runs the guard, serves the cache or codes the note, and stores
// the result sealed.
func (s *Service) Analyze(ctx context.Context, u *store.User, req Request) (*Record, error) {
	p, err := s.Prepare(ctx, u, req)
	if err != nil {
		return nil, err
	}
	rec, err := s.Store(ctx, u, p)
	if err == nil {
		s.metrics.count(p.outcome())
	}
	return rec, err
}

// Prepared is an analysis done and sealed but not stored yet: the row, the
// quota it counts against, and the record to show.
type Prepared struct {
	Analysis *store.Analysis
	Quota    store.Quota
	Record   *Record
}

func (p *Prepared) outcome() string {
	if p.Analysis.Cached {
		return "cached"
	}
	return "coded"
}

// Prepare runs the guard, serves the cache or codes the note, and seals the
// result, without storing it: Analyze stores it at once, a batch stores a
// group of them together with their outcomes (internal/batch).
func (s *Service) Prepare(ctx context.Context, u *store.User, req Request) (*Prepared, error) {
	if err := s.validate(u, &req); err != nil {
		return nil, err
	}
	g, err := guard(s.phi, s.cfg.PHIAction, req.Note, req.Attested)
	if err != nil {
		s.metrics.count("blocked")
		return nil, err
	}
	sum := sha256.Sum256([]byte(req.Note))
	noteHash := hex.EncodeToString(sum[:])
	preview := ""
	if req.SavePreview && len(g.spans) == 0 {
		preview = truncate(req.Note, PreviewLen)
	}
	release, version := s.coder.Release(), s.coder.EngineVersion()

	prev, err := s.db.LatestAnalysisOfNote(ctx, scope(u), noteHash, req.Profile, release, version)
	switch {
	case err == nil:
		result, err := s.openResult(prev)
		if err != nil {
			return nil, err
		}
		return s.seal(u, req.Profile, noteHash, release, version, preview, result, true)
	case !apperr.Is(err, apperr.NotFound):
		return nil, err
	}

	if err := s.checkQuota(ctx, u); err != nil {
		return nil, err
	}
	start := time.Now()
	result, err := s.coder.Code(ctx, g.text, req.Profile)
	if err != nil {
		s.metrics.count("error")
		return nil, fmt.Errorf("analysis: coding note %s: %w", noteHash[:12], err)
	}
	s.metrics.observeCoding(time.Since(start))
	result.PHI.Found = len(g.spans) > 0
	result.PHI.Spans = g.spans
	stripText(result)
	return s.seal(u, req.Profile, noteHash, release, version, preview, result, false)
}

func truncate(s string, n int) string {
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}

func newID() (string, error) {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("analysis: id: %w", err)
	}
	return "an_" + hex.EncodeToString(b), nil
}

// aad binds a sealed blob to its record and field.
func aad(id, field string) []byte { return []byte("medcode/analysis/" + id + "/" + field) }

func (s *Service) sealField(id, field string, v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("analysis: encoding %s: %w", field, err)
	}
	return s.keys.Seal(b, aad(id, field))
}

func (s *Service) open(id, field string, blob []byte, v any) error {
	b, err := s.keys.Open(blob, aad(id, field))
	if err != nil {
		return fmt.Errorf("analysis: record %s %s: %w", id, field, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("analysis: record %s %s: %w", id, field, err)
	}
	return nil
}

func (s *Service) openResult(a *store.Analysis) (*engine.Result, error) {
	var r engine.Result
	if err := s.open(a.ID, "record", a.Record, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// seal builds the sealed row of a result.
func (s *Service) seal(u *store.User, profile, noteHash, release, version, preview string, result *engine.Result, cached bool) (*Prepared, error) {
	id, err := newID()
	if err != nil {
		return nil, err
	}
	now := s.Now()
	a := &store.Analysis{ID: id, UserID: u.ID, NoteSHA256: noteHash, Release: release, EngineVersion: version,
		Profile: profile, Cached: cached, KeyID: s.keys.ActiveID(), CreatedAt: now}
	if a.Summary, err = s.sealField(id, "summary", summaryBlob{Codes: Codes(result), Preview: preview}); err != nil {
		return nil, err
	}
	if a.Record, err = s.sealField(id, "record", result); err != nil {
		return nil, err
	}
	return &Prepared{Analysis: a, Quota: store.Quota{Month: month(now), Limit: s.limit(u), Count: !cached},
		Record: &Record{ID: id, CreatedAt: now, Cached: cached, Profile: profile, Release: release, EngineVersion: version,
			NoteSHA256: noteHash, Preview: preview, Result: result}}, nil
}

// Store inserts a prepared analysis, counted against its quota.
func (s *Service) Store(ctx context.Context, u *store.User, p *Prepared) (*Record, error) {
	if err := s.db.CreateAnalysis(ctx, p.Analysis, p.Quota); err != nil {
		if apperr.Is(err, apperr.QuotaExceeded) {
			return nil, s.quotaError(u, p.Analysis.CreatedAt)
		}
		return nil, err
	}
	return p.Record, nil
}

// Get returns one of the user's records; NotFound for anyone else's.
func (s *Service) Get(ctx context.Context, u *store.User, id string) (*Record, error) {
	a, err := s.db.Analysis(ctx, scope(u), id)
	if err != nil {
		return nil, err
	}
	return s.record(a)
}

// Open turns a stored analysis of the user's (read by another service,
// such as a batch's outcomes) into its record.
func (s *Service) Open(a *store.Analysis) (*Record, error) { return s.record(a) }

func (s *Service) record(a *store.Analysis) (*Record, error) {
	result, err := s.openResult(a)
	if err != nil {
		return nil, err
	}
	var sum summaryBlob
	if err := s.open(a.ID, "summary", a.Summary, &sum); err != nil {
		return nil, err
	}
	decisions, err := s.decisions(a.ID, a.Decisions)
	if err != nil {
		return nil, err
	}
	return &Record{ID: a.ID, CreatedAt: a.CreatedAt, Cached: a.Cached, Profile: a.Profile, Release: a.Release,
		EngineVersion: a.EngineVersion, NoteSHA256: a.NoteSHA256, Preview: sum.Preview, Result: result, Decisions: decisions}, nil
}

func (s *Service) decisions(id string, blob []byte) (map[string]Decision, error) {
	d := map[string]Decision{}
	if len(blob) == 0 {
		return d, nil
	}
	err := s.open(id, "decisions", blob, &d)
	return d, err
}

// Delete removes one of the user's records.
func (s *Service) Delete(ctx context.Context, u *store.User, id string) error {
	return s.db.DeleteAnalysis(ctx, scope(u), id)
}

// Decide records accept or reject for one code of a record ("" clears it).
func (s *Service) Decide(ctx context.Context, u *store.User, id, code string, d Decision) error {
	if d != Accepted && d != Rejected && d != "" {
		return apperr.New(apperr.Invalid, "Unknown decision %q.", d)
	}
	a, err := s.db.Analysis(ctx, scope(u), id)
	if err != nil {
		return err
	}
	var sum summaryBlob
	if err := s.open(id, "summary", a.Summary, &sum); err != nil {
		return err
	}
	found := false
	for _, c := range sum.Codes {
		found = found || c == code
	}
	if !found {
		return apperr.New(apperr.NotFound, "code not found in this analysis")
	}
	return s.db.UpdateDecisions(ctx, scope(u), id, func(current []byte) ([]byte, error) {
		ds, err := s.decisions(id, current)
		if err != nil {
			return nil, err
		}
		if d == "" {
			delete(ds, code)
		} else {
			ds[code] = d
		}
		return s.sealField(id, "decisions", ds)
	})
}

// ListQuery selects a page of history.
type ListQuery struct {
	Page    int    // 1-based
	PerPage int    // 1..100
	Code    string // show only analyses with a code starting with this
}

// Page is one page of history.
type Page struct {
	Items   []Summary `json:"items"`
	Total   int       `json:"total"`
	Page    int       `json:"page"`
	PerPage int       `json:"per_page"`
	Code    string    `json:"code,omitempty"`
}

// Pages is the number of pages.
func (p *Page) Pages() int { return max(1, (p.Total+p.PerPage-1)/p.PerPage) }

// List returns a page of the user's history, newest first. Codes are sealed,
// so a code search opens each record's small summary.
func (s *Service) List(ctx context.Context, u *store.User, q ListQuery) (*Page, error) {
	q.Page = max(1, q.Page)
	if q.PerPage < 1 || q.PerPage > 100 {
		q.PerPage = 20
	}
	want := normalizeCode(q.Code)
	if len(want) > 10 {
		return nil, apperr.New(apperr.Invalid, "A code has at most 10 characters.")
	}
	page := &Page{Page: q.Page, PerPage: q.PerPage, Code: q.Code, Items: []Summary{}}
	offset := (q.Page - 1) * q.PerPage
	if want == "" {
		rows, total, err := s.db.ListAnalyses(ctx, scope(u), q.PerPage, offset)
		if err != nil {
			return nil, err
		}
		page.Total = total
		for i := range rows {
			sum, err := s.summary(&rows[i])
			if err != nil {
				return nil, err
			}
			page.Items = append(page.Items, sum)
		}
		return page, nil
	}
	err := s.db.EachAnalysis(ctx, scope(u), func(a *store.Analysis) (bool, error) {
		sum, err := s.summary(a)
		if err != nil {
			return false, err
		}
		for _, c := range sum.Codes {
			if len(normalizeCode(c)) >= len(want) && normalizeCode(c)[:len(want)] == want {
				if page.Total >= offset && len(page.Items) < q.PerPage {
					page.Items = append(page.Items, sum)
				}
				page.Total++
				break
			}
		}
		return true, nil
	})
	return page, err
}

func (s *Service) summary(a *store.Analysis) (Summary, error) {
	var b summaryBlob
	if err := s.open(a.ID, "summary", a.Summary, &b); err != nil {
		return Summary{}, err
	}
	return Summary{ID: a.ID, CreatedAt: a.CreatedAt, Cached: a.Cached, Profile: a.Profile, Release: a.Release,
		Codes: b.Codes, Preview: b.Preview}, nil
}

// Reseal re-encrypts every stored record under the active key of keys
// (after a key rotation) and returns how many records changed.
func Reseal(ctx context.Context, db store.Analyses, keys *crypto.Keyring) (int, error) {
	return db.ResealAnalyses(ctx, keys.ActiveID(), func(a *store.Analysis) error {
		for _, f := range []struct {
			name string
			blob *[]byte
		}{{"summary", &a.Summary}, {"record", &a.Record}, {"decisions", &a.Decisions}} {
			if len(*f.blob) == 0 {
				continue
			}
			pt, err := keys.Open(*f.blob, aad(a.ID, f.name))
			if err != nil {
				return err
			}
			if *f.blob, err = keys.Seal(pt, aad(a.ID, f.name)); err != nil {
				return err
			}
		}
		a.KeyID = keys.ActiveID()
		return nil
	})
}
