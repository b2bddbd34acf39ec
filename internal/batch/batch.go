// Package batch codes many notes in one submission. A client uploads
// notes as NDJSON (one JSON object per line) and gets one outcome per note:
// the stored analysis, or why the note was refused. A batch is sent to a
// workspace (org.Workspace), the user's own or an organization's, and
// every note goes through the same path as a single analysis there (the
// permission, the PHI guard in the workspace's BAA mode, the clinic rules,
// the cache, the monthly limit); outcomes are stored with their analyses,
// sealed, so a batch's progress and results can be read later in that
// workspace. In an organization each analysis a batch stores, and each
// one its results show, goes to the audit log as a single analysis does.
//
// Where the notes are while they wait is the privacy question, and the
// organization's Business Associate Agreement (org.Workspace.BAA) answers
// it:
//
//   - Stream batches (the default, and the only kind outside BAA mode)
//     are coded straight from the request body as it arrives: a few notes
//     are in memory at a time and none is ever written anywhere, not even
//     to the job queue. The upload request is the queue. Asked to be
//     asynchronous, the server answers with the batch id at once and the
//     client streams the rest of the notes, reading nothing back; results
//     are fetched later. If the upload breaks, the batch ends interrupted
//     with the outcomes it got; the client sends the rest again.
//   - Queued batches (BAA mode only: an organization with a Business
//     Associate Agreement on record) are stored first, each note sealed with the
//     server's keys, then coded by background jobs on any instance; the
//     sealed note is deleted in the same transaction that stores its
//     outcome, so each note is recorded exactly once even when an instance
//     dies mid-chunk and the job runs again elsewhere.
package batch

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/medcode/medcode/internal/analysis"
	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/audit"
	"github.com/medcode/medcode/internal/crypto"
	"github.com/medcode/medcode/internal/org"
	"github.com/medcode/medcode/internal/store"
)

// Enqueuer queues the coding of a queued batch sent to workspace ws
// (internal/jobs).
type Enqueuer interface {
	EnqueueBatch(ctx context.Context, ws store.Scope, batchID string, total, chunk int) error
}

// Workspaces finds a user's workspace in an organization again when a job
// codes a queued batch (org.Service implements it): NotFound once the user
// is no longer a member.
type Workspaces interface {
	Workspace(ctx context.Context, u *store.User, orgID int64) (org.Workspace, error)
}

// Config holds the batch rules.
type Config struct {
	// MaxLineBytes bounds one line of the upload.
	MaxLineBytes int
	// MaxNotes bounds the notes of one batch; later lines are refused.
	MaxNotes int
	// Chunk is how many notes of a queued batch one job codes.
	Chunk int
	// Group is how many outcomes one transaction stores.
	Group int
	// Workers is how many notes of a stream are coded at once.
	Workers int
}

func (c *Config) defaults() {
	if c.MaxNotes <= 0 {
		c.MaxNotes = 100_000
	}
	if c.Chunk <= 0 {
		c.Chunk = 200
	}
	if c.Group <= 0 {
		c.Group = 32
	}
	if c.Workers <= 0 {
		c.Workers = runtime.NumCPU()
	}
}

// Service runs batches.
type Service struct {
	db       store.Store
	analyses *analysis.Service
	orgs     Workspaces
	audit    *audit.Log
	keys     *crypto.Keyring
	queue    Enqueuer
	cfg      Config
	log      *slog.Logger
	// Now is the clock; tests replace it.
	Now func() time.Time
}

// New returns the service.
func New(db store.Store, analyses *analysis.Service, orgs Workspaces, auditLog *audit.Log, keys *crypto.Keyring, queue Enqueuer, cfg Config, log *slog.Logger) *Service {
	cfg.defaults()
	return &Service{db: db, analyses: analyses, orgs: orgs, audit: auditLog, keys: keys, queue: queue, cfg: cfg, log: log,
		Now: func() time.Time { return time.Now().UTC() }}
}

// Outcome is one line of a batch's results.
type Outcome struct {
	Seq      int              `json:"seq"`
	ID       string           `json:"id,omitempty"`
	Analysis *analysis.Record `json:"analysis,omitempty"`
	Error    *Refusal         `json:"error,omitempty"`
}

// Refusal says why a note was not coded (the API's error body).
type Refusal struct {
	Code    apperr.Code `json:"code"`
	Message string      `json:"message"`
	Details any         `json:"details,omitempty"`
}

// outcomeBlob is the sealed part of a stored outcome.
type outcomeBlob struct {
	ID      string `json:"id,omitempty"`
	Message string `json:"message,omitempty"`
	Details any    `json:"details,omitempty"`
}

// queuedNote is the sealed content of a queued batch's note.
type queuedNote struct {
	Line    Line   `json:"line"`
	BadLine string `json:"bad_line,omitempty"`
}

func aad(batchID string, seq int, field string) []byte {
	return []byte("medcode/batch/" + batchID + "/" + strconv.Itoa(seq) + "/" + field)
}

func newID() (string, error) {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("batch: id: %w", err)
	}
	return "bt_" + hex.EncodeToString(b), nil
}

// Get returns one of the workspace's batches.
func (s *Service) Get(ctx context.Context, ws org.Workspace, id string) (*store.Batch, error) {
	if err := ws.Require(org.ReadAnalysis); err != nil {
		return nil, err
	}
	return s.db.Batch(ctx, ws.Scope(), id)
}

// List returns the workspace's newest batches.
func (s *Service) List(ctx context.Context, ws org.Workspace, limit int) ([]store.Batch, error) {
	if err := ws.Require(org.ReadAnalysis); err != nil {
		return nil, err
	}
	return s.db.ListBatches(ctx, ws.Scope(), limit)
}

// Queued reports whether an asynchronous batch sent to ws is queued
// rather than streamed: only a workspace under a Business Associate
// Agreement may hold notes.
func Queued(ws org.Workspace) bool { return ws.BAA() }

func (s *Service) create(ctx context.Context, ws org.Workspace, mode store.BatchMode) (*store.Batch, error) {
	if err := ws.Require(org.CreateAnalysis); err != nil {
		return nil, err
	}
	id, err := newID()
	if err != nil {
		return nil, err
	}
	now := s.Now()
	b := &store.Batch{ID: id, UserID: ws.User.ID, OrgID: ws.OrgID(), Mode: mode, Status: store.BatchReceiving, CreatedAt: now, UpdatedAt: now}
	if err := s.db.CreateBatch(ctx, b); err != nil {
		return nil, err
	}
	return b, nil
}

// note is one note on its way: its number and the line or why the line is
// bad.
type note struct {
	seq  int
	line Line
	bad  error
}

// result is a note's outcome, to store and to show.
type result struct {
	completion store.BatchCompletion
	outcome    Outcome
}

// code runs one note through the analysis path; every refusal becomes an
// outcome, so one bad note never stops a batch.
func (s *Service) code(ctx context.Context, ws org.Workspace, batchID string, n note) (*result, error) {
	var refusal *apperr.Error
	if n.bad != nil {
		refusal = apperr.New(apperr.Invalid, "%s", n.bad.Error())
	} else {
		p, err := s.analyses.Prepare(ctx, ws, analysis.Request{Note: n.line.Note, Attested: n.line.NoPHIAttested,
			SavePreview: n.line.SavePreview, Profile: n.line.Profile})
		switch {
		case err == nil:
			sealed, err := s.seal(batchID, n.seq, outcomeBlob{ID: n.line.ID})
			if err != nil {
				return nil, err
			}
			return &result{
				completion: store.BatchCompletion{Item: store.BatchItem{Seq: n.seq, AnalysisID: p.Analysis.ID, Outcome: sealed},
					Analysis: p.Analysis, Quota: p.Quota},
				outcome: Outcome{Seq: n.seq, ID: n.line.ID, Analysis: p.Record},
			}, nil
		case ctx.Err() != nil:
			return nil, ctx.Err()
		default:
			if apperr.CodeOf(err) == apperr.Internal {
				s.log.Error("batch note not coded", "batch", batchID, "seq", n.seq, "err", err)
			}
			refusal = &apperr.Error{Code: apperr.CodeOf(err), Message: apperr.MessageOf(err), Details: apperr.DetailsOf(err)}
		}
	}
	return s.refuse(batchID, n.seq, n.line.ID, refusal)
}

// refuse is the outcome of a note not coded.
func (s *Service) refuse(batchID string, seq int, id string, refusal *apperr.Error) (*result, error) {
	sealed, err := s.seal(batchID, seq, outcomeBlob{ID: id, Message: refusal.Message, Details: refusal.Details})
	if err != nil {
		return nil, err
	}
	return &result{
		completion: store.BatchCompletion{Item: store.BatchItem{Seq: seq, ErrorCode: string(refusal.Code), Outcome: sealed}},
		outcome:    Outcome{Seq: seq, ID: id, Error: &Refusal{Code: refusal.Code, Message: refusal.Message, Details: refusal.Details}},
	}, nil
}

func (s *Service) seal(batchID string, seq int, b outcomeBlob) ([]byte, error) {
	raw, err := json.Marshal(b)
	if err != nil {
		return nil, fmt.Errorf("batch: encoding an outcome: %w", err)
	}
	return s.keys.Seal(raw, aad(batchID, seq, "outcome"))
}

// quotaRefusal is the outcome of a note refused at the monthly limit.
var quotaRefusal = Refusal{Code: apperr.QuotaExceeded, Message: "The monthly analysis limit of your plan is reached; the note was not coded."}

// store records a group of results; the store turns notes over the quota
// into refusals, which the outcomes then show. In an organization each
// analysis stored goes to the audit log.
func (s *Service) store(ctx context.Context, ws org.Workspace, batchID string, group []*result) error {
	cs := make([]store.BatchCompletion, len(group))
	for i, r := range group {
		cs[i] = r.completion
	}
	recorded, err := s.db.CompleteBatchItems(ctx, batchID, cs, s.Now())
	if err != nil {
		return err
	}
	for i, r := range group {
		if cs[i].Item.ErrorCode == string(apperr.QuotaExceeded) && r.outcome.Error == nil {
			refusal := quotaRefusal
			r.outcome.Analysis, r.outcome.Error = nil, &refusal
		}
	}
	if ws.Org == nil {
		return nil
	}
	for i, r := range group {
		a := cs[i].Analysis
		if a == nil {
			continue
		}
		if recorded < len(group) {
			// Another run of the same chunk recorded some of these notes
			// (the store skipped them): audit only the analyses stored here.
			if _, err := s.db.Analysis(ctx, ws.Scope(), a.ID); apperr.Is(err, apperr.NotFound) {
				continue
			} else if err != nil {
				return err
			}
		}
		rec := r.outcome.Analysis
		err := s.audit.Record(ctx, audit.Event{OrgID: ws.Org.ID, ActorID: ws.User.ID, Action: audit.AnalysisCreate, Target: a.ID,
			Details: map[string]any{"batch": batchID, "seq": r.outcome.Seq, "cached": rec.Cached, "phi": rec.Result.PHI.Found,
				"rules_version": rec.RulesVersion, "note_retained": rec.NoteRetained}})
		if err != nil {
			return err
		}
	}
	return nil
}

// Stream codes the notes of body as they arrive, emitting each outcome in
// order once it is stored; emit may be nil. It returns the batch when the
// upload has ended. A broken upload ends the batch interrupted.
func (s *Service) Stream(ctx context.Context, ws org.Workspace, body io.Reader, started func(*store.Batch) error, emit func(Outcome) error) (*store.Batch, error) {
	b, err := s.create(ctx, ws, store.BatchStream)
	if err != nil {
		return nil, err
	}
	if started != nil {
		if err := started(b); err != nil {
			return nil, s.abandon(b, 0, err)
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	notes := make(chan note, 2*s.cfg.Workers)
	var total int
	var readErr error
	go func() {
		defer close(notes)
		total, readErr = s.read(ctx, body, func(n note) bool {
			select {
			case notes <- n:
				return true
			case <-ctx.Done():
				return false
			}
		})
	}()

	type done struct {
		r   *result
		err error
	}
	results := make(chan done, 2*s.cfg.Workers)
	var wg sync.WaitGroup
	for range s.cfg.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range notes {
				r, err := s.code(ctx, ws, b.ID, n)
				results <- done{r, err}
			}
		}()
	}
	go func() { wg.Wait(); close(results) }()

	// Outcomes are stored and emitted in upload order, a group at a time;
	// a group is stored early when no more results are waiting, so a
	// slow upload still sees each outcome promptly. Groups are stored by
	// their own goroutine so that coding goes on while one commits.
	groups := make(chan []*result, 2)
	var stored int
	var storeErr error // written by the storing goroutine until storing is closed
	storing := make(chan struct{})
	go func() {
		defer close(storing)
		for g := range groups {
			if storeErr != nil {
				continue
			}
			if storeErr = s.store(ctx, ws, b.ID, g); storeErr == nil {
				for _, r := range g {
					if emit != nil {
						if storeErr = emit(r.outcome); storeErr != nil {
							break
						}
					}
				}
				stored += len(g)
			}
			if storeErr != nil {
				cancel() // the reader and workers stop
			}
		}
	}()
	ready := map[int]*result{}
	next := 1
	var group []*result
	var fail error
	flush := func() {
		if fail == nil && len(group) > 0 {
			groups <- group
		}
		group = nil
	}
	for d := range results {
		if d.err != nil && fail == nil {
			fail = d.err
		}
		if fail != nil {
			cancel() // drain: the reader and workers stop
			continue
		}
		ready[d.r.outcome.Seq] = d.r
		for r, ok := ready[next]; ok; r, ok = ready[next] {
			delete(ready, next)
			group = append(group, r)
			next++
			if len(group) == s.cfg.Group {
				flush()
			}
		}
		if len(results) == 0 {
			flush()
		}
	}
	flush()
	close(groups)
	<-storing
	if storeErr != nil {
		fail = storeErr // the cause; the workers' errors after it are its cancellation
	}
	if fail == nil && readErr != nil {
		fail = readErr
	}
	if fail != nil {
		return nil, s.abandon(b, stored, fail)
	}
	if err := s.db.EndUpload(ctx, b.ID, total, true, s.Now()); err != nil {
		return nil, err
	}
	return s.db.Batch(ctx, ws.Scope(), b.ID)
}

// abandon ends an upload that broke and returns cause.
func (s *Service) abandon(b *store.Batch, received int, cause error) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.db.EndUpload(ctx, b.ID, received, false, s.Now()); err != nil && !apperr.Is(err, apperr.NotFound) {
		s.log.Error("batch: marking an interrupted upload", "batch", b.ID, "err", err)
	}
	return cause
}

// read reads the upload, numbering notes from 1, and hands each to take
// until take returns false; it returns how many it handed on and the
// stream's error (nil at a clean end).
func (s *Service) read(ctx context.Context, body io.Reader, take func(note) bool) (int, error) {
	rd := NewReader(body, s.cfg.MaxLineBytes)
	seq := 0
	for {
		_, line, bad, err := rd.Next()
		if err == io.EOF {
			return seq, nil
		}
		if err != nil {
			return seq, fmt.Errorf("batch: reading the upload: %w", err)
		}
		seq++
		if seq > s.cfg.MaxNotes {
			bad = fmt.Errorf("a batch holds at most %d notes", s.cfg.MaxNotes)
		}
		if !take(note{seq: seq, line: line, bad: bad}) {
			return seq, ctx.Err()
		}
	}
}

// noteFlush bounds the sealed notes a queued upload holds before storing
// them.
const noteFlush = 8 << 20

// Queue stores the notes of body sealed and queues their coding (BAA
// mode only). It returns the batch, queued, once the upload has ended.
func (s *Service) Queue(ctx context.Context, ws org.Workspace, body io.Reader, started func(*store.Batch) error) (*store.Batch, error) {
	if !Queued(ws) {
		return nil, apperr.New(apperr.Forbidden, "Only an organization under a Business Associate Agreement may queue notes; send the batch as a stream.")
	}
	b, err := s.create(ctx, ws, store.BatchQueued)
	if err != nil {
		return nil, err
	}
	if started != nil {
		if err := started(b); err != nil {
			return nil, s.abandon(b, 0, err)
		}
	}
	var pending []store.BatchNote
	size := 0
	var fail error
	save := func() {
		if fail == nil && len(pending) > 0 {
			fail = s.db.AddBatchNotes(ctx, b.ID, pending, s.Now())
		}
		pending, size = pending[:0], 0
	}
	total, readErr := s.read(ctx, body, func(n note) bool {
		qn := queuedNote{Line: n.line}
		if n.bad != nil {
			qn = queuedNote{Line: Line{ID: n.line.ID}, BadLine: n.bad.Error()}
		}
		raw, err := json.Marshal(qn)
		if err == nil {
			var sealed []byte
			if sealed, err = s.keys.Seal(raw, aad(b.ID, n.seq, "note")); err == nil {
				pending = append(pending, store.BatchNote{Seq: n.seq, Sealed: sealed})
				size += len(sealed)
			}
		}
		if err != nil {
			fail = fmt.Errorf("batch: sealing note %d: %w", n.seq, err)
		}
		if size >= noteFlush {
			save()
		}
		return fail == nil
	})
	save()
	if fail == nil {
		fail = readErr
	}
	if fail == nil {
		// The jobs go in before the upload is marked ended: a crash in
		// between leaves a receiving batch, which the purge interrupts.
		fail = s.queue.EnqueueBatch(ctx, ws.Scope(), b.ID, total, s.cfg.Chunk)
	}
	if fail != nil {
		return nil, s.abandon(b, total, fail)
	}
	if err := s.db.EndUpload(ctx, b.ID, total, true, s.Now()); err != nil {
		return nil, err
	}
	return s.db.Batch(ctx, ws.Scope(), b.ID)
}

// RunChunk codes the notes from..to of a queued batch sent to workspace sc
// that are still waiting (jobs.BatchRunner). Running it twice records each
// note once: the store deletes a note with its outcome and skips outcomes
// of deleted notes. A sender who may no longer code there (they left the
// organization) gets refusals, so that no sealed note outlives its jobs.
func (s *Service) RunChunk(ctx context.Context, sc store.Scope, batchID string, from, to int) error {
	pending, err := s.db.PendingBatchNotes(ctx, batchID, from, to)
	if err != nil || len(pending) == 0 {
		return err
	}
	ws, err := s.workspace(ctx, sc)
	left := apperr.Is(err, apperr.NotFound)
	if err != nil && !left {
		return err
	}
	var group []*result
	for i, pn := range pending {
		n, err := s.openNote(batchID, pn)
		if err != nil {
			return err
		}
		var r *result
		if left {
			r, err = s.refuse(batchID, n.seq, n.line.ID, apperr.New(apperr.NotFound, "The sender of the batch is no longer a member of the organization; the note was not coded."))
		} else {
			r, err = s.code(ctx, ws, batchID, n)
		}
		if err != nil {
			return err
		}
		group = append(group, r)
		if len(group) == s.cfg.Group || i == len(pending)-1 {
			if err := s.store(ctx, ws, batchID, group); err != nil {
				return err
			}
			group = group[:0]
		}
	}
	return nil
}

// workspace is the sender's workspace of a queued batch, read again: the
// organization's BAA, rules and the sender's role as they are now.
func (s *Service) workspace(ctx context.Context, sc store.Scope) (org.Workspace, error) {
	u, err := s.db.UserByID(ctx, sc.UserID)
	if err != nil {
		return org.Workspace{}, err
	}
	if sc.OrgID == 0 {
		return org.Personal(u), nil
	}
	return s.orgs.Workspace(ctx, u, sc.OrgID)
}

// openNote opens a queued note.
func (s *Service) openNote(batchID string, pn store.BatchNote) (note, error) {
	raw, err := s.keys.Open(pn.Sealed, aad(batchID, pn.Seq, "note"))
	if err != nil {
		return note{}, fmt.Errorf("batch %s note %d: %w", batchID, pn.Seq, err)
	}
	var qn queuedNote
	if err := json.Unmarshal(raw, &qn); err != nil {
		return note{}, fmt.Errorf("batch %s note %d: %w", batchID, pn.Seq, err)
	}
	n := note{seq: pn.Seq, line: qn.Line}
	if qn.BadLine != "" {
		n.bad = errors.New(qn.BadLine)
	}
	return n, nil
}

// Results emits the outcomes of one of the workspace's batches, in order.
// In an organization each analysis shown is audited as a view, before it
// is shown.
func (s *Service) Results(ctx context.Context, ws org.Workspace, batchID string, emit func(Outcome) error) error {
	if err := ws.Require(org.ReadAnalysis); err != nil {
		return err
	}
	return s.db.EachBatchItem(ctx, ws.Scope(), batchID, func(it *store.BatchItem, a *store.Analysis) (bool, error) {
		raw, err := s.keys.Open(it.Outcome, aad(batchID, it.Seq, "outcome"))
		if err != nil {
			return false, fmt.Errorf("batch %s outcome %d: %w", batchID, it.Seq, err)
		}
		var blob outcomeBlob
		if err := json.Unmarshal(raw, &blob); err != nil {
			return false, fmt.Errorf("batch %s outcome %d: %w", batchID, it.Seq, err)
		}
		o := Outcome{Seq: it.Seq, ID: blob.ID}
		switch {
		case a != nil:
			if o.Analysis, err = s.analyses.Open(a); err != nil {
				return false, err
			}
			if ws.Org != nil {
				err := s.audit.Record(ctx, audit.Event{OrgID: ws.Org.ID, ActorID: ws.User.ID, Action: audit.AnalysisView, Target: a.ID,
					Details: map[string]any{"batch": batchID, "phi": o.Analysis.Result.PHI.Found || o.Analysis.NoteRetained}})
				if err != nil {
					return false, err
				}
			}
		case it.ErrorCode == string(apperr.QuotaExceeded) && blob.Message == "":
			refusal := quotaRefusal
			o.Error = &refusal
		case it.ErrorCode != "":
			o.Error = &Refusal{Code: apperr.Code(it.ErrorCode), Message: blob.Message, Details: blob.Details}
		default:
			o.Error = &Refusal{Code: apperr.NotFound, Message: "The analysis of this note was deleted."}
		}
		return true, emit(o)
	})
}
