// Package analysis is the coding workflow around the engine: the PHI guard
// (phi.Guard: block or redact, or warn in an organization under a BAA),
// the per-workspace cache, clinic rules on top of the engine's result,
// encryption at rest, monthly usage limits, history, per-code feedback,
// retained notes and data export. Every method acts in a workspace
// (org.Workspace) and checks the caller's permission there; in an
// organization, analyses, views, note reads, deletions and exports go to
// the audit log.
package analysis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/audit"
	"github.com/medcode/medcode/internal/crypto"
	"github.com/medcode/medcode/internal/engine"
	"github.com/medcode/medcode/internal/org"
	"github.com/medcode/medcode/internal/phi"
	"github.com/medcode/medcode/internal/rules"
	"github.com/medcode/medcode/internal/store"
)

// Coder codes one note; internal/engine implements it. It also describes
// codes, for the clinic rules and for checking a coder's replacement code.
type Coder interface {
	Code(ctx context.Context, note string, opts engine.Options) (*engine.Result, error)
	// Release names the code-set release, EngineVersion the engine build;
	// together with the note hash, profile and variant they key the cache.
	Release() string
	EngineVersion() string
	rules.Catalog
}

// Profiles are the coding profiles a request may ask for; the first is the
// default.
var Profiles = []string{"outpatient", "abstract"}

// PreviewLen is the length, in characters, of the optional note preview.
const PreviewLen = 200

// Config holds the workflow rules.
type Config struct {
	Limits map[store.Tier]int // analyses per calendar month; 0 = unlimited
	// PHIPolicy is what the guard does with identifiers outside BAA mode.
	PHIPolicy    phi.Policy
	MaxNoteBytes int
	// RequireVerifiedEmail refuses analyses until the email is confirmed.
	RequireVerifiedEmail bool
}

// Service runs analyses.
type Service struct {
	db      store.Store
	keys    *crypto.Keyring
	coder   Coder
	guard   phi.Guard
	audit   *audit.Log
	cfg     Config
	log     *slog.Logger
	metrics *Metrics
	rules   *ruleCache
	// Now is the clock; tests replace it.
	Now func() time.Time
}

// New returns the service. metrics may be nil.
func New(db store.Store, keys *crypto.Keyring, coder Coder, detector *phi.Detector, log *audit.Log, cfg Config, metrics *Metrics, logger *slog.Logger) (*Service, error) {
	if _, err := phi.ParsePolicy(string(cfg.PHIPolicy)); err != nil {
		return nil, fmt.Errorf("analysis: %w", err)
	}
	return &Service{db: db, keys: keys, coder: coder, guard: phi.Guard{Policy: cfg.PHIPolicy, Detector: detector}, audit: log,
		cfg: cfg, log: logger, metrics: metrics, rules: newRuleCache(), Now: func() time.Time { return time.Now().UTC() }}, nil
}

// Request is one submission.
type Request struct {
	Note        string
	Attested    bool // the user confirms the note holds no PHI (outside BAA mode)
	SavePreview bool
	Profile     string
	// Payer and PatientType, when set, override the workspace's defaults.
	Payer       string
	PatientType string
}

func (s *Service) validate(ws org.Workspace, req *Request) error {
	if err := ws.Require(org.CreateAnalysis); err != nil {
		return err
	}
	if s.cfg.RequireVerifiedEmail && ws.User.EmailVerifiedAt.IsZero() {
		return apperr.New(apperr.Forbidden, "Confirm your email address before analysing notes (see your profile to resend the link).")
	}
	if req.Profile == "" {
		req.Profile = Profiles[0]
	}
	if !slices.Contains(Profiles, req.Profile) {
		return apperr.New(apperr.Invalid, "Unknown profile %q: use outpatient or abstract.", req.Profile)
	}
	if req.Payer != "" && !slices.Contains(engine.Payers, req.Payer) {
		return apperr.New(apperr.Invalid, "Unknown payer class %q: use commercial, medicare or medicaid.", req.Payer)
	}
	if req.PatientType != "" && !slices.Contains(engine.PatientTypes, req.PatientType) {
		return apperr.New(apperr.Invalid, "Unknown patient type %q: use new or established.", req.PatientType)
	}
	if len(req.Note) > s.cfg.MaxNoteBytes {
		return apperr.New(apperr.TooLarge, "The note is %d bytes; the limit is %d.", len(req.Note), s.cfg.MaxNoteBytes)
	}
	if !utf8.ValidString(req.Note) {
		return apperr.New(apperr.Invalid, "The note is not valid UTF-8 text.")
	}
	if isBlank(req.Note) {
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

// check runs the PHI guard: outside BAA mode the user must attest and the
// detector blocks or redacts by policy; in BAA mode it only reports.
func (s *Service) check(ws org.Workspace, req Request) (phi.Decision, error) {
	d, err := s.guard.Check(phi.Request{Text: req.Note, AttestedNoPHI: req.Attested, BAAMode: ws.BAA()})
	if errors.Is(err, phi.ErrAttestationRequired) {
		return d, apperr.New(apperr.Invalid, "Confirm that the note contains no protected health information (PHI) before analysing it.")
	}
	if err != nil {
		return d, fmt.Errorf("analysis: PHI guard: %w", err)
	}
	if !d.Proceed() {
		return d, apperr.New(apperr.PHIFound,
			"The note appears to contain protected health information (%d identifier(s) found). Remove or de-identify them and submit again.", len(d.Spans)).
			WithDetails(map[string]any{"spans": d.Spans})
	}
	return d, nil
}

// Analyze runs the guard, serves the cache or codes the note (with the
// organization's clinic rules), and stores the result sealed.
func (s *Service) Analyze(ctx context.Context, ws org.Workspace, req Request) (*Record, error) {
	p, err := s.Prepare(ctx, ws, req)
	if err != nil {
		return nil, err
	}
	rec, err := s.Store(ctx, ws, p)
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
func (s *Service) Prepare(ctx context.Context, ws org.Workspace, req Request) (*Prepared, error) {
	if err := s.validate(ws, &req); err != nil {
		return nil, err
	}
	g, err := s.check(ws, req)
	if err != nil {
		s.metrics.count("blocked")
		return nil, err
	}
	set, version, err := s.ruleSet(ctx, ws)
	if err != nil {
		return nil, err
	}
	opts := engine.Options{Profile: req.Profile, Payer: req.Payer, PatientType: req.PatientType}
	if set != nil {
		opts = set.Options(opts)
	}
	key := store.CacheKey{NoteSHA256: g.NoteSHA256, Profile: req.Profile, Release: s.coder.Release(), EngineVersion: s.coder.EngineVersion(),
		Variant: variant{Payer: opts.Payer, PatientType: opts.PatientType, RulesVersion: version}.String()}
	preview := ""
	if req.SavePreview && len(g.Spans) == 0 {
		preview = truncate(req.Note, PreviewLen)
	}

	prev, err := s.db.LatestAnalysisOfNote(ctx, ws.Scope(), key)
	switch {
	case err == nil:
		result, err := s.openResult(prev)
		if err != nil {
			return nil, err
		}
		return s.seal(ws, key, req.Note, preview, result, true)
	case !apperr.Is(err, apperr.NotFound):
		return nil, err
	}

	if err := s.checkQuota(ctx, ws); err != nil {
		return nil, err
	}
	start := time.Now()
	result, err := s.coder.Code(ctx, g.Text, opts)
	if err != nil {
		s.metrics.count("error")
		return nil, fmt.Errorf("analysis: coding note %s: %w", g.NoteSHA256[:12], err)
	}
	s.metrics.observeCoding(time.Since(start))
	if set != nil {
		payer := opts.Payer
		if payer == "" {
			payer = engine.Payers[0]
		}
		set.Apply(result, g.Text, payer)
	}
	if g.Redaction != nil {
		// The engine coded the redacted text: move the evidence back onto
		// the note the user has.
		if err := toOriginal(result, g.Redaction); err != nil {
			return nil, fmt.Errorf("analysis: note %s: %w", g.NoteSHA256[:12], err)
		}
	}
	result.PHI.Found = len(g.Spans) > 0
	result.PHI.Spans = g.Spans
	if g.Outcome == phi.OutcomeWarned {
		result.Warnings = append(result.Warnings, engine.Warning{Kind: "phi",
			Message: fmt.Sprintf("The note holds %d identifier(s); it was analysed as it is under %s's Business Associate Agreement.", len(g.Spans), ws.Org.Name)})
	}
	stripText(result)
	return s.seal(ws, key, req.Note, preview, result, false)
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

// seal builds the sealed row of a result; note is kept, sealed, only where
// the organization retains notes under its BAA.
func (s *Service) seal(ws org.Workspace, key store.CacheKey, note, preview string, result *engine.Result, cached bool) (*Prepared, error) {
	id, err := newID()
	if err != nil {
		return nil, err
	}
	now := s.Now()
	a := &store.Analysis{ID: id, OrgID: ws.OrgID(), CreatedBy: ws.User.ID, NoteSHA256: key.NoteSHA256, Release: key.Release,
		EngineVersion: key.EngineVersion, Profile: key.Profile, Variant: key.Variant, Cached: cached, KeyID: s.keys.ActiveID(), CreatedAt: now}
	if a.Summary, err = s.sealField(id, "summary", summaryBlob{Codes: Codes(result), Preview: preview}); err != nil {
		return nil, err
	}
	if a.Record, err = s.sealField(id, "record", result); err != nil {
		return nil, err
	}
	if ws.BAA() && ws.Org.NoteRetentionDays > 0 {
		if a.Note, err = s.keys.Seal([]byte(note), aad(id, "note")); err != nil {
			return nil, err
		}
		a.NoteExpiresAt = now.Add(time.Duration(ws.Org.NoteRetentionDays) * 24 * time.Hour)
	}
	return &Prepared{Analysis: a, Quota: store.Quota{Month: month(now), Limit: s.limit(ws), Count: !cached},
		Record: newRecord(a, result, preview)}, nil
}

// Store inserts a prepared analysis into the workspace, counted against its
// quota; in an organization the analysis goes to the audit log.
func (s *Service) Store(ctx context.Context, ws org.Workspace, p *Prepared) (*Record, error) {
	if err := s.db.CreateAnalysis(ctx, ws.Scope(), p.Analysis, p.Quota); err != nil {
		if apperr.Is(err, apperr.QuotaExceeded) {
			return nil, s.quotaError(ws, p.Analysis.CreatedAt)
		}
		return nil, err
	}
	if ws.Org != nil {
		rec := p.Record
		err := s.audit.Record(ctx, audit.Event{OrgID: ws.Org.ID, ActorID: ws.User.ID, Action: audit.AnalysisCreate, Target: rec.ID,
			Details: map[string]any{"cached": rec.Cached, "phi": rec.Result.PHI.Found, "rules_version": rec.RulesVersion, "note_retained": rec.NoteRetained}})
		if err != nil {
			return nil, err
		}
	}
	return p.Record, nil
}

// Get returns one record of the workspace; NotFound for anyone else's. In
// an organization every view is audited, saying whether the record bears
// PHI (identifiers in the note, or the note retained).
func (s *Service) Get(ctx context.Context, ws org.Workspace, id string) (*Record, error) {
	if err := ws.Require(org.ReadAnalysis); err != nil {
		return nil, err
	}
	a, err := s.db.Analysis(ctx, ws.Scope(), id)
	if err != nil {
		return nil, err
	}
	rec, err := s.record(a)
	if err != nil {
		return nil, err
	}
	if ws.Org != nil {
		err := s.audit.Record(ctx, audit.Event{OrgID: ws.Org.ID, ActorID: ws.User.ID, Action: audit.AnalysisView, Target: id,
			Details: map[string]any{"phi": rec.Result.PHI.Found || rec.NoteRetained}})
		if err != nil {
			return nil, err
		}
	}
	return rec, nil
}

// Open turns a stored analysis of the workspace (read by another service,
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
	fb, err := s.feedback(a.ID, a.Decisions)
	if err != nil {
		return nil, err
	}
	rec := newRecord(a, result, sum.Preview)
	rec.Decisions, rec.Replacements = fb.Decisions, fb.Replacements
	return rec, nil
}

// Note returns the retained text of one of the organization's records,
// and audits the read; NotFound when the record keeps no note.
func (s *Service) Note(ctx context.Context, ws org.Workspace, id string) (string, error) {
	if err := ws.RequireOrg(); err != nil {
		return "", err
	}
	if err := ws.Require(org.ReadNote); err != nil {
		return "", err
	}
	sealed, _, err := s.db.AnalysisNote(ctx, ws.Scope(), id)
	if err != nil {
		return "", err
	}
	note, err := s.keys.Open(sealed, aad(id, "note"))
	if err != nil {
		return "", fmt.Errorf("analysis: record %s note: %w", id, err)
	}
	if err := s.audit.Record(ctx, audit.Event{OrgID: ws.Org.ID, ActorID: ws.User.ID, Action: audit.NoteView, Target: id}); err != nil {
		return "", err
	}
	return string(note), nil
}

// Recode analyses a retained note again, with today's engine and rules,
// as a new record.
func (s *Service) Recode(ctx context.Context, ws org.Workspace, id string) (*Record, error) {
	if err := ws.Require(org.CreateAnalysis); err != nil {
		return nil, err
	}
	a, err := s.db.Analysis(ctx, ws.Scope(), id)
	if err != nil {
		return nil, err
	}
	note, err := s.Note(ctx, ws, id)
	if err != nil {
		return nil, err
	}
	v := parseVariant(a.Variant)
	return s.Analyze(ctx, ws, Request{Note: note, Profile: a.Profile, Payer: v.Payer, PatientType: v.PatientType})
}

// Delete removes one record of the workspace.
func (s *Service) Delete(ctx context.Context, ws org.Workspace, id string) error {
	if err := ws.Require(org.DeleteAnalysis); err != nil {
		return err
	}
	if err := s.db.DeleteAnalysis(ctx, ws.Scope(), id); err != nil {
		return err
	}
	if ws.Org == nil {
		return nil
	}
	return s.audit.Record(ctx, audit.Event{OrgID: ws.Org.ID, ActorID: ws.User.ID, Action: audit.AnalysisDelete, Target: id})
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

// List returns a page of the workspace's history, newest first. Codes are
// sealed, so a code search opens each record's small summary.
func (s *Service) List(ctx context.Context, ws org.Workspace, q ListQuery) (*Page, error) {
	if err := ws.Require(org.ReadAnalysis); err != nil {
		return nil, err
	}
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
		rows, total, err := s.db.ListAnalyses(ctx, ws.Scope(), q.PerPage, offset)
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
	err := s.db.EachAnalysis(ctx, ws.Scope(), func(a *store.Analysis) (bool, error) {
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
		Codes: b.Codes, Preview: b.Preview, NoteRetained: !a.NoteExpiresAt.IsZero()}, nil
}

// Reseal re-encrypts every stored record under the active key of keys
// (after a key rotation) and returns how many records changed.
func Reseal(ctx context.Context, db store.Analyses, keys *crypto.Keyring) (int, error) {
	return db.ResealAnalyses(ctx, keys.ActiveID(), func(a *store.Analysis) error {
		for _, f := range []struct {
			name string
			blob *[]byte
		}{{"summary", &a.Summary}, {"record", &a.Record}, {"decisions", &a.Decisions}, {"note", &a.Note}} {
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
