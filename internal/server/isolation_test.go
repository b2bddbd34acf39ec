package server_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/medcode/medcode/internal/analysis"
	"github.com/medcode/medcode/internal/api/client"
)

// TestOtherUsersRecordsAre404 runs user B against every route that takes a
// record id, with user A's record id, and expects 404 each time, the same
// answer as for an id that does not exist. It walks the server's own route
// tables, so a route added later is covered without editing this test.
func TestOtherUsersRecordsAre404(t *testing.T) { eachBackend(t, testOtherUsersRecordsAre404) }

func testOtherUsersRecordsAre404(t *testing.T, db backend) {
	s := start(t, db, nil)
	ctx := context.Background()

	// A owns a record; B is signed in on the web and has an API token.
	aWeb := s.browser(t)
	aEmail := newEmail("owner")
	aWeb.signUp(aEmail)
	aID := aWeb.analyze("type 2 diabetes with hypertension", true)
	a := s.apiClientFor(t, aEmail)
	rec, err := a.Get(ctx, aID)
	if err != nil {
		t.Fatal(err)
	}
	code := analysis.Codes(rec.Result)[0]
	aBatch, err := a.SendBatch(ctx, strings.NewReader(`{"note":"cough","no_phi_attested":true}`+"\n"), "sync", nil)
	if err != nil {
		t.Fatal(err)
	}
	aThread := aWeb.openSupport("Owner-only subject", "A question only the owner may read.")

	bWeb := s.browser(t)
	bEmail := newEmail("intruder")
	bWeb.signUp(bEmail)
	b := s.apiClientFor(t, bEmail)
	bID := bWeb.analyze("cough", false)

	var covered int
	for _, pattern := range s.Patterns() {
		if !strings.Contains(pattern, "{id}") {
			continue
		}
		covered++
		method, path, _ := strings.Cut(pattern, " ")
		owned := aID
		switch {
		case strings.Contains(path, "/batches/"):
			owned = aBatch.ID
		case strings.Contains(path, "/support/"):
			owned = aThread
		}
		for _, tc := range []struct {
			who  string
			id   string
			want func(int) bool
		}{
			{"B on A's record", owned, func(s int) bool { return s == http.StatusNotFound }},
			{"B on a missing record", "an_000000000000000000000000", func(s int) bool { return s == http.StatusNotFound }},
		} {
			target := strings.ReplaceAll(path, "{id}", tc.id)
			var status int
			var body string
			if strings.HasPrefix(path, "/api/") {
				status, body = s.apiCall(t, b.Token, method, target)
			} else {
				status, body = bWeb.do(method, target, url.Values{"code": {code}, "decision": {"accepted"}}, false)
			}
			if !tc.want(status) {
				t.Errorf("%s: %s %s = %d\n%s", tc.who, method, target, status, body)
			}
			if strings.Contains(body, rec.NoteSHA256) || strings.Contains(body, "Owner-only subject") {
				t.Errorf("%s: %s %s leaks the record", tc.who, method, target)
			}
		}
	}
	if covered < 5 {
		t.Fatalf("only %d routes take a record id: %v", covered, s.Patterns())
	}

	// A's record survived every attempt, decisions included.
	rec, err = a.Get(ctx, aID)
	if err != nil || len(rec.Decisions) != 0 {
		t.Fatalf("A's record changed by B: %+v, %v", rec, err)
	}
	// Lists, searches and exports of B never show A's record.
	for _, path := range []string{"/history", "/history?code=" + code, "/export", "/export/history.csv", "/support"} {
		if _, body := bWeb.get(path); strings.Contains(body, aID) || strings.Contains(body, "Owner-only subject") {
			t.Errorf("B's %s shows A's record", path)
		}
	}
	if _, body := aWeb.get("/support/" + aThread); !strings.Contains(body, "A question only the owner may read.") {
		t.Fatalf("A cannot read A's own support thread:\n%s", body)
	}
	for _, path := range []string{"/api/v1/analyses", "/api/v1/analyses?code=" + code, "/api/v1/export"} {
		if _, body := s.apiCall(t, b.Token, "GET", path); strings.Contains(body, aID) {
			t.Errorf("B's %s shows A's record", path)
		}
	}
	// The same routes work for the owner, so the 404s above are not a broken route.
	if status, _ := bWeb.get("/analyses/" + bID); status != http.StatusOK {
		t.Fatalf("B cannot open B's own record: %d", status)
	}
	if status, _ := s.apiCall(t, b.Token, "DELETE", "/api/v1/analyses/"+bID); status != http.StatusNoContent {
		t.Fatalf("B cannot delete B's own record: %d", status)
	}
}

func (s *testServer) apiClientFor(t *testing.T, email string) *client.Client {
	t.Helper()
	c := client.New(s.URL())
	if err := c.Login(context.Background(), email, password, ""); err != nil {
		t.Fatal(err)
	}
	return c
}

func (s *testServer) apiCall(t *testing.T, token, method, path string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, s.URL()+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
