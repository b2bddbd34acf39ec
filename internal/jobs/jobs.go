// Package jobs is medcode's background work on River: emails, the coding
// of queued batches, periodic purges and report generation. The queue lives
// in the server's database (riverpgxv5 on PostgreSQL, where every instance
// works the same queue; riversqlite on a single node), so a job inserted by
// one instance survives a crash of that instance and is worked once: a job
// whose worker died is rescued after RescueAfter and run again, and each
// worker is written so that running a job twice does its work once.
//
// Job arguments never hold note text. Email bodies carry one-time links, so
// they are sealed with the server's keyring before they reach the queue.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
)

// Config tunes the queue of one instance.
type Config struct {
	// BatchWorkers is how many batch chunks this instance codes at once
	// (coding is CPU-bound: default the number of CPUs).
	BatchWorkers int
	// JobTimeout bounds one job; RescueAfter (longer) is how long a job may
	// stay running before it is taken for abandoned by a dead instance and
	// run again.
	JobTimeout  time.Duration
	RescueAfter time.Duration
	// PollInterval is how often an instance looks for new jobs when the
	// database cannot notify it (SQLite); PostgreSQL notifies at once.
	PollInterval time.Duration
	// PurgeEvery is the period of the purge job.
	PurgeEvery time.Duration
	Log        *slog.Logger
}

func (c *Config) defaults() {
	if c.BatchWorkers <= 0 {
		c.BatchWorkers = runtime.NumCPU()
	}
	if c.JobTimeout <= 0 {
		c.JobTimeout = 5 * time.Minute
	}
	if c.RescueAfter <= c.JobTimeout {
		c.RescueAfter = c.JobTimeout + time.Minute
	}
	if c.PollInterval <= 0 {
		c.PollInterval = 500 * time.Millisecond
	}
	if c.PurgeEvery <= 0 {
		c.PurgeEvery = 5 * time.Minute
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
}

// The queues: batch coding is kept apart so that a large batch does not
// hold up emails.
const (
	queueDefault = river.QueueDefault
	queueBatch   = "batch"
)

// Handlers are what the workers call; set them with Queue.Handle before
// Start. A job whose handler is missing fails and is retried, so an
// instance started without one does not lose the job.
type Handlers struct {
	Mail    Sender
	Batches BatchRunner
	// Purgers run, each in turn, in every purge job.
	Purgers []Purger
	// Reports generate reports by name (see ReportArgs).
	Reports map[string]ReportFunc
}

// Queue is River on the server's database.
type Queue struct {
	cfg      Config
	keys     Keyring
	handlers Handlers
	client   client
}

// client is the part of a river.Client the queue uses, whatever its
// driver's transaction type.
type client struct {
	insertMany func(ctx context.Context, params []river.InsertManyParams) error
	start      func(ctx context.Context) error
	stop       func(ctx context.Context) error
}

func newQueue[TTx any](driver riverdriver.Driver[TTx], keys Keyring, cfg Config) (*Queue, error) {
	cfg.defaults()
	q := &Queue{cfg: cfg, keys: keys}
	workers := river.NewWorkers()
	river.AddWorker(workers, &emailWorker{q: q})
	river.AddWorker(workers, &batchWorker{q: q})
	river.AddWorker(workers, &purgeWorker{q: q})
	river.AddWorker(workers, &reportWorker{q: q})
	c, err := river.NewClient(driver, &river.Config{
		Queues: map[string]river.QueueConfig{
			queueDefault: {MaxWorkers: 4},
			queueBatch:   {MaxWorkers: cfg.BatchWorkers},
		},
		Workers:              workers,
		JobTimeout:           cfg.JobTimeout,
		RescueStuckJobsAfter: cfg.RescueAfter,
		FetchPollInterval:    cfg.PollInterval,
		FetchCooldown:        min(cfg.PollInterval, 100*time.Millisecond),
		// Periodic jobs run on the elected leader only, so one instance
		// purges at a time.
		PeriodicJobs: []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(cfg.PurgeEvery),
			func() (river.JobArgs, *river.InsertOpts) { return PurgeArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true})},
		// River reports its routine at info level; keep warnings and errors.
		Logger: slog.New(minLevel{cfg.Log.Handler(), slog.LevelWarn}).With("component", "jobs"),
	})
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	q.client = client{
		insertMany: func(ctx context.Context, params []river.InsertManyParams) error {
			_, err := c.InsertMany(ctx, params)
			return err
		},
		start: c.Start,
		stop:  c.Stop,
	}
	return q, nil
}

// Handle sets the handlers; call it before Start.
func (q *Queue) Handle(h Handlers) { q.handlers = h }

// Start works jobs in the background until Stop.
func (q *Queue) Start(ctx context.Context) error {
	if err := q.client.start(ctx); err != nil {
		return fmt.Errorf("jobs: starting: %w", err)
	}
	return nil
}

// Stop stops fetching jobs and waits for the running ones (until ctx ends;
// a job cut short is run again after RescueAfter).
func (q *Queue) Stop(ctx context.Context) error {
	if err := q.client.stop(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("jobs: stopping: %w", err)
	}
	return nil
}

func (q *Queue) insert(ctx context.Context, args ...river.JobArgs) error {
	params := make([]river.InsertManyParams, len(args))
	for i, a := range args {
		params[i] = river.InsertManyParams{Args: a}
	}
	if err := q.client.insertMany(ctx, params); err != nil {
		return fmt.Errorf("jobs: queueing %s: %w", args[0].Kind(), err)
	}
	return nil
}

// minLevel drops records below level.
type minLevel struct {
	slog.Handler
	level slog.Level
}

func (h minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.level && h.Handler.Enabled(ctx, l)
}

func (h minLevel) WithAttrs(attrs []slog.Attr) slog.Handler {
	return minLevel{h.Handler.WithAttrs(attrs), h.level}
}

func (h minLevel) WithGroup(name string) slog.Handler {
	return minLevel{h.Handler.WithGroup(name), h.level}
}
