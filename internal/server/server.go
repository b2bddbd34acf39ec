// Package server wires medcode's web app and API: Main opens the database,
// migrates it, loads the encryption keys, builds the services and serves
// HTTP(S) until Close. All wiring lives here.
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/medcode/medcode/internal/analysis"
	"github.com/medcode/medcode/internal/api"
	"github.com/medcode/medcode/internal/audit"
	"github.com/medcode/medcode/internal/auth"
	"github.com/medcode/medcode/internal/batch"
	"github.com/medcode/medcode/internal/billing"
	"github.com/medcode/medcode/internal/billing/revenue"
	"github.com/medcode/medcode/internal/claims/scrub"
	"github.com/medcode/medcode/internal/claims/scrub/codesetsrc"
	"github.com/medcode/medcode/internal/codeset"
	"github.com/medcode/medcode/internal/config"
	"github.com/medcode/medcode/internal/crypto"
	"github.com/medcode/medcode/internal/dsr"
	"github.com/medcode/medcode/internal/jobs"
	"github.com/medcode/medcode/internal/mail"
	"github.com/medcode/medcode/internal/notice"
	"github.com/medcode/medcode/internal/org"
	"github.com/medcode/medcode/internal/phi"
	"github.com/medcode/medcode/internal/policy"
	"github.com/medcode/medcode/internal/store"
	"github.com/medcode/medcode/internal/store/postgres"
	"github.com/medcode/medcode/internal/store/sqlite"
	"github.com/medcode/medcode/internal/support"
	"github.com/medcode/medcode/internal/web"
)

// Main is one running medcode server.
type Main struct {
	Config *config.Config
	Coder  analysis.Coder
	PHI    *phi.Detector // nil: the default detector
	// CodeSets are the installed code sets: the scrubber's facts and the
	// fee schedule of the revenue reports. Nil runs the scrubber's edits
	// that need no code set, and revenue reports fail for want of prices.
	CodeSets *codeset.Set
	// LogOutput receives the structured logs; nil means os.Stderr.
	LogOutput io.Writer

	// Set by Run.
	Log      *slog.Logger
	DB       store.Database
	Keys     *crypto.Keyring
	Accounts *auth.Accounts
	Analyses *analysis.Service
	Orgs     *org.Service
	Audit    *audit.Log
	Batches  *batch.Service
	Billing  *billing.Service
	Reports  *revenue.Service
	Jobs     *jobs.Queue
	Policies *policy.Service
	Notices  *notice.Service
	Support  *support.Service
	Rights   *dsr.Service

	ln        net.Listener
	srv       *http.Server
	served    chan struct{} // closed when Serve returns
	serveErr  error
	closeJobs func() // closes the queue's own database connections
	stopKeys  context.CancelFunc
	keysDone  chan struct{}
	closeOnce sync.Once
	closeErr  error
	patterns  []string
	perms     map[string]org.Permission
}

// Patterns lists every UI and API route pattern (for tests that must cover
// all of them).
func (m *Main) Patterns() []string { return m.patterns }

// Permissions maps every route pattern to the permission a member needs
// ("" for the routes outside an organization), for the role tests.
func (m *Main) Permissions() map[string]org.Permission { return m.perms }

// Run starts the server and returns once it listens; serving goes on in the
// background until Close. Done is closed if serving stops on its own.
func (m *Main) Run(ctx context.Context) error {
	cfg := m.Config
	if m.Coder == nil {
		return errors.New("server: no coding engine given")
	}
	m.Log = NewLogger(m.LogOutput, cfg.LogFormat, cfg.LogLevel)

	db, created, err := OpenStore(ctx, cfg.DB)
	if err != nil {
		return err
	}
	m.DB = db
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	m.Keys, err = LoadKeys(cfg, created, m.Log)
	if err != nil {
		return err
	}
	if err := m.openJobs(ctx); err != nil {
		return err
	}
	handlers := jobs.Handlers{}
	var mailer auth.Mailer
	if cfg.SMTPHost != "" {
		smtp, err := mail.New(mail.Config{Host: cfg.SMTPHost, Port: cfg.SMTPPort, Username: cfg.SMTPUsername,
			Password: cfg.SMTPPassword, From: cfg.SMTPFrom, TLS: cfg.SMTPTLS})
		if err != nil {
			return err
		}
		// Requests queue emails; a job sends them, retrying while the SMTP
		// server fails.
		handlers.Mail, mailer = smtp, m.Jobs.Mailer()
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	acfg := auth.DefaultConfig()
	acfg.MaxFailures, acfg.Lockout, acfg.IPAttempts, acfg.IPWindow = cfg.MaxFailures, cfg.Lockout, cfg.IPAttempts, cfg.IPWindow
	acfg.BaseURL = cfg.PublicURL()
	m.Audit = audit.New(db)
	m.Accounts = auth.NewAccounts(db, m.Keys, mailer, m.Audit, acfg, m.Log)
	m.Orgs = org.New(db, m.Audit, mailer, m.Coder, org.Config{BaseURL: cfg.PublicURL()}, m.Log)
	m.Analyses, err = analysis.New(db, m.Keys, m.Coder, m.PHI, m.Audit, analysis.Config{
		Limits:       map[store.Tier]int{store.TierFree: cfg.LimitFree, store.TierPro: cfg.LimitPro, store.TierEnterprise: cfg.LimitEnterprise},
		PHIPolicy:    phi.Policy(cfg.PHIAction),
		MaxNoteBytes: cfg.MaxNoteBytes,
		// Without email nobody could confirm an address.
		RequireVerifiedEmail: cfg.RequireVerifiedEmail && mailer != nil,
	}, analysis.NewMetrics(reg), m.Log)
	if err != nil {
		return err
	}
	m.Batches = batch.New(db, m.Analyses, m.Orgs, m.Audit, m.Keys, m.Jobs, batch.Config{
		MaxLineBytes: 2*cfg.MaxNoteBytes + 64<<10, // a note escaped in JSON can double
		MaxNotes:     cfg.BatchMaxNotes,
		Chunk:        cfg.BatchChunk,
	}, m.Log)
	handlers.Batches = m.Batches
	var sources scrub.Sources
	if m.CodeSets != nil {
		sources = codesetsrc.Sources(m.CodeSets)
	}
	if m.Billing, err = billing.New(db, m.Keys, m.Audit, m.Analyses, sources, m.Log); err != nil {
		return err
	}
	m.Reports, err = revenue.New(db, m.Keys, m.Audit, mailer, m.Jobs, m.Billing, m.CodeSets, m.Coder, revenue.Config{
		BaseURL:      cfg.PublicURL(),
		PHIPolicy:    phi.Policy(cfg.PHIAction),
		Detector:     m.PHI,
		MaxNoteBytes: cfg.MaxNoteBytes,
	}, m.Log)
	if err != nil {
		return err
	}
	handlers.Reports = map[string]jobs.ReportFunc{revenue.JobName: m.Reports.Run}
	handlers.Purgers = []jobs.Purger{
		{Name: "expired sessions, links and rate-limit windows", Run: func(ctx context.Context, now time.Time) (int, error) {
			return 0, db.DeleteExpired(ctx, now)
		}},
		{Name: "abandoned batch uploads", Run: func(ctx context.Context, now time.Time) (int, error) {
			return db.InterruptStaleBatches(ctx, now.Add(-cfg.BatchStaleAfter), now)
		}},
		{Name: "analyses and notes past their organization's retention", Run: func(ctx context.Context, now time.Time) (int, error) {
			results, err := m.Orgs.Purge(ctx, now)
			n := 0
			for _, r := range results {
				n += r.Analyses + r.Notes
			}
			return n, err
		}},
	}
	handlers.Purgers = append(handlers.Purgers, m.Reports.Purgers()...)
	m.Jobs.Handle(handlers)
	if err := m.Jobs.Start(context.WithoutCancel(ctx)); err != nil {
		return err
	}
	if err := m.lifecycle(ctx, mailer); err != nil {
		return err
	}
	var keysCtx context.Context
	keysCtx, m.stopKeys = context.WithCancel(context.WithoutCancel(ctx))
	m.keysDone = make(chan struct{})
	go func() {
		defer close(m.keysDone)
		m.watchKeys(keysCtx)
	}()

	sessions := scs.New()
	sessions.Store = auth.NewSessionStore(db, sessions.Codec, time.Now)
	sessions.Lifetime, sessions.IdleTimeout = cfg.SessionLifetime, cfg.SessionIdle
	sessions.Cookie.Name = "medcode_session"
	sessions.Cookie.HttpOnly = true
	sessions.Cookie.SameSite = http.SameSiteLaxMode
	sessions.Cookie.Secure = cfg.SecureCookies()
	sessions.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		m.Log.Error("session store failed", "path", r.URL.Path, "err", err)
		http.Error(w, "Internal error.", http.StatusInternalServerError)
	}

	ui, err := web.New(web.Deps{Accounts: m.Accounts, Analyses: m.Analyses, Orgs: m.Orgs, Audit: m.Audit, Batches: m.Batches,
		Billing: m.Billing, Reports: m.Reports, Policies: m.Policies, Notices: m.Notices, Support: m.Support, Rights: m.Rights,
		Sessions: sessions, Log: m.Log, MaxNoteBytes: cfg.MaxNoteBytes})
	if err != nil {
		return err
	}
	jsonAPI := api.New(api.Deps{Accounts: m.Accounts, Analyses: m.Analyses, Orgs: m.Orgs, Audit: m.Audit, Batches: m.Batches,
		Billing: m.Billing, Reports: m.Reports, Policies: m.Policies, Rights: m.Rights, Log: m.Log,
		MaxNoteBytes: cfg.MaxNoteBytes, BatchIdle: cfg.BatchStaleAfter})
	handler := m.routes(ui, jsonAPI, reg)
	m.perms = map[string]org.Permission{}
	for _, rt := range ui.Routes() {
		m.patterns = append(m.patterns, rt.Pattern)
		m.perms[rt.Pattern] = rt.Permission()
	}
	for _, rt := range jsonAPI.Routes() {
		m.patterns = append(m.patterns, rt.Pattern)
		m.perms[rt.Pattern] = rt.Permission()
	}

	m.ln, err = net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("server: listening on %s: %w", cfg.Addr, err)
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(m.Log.Handler(), slog.LevelWarn),
	}
	if cfg.TLS() {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			m.ln.Close()
			return fmt.Errorf("server: loading TLS certificate: %w", err)
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		m.ln = tls.NewListener(m.ln, srv.TLSConfig)
	}
	m.srv, m.served = srv, make(chan struct{})
	go func() {
		if err := m.srv.Serve(m.ln); !errors.Is(err, http.ErrServerClosed) {
			m.serveErr = fmt.Errorf("server: %w", err)
		}
		close(m.served)
	}()
	m.Log.Info("medcode serving", "url", m.URL(), "db", postgres.Redact(cfg.DB),
		"release", m.Coder.Release(), "engine", m.Coder.EngineVersion(), "tls", cfg.TLS(), "email", mailer != nil)
	return nil
}

// Done is closed when the server stops serving.
func (m *Main) Done() <-chan struct{} { return m.served }

// Addr is the address the server listens on (useful with port 0).
func (m *Main) Addr() string { return m.ln.Addr().String() }

// URL is the server's base URL.
func (m *Main) URL() string {
	scheme := "http"
	if m.Config.TLS() {
		scheme = "https"
	}
	return scheme + "://" + m.Addr()
}

// openJobs opens the job queue in the server's database.
func (m *Main) openJobs(ctx context.Context) error {
	var err error
	m.Jobs, m.closeJobs, err = openQueue(ctx, m.Config, m.DB, m.Keys, m.Log)
	return err
}

// openQueue opens the job queue in db, migrating its tables (on
// PostgreSQL under the store's migration lock).
func openQueue(ctx context.Context, cfg *config.Config, db store.Database, keys *crypto.Keyring, log *slog.Logger) (*jobs.Queue, func(), error) {
	jcfg := jobs.Config{BatchWorkers: cfg.JobWorkers, JobTimeout: cfg.JobTimeout, RescueAfter: cfg.JobRescueAfter, Log: log}
	if pg, ok := db.(*postgres.DB); ok {
		err := pg.WithMigrationLock(ctx, func(*pgx.Conn) error { return jobs.MigratePostgres(ctx, pg.Pool()) })
		if err != nil {
			return nil, nil, err
		}
		return jobs.OpenPostgres(ctx, cfg.DB, keys, jcfg)
	}
	return jobs.OpenSQLite(ctx, cfg.DB, keys, jcfg)
}

// Close stops accepting requests, waits for those in flight (up to the
// shutdown timeout) and closes the database. It is safe to call twice and
// after a failed Run.
func (m *Main) Close() error {
	m.closeOnce.Do(func() {
		var errs []error
		if m.srv != nil {
			ctx, cancel := context.WithTimeout(context.Background(), m.Config.ShutdownTimeout)
			defer cancel()
			if err := m.srv.Shutdown(ctx); err != nil {
				errs = append(errs, fmt.Errorf("server: shutdown: %w", err))
			}
			<-m.served
			errs = append(errs, m.serveErr)
		}
		if m.stopKeys != nil {
			m.stopKeys()
			<-m.keysDone
		}
		if m.Jobs != nil {
			// Jobs cut short by the timeout are run again by another
			// instance (or this one, restarted).
			ctx, cancel := context.WithTimeout(context.Background(), m.Config.ShutdownTimeout)
			errs = append(errs, m.Jobs.Stop(ctx))
			cancel()
		}
		if m.closeJobs != nil {
			m.closeJobs()
		}
		if m.DB != nil {
			errs = append(errs, m.DB.Close())
		}
		if m.Log != nil {
			m.Log.Info("medcode stopped")
		}
		m.closeErr = errors.Join(errs...)
	})
	return m.closeErr
}

// OpenStore opens the database named by dsn and reports whether it was
// created now (the choice of adapter lives here alone).
func OpenStore(ctx context.Context, dsn string) (store.Database, bool, error) {
	if config.IsPostgres(dsn) {
		db, err := postgres.Open(ctx, dsn)
		return db, false, err
	}
	_, err := os.Stat(dsn)
	created := errors.Is(err, os.ErrNotExist)
	db, err := sqlite.Open(ctx, dsn)
	if err != nil {
		return nil, false, err
	}
	return db, created, nil
}

// DefaultKeyFile is the key file beside a database: medcode.db → medcode.key.
func DefaultKeyFile(dbPath string) string {
	return strings.TrimSuffix(dbPath, filepath.Ext(dbPath)) + ".key"
}

// LoadKeys returns the keyring from MEDCODE_KEY or the key file. With
// neither, it creates the key file beside a new database and logs where;
// for an existing database a missing key file is an error, since a new key
// could not open the data already there.
func LoadKeys(cfg *config.Config, newDB bool, log *slog.Logger) (*crypto.Keyring, error) {
	if cfg.Key != "" {
		if cfg.KeyFile != "" {
			return nil, errors.New("server: set MEDCODE_KEY or MEDCODE_KEY_FILE, not both")
		}
		return crypto.ParseKeys(cfg.Key)
	}
	path := cfg.KeyFile
	if path == "" {
		if config.IsPostgres(cfg.DB) {
			// Instances sharing a database must share its keys: one
			// made up here would seal records no other instance can open.
			return nil, errors.New("server: with a PostgreSQL database set MEDCODE_KEY or MEDCODE_KEY_FILE (`medcode admin new-key` makes one), the same on every instance")
		}
		path = DefaultKeyFile(cfg.DB)
	}
	kr, err := crypto.LoadFile(path)
	if err == nil {
		return kr, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if !newDB {
		return nil, fmt.Errorf("server: the database %s exists but its key file %s is missing: restore the key file or set MEDCODE_KEY", cfg.DB, path)
	}
	kr, err = crypto.CreateFile(path)
	if err != nil {
		return nil, err
	}
	log.Warn("created a new encryption key file; back it up, without it the stored results cannot be read", "path", path, "key", kr.ActiveID())
	return kr, nil
}

// NewLogger returns a text or JSON slog logger at level.
func NewLogger(w io.Writer, format, level string) *slog.Logger {
	if w == nil {
		w = os.Stderr
	}
	var lv slog.Level
	lv.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: lv}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
