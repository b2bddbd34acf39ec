package server

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/medcode/medcode/internal/analysis"
)

// keyReloadEvery is how often a running server re-reads its key file.
const keyReloadEvery = 5 * time.Second

// watchKeys re-reads the key file every keyReloadEvery and on SIGHUP, so
// that a key added by `medcode admin rotate-key` seals new data without a
// restart (keys from MEDCODE_KEY change only with a restart). When the
// active key changes it re-seals, in the background, what is still sealed
// with an older key (records this server wrote before it took the new
// key). It returns when ctx ends.
func (m *Main) watchKeys(ctx context.Context) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	tick := time.NewTicker(keyReloadEvery)
	defer tick.Stop()
	active := m.Keys.ActiveID()
	pending := false // re-sealing is not known to be complete
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-hup:
		}
		if _, err := m.Keys.Reload(); err != nil {
			m.Log.Error("reloading the encryption keys", "err", err)
			continue
		}
		if now := m.Keys.ActiveID(); now != active {
			m.Log.Info("encryption key rotated: new data is sealed with the new key", "key", now, "previous", active)
			active, pending = now, true
		}
		if pending {
			// Until a pass finds nothing: a request that sealed with the
			// old key just before the switch may commit after a pass.
			pending = m.reseal(ctx)
		}
	}
}

// reseal re-encrypts records and secrets not sealed with the active key,
// in batches of short transactions beside the requests. It reports
// whether another pass is needed: something was re-sealed, or it failed.
func (m *Main) reseal(ctx context.Context) bool {
	n, err := analysis.Reseal(ctx, m.DB, m.Keys)
	if err != nil {
		m.Log.Error("re-sealing analyses with the new key", "err", err, "resealed", n)
		return true
	}
	s, err := m.Accounts.ResealSecrets(ctx)
	if err != nil {
		m.Log.Error("re-sealing authenticator secrets with the new key", "err", err, "resealed", s)
		return true
	}
	k, err := m.Support.Reseal(ctx)
	if err != nil {
		m.Log.Error("re-sealing support messages with the new key", "err", err, "resealed", k)
		return true
	}
	if n+s+k > 0 {
		m.Log.Info("re-sealed with the active key", "key", m.Keys.ActiveID(), "analyses", n, "authenticator_secrets", s, "support", k)
	}
	return n+s+k > 0
}
