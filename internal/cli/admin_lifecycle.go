package cli

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/medcode/medcode/internal/audit"
	"github.com/medcode/medcode/internal/auth"
	"github.com/medcode/medcode/internal/config"
	"github.com/medcode/medcode/internal/notice"
	"github.com/medcode/medcode/internal/policy"
	"github.com/medcode/medcode/internal/server"
	"github.com/medcode/medcode/internal/store"
)

// adminSiteAdmin grants or revokes the site administrator role. The role
// is given only here, on the server's own machine: no web page can make
// an administrator.
func adminSiteAdmin(ctx context.Context, env *Env, db store.Database, email string, grant bool, log *slog.Logger) error {
	u, err := auth.NewAccounts(db, nil, nil, audit.New(db), auth.DefaultConfig(), log).SetSiteAdmin(ctx, email, grant)
	if err != nil {
		return err
	}
	if grant {
		fmt.Fprintf(env.Stdout, "%s is now a site administrator\n", u.Email)
	} else {
		fmt.Fprintf(env.Stdout, "%s is no longer a site administrator\n", u.Email)
	}
	return nil
}

func adminList(ctx context.Context, env *Env, db store.Database, log *slog.Logger) error {
	admins, err := auth.NewAccounts(db, nil, nil, audit.New(db), auth.DefaultConfig(), log).SiteAdmins(ctx)
	if err != nil {
		return err
	}
	if len(admins) == 0 {
		fmt.Fprintln(env.Stdout, "no site administrator; make one with: medcode admin grant-admin EMAIL")
	}
	for _, u := range admins {
		fmt.Fprintln(env.Stdout, u.Email)
	}
	return nil
}

// adminPublishPolicies publishes the policy files without a restart. A new
// material version gets its banner at once; its emails are queued in the
// server's database when email is configured, and the running server
// sends them.
func adminPublishPolicies(ctx context.Context, env *Env, db store.Database, cfg *config.Config, log *slog.Logger) error {
	files, err := policy.Load(server.PolicyFS(cfg.PolicyDir))
	if err != nil {
		return err
	}
	keys, err := server.LoadKeys(cfg, false, log)
	if err != nil {
		return err
	}
	mailer, closeQueue, err := server.QueueMailer(ctx, cfg, db, keys, log)
	if err != nil {
		return err
	}
	defer closeQueue()
	notices := notice.New(db, keys, mailer, notice.Config{BaseURL: cfg.PublicURL()}, log)
	published, err := policy.New(db, notices, log).Publish(ctx, files)
	if err != nil {
		return err
	}
	if len(published) == 0 {
		fmt.Fprintln(env.Stdout, "nothing new: every version is published already")
	}
	for _, v := range published {
		kind := "non-material"
		if v.Material {
			kind = "material: users must accept it"
		}
		fmt.Fprintf(env.Stdout, "published %s version %s (%s)\n", v.Document, v.Version, kind)
	}
	return nil
}
