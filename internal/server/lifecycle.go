package server

import (
	"context"
	"io/fs"
	"log/slog"
	"os"

	"github.com/medcode/medcode/internal/auth"
	"github.com/medcode/medcode/internal/config"
	"github.com/medcode/medcode/internal/crypto"
	"github.com/medcode/medcode/internal/dsr"
	"github.com/medcode/medcode/internal/notice"
	"github.com/medcode/medcode/internal/policy"
	"github.com/medcode/medcode/internal/store"
	"github.com/medcode/medcode/internal/support"
)

// lifecycle builds the services of the account's life around the coding:
// policies (publishing the operator's files, or the defaults, on start),
// service notices, support and data-subject requests. mailer is the job
// queue's (nil without SMTP).
func (m *Main) lifecycle(ctx context.Context, mailer auth.Mailer) error {
	cfg := m.Config
	m.Notices = notice.New(m.DB, m.Keys, mailer, notice.Config{BaseURL: cfg.PublicURL()}, m.Log)
	m.Policies = policy.New(m.DB, m.Notices, m.Log)
	m.Accounts.Consents = m.Policies
	files, err := policy.Load(PolicyFS(cfg.PolicyDir))
	if err != nil {
		return err
	}
	if _, err := m.Policies.Publish(ctx, files); err != nil {
		return err
	}
	m.Support = support.New(m.DB, m.Keys, m.PHI, mailer, support.Config{BaseURL: cfg.PublicURL(),
		BAA: func(context.Context, *store.User) bool { return cfg.BAA }, MaxNoteBytes: cfg.MaxNoteBytes}, m.Log)
	m.Rights = dsr.New(dsr.Deps{Accounts: m.Accounts, Analyses: m.Analyses, Policies: m.Policies, Notices: m.Notices,
		Support: m.Support, DB: m.DB, Audit: m.Audit})
	return nil
}

// PolicyFS is the operator's policy directory (MEDCODE_POLICY_DIR), or
// nil for the built-in documents.
func PolicyFS(dir string) fs.FS {
	if dir == "" {
		return nil
	}
	return os.DirFS(dir)
}

// QueueMailer returns the mailer of the job queue in db, for a command
// that queues emails for the running server to send; nil when no SMTP
// server is configured. Call the returned function when done.
func QueueMailer(ctx context.Context, cfg *config.Config, db store.Database, keys *crypto.Keyring, log *slog.Logger) (auth.Mailer, func(), error) {
	if cfg.SMTPHost == "" {
		return nil, func() {}, nil
	}
	q, closeQueue, err := openQueue(ctx, cfg, db, keys, log)
	if err != nil {
		return nil, nil, err
	}
	return q.Mailer(), closeQueue, nil
}
