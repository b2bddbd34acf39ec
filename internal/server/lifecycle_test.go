package server_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/medcode/medcode/internal/mail/mailtest"
	"github.com/medcode/medcode/internal/policy"
)

// TestPolicyPagesAndAPI: the policy pages render the published Markdown
// (raw HTML in it stays text), the API lists the current versions, and an
// account's acceptances show through the API.
func TestPolicyPagesAndAPI(t *testing.T) { eachBackend(t, testPolicyPagesAndAPI) }

func testPolicyPagesAndAPI(t *testing.T, db backend) {
	s := start(t, db, nil)
	anon := s.browser(t)
	for path, want := range map[string]string{
		"/terms":   `<h1 id="terms-of-service">Terms of Service</h1>`,
		"/privacy": `<h1 id="privacy-policy">Privacy policy</h1>`,
	} {
		status, body := anon.get(path)
		if status != http.StatusOK || !strings.Contains(body, want) || !strings.Contains(body, "Version <strong>2026-11-23</strong>") {
			t.Errorf("GET %s = %d\n%s", path, status, body)
		}
	}
	if status, _ := anon.get("/terms?version=1999-01-01"); status != http.StatusNotFound {
		t.Errorf("unknown version: %d", status)
	}
	c := s.apiUser(t, newEmail("policies"))
	steps := []scenario{
		{"current policies", "GET", "/api/v1/policies", "", "", 200, []string{`"terms":{"version":"2026-11-23"`, `"url":"/privacy?version=2026-11-23"`}, nil},
		{"my policies", "GET", "/api/v1/account/policies", c.Token, "", 200, []string{`"pending":[]`, `"document":"terms","version":"2026-11-23"`}, nil},
		{"accept an old version", "POST", "/api/v1/account/policies", c.Token, `{"terms":"1999-01-01","privacy":"2026-11-23"}`, 400, []string{"changed to version"}, nil},
		{"delete without confirmation", "DELETE", "/api/v1/account", c.Token, `{"password":"` + password + `"}`, 400, []string{"Tick the box"}, nil},
		{"delete with a wrong password", "DELETE", "/api/v1/account", c.Token, `{"password":"nope","confirm":true}`, 400, []string{"not correct"}, nil},
		{"history CSV", "GET", "/api/v1/export/history.csv", c.Token, "", 200, []string{"analysis_id,created_at,profile"}, nil},
		{"delete", "DELETE", "/api/v1/account", c.Token, `{"password":"` + password + `","confirm":true}`, 204, nil, nil},
	}
	for _, st := range steps {
		s.run(t, st)
	}
}

// TestServiceNoticesEmailedWithUnsubscribe: a site administrator (made on
// the command line) publishes a notice; it shows as a banner and reaches
// confirmed users through SMTP with an unsubscribe link that works;
// an unsubscribed user gets the next notice as a banner only.
func TestServiceNoticesEmailedWithUnsubscribe(t *testing.T) {
	eachBackend(t, testServiceNoticesEmailedWithUnsubscribe)
}

func testServiceNoticesEmailedWithUnsubscribe(t *testing.T, db backend) {
	smtp := mailtest.Start(t)
	s := start(t, db, map[string]string{
		"MEDCODE_SMTP_HOST": smtp.Host, "MEDCODE_SMTP_PORT": strconv.Itoa(smtp.Port), "MEDCODE_SMTP_TLS": "none",
		"MEDCODE_SMTP_FROM": "medcode@example.org",
	})
	ctx := context.Background()
	admin, user := s.browser(t), s.browser(t)
	adminEmail, userEmail := newEmail("staff"), newEmail("reader")
	admin.signUp(adminEmail)
	user.signUp(userEmail)
	for _, email := range []string{adminEmail, userEmail} {
		token := linkToken(t, smtp.WaitFor(t, "To: "+email, 30*time.Second), "/verify-email")
		if err := s.Accounts.VerifyEmail(ctx, token); err != nil {
			t.Fatal(err)
		}
	}
	// Not an administrator yet: the admin pages do not exist for them.
	if status, _ := admin.get("/admin/notices"); status != http.StatusNotFound {
		t.Fatalf("admin page before the grant: %d", status)
	}
	if _, err := s.Accounts.SetSiteAdmin(ctx, adminEmail, true); err != nil {
		t.Fatal(err)
	}
	status, body := admin.post("/admin/notices", url.Values{"kind": {"maintenance"}, "title": {"Maintenance on Sunday"},
		"body": {"medcode is down **02:00-03:00 UTC**. <script>alert(1)</script>"}, "email": {"1"}})
	if status != http.StatusOK || !strings.Contains(body, "Its emails are queued") {
		t.Fatalf("publish: %d\n%s", status, body)
	}
	_, page := user.get("/analyze")
	if !strings.Contains(page, "Maintenance on Sunday") || !strings.Contains(page, "<strong>02:00-03:00 UTC</strong>") ||
		strings.Contains(page, "<script>alert(1)") {
		t.Fatalf("banner:\n%s", page)
	}
	msg := smtp.WaitFor(t, "To: "+userEmail+"\nSubject: medcode: Maintenance on Sunday", 60*time.Second)
	token := linkToken(t, msg, "/unsubscribe")
	anon := s.browser(t)
	if status, body := anon.get("/unsubscribe?token=" + token); status != 200 || !strings.Contains(body, "Stop service notice emails") {
		t.Fatalf("unsubscribe page: %d\n%s", status, body)
	}
	if status, body := anon.post("/unsubscribe", url.Values{"token": {token[:len(token)-4] + "AAAA"}}); status != 400 {
		t.Fatalf("a forged token: %d\n%s", status, body)
	}
	if status, body := anon.post("/unsubscribe", url.Values{"token": {token}}); status != 200 || !strings.Contains(body, "no longer receives") {
		t.Fatalf("unsubscribe: %d\n%s", status, body)
	}
	// The next notice: banner for everyone, email only for the admin.
	if status, _ := admin.post("/admin/notices", url.Values{"kind": {"codeset"}, "title": {"FY2027 codes installed"},
		"body": {"New ICD-10-CM release."}, "email": {"1"}}); status != http.StatusOK {
		t.Fatalf("second notice: %d", status)
	}
	smtp.WaitFor(t, "To: "+adminEmail+"\nSubject: medcode: FY2027 codes installed", 60*time.Second)
	time.Sleep(2 * time.Second)
	if n := smtp.Count("To: " + userEmail + "\nSubject: medcode: FY2027 codes installed"); n != 0 {
		t.Fatalf("the unsubscribed user got the notice %d times", n)
	}
	// Dismissed banners stay away for that user only.
	id := regexp.MustCompile(`/notices/(\d+)/dismiss`).FindStringSubmatch(page)[1]
	if status, _ := user.do("POST", "/notices/"+id+"/dismiss", url.Values{}, true); status != 200 {
		t.Fatalf("dismiss: %d", status)
	}
	if _, page := user.get("/analyze"); strings.Contains(page, "Maintenance on Sunday") {
		t.Fatal("dismissed banner still shown")
	}
	if _, page := admin.get("/analyze"); !strings.Contains(page, "Maintenance on Sunday") {
		t.Fatal("another user's dismissal hid the admin's banner")
	}
}

// TestSupportConversation: a user asks, the administrator answers from
// the queue, the user is emailed a link and reads the reply; feedback on a
// result names the analysis id and never carries the note.
func TestSupportConversation(t *testing.T) { eachBackend(t, testSupportConversation) }

func testSupportConversation(t *testing.T, db backend) {
	smtp := mailtest.Start(t)
	s := start(t, db, map[string]string{
		"MEDCODE_SMTP_HOST": smtp.Host, "MEDCODE_SMTP_PORT": strconv.Itoa(smtp.Port), "MEDCODE_SMTP_TLS": "none",
		"MEDCODE_SMTP_FROM": "medcode@example.org", "MEDCODE_REQUIRE_VERIFIED_EMAIL": "false",
	})
	ctx := context.Background()
	admin, user := s.browser(t), s.browser(t)
	adminEmail, userEmail := newEmail("staff"), newEmail("asker")
	admin.signUp(adminEmail)
	user.signUp(userEmail)
	if _, err := s.Accounts.SetSiteAdmin(ctx, adminEmail, true); err != nil {
		t.Fatal(err)
	}

	if status, body := user.post("/support", url.Values{"kind": {"support"}, "subject": {"MRN 1234567"}, "body": {"x"}}); status != 422 {
		t.Fatalf("identifier in the subject: %d\n%s", status, body)
	}
	thread := user.openSupport("CSV export", "Where do I find the CSV of my history?")
	smtp.WaitFor(t, "To: "+adminEmail, 60*time.Second)
	_, queue := admin.get("/admin/support")
	if !strings.Contains(queue, "#"+thread+" CSV export") {
		t.Fatalf("queue:\n%s", queue)
	}
	if status, _ := user.get("/admin/support"); status != http.StatusNotFound {
		t.Fatalf("a user sees the queue: %d", status)
	}
	if status, body := admin.post("/admin/support/"+thread+"/reply", url.Values{"body": {"Profile, Your data, Export your history."}}); status != 200 || !strings.Contains(body, "Reply sent") {
		t.Fatalf("reply: %d\n%s", status, body)
	}
	msg := smtp.WaitFor(t, "medcode support replied", 60*time.Second)
	if !strings.Contains(msg, "To: "+userEmail) || !strings.Contains(msg, "/support/"+thread) || strings.Contains(msg, "Your data") {
		t.Fatalf("reply email:\n%s", msg)
	}
	if _, body := user.get("/support/" + thread); !strings.Contains(body, "Profile, Your data, Export your history.") || !strings.Contains(body, "medcode support") {
		t.Fatalf("the user's thread:\n%s", body)
	}

	// Feedback on a result.
	id := user.analyze("Follow-up: type 2 diabetes, stable. Canary-Fb77.", false)
	status, body := user.post("/analyses/"+id+"/feedback", url.Values{"body": {"The E/M level looks low."}, "attach_note": {"1"},
		"note": {"Follow-up: type 2 diabetes, stable. Canary-Fb77."}})
	if status != http.StatusForbidden || !strings.Contains(body, "only in BAA mode") {
		t.Fatalf("note attached outside BAA mode: %d\n%s", status, body)
	}
	status, body = user.post("/analyses/"+id+"/feedback", url.Values{"body": {"The E/M level looks low."}})
	if status != 200 || !strings.Contains(body, "analysis "+id) {
		t.Fatalf("feedback: %d\n%s", status, body)
	}
	_, queue = admin.get("/admin/support")
	fb := regexp.MustCompile(`/admin/support/(\d+)">#\d+ Feedback on analysis ` + id).FindStringSubmatch(queue)
	if fb == nil {
		t.Fatalf("feedback not in the queue:\n%s", queue)
	}
	if _, body := admin.get("/admin/support/" + fb[1]); !strings.Contains(body, id) || strings.Contains(body, "Canary-Fb77") {
		t.Fatalf("the admin's view of the feedback:\n%s", body)
	}
	if strings.Contains(s.logs.String(), "Canary-Fb77") || strings.Contains(s.logs.String(), "Where do I find") {
		t.Fatal("note or message text in the logs")
	}
}

// TestMaterialChangeGatesNewAnalyses: after a material version, every API
// route that runs analyses answers 403 naming the version to accept, in
// its own format (FHIR: an OperationOutcome), while reading still works;
// accepting opens them again.
func TestMaterialChangeGatesNewAnalyses(t *testing.T) {
	eachBackend(t, testMaterialChangeGatesNewAnalyses)
}

func testMaterialChangeGatesNewAnalyses(t *testing.T, db backend) {
	s := start(t, db, nil)
	c := s.apiUser(t, newEmail("gated"))
	note := `{"note":"Follow-up: type 2 diabetes.","no_phi_attested":true}`
	s.run(t, scenario{"before the change", "POST", "/api/v1/analyses", c.Token, note, 201, nil, nil})

	files, err := policy.Load(fstest.MapFS{"privacy.md": {Data: []byte(
		"---\nversion: 2027-02-01\nmaterial: true\nsummary: Previews are kept 90 days.\n---\n# Privacy policy\n\nText.\n")}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Policies.Publish(context.Background(), files); err != nil {
		t.Fatal(err)
	}
	gated := []string{`"policy_acceptance_required"`, `"version":"2027-02-01"`, `"summary":"Previews are kept 90 days."`}
	for _, st := range []scenario{
		{"analysis", "POST", "/api/v1/analyses", c.Token, note, 403, gated, nil},
		{"batch", "POST", "/api/v1/batches", c.Token, note + "\n", 403, gated, nil},
		{"FHIR", "POST", "/api/v1/fhir/DocumentReference", c.Token, `{}`, 403, []string{`"resourceType":"OperationOutcome"`, "2027-02-01"}, nil},
		{"history still readable", "GET", "/api/v1/analyses", c.Token, "", 200, nil, nil},
		{"pending", "GET", "/api/v1/account/policies", c.Token, "", 200, []string{`"pending":[{"document":"privacy"`}, nil},
	} {
		s.run(t, st)
	}
	if err := c.AcceptPolicies(context.Background()); err != nil {
		t.Fatal(err)
	}
	s.run(t, scenario{"after accepting", "POST", "/api/v1/analyses", c.Token, note, 201, nil, nil})
}
