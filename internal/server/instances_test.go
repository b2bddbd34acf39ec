package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/medcode/medcode/internal/api/client"
)

// TestTwoInstancesShareState runs two servers on one PostgreSQL database:
// a web session, an API token, the login lockout and the monthly usage
// made on one hold on the other.
func TestTwoInstancesShareState(t *testing.T) {
	settings := map[string]string{"MEDCODE_LIMIT_FREE": "2", "MEDCODE_LOGIN_MAX_FAILURES": "3"}
	a := start(t, postgresBackend, settings)
	settings["MEDCODE_DB"], settings["MEDCODE_KEY"] = a.Config.DB, a.Config.Key
	b := start(t, postgresBackend, settings)
	ctx := context.Background()

	// A web session made on A is signed in on B.
	web := a.browser(t)
	email := newEmail("shared")
	web.signUp(email)
	web.base = b.URL()
	if status, body := web.get("/history"); status != http.StatusOK || !strings.Contains(body, "Find by code") {
		t.Fatalf("the session made on A is not signed in on B: %d", status)
	}
	// A token made on A works on B; usage counts across both.
	ca := a.apiClientFor(t, email)
	cb := client.New(b.URL())
	cb.Token = ca.Token
	if _, err := ca.Analyze(ctx, analyzeReq("cough on A")); err != nil {
		t.Fatal(err)
	}
	if _, err := cb.Analyze(ctx, analyzeReq("cough on B")); err != nil {
		t.Fatal(err)
	}
	if _, err := ca.Analyze(ctx, analyzeReq("cough again")); err == nil || !strings.Contains(err.Error(), "429") {
		t.Fatalf("third analysis over a limit of 2 across instances: %v", err)
	}
	// Failed sign-ins on A and B lock the account together.
	other := newEmail("lockout")
	a.browser(t).signUp(other)
	for _, s := range []*testServer{a, b, a} {
		s.browser(t).post("/signin", url.Values{"email": {other}, "password": {"wrong wrong wrong"}})
	}
	if err := client.New(b.URL()).Login(ctx, other, password, ""); err == nil || !strings.Contains(err.Error(), "locked") {
		t.Fatalf("sign-in after three failures across instances: %v", err)
	}
}
