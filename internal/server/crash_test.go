package server_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/medcode/medcode/internal/api/client"
	"github.com/medcode/medcode/internal/batch"
	"github.com/medcode/medcode/internal/datadir"
)

// The crash-safety harness runs the real `medcode serve` binary, drives a
// mix of writes at it (analyses in a personal and an organization
// workspace, deletions, decisions, rule changes and invitations that
// append to the audit log, queued batches coded by background jobs),
// SIGKILLs it at a random moment, checks the database as the kill left it,
// restarts the server and checks again through the API. MEDCODE_CRASH_KILLS
// sets the number of kills per database (make crash-test runs 200; make
// test a short run); MEDCODE_CRASH_SEED replays a run.
const (
	crashKillsEnv = "MEDCODE_CRASH_KILLS"
	crashSeedEnv  = "MEDCODE_CRASH_SEED"
	// crashKillsShort is the run of make test, per database.
	crashKillsShort = 5
)

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// medcodeBinary builds cmd/medcode once per test process.
func medcodeBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "medcode-crash-bin-")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "medcode")
		out, err := exec.Command("go", "build", "-o", builtBin, "github.com/medcode/medcode/cmd/medcode").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

// crashServer runs and kills `medcode serve` processes on one database.
type crashServer struct {
	t       *testing.T
	bin     string
	env     []string
	url     string
	db      backend
	dsn     string
	logFile string
	cmd     *exec.Cmd
	done    chan struct{}
}

func newCrashServer(t *testing.T, db backend) *crashServer {
	data, err := datadir.Resolve()
	if err != nil {
		t.Skipf("the crash harness runs the real engine, which needs the code-set data: %v", err)
	}
	bin := medcodeBinary(t)
	dir := t.TempDir()
	settings := db.settings(t, dir)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	env := []string{
		"MEDCODE_DATA=" + data, "MEDCODE_ADDR=" + addr, "MEDCODE_LIMIT_FREE=0",
		"MEDCODE_IP_ATTEMPTS=1048576", "MEDCODE_JOB_TIMEOUT=5s", "MEDCODE_JOB_RESCUE_AFTER=8s", "MEDCODE_BATCH_CHUNK=3",
		"MEDCODE_BATCH_STALE_AFTER=2s", "MEDCODE_JOB_WORKERS=2", "MEDCODE_LOG_FORMAT=json", "MEDCODE_LOG_LEVEL=warn",
	}
	for k, v := range settings {
		env = append(env, k+"="+v)
	}
	return &crashServer{t: t, bin: bin, env: env, url: "http://" + addr, db: db, dsn: settings["MEDCODE_DB"],
		logFile: filepath.Join(dir, "server.log")}
}

// start runs the server and waits until it answers /readyz.
func (cs *crashServer) start() {
	cs.t.Helper()
	log, err := os.OpenFile(cs.logFile, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		cs.t.Fatal(err)
	}
	defer log.Close()
	cmd := exec.Command(cs.bin, "serve")
	cmd.Env = append(cleanEnv(), cs.env...)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		cs.t.Fatal(err)
	}
	cs.cmd, cs.done = cmd, make(chan struct{})
	go func() { cmd.Wait(); close(cs.done) }()
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-cs.done:
			b, _ := os.ReadFile(cs.logFile)
			cs.t.Fatalf("the server exited while starting:\n%s", tail(b, 2000))
		default:
		}
		if resp, err := http.Get(cs.url + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	cs.kill()
	cs.t.Fatal("the server did not get ready in 90 s")
}

// kill SIGKILLs the server and waits for it to be gone.
func (cs *crashServer) kill() {
	if cs.cmd == nil {
		return
	}
	cs.cmd.Process.Kill() // SIGKILL: no shutdown, no deferred writes
	<-cs.done
	cs.cmd = nil
}

// cleanEnv is the test's environment without MEDCODE_ settings, so that
// only the harness's reach the server.
func cleanEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MEDCODE_") {
			out = append(out, kv)
		}
	}
	return out
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// ledger is what the server acknowledged: what must survive any kill.
type ledger struct {
	mu       sync.Mutex
	analyses map[string]string // acknowledged analysis id → its workspace API prefix
	ids      []string          // the keys of analyses, to pick from
	codes    map[string]string // analysis id → its first code
	deleted  map[string]bool   // acknowledged deletions
	// Deletions sent but not acknowledged when the kill came: the server
	// may have committed them before it died, so after a kill each either
	// is in the database (it did not happen) or counts as deleted from then
	// on (it must stay gone).
	deleting  map[string]bool
	decisions map[string]string // analysis id → code accepted (acknowledged)
	batches   map[string]int    // acknowledged queued batch → notes
	audited   int               // acknowledged audited actions (rules, invitations)

	// What the checks have verified already: records that opened (they
	// do not change unless decided or deleted, which is re-checked), and
	// batches that finished with every outcome.
	opened   map[string]bool
	recheck  map[string]bool // decided or deleted since the last check
	finished map[string]bool

	round   int                 // the kill the workers are heading for
	history map[string][]string // analysis id → what was sent and answered, for a failure's report
}

// note records an event of analysis id for a failure's report; the caller
// holds mu.
func (l *ledger) note(id, format string, args ...any) {
	l.history[id] = append(l.history[id], fmt.Sprintf("round %d: ", l.round)+fmt.Sprintf(format, args...))
}

func newLedger() *ledger {
	return &ledger{analyses: map[string]string{}, codes: map[string]string{}, deleted: map[string]bool{}, deleting: map[string]bool{},
		decisions: map[string]string{}, batches: map[string]int{}, opened: map[string]bool{}, recheck: map[string]bool{},
		finished: map[string]bool{}, history: map[string][]string{}}
}

// crashClient drives the workload as one user who owns an organization.
type crashClient struct {
	url   string
	token string
	org   string // API prefix of the organization's workspace
	orgID int64
	http  *http.Client
}

func (c *crashClient) call(ctx context.Context, method, path, contentType, body string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.url+path, strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	if body != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// setup makes the user, a token and the organization.
func (cs *crashServer) setup(ctx context.Context) *crashClient {
	cs.t.Helper()
	api := client.New(cs.url)
	email := newEmail("crash")
	if err := api.SignUp(ctx, email, password); err != nil {
		cs.t.Fatal(err)
	}
	if err := api.Login(ctx, email, password, ""); err != nil {
		cs.t.Fatal(err)
	}
	c := &crashClient{url: cs.url, token: api.Token, http: &http.Client{Timeout: 30 * time.Second}}
	status, body, err := c.call(ctx, http.MethodPost, "/api/v1/orgs", "application/json", `{"name":"Crash Clinic"}`)
	if err != nil || status != http.StatusCreated {
		cs.t.Fatalf("creating the organization: %d %s %v", status, body, err)
	}
	var o struct {
		ID int64 `json:"id"`
	}
	json.Unmarshal(body, &o)
	c.orgID, c.org = o.ID, "/api/v1/orgs/"+strconv.FormatInt(o.ID, 10)
	// Queued batches keep notes until coded: only under the organization's BAA.
	if status, body, err := c.call(ctx, http.MethodPut, c.org+"/baa", "application/json", `{"document":"BAA-crash"}`); err != nil || status != http.StatusOK {
		cs.t.Fatalf("recording the BAA: %d %s %v", status, body, err)
	}
	return c
}

var crashNotes = []string{
	"Established patient with type 2 diabetes and hypertension, stable. Continue metformin and lisinopril.",
	"Cough for one week without fever. Lungs clear. Supportive care.",
	"Hyperlipidemia on atorvastatin; lipid panel reviewed. Follow up in six months.",
	"Acute low back pain after lifting; no red flags. NSAIDs and activity as tolerated.",
}

// work runs one worker's random operations until ctx ends, recording what
// the server acknowledged.
func (c *crashClient) work(ctx context.Context, rng *rand.Rand, l *ledger) {
	for ctx.Err() == nil {
		prefix := "/api/v1"
		if rng.IntN(2) == 0 {
			prefix = c.org
		}
		switch op := rng.IntN(20); {
		case op < 9: // an analysis (a repeated note is served from the cache, a row all the same)
			note := crashNotes[rng.IntN(len(crashNotes))]
			body, _ := json.Marshal(map[string]any{"note": note, "no_phi_attested": true, "save_preview": rng.IntN(2) == 0,
				"profile": []string{"outpatient", "abstract"}[rng.IntN(2)]})
			status, out, err := c.call(ctx, http.MethodPost, prefix+"/analyses", "application/json", string(body))
			if err == nil && status == http.StatusCreated {
				var rec struct {
					ID     string `json:"id"`
					Result struct {
						Diagnoses []struct {
							Code string `json:"code"`
						} `json:"diagnoses"`
					} `json:"result"`
				}
				json.Unmarshal(out, &rec)
				l.mu.Lock()
				l.note(rec.ID, "created in %s", prefix)
				l.analyses[rec.ID] = prefix
				l.ids = append(l.ids, rec.ID)
				if len(rec.Result.Diagnoses) > 0 {
					l.codes[rec.ID] = rec.Result.Diagnoses[0].Code
				}
				l.mu.Unlock()
			}
		case op < 11: // a deletion of an acknowledged analysis
			id, where := l.pick(rng)
			if id == "" {
				continue
			}
			l.mu.Lock()
			l.deleting[id] = true
			l.note(id, "deletion sent")
			l.mu.Unlock()
			status, _, err := c.call(ctx, http.MethodDelete, where+"/analyses/"+id, "", "")
			l.mu.Lock()
			l.note(id, "deletion answered %d %v", status, err)
			if err == nil && status == http.StatusNoContent {
				l.deleted[id], l.recheck[id] = true, true
				delete(l.deleting, id)
			}
			l.mu.Unlock()
		case op < 15: // a decision (in the organization: audited)
			id, where := l.pick(rng)
			l.mu.Lock()
			code := l.codes[id]
			l.mu.Unlock()
			if code == "" {
				continue
			}
			status, _, err := c.call(ctx, http.MethodPost, where+"/analyses/"+id+"/feedback", "application/json", `{"code":"`+code+`","decision":"accepted"}`)
			if err == nil && status == http.StatusNoContent {
				l.mu.Lock()
				l.decisions[id], l.recheck[id] = code, true
				l.mu.Unlock()
			}
		case op < 19: // an audited organization change
			var status int
			var err error
			if rng.IntN(2) == 0 {
				status, _, err = c.call(ctx, http.MethodPut, c.org+"/rules", "application/yaml",
					fmt.Sprintf("# version %d\nsuppress:\n  - code: R05.9\n", rng.Uint32()))
			} else {
				status, _, err = c.call(ctx, http.MethodPost, c.org+"/invites", "application/json",
					fmt.Sprintf(`{"email":"invitee-%d@example.org","role":"viewer"}`, rng.Uint64()))
			}
			if err == nil && (status == http.StatusOK || status == http.StatusCreated) {
				l.mu.Lock()
				l.audited++
				l.mu.Unlock()
			}
		default: // a queued batch, coded by background jobs
			notes := 2 + rng.IntN(5)
			var b strings.Builder
			for i := range notes {
				fmt.Fprintf(&b, `{"id":"n%d","note":%q,"no_phi_attested":true}`+"\n", i, crashNotes[rng.IntN(len(crashNotes))])
			}
			api := client.New(c.url)
			api.Token, api.HTTP, api.Org = c.token, c.http, c.orgID
			bt, err := api.SendBatch(ctx, strings.NewReader(b.String()), "async", nil)
			if err == nil && bt != nil && bt.Status == "queued" && bt.Total == notes {
				l.mu.Lock()
				l.batches[bt.ID] = notes
				l.mu.Unlock()
			}
		}
	}
}

// pick returns a random acknowledged analysis not acknowledged deleted.
func (l *ledger) pick(rng *rand.Rand) (string, string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for range 5 {
		if len(l.ids) == 0 {
			break
		}
		id := l.ids[rng.IntN(len(l.ids))]
		if !l.deleted[id] {
			return id, l.analyses[id]
		}
	}
	return "", ""
}

// TestCrashSafety runs the harness on each database: MEDCODE_CRASH_KILLS
// random SIGKILLs during mixed writes, 0 integrity violations.
func TestCrashSafety(t *testing.T) {
	kills := crashKillsShort
	if v := os.Getenv(crashKillsEnv); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("%s=%q: want a number of kills", crashKillsEnv, v)
		}
		kills = n
	}
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv(crashSeedEnv); v != "" {
		seed, _ = strconv.ParseUint(v, 10, 64)
	}
	t.Logf("%d kills per database, seed %d (%s=%d replays it)", kills, seed, crashSeedEnv, seed)
	eachBackend(t, func(t *testing.T, db backend) { testCrashSafety(t, db, kills, seed) })
}

func testCrashSafety(t *testing.T, db backend, kills int, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 7))
	cs := newCrashServer(t, db)
	defer cs.kill()
	cs.start()
	ctx := context.Background()
	c := cs.setup(ctx)
	l := newLedger()
	violations := 0
	report := func(format string, args ...any) {
		violations++
		t.Errorf(format, args...)
	}
	start := time.Now()
	for k := 1; k <= kills; k++ {
		l.mu.Lock()
		l.round = k
		l.mu.Unlock()
		wctx, stop := context.WithCancel(ctx)
		var wg sync.WaitGroup
		for w := range 4 {
			wrng := rand.New(rand.NewPCG(seed, uint64(k*16+w)))
			wg.Add(1)
			go func() { defer wg.Done(); c.work(wctx, wrng, l) }()
		}
		time.Sleep(time.Duration(100+rng.IntN(1900)) * time.Millisecond)
		cs.kill()
		stop()
		wg.Wait()
		// As the kill left it, before anything runs on it again.
		present := cs.checkStore(c, l, report)
		if code, out := cs.audit(); code != 0 {
			report("kill %d: the audit chain does not verify:\n%s", k, out)
		}
		cs.start()
		cs.checkAPI(ctx, c, l, present, report, false)
		if violations > 0 {
			b, _ := os.ReadFile(cs.logFile)
			t.Fatalf("kill %d: %d integrity violations; server log tail:\n%s", k, violations, tail(b, 3000))
		}
	}
	// Every record opens; every acknowledged batch finishes, each note
	// recorded once.
	cs.checkAPI(ctx, c, l, cs.checkStore(c, l, report), report, true)
	cs.kill()
	cs.checkStore(c, l, report)
	if code, out := cs.audit(); code != 0 {
		report("the audit chain does not verify at the end:\n%s", out)
	}
	if violations > 0 {
		b, _ := os.ReadFile(cs.logFile)
		t.Logf("the job queue at the end:\n%s\nserver log tail:\n%s", cs.queueState(), tail(b, 3000))
	}
	l.mu.Lock()
	t.Logf("%d kills in %v: %d acknowledged analyses, %d deletions, %d decisions, %d queued batches, %d audited changes; %d integrity violations",
		kills, time.Since(start).Round(time.Second), len(l.analyses), len(l.deleted), len(l.decisions), len(l.batches), l.audited, violations)
	l.mu.Unlock()
}

// waitForBackends waits, while the server is down, until PostgreSQL has
// ended the killed server's sessions. A statement the server sent just before the kill runs to its
// end (and commits) after the process is gone: checking before then would
// see an unanswered deletion undone, and the row go away after the check.
func (cs *crashServer) waitForBackends(db *sql.DB) {
	deadline := time.Now().Add(30 * time.Second)
	for {
		var n int
		err := db.QueryRow(`SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()`).Scan(&n)
		if err != nil {
			cs.t.Fatalf("listing the killed server's sessions: %v", err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			cs.t.Fatalf("the killed server still has %d sessions after 30 s", n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// auditedOf lists the audit log's actions on target id, for a failure's
// report.
func auditedOf(db *sql.DB, id string) []string {
	rows, err := db.Query("SELECT action FROM audit_log WHERE target = $1 ORDER BY seq", id)
	if err != nil {
		return []string{err.Error()}
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var action string
		rows.Scan(&action)
		out = append(out, action)
	}
	return out
}

// queueState lists the jobs by kind and state, and the queue's leader, for
// a failure's report.
func (cs *crashServer) queueState() string {
	db := cs.open()
	defer db.Close()
	var out strings.Builder
	for _, query := range []string{
		"SELECT kind || ' ' || state || ' ' || count(*) || ' max attempt ' || max(attempt) FROM river_job GROUP BY kind, state",
		"SELECT 'leader ' || leader_id || ' until ' || expires_at FROM river_leader",
	} {
		rows, err := db.Query(query)
		if err != nil {
			fmt.Fprintf(&out, "%s: %v\n", query, err)
			continue
		}
		for rows.Next() {
			var line string
			rows.Scan(&line)
			out.WriteString(line + "\n")
		}
		rows.Close()
	}
	return out.String()
}

// audit runs `medcode admin audit verify` on the database.
func (cs *crashServer) audit() (int, string) {
	cmd := exec.Command(cs.bin, "admin", "--db", cs.dsn, "audit", "verify")
	cmd.Env = append(cleanEnv(), cs.env...)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode(), string(out)
	}
	if err != nil {
		return -1, err.Error()
	}
	return 0, string(out)
}

// open opens the database beside the (stopped) server.
func (cs *crashServer) open() *sql.DB {
	cs.t.Helper()
	dsn := cs.dsn
	if cs.db.driver == "sqlite" {
		dsn = "file:" + dsn + "?_pragma=busy_timeout(10000)&_pragma=foreign_keys(ON)"
	}
	db, err := sql.Open(cs.db.driver, dsn)
	if err != nil {
		cs.t.Fatal(err)
	}
	return db
}

// checkStore checks the database as a kill left it: file integrity and
// foreign keys (SQLite), acknowledged rows present and deleted ones gone,
// and the batch bookkeeping consistent. It returns every analysis in the
// database with its workspace's API prefix.
func (cs *crashServer) checkStore(c *crashClient, l *ledger, report func(string, ...any)) map[string]string {
	db := cs.open()
	defer db.Close()
	if cs.db.driver != "sqlite" && cs.cmd == nil {
		cs.waitForBackends(db)
	}
	q := func(query string) int64 {
		var n int64
		if err := db.QueryRow(query).Scan(&n); err != nil {
			report("%s: %v", query, err)
		}
		return n
	}
	if cs.db.driver == "sqlite" {
		var check string
		if err := db.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
			report("SQLite integrity check: %s %v", check, err)
		}
		rows, err := db.Query("PRAGMA foreign_key_check")
		if err == nil {
			for rows.Next() {
				report("a row violates a foreign key")
			}
			rows.Close()
		}
	}
	present := map[string]string{}
	rows, err := db.Query("SELECT a.id, w.org_id IS NOT NULL FROM analyses a JOIN workspaces w ON w.id = a.workspace_id")
	if err != nil {
		report("listing analyses: %v", err)
		return present
	}
	for rows.Next() {
		var id string
		var inOrg bool
		rows.Scan(&id, &inOrg)
		present[id] = "/api/v1"
		if inOrg {
			present[id] = c.org
		}
	}
	rows.Close()
	l.mu.Lock()
	for id := range l.deleting {
		_, ok := present[id]
		if !ok {
			l.deleted[id], l.recheck[id] = true, true
		}
		l.note(id, "unanswered deletion found done: %v", !ok)
		delete(l.deleting, id)
	}
	for id := range l.analyses {
		_, ok := present[id]
		switch {
		case l.deleted[id] && ok:
			report("analysis %s was deleted (acknowledged) but is in the database; its history: %q; audited: %q", id, l.history[id], auditedOf(db, id))
		case !l.deleted[id] && !ok:
			report("analysis %s was acknowledged but is not in the database; its history: %q; audited: %q", id, l.history[id], auditedOf(db, id))
		}
	}
	audited := l.audited
	l.mu.Unlock()
	for _, check := range []struct{ what, query string }{
		{"batches whose done count differs from their outcomes", `SELECT count(*) FROM batches b WHERE done <> (SELECT count(*) FROM batch_items i WHERE i.batch_id = b.id)`},
		{"batches whose failed count differs from their refusals", `SELECT count(*) FROM batches b WHERE failed <> (SELECT count(*) FROM batch_items i WHERE i.batch_id = b.id AND i.error_code IS NOT NULL)`},
		{"finished batches that still hold notes", `SELECT count(*) FROM batches b WHERE status IN ('done', 'interrupted') AND EXISTS (SELECT 1 FROM batch_notes n WHERE n.batch_id = b.id)`},
		{"done batches without every outcome", `SELECT count(*) FROM batches WHERE status = 'done' AND done <> total`},
		{"notes that have an outcome and are still queued", `SELECT count(*) FROM batch_notes n JOIN batch_items i ON i.batch_id = n.batch_id AND i.seq = n.seq`},
		{"outcomes beyond their batch's notes", `SELECT count(*) FROM batch_items i JOIN batches b ON b.id = i.batch_id WHERE b.status <> 'receiving' AND i.seq > b.total`},
		{"outcomes naming an analysis that is not there", `SELECT count(*) FROM batch_items i WHERE i.error_code IS NULL AND i.analysis_id IS NULL AND NOT EXISTS (SELECT 1 FROM batches b WHERE b.id = i.batch_id AND b.status = 'receiving')`},
	} {
		if n := q(check.query); n != 0 {
			report("%d %s", n, check.what)
		}
	}
	if n := q("SELECT count(*) FROM audit_log WHERE action IN ('rules.update', 'member.invite')"); n < int64(audited) {
		report("%d audited changes were acknowledged, the audit log holds %d", audited, n)
	}
	return present
}

// checkAPI reads back through the restarted server every analysis in the
// database not read before (its sealed blobs decrypt), every one decided
// or deleted since the last check (the acknowledged decision is there, the
// acknowledged deletion is a 404), and the outcomes of every batch not yet
// seen finished (they open, one per note). With final, it re-reads every
// record and waits for every acknowledged batch to finish with exactly one
// outcome per note.
func (cs *crashServer) checkAPI(ctx context.Context, c *crashClient, l *ledger, present map[string]string, report func(string, ...any), final bool) {
	l.mu.Lock()
	todo := map[string]string{}
	for id, prefix := range present {
		if final || !l.opened[id] || l.recheck[id] {
			todo[id] = prefix
		}
	}
	for id := range l.recheck {
		if _, ok := todo[id]; !ok {
			todo[id] = l.analyses[id]
		}
	}
	l.recheck = map[string]bool{}
	l.mu.Unlock()
	for id, prefix := range todo {
		status, body, err := c.call(ctx, http.MethodGet, prefix+"/analyses/"+id, "", "")
		l.mu.Lock()
		deleted, decided := l.deleted[id], l.decisions[id]
		l.mu.Unlock()
		switch {
		case deleted:
			if status != http.StatusNotFound {
				report("analysis %s was deleted (acknowledged) but answers %d", id, status)
			}
		case err != nil || status != http.StatusOK:
			report("analysis %s does not open: %d %v %s", id, status, err, body)
		case decided != "" && !bytes.Contains(body, []byte(`"`+decided+`":"accepted"`)):
			report("analysis %s lost its acknowledged decision on %s", id, decided)
		default:
			l.mu.Lock()
			l.opened[id] = true
			l.mu.Unlock()
		}
	}

	l.mu.Lock()
	batches := map[string]int{}
	for id, n := range l.batches {
		if !l.finished[id] {
			batches[id] = n
		}
	}
	l.mu.Unlock()
	api := client.New(c.url)
	api.Token, api.Org = c.token, c.orgID
	deadline := time.Now().Add(3 * time.Minute)
	for id, n := range batches {
		for {
			b, err := api.GetBatch(ctx, id)
			if err != nil {
				report("acknowledged batch %s: %v", id, err)
				break
			}
			if b.Total != n {
				report("acknowledged batch %s of %d notes holds %d", id, n, b.Total)
			}
			if !final || b.Status == "done" {
				seen := map[int]int{}
				err := api.BatchResults(ctx, id, func(o *batch.Outcome) error { seen[o.Seq]++; return nil })
				if err != nil {
					report("batch %s outcomes do not open: %v", id, err)
				}
				for seq, k := range seen {
					if k != 1 || seq < 1 || seq > n {
						report("batch %s note %d has %d outcomes", id, seq, k)
					}
				}
				if b.Status == "done" {
					if len(seen) != n {
						report("batch %s is done with %d outcomes for %d notes", id, len(seen), n)
					}
					l.mu.Lock()
					l.finished[id] = true
					l.mu.Unlock()
				}
				break
			}
			if time.Now().After(deadline) {
				report("acknowledged batch %s did not finish: %+v", id, b)
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
}
