// Package revenue runs the free 60-day revenue analysis for a workspace:
// a clinic uploads its claims (CSV or 837P), its payers' remittances (835)
// and, if it wants, the visit notes (a zip); a background job builds the
// report of internal/report; the requester is told by email and in the
// app; the report is read in the app, as a PDF or as the CSV of its
// findings.
//
// What happens to the uploads is the privacy question:
//
//   - They are checked and parsed while the request is still open, so a bad
//     file is refused at once and nothing of it is kept. Outside a
//     Business Associate Agreement the claims lose the patient's identity
//     (age, sex and a keyed pseudonym remain), the remittances the patient's
//     name and member id, and every note passes the PHI guard of the
//     analyses: the user attests the notes hold no PHI and the detector
//     blocks the upload, or redacts the notes, by the server's policy.
//   - What is kept waits sealed (internal/crypto) in the store until the
//     job builds the report; the job deletes the uploads in the same
//     transaction that stores the report, or when it gives up. Uploads a
//     job never took are failed and deleted after a bound (UploadTTL).
//   - The built report holds figures and line-level findings (claim ids,
//     codes, dollars), never note text, and is kept sealed for the
//     organization's retention period (until deleted in a personal
//     workspace).
package revenue

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/audit"
	"github.com/medcode/medcode/internal/auth"
	"github.com/medcode/medcode/internal/claims"
	"github.com/medcode/medcode/internal/codeset"
	"github.com/medcode/medcode/internal/crypto"
	"github.com/medcode/medcode/internal/jobs"
	"github.com/medcode/medcode/internal/org"
	"github.com/medcode/medcode/internal/phi"
	"github.com/medcode/medcode/internal/report"
	"github.com/medcode/medcode/internal/store"
)

// JobName is the name the report job is queued under (jobs.ReportArgs).
const JobName = "revenue-60-day"

// Enqueuer queues the job that builds a report (internal/jobs).
type Enqueuer interface {
	EnqueueReport(ctx context.Context, args jobs.ReportArgs) error
}

// Secrets gives a workspace's pseudonym secret (internal/billing), so
// that a patient's pseudonym is the same in its reports and its claims.
type Secrets interface {
	Secret(ctx context.Context, ws org.Workspace) ([]byte, error)
}

// Config holds the rules of the flow.
type Config struct {
	// BaseURL starts the link of the notification email.
	BaseURL string
	// PHIPolicy is what the guard does with notes holding identifiers
	// outside a BAA (block or redact), as for analyses.
	PHIPolicy phi.Policy
	Detector  *phi.Detector // nil: the default detector
	// MaxUploadBytes bounds all the files of one upload together.
	MaxUploadBytes int64
	// MaxNoteBytes bounds one note; MaxNotes the notes of one upload.
	MaxNoteBytes int
	MaxNotes     int
	// UploadTTL is how long uploads may wait for their report: after it
	// the report is failed and the uploads deleted.
	UploadTTL time.Duration
	// Workers is how many notes the job re-codes at once.
	Workers int
	// Locality prices the estimates ("" national).
	Locality string
}

func (c *Config) defaults() {
	if c.MaxUploadBytes <= 0 {
		c.MaxUploadBytes = 64 << 20
	}
	if c.MaxNoteBytes <= 0 {
		c.MaxNoteBytes = 256 << 10
	}
	if c.MaxNotes <= 0 {
		c.MaxNotes = 20_000
	}
	if c.UploadTTL <= 0 {
		c.UploadTTL = 6 * time.Hour
	}
	if c.Workers <= 0 {
		c.Workers = 2
	}
}

// Service runs the revenue reports of workspaces.
type Service struct {
	db      store.Store
	keys    *crypto.Keyring
	audit   *audit.Log
	mail    auth.Mailer // nil: no email, the app's notice only
	queue   Enqueuer
	secrets Secrets
	codes   *codeset.Set // nil: reports cannot be priced and fail
	coder   report.Coder
	guard   phi.Guard
	cfg     Config
	log     *slog.Logger
	cache   *cache
	// Now is the clock; tests replace it.
	Now func() time.Time
}

// New returns the service. codes are the installed code sets (the fee
// schedule and the scrubber's facts) and coder re-codes uploaded notes.
func New(db store.Store, keys *crypto.Keyring, log *audit.Log, mailer auth.Mailer, queue Enqueuer, secrets Secrets,
	codes *codeset.Set, coder report.Coder, cfg Config, logger *slog.Logger) (*Service, error) {
	if _, err := phi.ParsePolicy(string(cfg.PHIPolicy)); err != nil {
		return nil, fmt.Errorf("revenue: %w", err)
	}
	cfg.defaults()
	return &Service{db: db, keys: keys, audit: log, mail: mailer, queue: queue, secrets: secrets, codes: codes, coder: coder,
		guard: phi.Guard{Policy: cfg.PHIPolicy, Detector: cfg.Detector}, cfg: cfg, log: logger, cache: newCache(2),
		Now: func() time.Time { return time.Now().UTC() }}, nil
}

// MaxUploadBytes is the bound of one upload, for the handlers' body limit.
func (s *Service) MaxUploadBytes() int64 { return s.cfg.MaxUploadBytes }

func newID() (string, error) {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("revenue: id: %w", err)
	}
	return "rp_" + hex.EncodeToString(b), nil
}

func aad(id, field string) []byte { return []byte("medcode/report/" + id + "/" + field) }

func uploadAAD(id string, u store.ReportUpload) []byte {
	return aad(id, "upload/"+strconv.Itoa(u.Seq)+"/"+u.Kind)
}

// Report is one report as the app and the API show it.
type Report struct {
	ID         string             `json:"id"`
	OrgID      int64              `json:"org_id,omitempty"`
	Status     store.ReportStatus `json:"status"`
	Stage      string             `json:"stage,omitempty"`
	Error      string             `json:"error,omitempty"`
	Files      int                `json:"files"`
	Bytes      int64              `json:"bytes"`
	CreatedAt  time.Time          `json:"created_at"`
	StartedAt  *time.Time         `json:"started_at,omitempty"`
	FinishedAt *time.Time         `json:"finished_at,omitempty"`
	Summary    *Summary           `json:"summary,omitempty"`
}

// Summary is a done report's headline, kept apart from its body so that
// lists need not open it.
type Summary struct {
	Title          string       `json:"title"`
	From           claims.Date  `json:"from"`
	To             claims.Date  `json:"to"`
	Claims         int          `json:"claims"`
	Remittances    int          `json:"remittances"`
	NotesRecoded   int          `json:"notes_recoded"`
	Charges        claims.Money `json:"charges"`
	Paid           claims.Money `json:"paid"`
	Denied         claims.Money `json:"denied"`
	DenialRate     float64      `json:"denial_rate"`
	CleanClaimRate float64      `json:"clean_claim_rate"`
	Opportunity    claims.Money `json:"opportunity"`
}

func summaryOf(r *report.Report) Summary {
	v := r.Overall.Volume
	return Summary{Title: r.Title, From: r.From, To: r.To, Claims: r.Inputs.Claims, Remittances: r.Inputs.Remittances,
		NotesRecoded: r.Inputs.Notes.Matched, Charges: v.Charges, Paid: v.Paid, Denied: v.Denied, DenialRate: v.DenialRate,
		CleanClaimRate: v.CleanClaimRate, Opportunity: r.Overall.Opportunity.Total}
}

func (s *Service) view(r *store.Report) (*Report, error) {
	v := &Report{ID: r.ID, OrgID: r.OrgID, Status: r.Status, Stage: r.Stage, Error: r.Error, Files: r.Files, Bytes: r.Bytes, CreatedAt: r.CreatedAt}
	if !r.StartedAt.IsZero() {
		at := r.StartedAt
		v.StartedAt = &at
	}
	if !r.FinishedAt.IsZero() {
		at := r.FinishedAt
		v.FinishedAt = &at
	}
	if len(r.Summary) > 0 {
		var sum Summary
		if err := s.openJSON(r.ID, "summary", r.Summary, &sum); err != nil {
			return nil, err
		}
		v.Summary = &sum
	}
	return v, nil
}

func (s *Service) sealJSON(id, field string, v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("revenue: encoding %s of %s: %w", field, id, err)
	}
	return s.keys.Seal(b, aad(id, field))
}

func (s *Service) openJSON(id, field string, blob []byte, v any) error {
	b, err := s.keys.Open(blob, aad(id, field))
	if err != nil {
		return fmt.Errorf("revenue: opening %s of %s: %w", field, id, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("revenue: decoding %s of %s: %w", field, id, err)
	}
	return nil
}

// record appends an audit event of an organization; personal workspaces
// have no audit log.
func (s *Service) record(ctx context.Context, ws org.Workspace, action audit.Action, target string, details map[string]any) error {
	if ws.Org == nil {
		return nil
	}
	return s.audit.Record(ctx, audit.Event{OrgID: ws.Org.ID, ActorID: ws.User.ID, Action: action, Target: target, Details: details})
}

// Status returns one report of the workspace as it stands (what the
// progress view polls); it is not audited, as it shows no data.
func (s *Service) Status(ctx context.Context, ws org.Workspace, id string) (*Report, error) {
	if err := ws.Require(org.ReadReports); err != nil {
		return nil, err
	}
	r, err := s.db.Report(ctx, ws.Scope(), id)
	if err != nil {
		return nil, err
	}
	return s.view(r)
}

// List returns the workspace's newest reports.
func (s *Service) List(ctx context.Context, ws org.Workspace, limit int) ([]*Report, error) {
	if err := ws.Require(org.ReadReports); err != nil {
		return nil, err
	}
	rows, err := s.db.ListReports(ctx, ws.Scope(), limit)
	if err != nil {
		return nil, err
	}
	out := make([]*Report, len(rows))
	for i := range rows {
		if out[i], err = s.view(&rows[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Opened is a done report with its figures and findings.
type Opened struct {
	*Report
	Body *report.Report
}

// Open returns a done report of the workspace with its content, marks it
// seen when its requester opens it, and audits the view. what names what
// was read ("page", "findings", "csv", "html").
func (s *Service) Open(ctx context.Context, ws org.Workspace, id, what string) (*Opened, error) {
	if err := ws.Require(org.ReadReports); err != nil {
		return nil, err
	}
	row, err := s.db.Report(ctx, ws.Scope(), id)
	if err != nil {
		return nil, err
	}
	if row.Status != store.ReportDone {
		return nil, apperr.New(apperr.NotFound, "report %s is not built (yet)", id)
	}
	body, ok := s.cache.get(id)
	if !ok {
		full, err := s.db.ReportBody(ctx, ws.Scope(), id)
		if err != nil {
			return nil, err
		}
		if body, err = s.openBody(full); err != nil {
			return nil, err
		}
		s.cache.put(id, body)
	}
	v, err := s.view(row)
	if err != nil {
		return nil, err
	}
	if err := s.seen(ctx, ws, row); err != nil {
		return nil, err
	}
	return &Opened{Report: v, Body: body}, s.record(ctx, ws, audit.ReportView, id, map[string]any{"what": what})
}

// seen marks a finished report opened by its requester (the app's notice
// goes away).
func (s *Service) seen(ctx context.Context, ws org.Workspace, r *store.Report) error {
	if r.CreatedBy != ws.User.ID || !r.SeenAt.IsZero() {
		return nil
	}
	return s.db.MarkReportSeen(ctx, ws.Scope(), r.ID, s.Now())
}

// MarkSeen records that the requester looked at a finished report's
// page, failed ones included.
func (s *Service) MarkSeen(ctx context.Context, ws org.Workspace, id string) error {
	r, err := s.db.Report(ctx, ws.Scope(), id)
	if err != nil {
		return err
	}
	return s.seen(ctx, ws, r)
}

// openBody opens and inflates a stored report.
func (s *Service) openBody(r *store.Report) (*report.Report, error) {
	b, err := s.keys.Open(r.Body, aad(r.ID, "body"))
	if err != nil {
		return nil, fmt.Errorf("revenue: opening report %s: %w", r.ID, err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("revenue: report %s: %w", r.ID, err)
	}
	var out report.Report
	if err := json.NewDecoder(zr).Decode(&out); err != nil {
		return nil, fmt.Errorf("revenue: decoding report %s: %w", r.ID, err)
	}
	return &out, nil
}

// PDF returns a done report's PDF; the download is audited.
func (s *Service) PDF(ctx context.Context, ws org.Workspace, id string) ([]byte, error) {
	if err := ws.Require(org.ReadReports); err != nil {
		return nil, err
	}
	r, err := s.db.ReportPDF(ctx, ws.Scope(), id)
	if err != nil {
		return nil, err
	}
	pdf, err := s.keys.Open(r.PDF, aad(r.ID, "pdf"))
	if err != nil {
		return nil, fmt.Errorf("revenue: opening the PDF of %s: %w", id, err)
	}
	if err := s.seen(ctx, ws, r); err != nil {
		return nil, err
	}
	return pdf, s.record(ctx, ws, audit.ReportView, id, map[string]any{"what": "pdf"})
}

// Write writes a done report as CSV (its findings) or as the
// self-contained HTML page.
func (s *Service) Write(ctx context.Context, ws org.Workspace, id, format string, w io.Writer) error {
	write := map[string]func(*report.Report, io.Writer) error{
		"csv":  (*report.Report).WriteCSV,
		"html": (*report.Report).WriteHTML,
	}[format]
	if write == nil {
		return apperr.New(apperr.NotFound, "no %s form of a report", format)
	}
	o, err := s.Open(ctx, ws, id, format)
	if err != nil {
		return err
	}
	return write(o.Body, w)
}

// Delete removes a report (and its uploads, if it was still waiting).
func (s *Service) Delete(ctx context.Context, ws org.Workspace, id string) error {
	if err := ws.Require(org.DeleteReport); err != nil {
		return err
	}
	if err := s.db.DeleteReport(ctx, ws.Scope(), id); err != nil {
		return err
	}
	s.cache.drop(id)
	return s.record(ctx, ws, audit.ReportDelete, id, nil)
}

// Notice is a finished report its requester has not opened yet.
type Notice struct {
	ReportID string
	OrgID    int64
	Failed   bool
}

// Notices lists the user's finished reports not opened yet, for the
// app's notice.
func (s *Service) Notices(ctx context.Context, u *store.User) ([]Notice, error) {
	rows, err := s.db.UnseenReports(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	out := make([]Notice, len(rows))
	for i, r := range rows {
		out[i] = Notice{ReportID: r.ID, OrgID: r.OrgID, Failed: r.Status == store.ReportFailed}
	}
	return out, nil
}

// cache keeps the last few opened reports, so that the drill-down of a
// report does not decrypt and decode it on every click. It holds report
// figures and findings only.
type cache struct {
	mu    sync.Mutex
	size  int
	order []string
	items map[string]*report.Report
}

func newCache(size int) *cache { return &cache{size: size, items: map[string]*report.Report{}} }

func (c *cache) get(id string) (*report.Report, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.items[id]
	return r, ok
}

func (c *cache) put(id string, r *report.Report) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.items[id]; ok {
		return
	}
	if len(c.order) == c.size {
		delete(c.items, c.order[0])
		c.order = c.order[1:]
	}
	c.order = append(c.order, id)
	c.items[id] = r
}

func (c *cache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.order, c.items = nil, map[string]*report.Report{}
}

func (c *cache) drop(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.items[id]; !ok {
		return
	}
	delete(c.items, id)
	for i, o := range c.order {
		if o == id {
			c.order = append(c.order[:i], c.order[i+1:]...)
			break
		}
	}
}
