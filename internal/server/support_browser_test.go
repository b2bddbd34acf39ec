package server_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserSupportAndNotices drives the support desk and the notices in
// Chromium: a user writes to support and sends feedback on a result, a
// site administrator publishes a notice and answers from the queue, the
// user reads the answer and dismisses the banner.
func TestBrowserSupportAndNotices(t *testing.T) { eachBackend(t, testBrowserSupportAndNotices) }

func testBrowserSupportAndNotices(t *testing.T, db backend) {
	s := start(t, db, nil)
	c := newChrome(t)
	ctx, shot := c.ctx, c.shot
	base := s.URL()
	userEmail, adminEmail := newEmail("asker"), newEmail("staff")
	s.browser(t).signUp(adminEmail)
	if _, err := s.Accounts.SetSiteAdmin(context.Background(), adminEmail, true); err != nil {
		t.Fatal(err)
	}
	step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	signIn := func(email string) []chromedp.Action[chromedp.Void] {
		return []chromedp.Action[chromedp.Void]{
			chromedp.Navigate(base + "/signin"),
			chromedp.SendKeys(chromedp.ID("email"), email),
			chromedp.SendKeys(chromedp.ID("password"), password),
			chromedp.Click(chromedp.CSS(`form button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.ID("note")),
		}
	}
	signOut := []chromedp.Action[chromedp.Void]{
		chromedp.Click(chromedp.CSS(`form[action="/signout"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/signup"]`)),
	}

	// The user signs up, asks a question, and sends feedback on a result.
	step("user asks",
		chromedp.Navigate(base+"/signup"),
		fillSignUp(userEmail),
		chromedp.WaitVisible(chromedp.ID("note")),
		chromedp.SetValue(chromedp.ID("note"), "Follow-up: type 2 diabetes, stable."),
		chromedp.Click(chromedp.CSS(`input[name="attest"]`)),
		chromedp.Click(chromedp.CSS(`#analyze-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#result .result")),
		chromedp.Navigate(base+"/support"),
		chromedp.SendKeys(chromedp.ID("subject"), "Modifier 25"),
		chromedp.SendKeys(chromedp.ID("body"), "When does medcode add modifier 25 to the E/M code?"),
		chromedp.Click(chromedp.CSS(`form[action="/support"] button`)),
		chromedp.WaitVisible(chromedp.CSS("ol.messages")),
		shot("support-1-question.png"),
	)
	id := s.latestRecord(t, userEmail).ID
	step("feedback",
		chromedp.Navigate(base+"/analyses/"+id),
		chromedp.SendKeys(chromedp.ID("feedback-body"), "E11.9 is right, but the E/M level looks low."),
		shot("support-2-feedback-form.png"),
		chromedp.Click(chromedp.CSS(`#feedback button`)),
		chromedp.WaitVisible(chromedp.CSS("ol.messages")),
	)
	step("sign out", signOut...)

	// The administrator publishes a notice and answers from the queue.
	step("admin", append(signIn(adminEmail),
		chromedp.Navigate(base+"/admin/notices"),
		chromedp.SendKeys(chromedp.ID("title"), "Maintenance on Sunday"),
		chromedp.SendKeys(chromedp.ID("body"), "medcode is down **02:00-03:00 UTC** for a database upgrade."),
		chromedp.Click(chromedp.CSS(`form[action="/admin/notices"] button`)),
		chromedp.WaitVisible(chromedp.CSS(".banner-maintenance")),
		shot("support-3-notices.png"),
		chromedp.Navigate(base+"/admin/support"),
		chromedp.WaitVisible(chromedp.CSS("table.history")),
		shot("support-4-queue.png"),
		chromedp.Click(chromedp.CSS(`table.history a`)),
		chromedp.WaitVisible(chromedp.CSS("ol.messages")),
		chromedp.SendKeys(chromedp.ID("body"), "When a significant, separately identifiable E/M goes with a procedure the same day."),
		chromedp.Click(chromedp.CSS(`form[action$="/reply"] button`)),
		chromedp.WaitVisible(chromedp.CSS(".message.staff")),
		shot("support-5-answered.png"),
	)...)
	step("sign out", signOut...)

	// The user reads the answer and dismisses the banner.
	step("user reads", append(signIn(userEmail),
		chromedp.WaitVisible(chromedp.CSS(".banner-maintenance")),
		chromedp.Navigate(base+"/support"),
		chromedp.WaitVisible(chromedp.CSS(".badge.ok")),
		shot("support-6-list.png"),
		chromedp.Click(chromedp.CSS(`table.history a[href^="/support/"]`)),
		chromedp.WaitVisible(chromedp.CSS(".message.staff")),
		chromedp.Click(chromedp.CSS(`.banner-maintenance form button`)),
		chromedp.WaitNotPresent(chromedp.CSS(".banner-maintenance")),
		shot("support-7-reply.png"),
	)...)
	reply, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".message.staff .message-body")))
	if err != nil || !strings.Contains(reply, "separately identifiable") {
		t.Fatalf("reply as the user sees it: %q, %v", reply, err)
	}
}
