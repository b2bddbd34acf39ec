package server_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/medcode/medcode/internal/mail/mailtest"
	"github.com/medcode/medcode/internal/policy"
)

// TestBrowserAccountLifecycle walks an account's life in Chromium, with
// email through a real SMTP server process on loopback: sign up (18 or
// older, the current terms) → confirm the address from the emailed link →
// the operator publishes a material terms change → the next sign-in shows
// the notice → accept → analyse → export (JSON and CSV) → delete.
func TestBrowserAccountLifecycle(t *testing.T) { eachBackend(t, testBrowserAccountLifecycle) }

func testBrowserAccountLifecycle(t *testing.T, db backend) {
	smtp := mailtest.Start(t)
	policyDir := t.TempDir()
	s := start(t, db, map[string]string{
		"MEDCODE_SMTP_HOST": smtp.Host, "MEDCODE_SMTP_PORT": strconv.Itoa(smtp.Port), "MEDCODE_SMTP_TLS": "none",
		"MEDCODE_SMTP_FROM": "medcode@example.org", "MEDCODE_POLICY_DIR": policyDir,
	})
	// Analysing before the address is confirmed is refused with 403 on
	// purpose.
	c := newChrome(t, 403)
	ctx, shot := c.ctx, c.shot
	base := s.URL()
	email := newEmail("lifecycle")
	step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("reading %s: %v", sel, err)
		}
		return v
	}

	// Sign up: the form asks for the age and the current versions.
	step("sign-up",
		chromedp.Navigate(base+"/signup"),
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.SendKeys(chromedp.ID("password_confirm"), password),
		chromedp.Click(chromedp.CSS(`input[name="adult"]`)),
		chromedp.Click(chromedp.CSS(`input[name="accept_policies"]`)),
		shot("lifecycle-1-signup.png"),
		chromedp.Click(chromedp.CSS(`form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("note")),
	)
	if got := text(".notice"); !strings.Contains(got, "We sent a link to "+email) {
		t.Fatalf("after sign-up: %q", got)
	}
	// The first analysis waits for the confirmed address.
	step("analysis before confirming",
		chromedp.SetValue(chromedp.ID("note"), "Follow-up: type 2 diabetes, stable."),
		chromedp.Click(chromedp.CSS(`input[name="attest"]`)),
		chromedp.Click(chromedp.CSS(`#analyze-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#result .alert")),
		shot("lifecycle-2-unconfirmed.png"),
	)
	if got := text("#result .alert"); !strings.Contains(got, "Confirm your email address") {
		t.Fatalf("analysis before confirming: %q", got)
	}

	// Confirm the address from the email aiosmtpd received.
	token := linkToken(t, smtp.WaitFor(t, "To: "+email, 30*time.Second), "/verify-email")
	step("confirm the address",
		chromedp.Navigate(base+"/verify-email?token="+token),
		chromedp.Click(chromedp.CSS(`form[action="/verify-email"] button`)),
		chromedp.WaitVisible(chromedp.CSS(".badge.ok")),
		shot("lifecycle-3-confirmed.png"),
		chromedp.Click(chromedp.CSS(`form[action="/signout"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/signup"]`)),
	)

	// The operator publishes a material change of the terms.
	terms := "---\nversion: 2027-01-01\nmaterial: true\nsummary: Support replies now come by email.\n---\n" +
		"# Terms of Service\n\nSupport answers **by email** from now on; see the [privacy policy](/privacy).\n"
	if err := os.WriteFile(filepath.Join(policyDir, "terms.md"), []byte(terms), 0o600); err != nil {
		t.Fatal(err)
	}
	files, err := policy.Load(os.DirFS(policyDir))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Policies.Publish(context.Background(), files); err != nil {
		t.Fatal(err)
	}
	// Every user is told by email, through the queue.
	changed := smtp.WaitFor(t, "We changed our Terms of Service", 60*time.Second)
	if !strings.Contains(changed, "To: "+email) || !strings.Contains(changed, "Support replies now come by email.") {
		t.Fatalf("policy change email:\n%s", changed)
	}

	// The next sign-in shows the notice first.
	step("sign in after the change",
		chromedp.Navigate(base+"/signin"),
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.CSS(`form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("ul.changes")),
		shot("lifecycle-4-notice.png"),
	)
	if got := text("ul.changes"); !strings.Contains(got, "version 2027-01-01") || !strings.Contains(got, "Support replies now come by email.") {
		t.Fatalf("notice: %q", got)
	}

	// Accept, and analyse again; the change's banner is there until dismissed.
	step("accept and analyse",
		chromedp.Click(chromedp.CSS(`form[action="/policies/accept"] button`)),
		chromedp.WaitVisible(chromedp.ID("note")),
		chromedp.WaitVisible(chromedp.CSS(".banner-policy")),
		shot("lifecycle-5-accepted.png"),
		chromedp.SetValue(chromedp.ID("note"), "Follow-up: type 2 diabetes, stable. Hypertension on lisinopril."),
		chromedp.Click(chromedp.CSS(`input[name="attest"]`)),
		chromedp.Click(chromedp.CSS(`#analyze-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#result .result")),
		chromedp.Click(chromedp.CSS(`.banner-policy form button`)),
		chromedp.WaitNotPresent(chromedp.CSS(".banner-policy")),
		shot("lifecycle-6-analysed.png"),
	)

	// Export: the JSON holds the acceptances, the CSV the analysis.
	step("profile", chromedp.Navigate(base+"/profile#your-data"), chromedp.WaitVisible(chromedp.ID("your-data")),
		shot("lifecycle-7-profile.png"))
	exported, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch("/export").then(r => r.text())`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	var exp struct {
		Account struct {
			Email         string `json:"email"`
			EmailVerified bool   `json:"email_verified"`
		} `json:"account"`
		AdultConfirmedAt  *time.Time `json:"adult_confirmed_at"`
		PolicyAcceptances []struct {
			Document, Version string
		} `json:"policy_acceptances"`
		Analyses []struct {
			ID string `json:"id"`
		} `json:"analyses"`
	}
	if err := json.Unmarshal([]byte(exported), &exp); err != nil {
		t.Fatalf("export: %v\n%s", err, exported)
	}
	var accepted []string
	for _, a := range exp.PolicyAcceptances {
		accepted = append(accepted, a.Document+"/"+a.Version)
	}
	if exp.Account.Email != email || !exp.Account.EmailVerified || exp.AdultConfirmedAt == nil || len(exp.Analyses) != 1 ||
		!strings.Contains(strings.Join(accepted, " "), "terms/2027-01-01") {
		t.Fatalf("export: %+v", exp)
	}
	history, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch("/export/history.csv").then(r => r.text())`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(history), "\n"); len(lines) != 2 || !strings.HasPrefix(lines[1], exp.Analyses[0].ID+",") {
		t.Fatalf("history CSV:\n%s", history)
	}

	// Delete, with the password and the confirmation.
	userID := s.queryInt(t, "SELECT id FROM users WHERE email = ?", email)
	step("delete",
		chromedp.Navigate(base+"/account/delete"),
		chromedp.SendKeys(chromedp.ID("current_password"), password),
		chromedp.Click(chromedp.CSS(`input[name="confirm"]`)),
		shot("lifecycle-8-delete.png"),
		chromedp.Click(chromedp.CSS(`button.danger`)),
		chromedp.WaitVisible(chromedp.CSS(".notice")),
		shot("lifecycle-9-deleted.png"),
	)
	if s.queryInt(t, "SELECT count(*) FROM users WHERE email = ?", email) != 0 {
		t.Fatal("account not deleted")
	}
	// The audit log kept each request and its completion, by id only.
	for _, action := range []string{"account.export_request", "account.export", "account.delete_request", "account.delete"} {
		if n := s.queryInt(t, "SELECT count(*) FROM audit_log WHERE actor_id = ? AND action = ?", userID, action); n < 1 {
			t.Errorf("audit lacks %s", action)
		}
	}
}
