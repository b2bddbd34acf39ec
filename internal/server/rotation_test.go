package server_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/medcode/medcode/internal/api/client"
	"github.com/medcode/medcode/internal/crypto"
)

// TestKeyRotationWithoutDowntime rotates the at-rest key with
// `medcode admin rotate-key` while servers on the database keep serving
// reads, analyses and decisions (on PostgreSQL two instances share the
// key file). No request fails; the servers seal new data with the new key
// without a restart; every record and authenticator secret ends up sealed
// with it (re-sealed by the command and, for what the servers wrote just
// before they took the key, by the servers in the background); everything
// still opens.
func TestKeyRotationWithoutDowntime(t *testing.T) { eachBackend(t, testKeyRotationWithoutDowntime) }

func testKeyRotationWithoutDowntime(t *testing.T, db backend) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "medcode.key")
	old, err := crypto.CreateFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	settings := map[string]string{"MEDCODE_KEY": "", "MEDCODE_KEY_FILE": keyFile, "MEDCODE_LIMIT_FREE": "0"}
	s := start(t, db, settings)
	servers := []*testServer{s}
	if db.name == "postgres" {
		settings["MEDCODE_DB"] = s.Config.DB
		servers = append(servers, start(t, db, settings))
	}
	ctx := context.Background()

	// Users with records, decisions and an authenticator each.
	type user struct {
		web *browser
		api *client.Client
		ids []string
	}
	var users []*user
	for i := range 3 {
		email := newEmail("rotate")
		web := servers[i%len(servers)].browser(t)
		web.signUp(email)
		u := &user{web: web, api: s.apiClientFor(t, email)}
		for j := range 5 {
			u.ids = append(u.ids, web.analyze(fmt.Sprintf("cough and hypertension %d", j), true))
		}
		enableMFA(t, web)
		users = append(users, u)
	}

	// Traffic on every server until the rotation is over.
	var failures atomic.Int64
	var requests atomic.Int64
	var firstFailure atomic.Value
	fail := func(what string, err error) {
		if failures.Add(1) == 1 {
			firstFailure.Store(what + ": " + err.Error())
		}
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i, u := range users {
		srv := servers[i%len(servers)]
		c := client.New(srv.URL())
		c.Token = u.api.Token
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				requests.Add(3)
				rec, err := c.Analyze(ctx, analyzeReq(fmt.Sprintf("type 2 diabetes visit %d", n)))
				if err != nil {
					fail("analyze", err)
					continue
				}
				if _, err := c.Get(ctx, u.ids[n%len(u.ids)]); err != nil {
					fail("read an old record", err)
				}
				if status, body := u.web.do(http.MethodPost, "/analyses/"+rec.ID+"/decisions", url.Values{"code": {"E11.9"}, "decision": {"accepted"}}, true); status != http.StatusOK {
					fail("decide", fmt.Errorf("%d %.200s", status, body))
				}
				// Support questions, sealed too, within the hourly limit.
				if n < 20 {
					requests.Add(1)
					form := url.Values{"kind": {"support"}, "subject": {fmt.Sprintf("Question %d", n)}, "body": {"How do I export my history?"}}
					if status, body := u.web.do(http.MethodPost, "/support", form, false); status != http.StatusOK {
						fail("support question", fmt.Errorf("%d %.200s", status, body))
					}
				}
			}
		}()
	}
	time.Sleep(300 * time.Millisecond)
	conf := filepath.Join(dir, "admin.conf")
	os.WriteFile(conf, []byte("MEDCODE_DB="+s.Config.DB+"\nMEDCODE_KEY_FILE="+keyFile+"\n"), 0o600)
	code, out := admin(t, "--config", conf, "rotate-key")
	if code != 0 {
		t.Fatalf("rotate-key: %s", out)
	}
	rotated, err := crypto.LoadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	newKey := rotated.ActiveID()
	if newKey == old.ActiveID() {
		t.Fatal("rotate-key kept the active key")
	}
	// Every server takes the new key without a restart, and its key
	// watcher (every 5 s) sees the rotation.
	deadline := time.Now().Add(20 * time.Second)
	for _, srv := range servers {
		for srv.Keys.ActiveID() != newKey || !strings.Contains(srv.logs.String(), "encryption key rotated") {
			if time.Now().After(deadline) {
				t.Fatalf("a server seals with %s and has not logged the rotation", srv.Keys.ActiveID())
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	time.Sleep(500 * time.Millisecond)
	close(stop)
	wg.Wait()
	if n := failures.Load(); n > 0 {
		t.Fatalf("%d of %d requests failed during the rotation; first: %v", n, requests.Load(), firstFailure.Load())
	}

	// Everything ends up sealed with the new key, and opens.
	// One connection pool for the polling: a pool per query would run
	// PostgreSQL out of connections while re-sealing lags.
	insp := s.inspect(t)
	deadline = time.Now().Add(30 * time.Second)
	for {
		left := s.sealedWithOtherKey(t, insp, "analyses", newKey)
		secrets := oldSecrets(t, insp, newKey)
		support := s.sealedWithOtherKey(t, insp, "support_threads", newKey) + s.sealedWithOtherKey(t, insp, "support_messages", newKey)
		if left == 0 && secrets == 0 && support == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d analyses, %d authenticator secrets and %d support subjects and messages still sealed with an old key", left, secrets, support)
		}
		time.Sleep(200 * time.Millisecond)
	}
	for _, u := range users {
		exp, err := u.api.Export(ctx)
		if err != nil {
			t.Fatalf("export after the rotation: %v", err)
		}
		for _, a := range exp.Analyses {
			if a.ID == u.ids[0] && len(a.Decisions) != 0 {
				t.Errorf("record %s gained decisions", a.ID)
			}
		}
	}
	t.Logf("%d requests during the rotation, none failed", requests.Load())
}

// TestServerResealsAfterKeyFileRotation adds a key to the key file
// without re-sealing anything (as a rotation looks to a server that wrote
// just before it took the key): the server takes the key on its own and
// re-seals records, authenticator secrets and support messages with it.
func TestServerResealsAfterKeyFileRotation(t *testing.T) {
	eachBackend(t, testServerResealsAfterKeyFileRotation)
}

func testServerResealsAfterKeyFileRotation(t *testing.T, db backend) {
	keyFile := filepath.Join(t.TempDir(), "medcode.key")
	if _, err := crypto.CreateFile(keyFile); err != nil {
		t.Fatal(err)
	}
	s := start(t, db, map[string]string{"MEDCODE_KEY": "", "MEDCODE_KEY_FILE": keyFile, "MEDCODE_LIMIT_FREE": "0"})
	web := s.browser(t)
	web.signUp(newEmail("reseal"))
	id := web.analyze("cough and hypertension", true)
	enableMFA(t, web)
	thread := web.openSupport("Exporting", "How do I export my history?")

	rotated, err := crypto.RotateFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	newKey := rotated.ActiveID()
	insp := s.inspect(t)
	deadline := time.Now().Add(20 * time.Second) // the watcher re-reads the file every 5 s
	for {
		left := map[string]int64{"analyses": s.sealedWithOtherKey(t, insp, "analyses", newKey),
			"authenticator secrets": int64(oldSecrets(t, insp, newKey)),
			"support subjects":      s.sealedWithOtherKey(t, insp, "support_threads", newKey),
			"support messages":      s.sealedWithOtherKey(t, insp, "support_messages", newKey)}
		if left["analyses"]+left["authenticator secrets"]+left["support subjects"]+left["support messages"] == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("still sealed with the old key after the server took the new one: %v", left)
		}
		time.Sleep(200 * time.Millisecond)
	}
	// Re-sealed values open.
	if status, body := web.get("/analyses/" + id); status != http.StatusOK {
		t.Fatalf("the record after re-sealing: %d %.300s", status, body)
	}
	if status, body := web.get("/support/" + thread); status != http.StatusOK || !strings.Contains(body, "How do I export my history?") {
		t.Fatalf("the support thread after re-sealing: %d %.300s", status, body)
	}
}

// sealedWithOtherKey counts the rows of table sealed with a key other
// than key.
func (s *testServer) sealedWithOtherKey(t *testing.T, db *sql.DB, table, key string) int64 {
	t.Helper()
	var n int64
	if err := db.QueryRow(s.db.bind("SELECT count(*) FROM "+table+" WHERE key_id <> ?"), key).Scan(&n); err != nil {
		t.Fatalf("counting %s: %v", table, err)
	}
	return n
}

// oldSecrets counts authenticator secrets not sealed with key.
func oldSecrets(t *testing.T, db *sql.DB, key string) int {
	t.Helper()
	rows, err := db.Query("SELECT totp_secret FROM users WHERE totp_secret IS NOT NULL")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var blob []byte
		rows.Scan(&blob)
		if id, err := crypto.KeyID(blob); err != nil || id != key {
			n++
		}
	}
	return n
}
