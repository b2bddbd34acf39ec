package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/medcode/medcode/internal/mail"
	"github.com/medcode/medcode/internal/store"
)

// Keyring seals and opens blobs (internal/crypto implements it).
type Keyring interface {
	Seal(plaintext, aad []byte) ([]byte, error)
	Open(blob, aad []byte) ([]byte, error)
}

// Sender delivers an email (internal/mail implements it over SMTP).
type Sender interface {
	Send(ctx context.Context, m mail.Message) error
}

// BatchRunner codes the notes from ≤ seq ≤ to of a queued batch that have
// no outcome yet, in the workspace it was sent to (the sender, and the
// organization or none) (internal/batch implements it). It must record
// each note at most once however often it is called for the same range.
type BatchRunner interface {
	RunChunk(ctx context.Context, ws store.Scope, batchID string, from, to int) error
}

// Purger deletes data that is due for deletion.
type Purger struct {
	Name string
	Run  func(ctx context.Context, now time.Time) (int, error)
}

// ReportFunc generates one report. An error fails this attempt and River
// runs the job again later; on the last attempt the function should give
// up cleanly (and record why), as nothing runs it after that.
type ReportFunc func(ctx context.Context, job ReportJob) error

// ReportJob is one attempt at a report.
type ReportJob struct {
	OwnerID     int64
	Params      json.RawMessage
	LastAttempt bool
}

// errNoHandler fails a job this instance cannot work; River retries it.
var errNoHandler = errors.New("jobs: this instance has no handler for the job")

// EmailArgs is one email. Body is sealed: it may hold a one-time link.
type EmailArgs struct {
	To      string `json:"to"`
	Subject string `json:"subject"`
	Body    []byte `json:"body"`
}

// Kind implements river.JobArgs.
func (EmailArgs) Kind() string { return "email" }

// InsertOpts retries a failing SMTP server for about a day (River backs
// off as attempt⁴ seconds).
func (EmailArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: queueDefault, MaxAttempts: 12}
}

func emailAAD(to string) []byte { return []byte("medcode/job/email/" + to) }

// Mailer queues emails (it implements auth.Mailer): sending happens in an
// email job, retried while the SMTP server fails.
type Mailer struct{ q *Queue }

// Mailer returns the queue's mailer.
func (q *Queue) Mailer() *Mailer { return &Mailer{q: q} }

// Send seals m's body and queues it.
func (m *Mailer) Send(ctx context.Context, msg mail.Message) error {
	sealed, err := m.q.keys.Seal([]byte(msg.Body), emailAAD(msg.To))
	if err != nil {
		return fmt.Errorf("jobs: sealing an email: %w", err)
	}
	return m.q.insert(ctx, EmailArgs{To: msg.To, Subject: msg.Subject, Body: sealed})
}

type emailWorker struct {
	river.WorkerDefaults[EmailArgs]
	q *Queue
}

func (w *emailWorker) Work(ctx context.Context, job *river.Job[EmailArgs]) error {
	if w.q.handlers.Mail == nil {
		return errNoHandler
	}
	body, err := w.q.keys.Open(job.Args.Body, emailAAD(job.Args.To))
	if err != nil {
		// A body sealed with a key this instance lacks never opens here.
		return river.JobCancel(fmt.Errorf("jobs: email %d: %w", job.ID, err))
	}
	return w.q.handlers.Mail.Send(ctx, mail.Message{To: job.Args.To, Subject: job.Args.Subject, Body: string(body)})
}

// BatchChunkArgs names a range of notes of a queued batch and the
// workspace the batch was sent to; the notes stay sealed in the store,
// never in the job.
type BatchChunkArgs struct {
	UserID  int64  `json:"user_id"`
	OrgID   int64  `json:"org_id,omitempty"` // 0: the sender's personal workspace
	BatchID string `json:"batch_id"`
	From    int    `json:"from"`
	To      int    `json:"to"`
}

// Kind implements river.JobArgs.
func (BatchChunkArgs) Kind() string { return "batch_chunk" }

// InsertOpts puts chunks on the batch queue.
func (BatchChunkArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: queueBatch, MaxAttempts: 10}
}

// EnqueueBatch queues the coding of notes 1..total of a batch sent to
// workspace ws in chunks of chunk notes, spread over every instance's batch
// workers.
func (q *Queue) EnqueueBatch(ctx context.Context, ws store.Scope, batchID string, total, chunk int) error {
	if total == 0 {
		return nil
	}
	var args []river.JobArgs
	for from := 1; from <= total; from += chunk {
		args = append(args, BatchChunkArgs{UserID: ws.UserID, OrgID: ws.OrgID, BatchID: batchID, From: from, To: min(from+chunk-1, total)})
	}
	return q.insert(ctx, args...)
}

type batchWorker struct {
	river.WorkerDefaults[BatchChunkArgs]
	q *Queue
}

func (w *batchWorker) Work(ctx context.Context, job *river.Job[BatchChunkArgs]) error {
	if w.q.handlers.Batches == nil {
		return errNoHandler
	}
	ws := store.Scope{UserID: job.Args.UserID, OrgID: job.Args.OrgID}
	return w.q.handlers.Batches.RunChunk(ctx, ws, job.Args.BatchID, job.Args.From, job.Args.To)
}

// PurgeArgs is the periodic purge.
type PurgeArgs struct{}

// Kind implements river.JobArgs.
func (PurgeArgs) Kind() string { return "purge" }

// InsertOpts puts purges on the default queue; a failed purge waits for
// the next period rather than retrying at once.
func (PurgeArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: queueDefault, MaxAttempts: 1}
}

type purgeWorker struct {
	river.WorkerDefaults[PurgeArgs]
	q *Queue
}

func (w *purgeWorker) Work(ctx context.Context, job *river.Job[PurgeArgs]) error {
	var errs []error
	now := time.Now().UTC()
	for _, p := range w.q.handlers.Purgers {
		n, err := p.Run(ctx, now)
		if err != nil {
			errs = append(errs, fmt.Errorf("jobs: purge %s: %w", p.Name, err))
			continue
		}
		if n > 0 {
			w.q.cfg.Log.Info("purged", "what", p.Name, "rows", n)
		}
	}
	return errors.Join(errs...)
}

// ReportArgs asks for one report; Params are the report's own (never note
// text).
type ReportArgs struct {
	Report  string          `json:"report"`
	OwnerID int64           `json:"owner_id"`
	Params  json.RawMessage `json:"params,omitempty"`
}

// Kind implements river.JobArgs.
func (ReportArgs) Kind() string { return "report" }

// InsertOpts puts reports on the default queue.
func (ReportArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: queueDefault, MaxAttempts: 5}
}

// EnqueueReport queues a report.
func (q *Queue) EnqueueReport(ctx context.Context, args ReportArgs) error {
	return q.insert(ctx, args)
}

type reportWorker struct {
	river.WorkerDefaults[ReportArgs]
	q *Queue
}

func (w *reportWorker) Work(ctx context.Context, job *river.Job[ReportArgs]) error {
	gen, ok := w.q.handlers.Reports[job.Args.Report]
	if !ok {
		return river.JobCancel(fmt.Errorf("jobs: unknown report %q", job.Args.Report))
	}
	return gen(ctx, ReportJob{OwnerID: job.Args.OwnerID, Params: job.Args.Params, LastAttempt: job.Attempt >= job.MaxAttempts})
}
