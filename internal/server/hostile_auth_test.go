package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/medcode/medcode/internal/api/client"
)

const sessionCookie = "medcode_session"

// sessionToken is the browser's current session cookie value, "" if none.
func (b *browser) sessionToken() string {
	u, _ := url.Parse(b.base)
	for _, c := range b.http.Jar.Cookies(u) {
		if c.Name == sessionCookie {
			return c.Value
		}
	}
	return ""
}

// withSession is a fresh browser holding the given session cookie.
func (s *testServer) withSession(t *testing.T, token string) *browser {
	b := s.browser(t)
	u, _ := url.Parse(s.URL())
	b.http.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookie, Value: token, Path: "/"}})
	return b
}

// signedIn reports whether the browser's session is signed in.
func (b *browser) signedIn() bool {
	_, body := b.get("/history")
	return strings.Contains(body, "Find by code")
}

// TestSessionIDRotatesAtSignIn: a session id planted before sign-in (one
// the attacker made up, or a real anonymous session the server issued to
// the attacker) is replaced at sign-in and at the second factor, and the
// planted id never becomes signed in.
func TestSessionIDRotatesAtSignIn(t *testing.T) { eachBackend(t, testSessionIDRotatesAtSignIn) }

func testSessionIDRotatesAtSignIn(t *testing.T, db backend) {
	s := start(t, db, nil)
	// A real anonymous session: the flash after deleting a throwaway account.
	attacker := s.browser(t)
	attacker.signUp(newEmail("throwaway"))
	attacker.post("/account/delete", url.Values{"current_password": {password}})
	issued := attacker.sessionToken()
	if issued == "" {
		t.Fatal("no anonymous session issued: the fixation check below proves less")
	}
	victimEmail := newEmail("victim")
	s.browser(t).signUp(victimEmail)

	for name, planted := range map[string]string{"made up": "attacker-chosen-session-id-0123456789", "issued": issued} {
		victim := s.withSession(t, planted)
		if status, body := victim.post("/signin", url.Values{"email": {victimEmail}, "password": {password}}); status != http.StatusOK || !strings.Contains(body, "Analyze a note") {
			t.Fatalf("%s: sign-in: %d", name, status)
		}
		if got := victim.sessionToken(); got == planted || got == "" {
			t.Errorf("%s: the session id did not change at sign-in", name)
		}
		if s.withSession(t, planted).signedIn() {
			t.Errorf("%s: the planted session id is signed in", name)
		}
		if !victim.signedIn() {
			t.Errorf("%s: the victim is not signed in", name)
		}
	}

	// With a second factor: the id changes at the password step and again
	// at the code.
	mfaEmail := newEmail("mfa-fixation")
	b := s.browser(t)
	b.signUp(mfaEmail)
	secret := enableMFA(t, b)
	b.post("/signout", url.Values{})
	b = s.withSession(t, issued)
	b.post("/signin", url.Values{"email": {mfaEmail}, "password": {password}})
	pending := b.sessionToken()
	if pending == issued || pending == "" {
		t.Error("the session id did not change at the password step")
	}
	code, _ := totp.GenerateCode(secret, time.Now())
	if status, _ := b.post("/signin/mfa", url.Values{"code": {code}}); status != http.StatusOK {
		t.Fatalf("second factor: %d", status)
	}
	if got := b.sessionToken(); got == pending || got == issued {
		t.Error("the session id did not change at the second factor")
	}
	if s.withSession(t, pending).signedIn() {
		t.Error("the pre-second-factor session id is signed in")
	}
}

// enableMFA turns on two-factor authentication for the signed-in browser
// and returns the TOTP secret.
func enableMFA(t *testing.T, b *browser) string {
	t.Helper()
	_, page := b.get("/profile/mfa")
	secret := regexp.MustCompile(`Key: <code>([A-Z2-7]+)</code>`).FindStringSubmatch(page)
	sealed := regexp.MustCompile(`name="sealed" value="([^"]+)"`).FindStringSubmatch(page)
	if secret == nil || sealed == nil {
		t.Fatalf("setup page lacks the key:\n%s", page)
	}
	code, _ := totp.GenerateCode(secret[1], time.Now())
	if status, body := b.post("/profile/mfa", url.Values{"sealed": {sealed[1]}, "code": {code}}); status != 200 || !strings.Contains(body, "Two-factor authentication is on") {
		t.Fatalf("enable MFA: %d", status)
	}
	return secret[1]
}

// TestCSRFFromForeignOriginOnEveryRoute sends every state-changing route of
// the route tables, with the victim's session cookie, as a foreign site
// would (Sec-Fetch-Site cross-site or same-site, or only a foreign Origin
// from browsers without Fetch metadata): every one is refused with 403 and
// nothing changes. Cross-site GETs are answered but change nothing either.
func TestCSRFFromForeignOriginOnEveryRoute(t *testing.T) {
	eachBackend(t, testCSRFFromForeignOriginOnEveryRoute)
}

func testCSRFFromForeignOriginOnEveryRoute(t *testing.T, db backend) {
	s := start(t, db, nil)
	m := s.newMember(t, "csrf")
	b, token := m.web, m.token
	// The victim is a site administrator: the notices and support
	// administration routes are walked too.
	if _, err := s.Accounts.SetSiteAdmin(context.Background(), m.user.Email, true); err != nil {
		t.Fatal(err)
	}
	id := b.analyze("cough and hypertension", true)
	b.post("/profile", url.Values{"display_name": {"Before"}})
	clinic := s.hostileOrg(t, m)
	// Real targets of the victim's organization for every route, made
	// before the state is taken.
	targets := map[string]string{}
	for _, pattern := range s.Patterns() {
		_, path := fillRoute(pattern, 0, id)
		if f := orgRoutes[pattern]; f != nil {
			path = f(clinic).path
		}
		targets[pattern] = path
	}
	state := func() string {
		_, profile := b.get("/profile")
		name := regexp.MustCompile(`name="display_name" value="([^"]*)"`).FindStringSubmatch(profile)
		var counts []int64
		for _, table := range []string{"analyses", "users", "batches", "api_tokens", "orgs", "org_members", "org_invites", "rule_sets", "workspaces", "feedback",
			"support_threads", "support_messages", "notices", "notice_dismissals", "notice_opt_outs", "policy_acceptances", "site_admins"} {
			counts = append(counts, s.queryInt(t, "SELECT count(*) FROM "+table))
		}
		return fmt.Sprint(name, counts, s.queryInt(t, "SELECT count(*) FROM analyses WHERE decisions IS NOT NULL"))
	}
	before := state()
	foreign := []map[string]string{
		{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
		{"Sec-Fetch-Site": "same-site", "Origin": "https://sub.evil.example"},
		{"Origin": "https://evil.example"},
	}
	form := url.Values{"display_name": {"Hacked"}, "note": {"type 2 diabetes"}, "attest": {"1"}, "code": {"I10"},
		"decision": {"accepted"}, "current_password": {password}, "email": {newEmail("csrf-new")}, "password": {password},
		"password_confirm": {password}, "kind": {"support"}, "subject": {"Hacked"}, "body": {"Hacked"}, "title": {"Hacked"}}
	refused := 0
	for _, pattern := range s.Patterns() {
		method, _, _ := strings.Cut(pattern, " ")
		path := targets[pattern]
		for _, headers := range foreign {
			var body *strings.Reader
			contentType := "application/x-www-form-urlencoded"
			if strings.HasPrefix(path, "/api/") {
				body = strings.NewReader(`{"note":"cough","no_phi_attested":true,"email":"x@example.org","password":"` + password + `"}`)
				contentType = "text/plain" // a form can send this without a preflight
			} else {
				body = strings.NewReader(form.Encode())
			}
			req, _ := http.NewRequest(method, s.URL()+path, body)
			req.Header.Set("Content-Type", contentType)
			if strings.HasPrefix(path, "/api/") {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			for k, v := range headers {
				req.Header.Set(k, v)
			}
			status, _ := doRead(t, noRedirects(b.http), req)
			if method == http.MethodGet {
				if serverError(status) {
					t.Errorf("cross-site %s = %d", pattern, status)
				}
				continue
			}
			if status != http.StatusForbidden {
				t.Errorf("%s from %v = %d, want 403", pattern, headers, status)
			}
			refused++
		}
	}
	if refused < 3*15 {
		t.Fatalf("only %d cross-site requests refused: the walk found too few routes", refused)
	}
	if after := state(); after != before {
		t.Errorf("state changed by cross-site requests:\n before %s\n after  %s", before, after)
	}
	if !b.signedIn() {
		t.Error("a cross-site request signed the victim out")
	}
	// The same form from this origin works, so the 403s are the defence.
	if status, _ := b.post("/profile", url.Values{"display_name": {"After"}}); status != http.StatusOK || state() == before {
		t.Fatalf("same-origin profile post: %d", status)
	}
}

// noRedirects returns a copy of c that does not follow redirects.
func noRedirects(c *http.Client) *http.Client {
	cc := *c
	cc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &cc
}

// TestBruteForceLogin: wrong passwords lock the account (the right one is
// refused until the lock ends, on the web and the API alike), wrong second
// factors count too, and one address is rate-limited across accounts and
// forms whatever X-Forwarded-For says. An unknown email and a wrong
// password get the same answer.
func TestBruteForceLogin(t *testing.T) { eachBackend(t, testBruteForceLogin) }

func testBruteForceLogin(t *testing.T, db backend) {
	s := start(t, db, map[string]string{"MEDCODE_LOGIN_MAX_FAILURES": "3", "MEDCODE_LOGIN_LOCKOUT": "2s",
		"MEDCODE_IP_ATTEMPTS": "1000", "MEDCODE_IP_WINDOW": "1m"})
	email := newEmail("brute")
	s.browser(t).signUp(email)
	b := s.browser(t)
	status, unknown := b.post("/signin", url.Values{"email": {newEmail("nobody")}, "password": {"wrong-password-1"}})
	status2, wrong := b.post("/signin", url.Values{"email": {email}, "password": {"wrong-password-1"}})
	if status != status2 || alertOf(unknown) != alertOf(wrong) {
		t.Errorf("unknown email (%d %q) and wrong password (%d %q) answer differently", status, alertOf(unknown), status2, alertOf(wrong))
	}
	for range 2 {
		b.post("/signin", url.Values{"email": {email}, "password": {"wrong-password-2"}})
	}
	status, body := b.post("/signin", url.Values{"email": {email}, "password": {password}})
	if status != http.StatusTooManyRequests || !strings.Contains(body, "locked") {
		t.Fatalf("right password during the lockout: %d %q", status, alertOf(body))
	}
	if st, _ := s.apiRequest(t, "", "POST", "/api/v1/tokens", `{"email":"`+email+`","password":"`+password+`"}`); st != http.StatusTooManyRequests {
		t.Errorf("API token during the lockout: %d, want 429", st)
	}
	time.Sleep(2100 * time.Millisecond)
	if status, body := b.post("/signin", url.Values{"email": {email}, "password": {password}}); status != http.StatusOK || !strings.Contains(body, "Analyze a note") {
		t.Fatalf("right password after the lockout: %d", status)
	}

	// Wrong second-factor codes lock the account too.
	slow := start(t, db, map[string]string{"MEDCODE_LOGIN_MAX_FAILURES": "3", "MEDCODE_LOGIN_LOCKOUT": "10m"})
	b = slow.browser(t)
	b.signUp(email)
	secret := enableMFA(t, b)
	b.post("/signout", url.Values{})
	b.post("/signin", url.Values{"email": {email}, "password": {password}})
	for range 3 {
		b.post("/signin/mfa", url.Values{"code": {"000000"}})
	}
	code, _ := totp.GenerateCode(secret, time.Now())
	if status, body := b.post("/signin/mfa", url.Values{"code": {code}}); status != http.StatusTooManyRequests || b.signedIn() {
		t.Errorf("right code after three wrong ones: %d %q", status, alertOf(body))
	}
	if status, _ := b.post("/signin", url.Values{"email": {email}, "password": {password}}); status != http.StatusTooManyRequests {
		t.Errorf("right password after three wrong codes: %d, want 429", status)
	}

	// One address, many accounts and forms: limited.
	limited := start(t, db, map[string]string{"MEDCODE_IP_ATTEMPTS": "10", "MEDCODE_IP_WINDOW": "1m"})
	c := limited.browser(t)
	got429 := 0
	for i := range 15 {
		req, _ := http.NewRequest("POST", limited.URL()+"/signin", strings.NewReader(url.Values{"email": {newEmail("spray")}, "password": {"Spray-password-1"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", "203.0.113."+string(rune('0'+i%10)))
		req.Header.Set("X-Real-IP", "198.51.100.7")
		st, _ := doRead(t, c.http, req)
		if st == http.StatusTooManyRequests {
			got429++
		}
	}
	if got429 != 5 {
		t.Errorf("15 sign-ins from one address with a limit of 10: %d refused with 429, want 5", got429)
	}
	if st, _ := limited.apiRequest(t, "", "POST", "/api/v1/signup", limited.signUpJSON(t, newEmail("late"), true)); st != http.StatusTooManyRequests && st != http.StatusCreated {
		t.Errorf("sign-up after the sign-in spray: %d", st)
	}
}

var alertRe = regexp.MustCompile(`role="alert">([^<]*)<`)

// alertOf is the error message shown on a page.
func alertOf(page string) string {
	m := alertRe.FindStringSubmatch(page)
	if m == nil {
		return ""
	}
	return m[1]
}

// TestSecretsNeverInLogs runs every flow that handles a secret at debug log
// level (sign-up, sign-in with a wrong and a right password, a password
// typed into the email field, token creation and use, the session cookie,
// two-factor setup and sign-in, a password change, one-time tokens in URLs)
// and finds none of the secrets in the logs.
func TestSecretsNeverInLogs(t *testing.T) { eachBackend(t, testSecretsNeverInLogs) }

func testSecretsNeverInLogs(t *testing.T, db backend) {
	s := start(t, db, nil)
	ctx := context.Background()
	email := newEmail("secrets")
	wrong := "Wrong-Secret-Password-77"
	typedInEmail := "Password-In-Email-Field-88"
	newPassword := "Changed-Secret-Password-99"
	b := s.browser(t)
	b.signUp(email)
	session := b.sessionToken()
	secret := enableMFA(t, b)
	_, mfaPage := b.get("/profile/mfa")
	b.post("/signout", url.Values{})
	b.post("/signin", url.Values{"email": {email}, "password": {wrong}})
	b.post("/signin", url.Values{"email": {typedInEmail}, "password": {password}})
	b.post("/signin", url.Values{"email": {email}, "password": {password}})
	code, _ := totp.GenerateCode(secret, time.Now())
	b.post("/signin/mfa", url.Values{"code": {code}})
	b.post("/profile/password", url.Values{"current_password": {password}, "password": {newPassword}, "password_confirm": {newPassword}})
	code, _ = totp.GenerateCode(secret, time.Now())
	status, tokenBody := s.apiRequest(t, "", "POST", "/api/v1/tokens", `{"email":"`+email+`","password":"`+newPassword+`","totp":"`+code+`"}`)
	apiToken := regexp.MustCompile(`"token":"([^"]+)"`).FindStringSubmatch(tokenBody)
	if status != http.StatusCreated || apiToken == nil {
		t.Fatalf("token: %d %s", status, tokenBody)
	}
	s.apiRequest(t, apiToken[1], "GET", "/api/v1/analyses", "")
	s.apiRequest(t, apiToken[1]+"x", "GET", "/api/v1/usage", "")
	oneTime := "one-time-token-in-url-0123456789"
	b.get("/verify-email?token=" + oneTime)
	b.get("/password/reset?token=" + oneTime)
	sealed := regexp.MustCompile(`name="sealed" value="([^"]+)"`).FindStringSubmatch(mfaPage)
	if err := client.New(s.URL()).Login(ctx, email, newPassword, ""); err == nil {
		t.Fatal("signed in through the API without the second factor")
	}

	logs := s.logs.String()
	if !strings.Contains(logs, `"path":"/signin"`) || !strings.Contains(logs, `"path":"/api/v1/tokens"`) {
		t.Fatal("the logs do not record the requests: the check proves nothing")
	}
	secrets := map[string]string{"password": password, "wrong password": wrong, "password typed as email": typedInEmail,
		"new password": newPassword, "API token": apiToken[1], "session id": session, "TOTP secret": secret,
		"one-time token": oneTime, "TOTP code": code}
	if sealed != nil {
		secrets["sealed TOTP setup"] = sealed[1]
	}
	if s.Config.Key != "" {
		secrets["encryption key"] = s.Config.Key[strings.Index(s.Config.Key, ":")+1:]
	}
	for what, v := range secrets {
		if v != "" && strings.Contains(logs, v) {
			t.Errorf("the logs hold the %s", what)
		}
	}
}
