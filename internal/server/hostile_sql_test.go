package server_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/medcode/medcode/internal/api/client"
)

// sqlPayloads are classic injection strings: tautologies, stacked
// statements, UNION reads, LIKE wildcards and time delays for both SQL
// dialects.
var sqlPayloads = []string{
	`' OR '1'='1`,
	`' OR 1=1 --`,
	`"; DROP TABLE users; --`,
	`x'); DELETE FROM analyses; --`,
	`1 UNION SELECT email, password_hash FROM users --`,
	`%' OR email LIKE '%`,
	`'; SELECT pg_sleep(3); --`,
	`' AND 1=(SELECT COUNT(*) FROM sqlite_master) AND randomblob(300000000) --`,
	`'||(SELECT email FROM users LIMIT 1)||'`,
	`an_000000000000000000000000' OR user_id <> 0 --`,
}

// dbErrorLeak finds driver or SQL error text in a response (patterns with
// spaces or colons, which random base64 on a page cannot hold).
var dbErrorLeak = regexp.MustCompile(`SQLSTATE|syntax error|SQL logic error|no such (table|column)|unterminated quoted|password_hash|sqlite_master|(sqlite|postgres|pgx|store): `)

// TestSQLInjectionInEveryParameter sends every payload in every parameter of
// every route (path ids, every query parameter the handlers read, every
// form field, every JSON field, the bearer token and the session cookie) as
// a second user, then checks that nothing answered 500 or leaked SQL
// errors or the first user's data, that no request ran long (time-based
// injection), that a payload cannot sign in, and that the first user's
// records and every table are intact. Values with quotes are stored and
// shown verbatim, as bound parameters.
func TestSQLInjectionInEveryParameter(t *testing.T) { eachBackend(t, testSQLInjectionInEveryParameter) }

func testSQLInjectionInEveryParameter(t *testing.T, db backend) {
	s := start(t, db, map[string]string{"MEDCODE_IP_ATTEMPTS": "1048576", "MEDCODE_LOGIN_MAX_FAILURES": "100"})
	ctx := context.Background()
	victimEmail := newEmail("victim")
	victim := s.apiUser(t, victimEmail)
	vrec, err := victim.Analyze(ctx, analyzeReq("type 2 diabetes and cough"))
	if err != nil {
		t.Fatal(err)
	}
	am := s.newMember(t, "attacker")
	attackerEmail, b := am.user.Email, am.web
	attacker := client.New(s.URL())
	attacker.Token = am.token
	// The attacker owns an organization, so that payloads reach the
	// handlers behind its membership check too.
	clinic := s.hostileOrg(t, am)
	users := s.queryInt(t, "SELECT count(*) FROM users")
	analyses := s.queryInt(t, "SELECT count(*) FROM analyses")

	leaks := []string{victimEmail, vrec.ID, vrec.NoteSHA256}
	check := func(what, payload string, status int, body string, took time.Duration) {
		t.Helper()
		what += " with " + payload
		if serverError(status) {
			t.Errorf("%s = %d\n%.300s", what, status, body)
		}
		if took > 2*time.Second {
			t.Errorf("%s took %v: a delay payload ran?", what, took)
		}
		// Forms show back what was typed (escaped): that is not a leak.
		for _, echo := range []string{payload, html.EscapeString(payload), strings.Trim(jsonString(payload), `"`)} {
			body = strings.ReplaceAll(body, echo, "")
		}
		if m := dbErrorLeak.FindString(body); m != "" {
			t.Errorf("%s leaks database error text %q", what, m)
		}
		for _, l := range leaks {
			if strings.Contains(body, l) {
				t.Errorf("%s leaks the other user's %q", what, l)
			}
		}
	}
	queryNames := []string{"code", "page", "per_page", "q", "next", "mode", "profile", "no_phi_attested", "token", "limit"}
	formNames := []string{"email", "password", "password_confirm", "current_password", "code", "decision", "display_name",
		"organization", "role", "note", "token", "next", "sealed", "profile"}
	requests := 0
	for _, pattern := range s.Patterns() {
		if pattern == "DELETE /api/v1/account" || pattern == "POST /signout" {
			continue
		}
		orgs := []int64{0}
		if strings.Contains(pattern, "{org}") {
			orgs = append(orgs, clinic.owner.Org.ID)
		}
		for _, orgID := range orgs {
			for _, p := range sqlPayloads {
				q := url.Values{}
				for _, n := range queryNames {
					q.Set(n, p)
				}
				method, path := fillRoute(pattern, orgID, p)
				api := strings.HasPrefix(path, "/api/")
				target := path + "?" + q.Encode()
				if api {
					bodies := []string{
						`{"email":` + jsonString(p) + `,"password":` + jsonString(p) + `,"totp":` + jsonString(p) + `}`,
						`{"note":` + jsonString("cough "+p) + `,"no_phi_attested":true,"profile":` + jsonString(p) + `}`,
						`{"id":` + jsonString(p) + `,"note":` + jsonString("cough "+p) + `,"no_phi_attested":true}` + "\n",
					}
					for _, body := range bodies {
						start := time.Now()
						status, out := s.apiRequest(t, attacker.Token, method, target, body)
						check(pattern, p, status, out, time.Since(start))
						requests++
					}
					continue
				}
				form := url.Values{"attest": {"1"}}
				for _, n := range formNames {
					form.Set(n, p)
				}
				if method == http.MethodGet {
					form = nil
				}
				start := time.Now()
				status, out := b.do(method, target, form, false)
				check(pattern, p, status, out, time.Since(start))
				requests++
			}
		}
	}
	// A payload as credentials: bearer token and session cookie.
	for _, p := range sqlPayloads {
		start := time.Now()
		status, out := s.apiRequest(t, p, http.MethodGet, "/api/v1/analyses", "")
		check("bearer token", p, status, out, time.Since(start))
		if status != http.StatusUnauthorized {
			t.Errorf("bearer token %q = %d, want 401", p, status)
		}
		req, _ := http.NewRequest(http.MethodGet, s.URL()+"/history", nil)
		req.AddCookie(&http.Cookie{Name: "medcode_session", Value: url.QueryEscape(p)})
		start = time.Now()
		status, out = doRead(t, http.DefaultClient, req)
		check("session cookie", p, status, out, time.Since(start))
		if strings.Contains(out, "Find by code") {
			t.Errorf("session cookie %q signed in", p)
		}
		// Sign-in with the payload as email or password fails.
		for _, creds := range [][2]string{{p, p}, {victimEmail, p}, {p + victimEmail, password}} {
			status, _ := s.apiRequest(t, "", http.MethodPost, "/api/v1/tokens",
				`{"email":`+jsonString(creds[0])+`,"password":`+jsonString(creds[1])+`}`)
			if status == http.StatusCreated {
				t.Errorf("signed in with email %q password %q", creds[0], creds[1])
			}
		}
	}
	if requests < 100 {
		t.Fatalf("only %d requests: the route walk found too few routes", requests)
	}

	// Nothing changed but the attacker's own analyses.
	if n := s.queryInt(t, "SELECT count(*) FROM users"); n != users {
		t.Errorf("users: %d, was %d", n, users)
	}
	if n := s.queryInt(t, "SELECT count(*) FROM analyses WHERE created_by = ?", s.userID(t, victimEmail)); n != 1 {
		t.Errorf("the victim has %d analyses, want 1", n)
	}
	if n := s.queryInt(t, "SELECT count(*) FROM analyses"); n < analyses {
		t.Errorf("analyses: %d, was %d", n, analyses)
	}
	if got, err := victim.Get(ctx, vrec.ID); err != nil || got.NoteSHA256 != vrec.NoteSHA256 {
		t.Errorf("the victim's record after the attack: %v", err)
	}
	// A quoted value is data: stored and shown verbatim.
	name := `O'Brien"; DROP TABLE users; --`
	if status, _ := b.post("/profile", url.Values{"display_name": {name}}); status != http.StatusOK {
		t.Fatalf("profile save: %d", status)
	}
	var stored string
	if err := s.inspect(t).QueryRow(s.db.bind("SELECT display_name FROM users WHERE email = ?"), attackerEmail).Scan(&stored); err != nil || stored != name {
		t.Errorf("display name stored as %q (%v), want %q", stored, err, name)
	}
	t.Logf("%d injection requests", requests)
}

// apiRequest sends a JSON (or NDJSON) body with an optional bearer token.
func (s *testServer) apiRequest(t *testing.T, token, method, path, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return doRead(t, http.DefaultClient, req)
}
