package server_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestOversizedBodiesAreRefused posts a body over every limit to every
// state-changing route (UI signed in, API with a token, walked from the
// route tables) and expects a clear refusal: 413 naming the limit, or for
// the streamed batch upload an error line naming it. Never a 500, never an
// empty form treated as valid, and the server keeps serving.
func TestOversizedBodiesAreRefused(t *testing.T) {
	s := start(t, sqliteBackend, map[string]string{"MEDCODE_MAX_NOTE_BYTES": "20000"})
	m := s.newMember(t, "big")
	b, token := m.web, m.token
	// A site administrator, so that the administration routes read the body too.
	if _, err := s.Accounts.SetSiteAdmin(context.Background(), m.user.Email, true); err != nil {
		t.Fatal(err)
	}
	clinic := s.hostileOrg(t, m)
	// Over the largest limit (a FHIR bundle of 50 notes).
	big := strings.Repeat("a", 4<<20)
	for _, pattern := range s.Patterns() {
		method, path := fillRoute(pattern, 0, "an_000000000000000000000000")
		readsBody := method != http.MethodGet && method != http.MethodDelete
		if f := orgRoutes[pattern]; f != nil {
			// A real target of the owner's organization, so that the
			// request gets past the membership check to the body.
			r := f(clinic)
			path, readsBody = r.path, r.body != "" || r.form != nil
		}
		if !readsBody || pattern == "POST /signout" {
			continue
		}
		var status int
		var body string
		if strings.HasPrefix(path, "/api/") {
			status, body = s.apiRequest(t, token, method, path, `{"note":"`+strings.Repeat("a", apiBodyOver(pattern))+`"}`)
		} else {
			req, _ := http.NewRequest(method, s.URL()+path, strings.NewReader("note="+big+"&display_name=x"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			status, body = doRead(t, b.http, req)
		}
		switch {
		case pattern == "POST /api/v1/batches" || pattern == "POST /api/v1/orgs/{org}/batches":
			// The outcomes stream: the refusal is the line for the note.
			if !namesLimit.MatchString(body) {
				t.Errorf("%s: %d, no line names the limit:\n%.300s", pattern, status, body)
			}
		case status != http.StatusRequestEntityTooLarge || !namesLimit.MatchString(body):
			t.Errorf("%s = %d, want 413 naming the limit\n%.300s", pattern, status, body)
		}
	}
	// An upload over the note limit, and one over the whole form's.
	for _, size := range []int{20001, 200 << 10} {
		body, contentType := multipartNote(t, "visit.txt", strings.Repeat("cough ", size/6+1))
		req, _ := http.NewRequest(http.MethodPost, s.URL()+"/analyses", body)
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		if status, page := doRead(t, b.http, req); status != http.StatusRequestEntityTooLarge || !namesLimit.MatchString(page) {
			t.Errorf("upload of %d bytes = %d, want 413 naming the limit\n%s", size, status, page)
		}
	}
	// A profile post over the form limit leaves the profile as it was.
	b.post("/profile", map[string][]string{"display_name": {"Kept Name"}})
	req, _ := http.NewRequest(http.MethodPost, s.URL()+"/profile", strings.NewReader("display_name=&organization=&pad="+big))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	doRead(t, b.http, req)
	if _, page := b.get("/profile"); !strings.Contains(page, "Kept Name") {
		t.Error("an oversized profile post blanked the profile")
	}
	if status, _ := b.get("/healthz"); status != http.StatusOK {
		t.Fatalf("server unhealthy after the oversized posts: %d", status)
	}
}

// namesLimit finds the refusal's reason in a response.
var namesLimit = regexp.MustCompile(`(larger|longer) than \d+ (bytes|MiB)|the limit is \d+|at most \d+ bytes`)

// apiBodyOver is a body size past an API route's limit: claims, 835 and
// report uploads take files far larger than any note.
func apiBodyOver(pattern string) int {
	switch {
	case strings.Contains(pattern, "/reports"):
		return 65<<20 + 1 // 64 MiB of files and 1 MiB of form
	case strings.Contains(pattern, "/claims"), strings.Contains(pattern, "/remittances"):
		return 32<<20 + 1
	}
	return 4 << 20
}

// rawRequest writes raw bytes to the server and returns the status line
// of the answer ("" when the server closed without one).
func (s *testServer) rawRequest(t *testing.T, raw string) (string, string) {
	t.Helper()
	conn, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := io.WriteString(conn, raw); err != nil {
		return "", ""
	}
	resp, err := io.ReadAll(conn)
	if err != nil && len(resp) == 0 {
		return "", ""
	}
	line, _, _ := strings.Cut(string(resp), "\r\n")
	return line, string(resp)
}

// TestSlowLorisAndHeaderFloods: connections that trickle their headers are
// cut after the header timeout and do not keep others from being served;
// oversized headers are refused with 431; a batch upload that stalls is cut
// after the idle limit with a line saying so.
func TestSlowLorisAndHeaderFloods(t *testing.T) {
	s := start(t, sqliteBackend, map[string]string{"MEDCODE_BATCH_STALE_AFTER": "1s"})

	// 200 slow-loris connections, each sending a header line every second.
	const slow = 200
	var wg sync.WaitGroup
	cut := make(chan time.Duration, slow)
	for range slow {
		conn, err := net.Dial("tcp", s.Addr())
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer conn.Close()
			begin := time.Now()
			io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: x\r\n")
			go func() {
				for i := 0; ; i++ {
					time.Sleep(time.Second)
					if _, err := fmt.Fprintf(conn, "X-Slow-%d: 1\r\n", i); err != nil {
						return
					}
				}
			}()
			conn.SetReadDeadline(time.Now().Add(30 * time.Second))
			io.Copy(io.Discard, conn) // returns when the server closes
			cut <- time.Since(begin)
		}()
	}
	// Meanwhile a normal request is served at once.
	time.Sleep(500 * time.Millisecond)
	begin := time.Now()
	resp, err := http.Get(s.URL() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if d := time.Since(begin); resp.StatusCode != http.StatusOK || d > 2*time.Second {
		t.Errorf("healthz during the slow-loris attack: %d after %v", resp.StatusCode, d)
	}
	wg.Wait()
	close(cut)
	for d := range cut {
		if d > 15*time.Second {
			t.Errorf("a slow-loris connection was held %v (header timeout is 10s)", d)
			break
		}
	}

	// Header floods: one huge header, and many small ones.
	for name, headers := range map[string]string{
		"one 2 MB header":       "X-Big: " + strings.Repeat("a", 2<<20) + "\r\n",
		"150,000 small headers": strings.Repeat("X-H: 1\r\n", 150000),
	} {
		status, _ := s.rawRequest(t, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"+headers+"\r\n")
		if !strings.Contains(status, "431") && status != "" {
			t.Errorf("%s: %q, want 431 or a closed connection", name, status)
		}
	}

	// A batch upload that sends one note and then nothing is cut.
	c := s.apiUser(t, newEmail("stall"))
	pr, pw := io.Pipe()
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, s.URL()+"/api/v1/batches", pr)
	req.Header.Set("Authorization", "Bearer "+c.Token)
	req.Header.Set("Content-Type", "application/x-ndjson")
	go io.WriteString(pw, `{"note":"cough","no_phi_attested":true}`+"\n")
	begin = time.Now()
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	resp.Body.Close()
	pw.Close()
	if d := time.Since(begin); d > 10*time.Second || len(lines) == 0 || !strings.Contains(lines[len(lines)-1], "broke off") {
		t.Errorf("stalled batch upload after %v: %q", d, lines)
	}
}

// TestPathTraversalInFileRoutes asks the static file route and the id
// routes for files outside them, with every encoding of "..", sent raw so
// that no client cleans the path first: nothing outside the embedded
// static files is served and no directory is listed.
func TestPathTraversalInFileRoutes(t *testing.T) {
	s := start(t, sqliteBackend, nil)
	b := s.browser(t)
	b.signUp(newEmail("traversal"))
	paths := []string{
		"/static/../../../../etc/passwd",
		"/static/..%2f..%2f..%2f..%2fetc%2fpasswd",
		"/static/%2e%2e/%2e%2e/%2e%2e/go.mod",
		"/static/..%5c..%5c..%5cgo.mod",
		"/static//etc/passwd",
		"/static/app.js/../../../../../etc/passwd",
		"/static/%252e%252e/%252e%252e/etc/passwd",
		"/static/",
		"/static/.",
		"/static/htmx.md",
		"/static/app.js%00.md",
		"/analyses/..%2f..%2f..%2fetc%2fpasswd",
		"/batches/..%2f..%2fgo.mod/results",
		"/api/v1/analyses/..%2f..%2fetc%2fpasswd",
		"/api/v1/batches/%2e%2e%2f%2e%2e%2fgo.mod/results",
	}
	secrets := []string{"root:x:0:0", "module github.com/medcode", "<a href=\"app.js\">"}
	for _, p := range paths {
		status, resp := s.rawRequest(t, "GET "+p+" HTTP/1.1\r\nHost: "+s.Addr()+"\r\nConnection: close\r\n\r\n")
		if strings.Contains(status, " 200 ") {
			t.Errorf("GET %s = %q", p, status)
		}
		for _, sec := range secrets {
			if strings.Contains(resp, sec) {
				t.Errorf("GET %s serves %q", p, sec)
			}
		}
	}
	// The static route still serves its own files.
	if status, body := b.get("/static/app.js"); status != http.StatusOK || !strings.Contains(body, "textContent") {
		t.Fatalf("static app.js: %d", status)
	}
}
