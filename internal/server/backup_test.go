package server_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/pquerna/otp/totp"

	"github.com/medcode/medcode/internal/api/client"
	"github.com/medcode/medcode/internal/batch"
	"github.com/medcode/medcode/internal/cli"
	"github.com/medcode/medcode/internal/server"
	"github.com/medcode/medcode/internal/store/postgres/pgtest"
)

// admin runs `medcode admin ARGS` in-process and returns its exit status
// and output.
func admin(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out bytes.Buffer
	code := cli.Run(context.Background(), &cli.Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &out}, append([]string{"admin"}, args...))
	return code, out.String()
}

// keySettings point a second server at the first one's keys.
func (s *testServer) keySettings() map[string]string {
	if s.Config.Key != "" {
		return map[string]string{"MEDCODE_KEY": s.Config.Key}
	}
	file := s.Config.KeyFile
	if file == "" {
		file = server.DefaultKeyFile(s.Config.DB)
	}
	return map[string]string{"MEDCODE_KEY_FILE": file}
}

// TestBackupRestoreRoundTrip backs up a live server's database while
// analyses keep arriving, restores it into a new database, and starts a
// server on it with the same keys: every account signs in (the second
// factor too, its secret sealed), every record opens with its decisions
// and preview, API tokens and batches work, usage agrees with the
// analyses, new rows get new ids, and nothing written after the backup is
// in it.
func TestBackupRestoreRoundTrip(t *testing.T) { eachBackend(t, testBackupRestoreRoundTrip) }

func testBackupRestoreRoundTrip(t *testing.T, db backend) {
	s := start(t, db, map[string]string{"MEDCODE_LIMIT_FREE": "0"})
	ctx := context.Background()
	aEmail, bEmail := newEmail("backup-a"), newEmail("backup-b")
	web := s.browser(t)
	web.signUp(aEmail)
	kept := web.analyze("type 2 diabetes and hypertension", true)
	web.post("/analyses/"+kept+"/decisions", url.Values{"code": {"I10"}, "decision": {"accepted"}})
	web.post("/profile", url.Values{"display_name": {"Ann Backup"}})
	secret := enableMFA(t, web)
	// An organization with audited actions and a retained note.
	owner := s.newMember(t, "backup-owner")
	clinic := s.hostileOrg(t, owner)
	retained := clinic.retained()
	b := s.apiUser(t, bEmail)
	bt, err := b.SendBatch(ctx, strings.NewReader(`{"id":"n1","note":"cough","no_phi_attested":true}`+"\n"+`{"id":"n2","note":"call 555-123-4567","no_phi_attested":true}`+"\n"), "sync", nil)
	if err != nil {
		t.Fatal(err)
	}

	// Analyses keep arriving while the backup runs.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			b.Analyze(ctx, analyzeReq(fmt.Sprintf("cough day %d", i)))
		}
	}()
	time.Sleep(200 * time.Millisecond)
	dir := t.TempDir()
	identity, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	idFile := filepath.Join(dir, "backup.agekey")
	os.WriteFile(idFile, []byte(identity.String()+"\n"), 0o600)
	file := filepath.Join(dir, "medcode.age")
	if code, out := admin(t, "--db", s.Config.DB, "backup", "--out", file, "--recipient", identity.Recipient().String()); code != 0 {
		t.Fatalf("backup: %s", out)
	}
	time.Sleep(100 * time.Millisecond)
	close(stop)
	wg.Wait()
	late, err := b.Analyze(ctx, analyzeReq("hyperlipidemia after the backup"))
	if err != nil {
		t.Fatal(err)
	}
	if code, out := admin(t, "restore", "--check", "--in", file, "--identity", idFile); code != 0 || !strings.Contains(out, "verified") {
		t.Fatalf("check: %s", out)
	}

	target := db.settings(t, t.TempDir())["MEDCODE_DB"]
	if code, out := admin(t, "--db", target, "restore", "--in", file, "--identity", idFile); code != 0 {
		t.Fatalf("restore: %s", out)
	}
	if code, out := admin(t, "--db", target, "restore", "--in", file, "--identity", idFile); code == 0 || !strings.Contains(out, "new") {
		t.Fatalf("a second restore over the first: %d %s", code, out)
	}
	settings := s.keySettings()
	settings["MEDCODE_DB"] = target
	settings["MEDCODE_LIMIT_FREE"] = "0"
	r := start(t, db, settings)

	// A signs in with both factors; the record opens with its decision.
	rweb := r.browser(t)
	rweb.post("/signin", url.Values{"email": {aEmail}, "password": {password}})
	code, _ := totp.GenerateCode(secret, time.Now())
	rweb.post("/signin/mfa", url.Values{"code": {code}})
	if _, page := rweb.get("/analyses/" + kept); !strings.Contains(page, `aria-pressed="true"`) {
		t.Fatal("A's record or its decision did not survive")
	}
	if _, page := rweb.get("/profile"); !strings.Contains(page, "Ann Backup") {
		t.Fatal("A's profile did not survive")
	}
	// B's token works; every record and the batch open; usage agrees.
	rb := client.New(r.URL())
	rb.Token = b.Token
	exp, err := rb.Export(ctx)
	if err != nil {
		t.Fatalf("B's export on the restored database: %v", err)
	}
	counted := 0
	for _, a := range exp.Analyses {
		if a.ID == late.ID {
			t.Error("an analysis made after the backup is in it")
		}
		if !a.Cached {
			counted++
		}
	}
	if len(exp.Analyses) < 2 || exp.Usage.Used != counted {
		t.Errorf("restored: %d analyses, %d counted, usage says %d", len(exp.Analyses), counted, exp.Usage.Used)
	}
	outcomes := 0
	if err := rb.BatchResults(ctx, bt.ID, func(*batch.Outcome) error { outcomes++; return nil }); err != nil || outcomes != 2 {
		t.Errorf("batch results: %d, %v", outcomes, err)
	}
	// The organization's record, its retained note and its audit chain.
	ownerWeb := r.browser(t)
	ownerWeb.post("/signin", url.Values{"email": {owner.user.Email}, "password": {password}})
	if st, body := ownerWeb.get(clinic.base() + "/analyses/" + retained + "/note"); st != http.StatusOK || !strings.Contains(body, "cough") {
		t.Errorf("retained note after the restore: %d", st)
	}
	if code, out := admin(t, "--db", target, "audit", "verify"); code != 0 {
		t.Errorf("audit chain of the restored database: %s", out)
	}
	// New rows after the restore get fresh ids.
	c := r.apiUser(t, newEmail("after-restore"))
	if _, err := c.Analyze(ctx, analyzeReq("cough")); err != nil {
		t.Fatalf("new analysis on the restored database: %v", err)
	}

	// The wrong identity, a damaged file and a backup into the wrong kind
	// of database are refused with a reason.
	other, _ := age.GenerateX25519Identity()
	otherFile := filepath.Join(dir, "other.agekey")
	os.WriteFile(otherFile, []byte(other.String()+"\n"), 0o600)
	if code, out := admin(t, "restore", "--check", "--in", file, "--identity", otherFile); code == 0 || !strings.Contains(out, "does not decrypt") {
		t.Errorf("wrong identity: %d %s", code, out)
	}
	data, _ := os.ReadFile(file)
	data[len(data)/2] ^= 1
	damaged := filepath.Join(dir, "damaged.age")
	os.WriteFile(damaged, data, 0o600)
	if code, out := admin(t, "restore", "--check", "--in", damaged, "--identity", idFile); code == 0 {
		t.Errorf("damaged backup verified: %s", out)
	}
	wrongKind := map[string]string{"sqlite": pgtest.NewDatabase(t), "postgres": filepath.Join(dir, "new.db")}[db.name]
	if code, out := admin(t, "--db", wrongKind, "restore", "--in", file, "--identity", idFile); code == 0 || !strings.Contains(out, "restore it into a") {
		t.Errorf("restore into the other kind of database: %d %s", code, out)
	}
}

// TestBackupWithPassphrase: a passphrase from a file encrypts and decrypts;
// a different one does not.
func TestBackupWithPassphrase(t *testing.T) {
	s := start(t, sqliteBackend, nil)
	s.apiUser(t, newEmail("passphrase"))
	dir := t.TempDir()
	pass, wrong := filepath.Join(dir, "pass"), filepath.Join(dir, "wrong")
	os.WriteFile(pass, []byte("correct horse battery staple\n"), 0o600)
	os.WriteFile(wrong, []byte("incorrect horse\n"), 0o600)
	file := filepath.Join(dir, "b.age")
	if code, out := admin(t, "--db", s.Config.DB, "backup", "--out", file, "--passphrase-file", pass); code != 0 {
		t.Fatalf("backup: %s", out)
	}
	if code, out := admin(t, "--db", s.Config.DB, "backup", "--out", file, "--passphrase-file", pass); code == 0 || !strings.Contains(out, "exists") {
		t.Fatalf("backup over an existing file: %d %s", code, out)
	}
	if code, out := admin(t, "restore", "--check", "--in", file, "--passphrase-file", pass); code != 0 || !strings.Contains(out, "users 1") {
		t.Fatalf("check: %s", out)
	}
	if code, _ := admin(t, "restore", "--check", "--in", file, "--passphrase-file", wrong); code == 0 {
		t.Fatal("wrong passphrase accepted")
	}
	if code, out := admin(t, "--db", s.Config.DB, "backup", "--out", filepath.Join(dir, "c.age")); code != 2 || !strings.Contains(out, "recipient") {
		t.Fatalf("backup without a recipient: %d %s", code, out)
	}
}
