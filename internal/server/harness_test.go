package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/medcode/medcode/internal/analysis/analysistest"
	"github.com/medcode/medcode/internal/api/client"
	"github.com/medcode/medcode/internal/config"
	"github.com/medcode/medcode/internal/server"
)

const password = "tulip-Granite-49-orbit"

// syncBuffer collects the server's logs from many goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// testServer is the real Main on a loopback port with a temporary database.
type testServer struct {
	*server.Main
	db   backend
	dir  string
	logs *syncBuffer
}

// start runs a server on a fresh database of db; settings override the
// environment it sees.
func start(t testing.TB, db backend, settings map[string]string) *testServer {
	t.Helper()
	dir := t.TempDir()
	env := map[string]string{
		"MEDCODE_ADDR":       "127.0.0.1:0",
		"MEDCODE_LOG_FORMAT": "json",
		"MEDCODE_LOG_LEVEL":  "debug",
	}
	for k, v := range db.settings(t, dir) {
		env[k] = v
	}
	for k, v := range settings {
		env[k] = v
	}
	cfg, err := config.Load(config.Source{Getenv: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	m := &server.Main{Config: cfg, Coder: &analysistest.Coder{}, LogOutput: logs}
	if err := m.Run(context.Background()); err != nil {
		m.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return &testServer{Main: m, db: db, dir: dir, logs: logs}
}

var emailSeq atomic.Int64

// newEmail returns a unique address for a test user.
func newEmail(prefix string) string {
	return fmt.Sprintf("%s-%d@example.org", prefix, emailSeq.Add(1))
}

// apiUser signs up through the API and returns a logged-in client.
func (s *testServer) apiUser(t testing.TB, email string) *client.Client {
	t.Helper()
	c := client.New(s.URL())
	ctx := context.Background()
	if err := c.SignUp(ctx, email, password); err != nil {
		t.Fatal(err)
	}
	if err := c.Login(ctx, email, password, ""); err != nil {
		t.Fatal(err)
	}
	return c
}

// browser is a cookie-keeping HTTP client that behaves like a same-origin
// browser form submission.
type browser struct {
	t    testing.TB
	srv  *testServer
	base string
	http *http.Client
}

func (s *testServer) browser(t testing.TB) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, srv: s, base: s.URL(), http: &http.Client{Jar: jar}}
}

// signUpJSON is the body of POST /api/v1/signup accepting the current
// policies, from a person who says whether they are 18 or older.
func (s *testServer) signUpJSON(t testing.TB, email string, adult bool) string {
	t.Helper()
	current, err := s.Policies.Current(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(map[string]any{"email": email, "password": password, "adult": adult,
		"accepted_policies": map[string]string{"terms": current["terms"].Version, "privacy": current["privacy"].Version}})
	return string(b)
}

// signUpForm is the sign-up form as an adult accepting the current
// policies submits it.
func (s *testServer) signUpForm(t testing.TB, email string) url.Values {
	t.Helper()
	current, err := s.Policies.Current(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return url.Values{"email": {email}, "password": {password}, "password_confirm": {password}, "adult": {"1"},
		"accept_policies": {"1"}, "terms_version": {current["terms"].Version}, "privacy_version": {current["privacy"].Version}}
}

// do sends a request and returns status and body; htmx marks it as an
// htmx request.
func (b *browser) do(method, path string, form url.Values, htmx bool) (int, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.base+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if htmx {
		req.Header.Set("HX-Request", "true")
	}
	resp, err := b.http.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}

func (b *browser) get(path string) (int, string) { return b.do(http.MethodGet, path, nil, false) }

func (b *browser) post(path string, form url.Values) (int, string) {
	return b.do(http.MethodPost, path, form, false)
}

// signUp creates an account through the sign-up form.
func (b *browser) signUp(email string) {
	b.t.Helper()
	status, body := b.post("/signup", b.srv.signUpForm(b.t, email))
	if status != http.StatusOK || !strings.Contains(body, "Analyze a note") {
		b.t.Fatalf("sign-up: %d\n%s", status, body)
	}
}

var supportThreadID = regexp.MustCompile(`/support/(\d+)`)

// openSupport sends a support question and returns the thread's id.
func (b *browser) openSupport(subject, body string) string {
	b.t.Helper()
	status, page := b.post("/support", url.Values{"kind": {"support"}, "subject": {subject}, "body": {body}})
	m := supportThreadID.FindStringSubmatch(page)
	if status != http.StatusOK || m == nil {
		b.t.Fatalf("support question: %d\n%s", status, page)
	}
	return m[1]
}

var analysisID = regexp.MustCompile(`/analyses/(an_[0-9a-f]+)`)

// analyze submits a note through the analyze form as htmx does and returns
// the new analysis id.
func (b *browser) analyze(note string, preview bool) string {
	b.t.Helper()
	form := url.Values{"note": {note}, "attest": {"1"}, "profile": {"outpatient"}}
	if preview {
		form.Set("save_preview", "1")
	}
	status, body := b.do(http.MethodPost, "/analyses", form, true)
	if status != http.StatusCreated {
		b.t.Fatalf("analyze: %d\n%s", status, body)
	}
	m := analysisID.FindStringSubmatch(body)
	if m == nil {
		b.t.Fatalf("no analysis link in the result:\n%s", body)
	}
	return m[1]
}

// doRaw sends a same-origin request without following a redirect and
// returns the status, the redirect target and the body.
func (b *browser) doRaw(method, path string, form url.Values) (int, string, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.base+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	c := *b.http
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(out)
}
