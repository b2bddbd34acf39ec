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
	"github.com/medcode/medcode/internal/org"
	"github.com/medcode/medcode/internal/store"
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
	aUser, err := s.DB.UserByEmail(ctx, aEmail)
	if err != nil {
		t.Fatal(err)
	}
	aReport := s.report(t, org.Personal(aUser), testCodeSets(t) != nil)

	bWeb := s.browser(t)
	bEmail := newEmail("intruder")
	bWeb.signUp(bEmail)
	b := s.apiClientFor(t, bEmail)
	bID := bWeb.analyze("cough", false)

	var covered int
	for _, pattern := range s.Patterns() {
		// The organization routes have their own test below.
		if !strings.Contains(pattern, "{id}") || strings.Contains(pattern, "{org}") {
			continue
		}
		covered++
		method, path, _ := strings.Cut(pattern, " ")
		owned := aID
		switch {
		case strings.Contains(path, "/batches/"):
			owned = aBatch.ID
		case strings.Contains(path, "/reports/"):
			owned = aReport
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
				status, body = s.apiCallBody(t, b.Token, method, target, `{"code":"`+code+`","decision":"accepted"}`)
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
	// Nor A's report.
	if _, body := bWeb.get("/reports"); strings.Contains(body, aReport) {
		t.Error("B's report list shows A's report")
	}
	if _, body := s.apiCall(t, b.Token, "GET", "/api/v1/reports"); strings.Contains(body, aReport) {
		t.Error("B's API report list shows A's report")
	}
	// The same routes work for the owner, so the 404s above are not a broken route.
	if status, _ := bWeb.get("/analyses/" + bID); status != http.StatusOK {
		t.Fatalf("B cannot open B's own record: %d", status)
	}
	if status, _ := s.apiCall(t, b.Token, "DELETE", "/api/v1/analyses/"+bID); status != http.StatusNoContent {
		t.Fatalf("B cannot delete B's own record: %d", status)
	}
}

func (s *testServer) apiClientFor(t testing.TB, email string) *client.Client {
	t.Helper()
	c := client.New(s.URL())
	if err := c.Login(context.Background(), email, password, ""); err != nil {
		t.Fatal(err)
	}
	return c
}

func (s *testServer) apiCall(t *testing.T, token, method, path string) (int, string) {
	t.Helper()
	return s.apiCallBody(t, token, method, path, "")
}

// apiCallBody sends a request with a JSON body ("" for none).
func (s *testServer) apiCallBody(t *testing.T, token, method, path, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, s.URL()+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestNonMembersGet404FromEverythingOfAnOrg walks every route of an
// organization's workspace (UI and API, from the route tables): someone
// who is not a member gets 404, as for an organization that does not
// exist, whatever the route and whatever they send; and in their own
// organization, where they may do everything, the other organization's
// records, members and invitations are 404 too. Nothing they tried shows
// in the other organization's audit log, so nothing happened.
func TestNonMembersGet404FromEverythingOfAnOrg(t *testing.T) {
	eachBackend(t, testNonMembersGet404FromEverythingOfAnOrg)
}

func testNonMembersGet404FromEverythingOfAnOrg(t *testing.T, db backend) {
	s := start(t, db, nil)
	ctx := context.Background()
	victim, outsider := s.newMember(t, "victim"), s.newMember(t, "outsider")
	own := s.newOrgCase(t, outsider, nil)
	patterns := orgPatterns(t, s)
	var victims []*orgCase
	for _, pattern := range sorted(patterns) {
		method, _, _ := strings.Cut(pattern, " ")
		c := s.newOrgCase(t, victim, nil)
		victims = append(victims, c)
		req := orgRoutes[pattern](c)
		status, _, body := s.send(t, outsider, method, req)
		if status != http.StatusNotFound {
			t.Errorf("outsider: %s %s = %d\n%.300s", method, req.path, status, body)
		}
		if strings.Contains(body, c.owner.Org.Name) {
			t.Errorf("outsider: %s %s shows the organization's name", method, req.path)
		}
		// The same request in the outsider's own organization, on the
		// victim's record, member or invitation.
		if strings.Count(pattern, "{") < 2 {
			continue
		}
		req.path = strings.Replace(req.path, c.base()+"/", own.base()+"/", 1)
		status, _, body = s.send(t, outsider, method, req)
		if status != http.StatusNotFound {
			t.Errorf("outsider in their own organization: %s %s = %d\n%.300s", method, req.path, status, body)
		}
	}
	// A missing organization answers the same.
	for _, path := range []string{"/orgs/999999", "/orgs/x/members", "/api/v1/orgs/999999", "/api/v1/orgs/0/rules"} {
		if strings.HasPrefix(path, "/api/") {
			if status, _ := s.apiCall(t, outsider.token, "GET", path); status != http.StatusNotFound {
				t.Errorf("GET %s = %d", path, status)
			}
		} else if status, _, _ := outsider.web.doRaw("GET", path, nil); status != http.StatusNotFound {
			t.Errorf("GET %s = %d", path, status)
		}
	}
	for _, c := range victims {
		o, err := s.DB.Org(ctx, c.owner.Org.ID)
		if err != nil || o.Name != c.owner.Org.Name {
			t.Fatalf("the victim's organization changed: %+v, %v", o, err)
		}
		if _, n, err := s.DB.ListAudit(ctx, store.AuditFilter{OrgID: o.ID, ActorID: outsider.user.ID}); err != nil || n != 0 {
			t.Fatalf("the outsider acted in organization %d: %d audit entries, %v", o.ID, n, err)
		}
	}
	// The outsider's own lists never name the victim's organizations.
	for _, path := range []string{"/orgs", "/history", own.base() + "/history", own.base() + "/audit"} {
		if _, body := outsider.web.get(path); strings.Contains(body, victims[0].owner.Org.Name) {
			t.Errorf("%s names another organization", path)
		}
	}
	if _, body := s.apiCall(t, outsider.token, "GET", "/api/v1/orgs"); strings.Contains(body, victims[0].owner.Org.Name) {
		t.Error("GET /api/v1/orgs names another organization")
	}
}
