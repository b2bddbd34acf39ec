package server_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/medcode/medcode/internal/analysis"
	"github.com/medcode/medcode/internal/analysis/analysistest"
	"github.com/medcode/medcode/internal/api/client"
	"github.com/medcode/medcode/internal/config"
	"github.com/medcode/medcode/internal/mail/mailtest"
	"github.com/medcode/medcode/internal/server"
)

func TestWebPagesAndActions(t *testing.T) { eachBackend(t, testWebPagesAndActions) }

func testWebPagesAndActions(t *testing.T, db backend) {
	s := start(t, db, nil)
	b := s.browser(t)
	for _, path := range []string{"/", "/privacy", "/signup", "/signin", "/password/forgot"} {
		if status, body := b.get(path); status != http.StatusOK || !strings.Contains(body, "</html>") {
			t.Errorf("GET %s = %d", path, status)
		}
	}
	if status, body := b.get("/history"); status != http.StatusOK || !strings.Contains(body, `name="next" value="/history"`) {
		t.Fatalf("signed-out history should offer sign-in: %d", status)
	}
	email := newEmail("web")
	b.signUp(email)

	id := b.analyze("Cough; hypertension. Type 2 diabetes.", true)
	steps := []struct {
		method, path string
		form         url.Values
		htmx         bool
		status       int
		want         []string
	}{
		{"GET", "/analyze", nil, false, 200, []string{`id="note"`, `name="attest"`, "of 50 analyses used in"}},
		{"POST", "/analyses", url.Values{"note": {"cough"}}, true, 400, []string{"Confirm that the note contains no protected health information"}},
		{"POST", "/analyses", url.Values{"note": {"Call 555-123-4567 re cough"}, "attest": {"1"}}, true, 422, []string{"possible identifier", `data-evidence="5-17"`}},
		{"GET", "/history", nil, false, 200, []string{id, "Cough; hypertension."}},
		{"GET", "/history?code=zzz", nil, false, 200, []string{"0 analyses"}},
		{"GET", "/analyses/" + id, nil, false, 200, []string{`id="note-recall"`, "data-note-sha256", "Accept"}},
		{"GET", "/usage", nil, false, 200, []string{"1 of 50 analyses used"}},
		{"GET", "/profile", nil, false, 200, []string{email, "not confirmed"}},
		{"POST", "/profile", url.Values{"display_name": {"Ann Coder"}, "organization": {"Northside Clinic"}, "role": {"Certified coder"}}, false, 200, []string{"Profile saved", "Northside Clinic"}},
		{"POST", "/profile", url.Values{"display_name": {strings.Repeat("x", 101)}}, false, 400, []string{"at most 100"}},
		{"POST", "/profile/password", url.Values{"current_password": {"wrong"}, "password": {"new-Quartz-harbor-17"}, "password_confirm": {"new-Quartz-harbor-17"}}, false, 400, []string{"current password is not correct"}},
		{"GET", "/export", nil, false, 200, []string{`"analyses"`, id}},
		{"GET", "/profile/mfa", nil, false, 200, []string{"data:image/png;base64,", `name="sealed"`}},
		{"GET", "/account/delete", nil, false, 200, []string{"Delete my account"}},
		{"POST", "/account/delete", url.Values{"current_password": {"wrong"}}, false, 400, []string{"Tick the box"}},
		{"POST", "/account/delete", url.Values{"current_password": {"wrong"}, "confirm": {"1"}}, false, 400, []string{"not correct"}},
	}
	for _, st := range steps {
		status, body := b.do(st.method, st.path, st.form, st.htmx)
		if status != st.status {
			t.Errorf("%s %s = %d, want %d\n%s", st.method, st.path, status, st.status, body)
			continue
		}
		for _, w := range st.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s %s: page lacks %q", st.method, st.path, w)
			}
		}
	}

	// Accept a code through the htmx control: the fragment comes back pressed.
	rec := s.record(t, email, id)
	code := analysis.Codes(rec.Result)[0]
	status, body := b.do("POST", "/analyses/"+id+"/decisions", url.Values{"code": {code}, "decision": {"accepted"}}, true)
	if status != 200 || !strings.Contains(body, `aria-pressed="true"`) || strings.Contains(body, "<html") {
		t.Fatalf("decision fragment: %d\n%s", status, body)
	}
	if rec = s.record(t, email, id); rec.Decisions[code] != analysis.Accepted {
		t.Fatalf("decision not stored: %v", rec.Decisions)
	}

	// A cross-site form post is refused whatever the cookie says.
	req, _ := http.NewRequest("POST", s.URL()+"/analyses/"+id+"/delete", nil)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err := b.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site POST = %d, want 403", resp.StatusCode)
	}

	if status, _ := b.post("/analyses/"+id+"/delete", url.Values{}); status != 200 {
		t.Fatalf("delete: %d", status)
	}
	if status, _ := b.get("/analyses/" + id); status != http.StatusNotFound {
		t.Fatalf("deleted analysis: %d", status)
	}
	if status, body := b.post("/signout", url.Values{}); status != 200 || !strings.Contains(body, "Create a free account") {
		t.Fatalf("sign out: %d", status)
	}
	if status, body := b.post("/signin", url.Values{"email": {email}, "password": {password}, "next": {"/usage"}}); status != 200 || !strings.Contains(body, "analyses used") {
		t.Fatalf("sign in with next: %d\n%s", status, body)
	}
}

// TestUploadTxtFile submits a .txt file instead of pasted text, as a
// browser without JavaScript does.
func TestUploadTxtFile(t *testing.T) { eachBackend(t, testUploadTxtFile) }

func testUploadTxtFile(t *testing.T, db backend) {
	s := start(t, db, nil)
	b := s.browser(t)
	b.signUp(newEmail("upload"))
	post := func(name, content string) (int, string) {
		var body bytes.Buffer
		w := multipart.NewWriter(&body)
		w.WriteField("note", "")
		w.WriteField("attest", "1")
		fw, _ := w.CreateFormFile("file", name)
		fw.Write([]byte(content))
		w.Close()
		req, _ := http.NewRequest("POST", s.URL()+"/analyses", &body)
		req.Header.Set("Content-Type", w.FormDataContentType())
		req.Header.Set("HX-Request", "true")
		resp, err := b.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(out)
	}
	status, page := post("visit.txt", "Assessment:\r\nType 2 diabetes.\r\nCough.")
	if status != http.StatusCreated || !strings.Contains(page, "data-evidence") {
		t.Fatalf("upload: %d\n%s", status, page)
	}
	if status, page := post("visit.pdf", "%PDF-1.7"); status != http.StatusBadRequest || !strings.Contains(page, ".txt") {
		t.Fatalf("non-text upload: %d\n%s", status, page)
	}
}

// record reads a record through the API as its owner.
func (s *testServer) record(t *testing.T, email, id string) *analysis.Record {
	t.Helper()
	rec, err := s.apiClientFor(t, email).Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

func TestTwoFactorSignIn(t *testing.T) { eachBackend(t, testTwoFactorSignIn) }

func testTwoFactorSignIn(t *testing.T, db backend) {
	s := start(t, db, nil)
	b := s.browser(t)
	email := newEmail("mfa")
	b.signUp(email)
	_, page := b.get("/profile/mfa")
	secret := regexp.MustCompile(`Key: <code>([A-Z2-7]+)</code>`).FindStringSubmatch(page)
	sealed := regexp.MustCompile(`name="sealed" value="([^"]+)"`).FindStringSubmatch(page)
	if secret == nil || sealed == nil {
		t.Fatalf("setup page lacks the key:\n%s", page)
	}
	code, _ := totp.GenerateCode(secret[1], time.Now())
	if status, body := b.post("/profile/mfa", url.Values{"sealed": {sealed[1]}, "code": {code}}); status != 200 || !strings.Contains(body, "Two-factor authentication is on") {
		t.Fatalf("enable: %d\n%s", status, body)
	}
	b.post("/signout", url.Values{})
	status, body := b.post("/signin", url.Values{"email": {email}, "password": {password}})
	if status != 200 || !strings.Contains(body, "Code from your authenticator app") {
		t.Fatalf("password step: %d", status)
	}
	if status, _ := b.get("/history"); status != 200 {
		t.Fatal(status)
	}
	if _, body := b.get("/history"); strings.Contains(body, "Find by code") {
		t.Fatal("signed in before the second factor")
	}
	if status, _ := b.post("/signin/mfa", url.Values{"code": {"000000"}}); status != http.StatusUnauthorized {
		t.Fatalf("wrong code: %d", status)
	}
	code, _ = totp.GenerateCode(secret[1], time.Now())
	if status, body := b.post("/signin/mfa", url.Values{"code": {code}}); status != 200 || !strings.Contains(body, "Analyze a note") {
		t.Fatalf("second factor: %d", status)
	}
	// The API asks for the code too.
	s.run(t, scenario{name: "token without code", method: "POST", path: "/api/v1/tokens",
		body: `{"email":"` + email + `","password":"` + password + `"}`, wantStatus: 401, want: []string{"totp"}})
	code, _ = totp.GenerateCode(secret[1], time.Now())
	s.run(t, scenario{name: "token with code", method: "POST", path: "/api/v1/tokens",
		body: `{"email":"` + email + `","password":"` + password + `","totp":"` + code + `"}`, wantStatus: 201})
}

// TestEmailFlowsThroughRealSMTP signs up, confirms the address from the
// emailed link, and resets the password, against an aiosmtpd process.
func TestEmailFlowsThroughRealSMTP(t *testing.T) { eachBackend(t, testEmailFlowsThroughRealSMTP) }

func testEmailFlowsThroughRealSMTP(t *testing.T, db backend) {
	smtp := mailtest.Start(t)
	s := start(t, db, map[string]string{
		"MEDCODE_SMTP_HOST": smtp.Host, "MEDCODE_SMTP_PORT": strconv.Itoa(smtp.Port), "MEDCODE_SMTP_TLS": "none",
		"MEDCODE_SMTP_FROM": "medcode@example.org", "MEDCODE_REQUIRE_VERIFIED_EMAIL": "true",
	})
	b := s.browser(t)
	email := newEmail("mailbox")
	b.signUp(email)
	status, _ := b.do("POST", "/analyses", url.Values{"note": {"cough"}, "attest": {"1"}}, true)
	if status != http.StatusForbidden {
		t.Fatalf("analysis before confirming the email: %d", status)
	}
	token := linkToken(t, smtp.WaitFor(t, "To: "+email, 10*time.Second), "/verify-email")
	if status, body := b.get("/verify-email?token=" + token); status != 200 || !strings.Contains(body, "Confirm my email address") {
		t.Fatalf("verify page: %d", status)
	}
	if status, body := b.post("/verify-email", url.Values{"token": {token}}); status != 200 || !strings.Contains(body, "is confirmed") {
		t.Fatalf("verify: %d\n%s", status, body)
	}
	b.analyze("cough", false)

	anon := s.browser(t)
	if status, body := anon.post("/password/forgot", url.Values{"email": {email}}); status != 200 || !strings.Contains(body, "If an account uses that address") {
		t.Fatalf("forgot: %d", status)
	}
	token = linkToken(t, smtp.WaitFor(t, "Reset your medcode password", 10*time.Second), "/password/reset")
	newPassword := "new-Quartz-harbor-17"
	if status, body := anon.post("/password/reset", url.Values{"token": {token}, "password": {newPassword}, "password_confirm": {newPassword}}); status != 200 || !strings.Contains(body, "Sign in with the new one") {
		t.Fatalf("reset: %d\n%s", status, body)
	}
	// The reset signed the old session out.
	if _, body := b.get("/history"); strings.Contains(body, "Find by code") {
		t.Fatal("old session survived the password reset")
	}
	if status, body := anon.post("/signin", url.Values{"email": {email}, "password": {newPassword}}); status != 200 || !strings.Contains(body, "Analyze a note") {
		t.Fatalf("sign in with the new password: %d", status)
	}
	if strings.Contains(s.logs.String(), token) {
		t.Fatal("an emailed token reached the logs")
	}
}

func linkToken(t *testing.T, msg, path string) string {
	t.Helper()
	m := regexp.MustCompile(regexp.QuoteMeta(path) + `\?token=([A-Za-z0-9_-]+)`).FindStringSubmatch(msg)
	if m == nil {
		t.Fatalf("no %s link in:\n%s", path, msg)
	}
	return m[1]
}

func TestTLSWithHSTS(t *testing.T) { eachBackend(t, testTLSWithHSTS) }

func testTLSWithHSTS(t *testing.T, db backend) {
	dir := t.TempDir()
	certFile, keyFile := selfSigned(t, dir)
	s := start(t, db, map[string]string{"MEDCODE_TLS_CERT": certFile, "MEDCODE_TLS_KEY": keyFile})
	if !strings.HasPrefix(s.URL(), "https://") {
		t.Fatalf("URL %s", s.URL())
	}
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(s.URL() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if !strings.HasPrefix(resp.Header.Get("Strict-Transport-Security"), "max-age=") {
		t.Fatalf("no HSTS over TLS: %v", resp.Header)
	}
	// Session cookies are Secure over TLS.
	resp, err = c.PostForm(s.URL()+"/signup", s.signUpForm(t, newEmail("tls")))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var found bool
	for _, ck := range resp.Cookies() {
		if ck.Name == "medcode_session" {
			found = true
			if !ck.Secure || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode {
				t.Fatalf("session cookie %+v", ck)
			}
		}
	}
	if !found {
		t.Fatal("no session cookie")
	}
}

func selfSigned(t *testing.T, dir string) (string, string) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	return certFile, keyFile
}

func TestKeyFileCreatedOnceAndRequiredAfter(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "data", "medcode.db")
	s := start(t, sqliteBackend, map[string]string{"MEDCODE_DB": db})
	keyFile := filepath.Join(dir, "data", "medcode.key")
	if _, err := os.Stat(keyFile); err != nil {
		t.Fatalf("key file not created beside the database: %v", err)
	}
	if !strings.Contains(s.logs.String(), "created a new encryption key file") || !strings.Contains(s.logs.String(), keyFile) {
		t.Fatal("key file creation not logged")
	}
	c := s.apiUser(t, newEmail("keys"))
	rec, err := c.Analyze(context.Background(), analyzeReq("cough"))
	if err != nil {
		t.Fatal(err)
	}
	s.Close()

	// Restarting reuses the key; the record opens.
	s2 := start(t, sqliteBackend, map[string]string{"MEDCODE_DB": db})
	c2 := client.New(s2.URL())
	c2.Token = c.Token
	if _, err := c2.Get(context.Background(), rec.ID); err != nil {
		t.Fatalf("record unreadable after restart: %v", err)
	}
	if strings.Contains(s2.logs.String(), "created a new encryption key file") {
		t.Fatal("a second key file was created")
	}
	s2.Close()

	// Without its key file an existing database is refused, not re-keyed.
	os.Rename(keyFile, keyFile+".bak")
	cfg, _ := config.Load(config.Source{Getenv: func(k string) string {
		return map[string]string{"MEDCODE_ADDR": "127.0.0.1:0", "MEDCODE_DB": db}[k]
	}})
	m := &server.Main{Config: cfg, Coder: &analysistest.Coder{}, LogOutput: &syncBuffer{}}
	err = m.Run(context.Background())
	m.Close()
	if err == nil || !strings.Contains(err.Error(), "key file") {
		t.Fatalf("started without the key file: %v", err)
	}
}

// TestPostgresRefusesToMakeUpAKey: instances sharing a PostgreSQL database
// must share its keys, so a missing key is an error, not a new key file.
func TestPostgresRefusesToMakeUpAKey(t *testing.T) {
	dsn := postgresBackend.settings(t, t.TempDir())["MEDCODE_DB"]
	cfg, err := config.Load(config.Source{Getenv: func(k string) string {
		return map[string]string{"MEDCODE_ADDR": "127.0.0.1:0", "MEDCODE_DB": dsn}[k]
	}})
	if err != nil {
		t.Fatal(err)
	}
	m := &server.Main{Config: cfg, Coder: &analysistest.Coder{}, LogOutput: &syncBuffer{}}
	err = m.Run(context.Background())
	m.Close()
	if err == nil || !strings.Contains(err.Error(), "MEDCODE_KEY") {
		t.Fatalf("started on PostgreSQL without a key: %v", err)
	}
}
