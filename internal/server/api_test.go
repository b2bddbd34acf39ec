package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// scenario is one HTTP exchange and what must come back.
type scenario struct {
	name       string
	method     string
	path       string
	token      string // bearer token; "" for none
	body       string
	wantStatus int
	want       []string // substrings of the body
	notWant    []string
}

func (s *testServer) run(t *testing.T, sc scenario) string {
	t.Helper()
	req, err := http.NewRequest(sc.method, s.URL()+sc.path, strings.NewReader(sc.body))
	if err != nil {
		t.Fatal(err)
	}
	if sc.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if sc.token != "" {
		req.Header.Set("Authorization", "Bearer "+sc.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if strings.HasPrefix(sc.path, "/api/v1/") && !s.documented(t, sc.method, sc.path, resp.StatusCode) {
		t.Errorf("%s %s answered %d, which openapi.json does not document", sc.method, sc.path, resp.StatusCode)
	}
	if resp.StatusCode != sc.wantStatus {
		t.Errorf("%s %s: status %d, want %d\n%s", sc.method, sc.path, resp.StatusCode, sc.wantStatus, b)
	}
	for _, w := range sc.want {
		if !strings.Contains(string(b), w) {
			t.Errorf("%s %s: body lacks %q\n%s", sc.method, sc.path, w, b)
		}
	}
	for _, w := range sc.notWant {
		if strings.Contains(string(b), w) {
			t.Errorf("%s %s: body holds %q\n%s", sc.method, sc.path, w, b)
		}
	}
	return string(b)
}

// pathParam matches a quoted path parameter such as \{id\}.
var pathParam = regexp.MustCompile(`\\\{[a-z]+\\\}`)

// documented reports whether the served OpenAPI document lists status for
// the route that path matches; unknown paths are documented 404s.
func (s *testServer) documented(t *testing.T, method, path string, status int) bool {
	t.Helper()
	resp, err := http.Get(s.URL() + "/api/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	path, _, _ = strings.Cut(path, "?")
	for tpl, ops := range doc.Paths {
		re := "^" + pathParam.ReplaceAllString(regexp.QuoteMeta(tpl), `[^/]+`) + "$"
		if !regexp.MustCompile(re).MatchString(path) {
			continue
		}
		raw, ok := ops[strings.ToLower(method)]
		if !ok {
			return false
		}
		var op struct {
			Responses map[string]json.RawMessage `json:"responses"`
		}
		json.Unmarshal(raw, &op)
		_, ok = op.Responses[strconv.Itoa(status)]
		return ok
	}
	return status == http.StatusNotFound
}

func TestAPIScenarios(t *testing.T) { eachBackend(t, testAPIScenarios) }

func testAPIScenarios(t *testing.T, db backend) {
	s := start(t, db, map[string]string{"MEDCODE_LIMIT_FREE": "3"})
	email := newEmail("api")
	c := s.apiUser(t, email)
	tok := c.Token
	note := `{"note":"Follow-up: type 2 diabetes and hypertension. Cough for 3 days.","no_phi_attested":true}`

	var created struct {
		ID     string `json:"id"`
		Cached bool   `json:"cached"`
	}
	steps := []scenario{
		{"signup again", "POST", "/api/v1/signup", "", s.signUpJSON(t, email, true), 409, []string{`"conflict"`}, nil},
		{"signup under 18", "POST", "/api/v1/signup", "", s.signUpJSON(t, newEmail("young"), false), 400, []string{"18 or older"}, nil},
		{"weak password", "POST", "/api/v1/signup", "", `{"email":"x@example.org","password":"Password2024!"}`, 400, []string{`"invalid"`}, nil},
		{"unknown field", "POST", "/api/v1/signup", "", `{"email":"x@example.org","pasword":"x"}`, 400, []string{`unknown field`}, nil},
		{"bad JSON", "POST", "/api/v1/tokens", "", `{"email":`, 400, []string{"not valid JSON"}, nil},
		{"wrong password", "POST", "/api/v1/tokens", "", `{"email":"` + email + `","password":"wrong wrong wrong"}`, 401, []string{`"unauthorized"`}, nil},
		{"no token", "GET", "/api/v1/analyses", "", "", 401, []string{"bearer token"}, nil},
		{"bad token", "GET", "/api/v1/usage", "mct_nope", "", 401, nil, nil},
		{"no attestation", "POST", "/api/v1/analyses", tok, `{"note":"cough"}`, 400, []string{"no protected health information"}, nil},
		{"PHI blocked", "POST", "/api/v1/analyses", tok, `{"note":"Cough. SSN 123-45-6789.","no_phi_attested":true}`, 422,
			[]string{`"phi_found"`, `"spans"`, `"start":11`}, []string{"6789"}},
		{"unknown profile", "POST", "/api/v1/analyses", tok, `{"note":"cough","no_phi_attested":true,"profile":"inpatient"}`, 400, nil, nil},
		{"empty list", "GET", "/api/v1/analyses", tok, "", 200, []string{`"total":0`}, nil},
		{"usage", "GET", "/api/v1/usage", tok, "", 200, []string{`"tier":"free"`, `"limit":3`, `"used":0`}, nil},
		{"unknown endpoint", "GET", "/api/v1/nothing", tok, "", 404, []string{`"not_found"`}, nil},
		{"openapi", "GET", "/api/v1/openapi.json", "", "", 200, []string{`"openapi": "3.0.3"`}, nil},
	}
	for _, sc := range steps {
		t.Run(sc.name, func(t *testing.T) { s.run(t, sc) })
	}

	body := s.run(t, scenario{"analyze", "POST", "/api/v1/analyses", tok, note, 201, []string{`"cached":false`, `"result"`, `"note_sha256"`}, []string{"Cough for 3 days"}})
	json.Unmarshal([]byte(body), &created)
	body = s.run(t, scenario{"analyze again", "POST", "/api/v1/analyses", tok, note, 201, []string{`"cached":true`}, nil})
	var again struct{ ID string }
	json.Unmarshal([]byte(body), &again)
	if again.ID == created.ID || created.ID == "" {
		t.Fatalf("ids %q and %q", created.ID, again.ID)
	}
	follow := []scenario{
		{"list", "GET", "/api/v1/analyses?per_page=1", tok, "", 200, []string{`"total":2`, again.ID}, []string{created.ID}},
		{"list page 2", "GET", "/api/v1/analyses?per_page=1&page=2", tok, "", 200, []string{created.ID}, nil},
		{"bad page", "GET", "/api/v1/analyses?page=0", tok, "", 400, nil, nil},
		{"get", "GET", "/api/v1/analyses/" + created.ID, tok, "", 200, []string{`"id":"` + created.ID + `"`}, nil},
		{"usage counts the coded one", "GET", "/api/v1/usage", tok, "", 200, []string{`"used":1`}, nil},
		{"export", "GET", "/api/v1/export", tok, "", 200, []string{`"email":"` + email + `"`, created.ID, again.ID}, nil},
		{"delete", "DELETE", "/api/v1/analyses/" + created.ID, tok, "", 204, nil, nil},
		{"get deleted", "GET", "/api/v1/analyses/" + created.ID, tok, "", 404, nil, nil},
		{"delete deleted", "DELETE", "/api/v1/analyses/" + created.ID, tok, "", 404, nil, nil},
	}
	for _, sc := range follow {
		t.Run(sc.name, func(t *testing.T) { s.run(t, sc) })
	}
}

func TestQuotaIs429WithResetDate(t *testing.T) { eachBackend(t, testQuotaIs429WithResetDate) }

func testQuotaIs429WithResetDate(t *testing.T, db backend) {
	s := start(t, db, map[string]string{"MEDCODE_LIMIT_FREE": "1"})
	c := s.apiUser(t, newEmail("quota"))
	ctx := context.Background()
	if _, err := c.Analyze(ctx, analyzeReq("cough one")); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", s.URL()+"/api/v1/analyses", strings.NewReader(`{"note":"cough two","no_phi_attested":true}`))
	req.Header.Set("Authorization", "Bearer "+c.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 429 || !strings.Contains(string(b), "resets on 1 ") || !strings.Contains(string(b), `"resets_at"`) || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("over quota: %d %v\n%s", resp.StatusCode, resp.Header, b)
	}
}

func TestTokenLockout(t *testing.T) { eachBackend(t, testTokenLockout) }

func testTokenLockout(t *testing.T, db backend) {
	s := start(t, db, map[string]string{"MEDCODE_LOGIN_MAX_FAILURES": "3"})
	email := newEmail("lock")
	s.apiUser(t, email)
	for i, want := range []int{401, 401, 429, 429} {
		s.run(t, scenario{name: "attempt", method: "POST", path: "/api/v1/tokens",
			body: `{"email":"` + email + `","password":"wrong wrong wrong"}`, wantStatus: want})
		_ = i
	}
	s.run(t, scenario{name: "right password while locked", method: "POST", path: "/api/v1/tokens",
		body: `{"email":"` + email + `","password":"` + password + `"}`, wantStatus: 429, want: []string{"locked until"}})
}
