package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/medcode/medcode/internal/analysis"
	"github.com/medcode/medcode/internal/audit"
	"github.com/medcode/medcode/internal/auth"
	"github.com/medcode/medcode/internal/config"
	"github.com/medcode/medcode/internal/crypto"
	"github.com/medcode/medcode/internal/org"
	"github.com/medcode/medcode/internal/server"
	"github.com/medcode/medcode/internal/store"
	"github.com/medcode/medcode/internal/support"
)

const adminUsage = `[--db FILE|URL] [--config FILE] COMMAND
Commands:
  tier EMAIL free|pro|enterprise        set a user's usage tier
  org-tier ORG_ID free|pro|enterprise   set an organization's usage tier
  grant-admin EMAIL                     make the account a site administrator (notices, support queue)
  revoke-admin EMAIL                    take the site administrator role away
  admins                                list the site administrators
  publish-policies                      publish the terms and privacy policy of MEDCODE_POLICY_DIR (or the
                                        built-in ones); a new material version is announced to every user
  rotate-key                            add a new key to the key file and re-encrypt all data with it
                                        (running servers take the new key within seconds, without a restart)
  reseal                                re-encrypt all data with the active key (after adding one to MEDCODE_KEY)
  new-key                               print a new ID:BASE64 key entry
  audit verify                          check the audit log's hash chain: exit status 1 when an entry
                                        was edited or deleted
  purge                                 apply the organizations' retention periods now (the server
                                        also does every hour)
  backup --out FILE.age ...             write an online, consistent, encrypted backup (admin backup -h)
  restore --in FILE.age ...             restore a backup into a new database (admin restore -h)`

func runAdmin(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "admin", adminUsage)
	dbPath := fs.String("db", "", "SQLite database file or postgres:// URL (default: $MEDCODE_DB or medcode.db)")
	configFile := fs.String("config", "", "file of KEY=VALUE settings")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) == 0 {
		return usageError("want a command: tier, org-tier, grant-admin, revoke-admin, admins, publish-policies, rotate-key, reseal, new-key, audit verify, purge, backup or restore")
	}
	if rest[0] == "new-key" {
		_, line, err := crypto.NewKeyEntry()
		if err != nil {
			return err
		}
		fmt.Fprintln(env.Stdout, line)
		return nil
	}
	flags := map[string]string{}
	if *dbPath != "" {
		flags["db"] = *dbPath
	}
	cfg, err := config.Load(config.Source{Getenv: os.Getenv, File: *configFile, Flags: flags})
	if err != nil {
		return usageError("%v", err)
	}
	switch rest[0] {
	case "backup":
		return runAdminBackup(ctx, env, cfg, rest[1:])
	case "restore":
		return runAdminRestore(ctx, env, cfg, rest[1:])
	}
	if !config.IsPostgres(cfg.DB) {
		if _, err := os.Stat(cfg.DB); err != nil {
			return fmt.Errorf("database %s: %w", cfg.DB, err)
		}
	}
	db, _, err := server.OpenStore(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	switch rest[0] {
	case "tier":
		if len(rest) != 3 {
			return usageError("tier wants EMAIL and a tier")
		}
		return adminTier(ctx, env, db, cfg, rest[1], rest[2], log)
	case "org-tier":
		if len(rest) != 3 {
			return usageError("org-tier wants ORG_ID and a tier")
		}
		return adminOrgTier(ctx, env, db, rest[1], rest[2])
	case "grant-admin", "revoke-admin":
		if len(rest) != 2 {
			return usageError("%s wants EMAIL", rest[0])
		}
		return adminSiteAdmin(ctx, env, db, rest[1], rest[0] == "grant-admin", log)
	case "admins", "publish-policies", "rotate-key", "reseal":
		if len(rest) != 1 {
			return usageError("%s takes no arguments", rest[0])
		}
		switch rest[0] {
		case "admins":
			return adminList(ctx, env, db, log)
		case "publish-policies":
			return adminPublishPolicies(ctx, env, db, cfg, log)
		}
		return adminReseal(ctx, env, db, cfg, rest[0] == "rotate-key", log)
	case "audit":
		if len(rest) != 2 || rest[1] != "verify" {
			return usageError("audit wants verify")
		}
		return adminAuditVerify(ctx, env, db)
	case "purge":
		if len(rest) != 1 {
			return usageError("purge takes no arguments")
		}
		return adminPurge(ctx, env, db, log)
	default:
		return usageError("unknown admin command %q", rest[0])
	}
}

func adminTier(ctx context.Context, env *Env, db store.Database, cfg *config.Config, email, tier string, log *slog.Logger) error {
	keys, err := server.LoadKeys(cfg, false, log)
	if err != nil {
		return err
	}
	u, err := auth.NewAccounts(db, keys, nil, audit.New(db), auth.DefaultConfig(), log).SetTier(ctx, email, store.Tier(tier))
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "%s is now on the %s tier\n", u.Email, u.Tier)
	return nil
}

// adminReseal re-encrypts every sealed value with the active key; with
// rotate it first appends a fresh key to the key file.
func adminReseal(ctx context.Context, env *Env, db store.Database, cfg *config.Config, rotate bool, log *slog.Logger) error {
	var keys *crypto.Keyring
	var err error
	if rotate {
		if cfg.Key != "" {
			return usageError("the keys come from MEDCODE_KEY: add the entry of 'medcode admin new-key' at its start on every instance and restart them " +
				"(they can open the new key's data but do not seal with it yet), then move it to the end and restart them again, then run 'medcode admin reseal'")
		}
		path := cfg.KeyFile
		if path == "" {
			path = server.DefaultKeyFile(cfg.DB)
		}
		if keys, err = crypto.RotateFile(path); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "added key %s to %s\n", keys.ActiveID(), path)
	} else if keys, err = server.LoadKeys(cfg, false, log); err != nil {
		return err
	}
	n, err := analysis.Reseal(ctx, db, keys)
	if err != nil {
		return err
	}
	m, err := auth.NewAccounts(db, keys, nil, audit.New(db), auth.DefaultConfig(), log).ResealSecrets(ctx)
	if err != nil {
		return err
	}
	k, err := support.New(db, keys, nil, nil, support.Config{}, log).Reseal(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "re-encrypted %d analyses, %d authenticator secrets and %d support subjects and messages with key %s\n",
		n, m, k, keys.ActiveID())
	return nil
}

func adminOrgTier(ctx context.Context, env *Env, db store.Database, id, tier string) error {
	orgID, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return usageError("%q is not an organization id", id)
	}
	if err := db.SetOrgTier(ctx, orgID, store.Tier(tier)); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "organization %d is now on the %s tier\n", orgID, tier)
	return nil
}

// errTampered reports a broken audit chain (exit status 1).
var errTampered = errors.New("the audit log was tampered with")

// adminAuditVerify walks the audit log's hash chain and lists every entry
// that was edited or deleted.
func adminAuditVerify(ctx context.Context, env *Env, db store.Database) error {
	r, err := audit.Verify(ctx, db)
	if err != nil {
		return err
	}
	if r.Intact() {
		fmt.Fprintf(env.Stdout, "audit log intact: %d entries, head %x\n", r.Entries, r.Head)
		return nil
	}
	for _, p := range r.Problems {
		fmt.Fprintf(env.Stdout, "entry %d: %s\n", p.Seq, p.Reason)
	}
	return fmt.Errorf("%w: %d problem(s) in %d entries", errTampered, len(r.Problems), r.Entries)
}

// adminPurge runs the retention purge once.
func adminPurge(ctx context.Context, env *Env, db store.Database, log *slog.Logger) error {
	results, err := org.New(db, audit.New(db), nil, nil, org.Config{}, log).Purge(ctx, time.Now().UTC())
	if err != nil {
		return err
	}
	for _, r := range results {
		fmt.Fprintf(env.Stdout, "organization %d: %d analyses and %d notes purged\n", r.OrgID, r.Analyses, r.Notes)
	}
	fmt.Fprintf(env.Stdout, "purge done: %d organization(s) had expired data\n", len(results))
	return nil
}
