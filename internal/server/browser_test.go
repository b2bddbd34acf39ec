package server_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/chromedp"

	"github.com/medcode/medcode/internal/analysis"
	"github.com/medcode/medcode/internal/engine"
)

// The note has a multi-byte character before the evidence, so the byte
// offsets from the server must be mapped to JavaScript string indexes.
const browserNote = `CHIEF COMPLAINT: Follow-up, café worker.

HPI: 58-year-old established patient with type 2 diabetes and hypertension.
Reports a dry cough for one week. No fever.

ASSESSMENT AND PLAN:
1. Type 2 diabetes: continue metformin.
2. Hypertension: continue lisinopril.
3. Cough: supportive care.`

func TestBrowserSignUpAnalyzeHistoryDelete(t *testing.T) {
	eachBackend(t, testBrowserSignUpAnalyzeHistoryDelete)
}

func testBrowserSignUpAnalyzeHistoryDelete(t *testing.T, db backend) {
	s := start(t, db, nil)
	// The PHI block answers 422 on purpose; Chromium logs that.
	c := newChrome(t, 90*time.Second, func(e *cdplog.Entry) bool {
		return e.Source == "network" && strings.Contains(e.Text, "status of 422")
	})
	ctx, shot := c.ctx, c.shot
	email := newEmail("browser")
	base := s.URL()

	// Sign up.
	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/"),
		shot("0-landing.png"),
		chromedp.Navigate(base+"/signup"),
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.SendKeys(chromedp.ID("password_confirm"), password),
		chromedp.Click(chromedp.CSS(`input[name="adult"]`)),
		chromedp.Click(chromedp.CSS(`input[name="accept_policies"]`)),
		chromedp.Click(chromedp.CSS(`form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("note")),
		shot("1-analyze.png"),
	)
	if err != nil {
		t.Fatalf("sign-up: %v", err)
	}

	// A note with an identifier is refused and the identifier is marked.
	err = chromedp.Do(ctx,
		chromedp.SetValue(chromedp.ID("note"), "Cough. Call me at 555-123-4567."),
		chromedp.Click(chromedp.CSS(`input[name="attest"]`)),
		chromedp.Click(chromedp.CSS(`#analyze-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".note-text a.ev.phi")),
		shot("2-phi-blocked.png"),
	)
	if err != nil {
		t.Fatalf("PHI block: %v", err)
	}

	// Analyze: the note is drawn by the browser with the evidence marked.
	type noteView struct {
		Full string            `json:"full"`
		Rows map[string]string `json:"rows"`
		Hash string            `json:"hash"`
		// Usage is the count of usage lines and the text of the one beside
		// the form, refreshed out of band after the analysis.
		Usage string `json:"usage"`
	}
	err = chromedp.Do(ctx,
		chromedp.SetValue(chromedp.ID("note"), browserNote),
		chromedp.Click(chromedp.CSS(`#analyze-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".result[data-note-sha256] .note-text a.ev")),
		chromedp.Click(chromedp.CSS(".code-row .show-evidence")),
		chromedp.WaitVisible(chromedp.CSS(".note-text a.ev.active")),
		chromedp.Sleep(300*time.Millisecond), // let the hash check settle the status line
		shot("3-result.png"),
	)
	if err != nil {
		t.Fatalf("analyze: %v", err)
	}
	view, err := chromedp.Run(ctx, chromedp.Evaluate[noteView](`(() => {
		const rows = {};
		document.querySelectorAll(".note-text a.ev").forEach(m => {
			m.dataset.anchors.split(" ").forEach(a => { rows[a] = (rows[a] || "") + m.textContent; });
		});
		return {full: document.querySelector(".result .note-text").textContent, rows,
			hash: document.querySelector(".result .note-status").textContent,
			usage: document.querySelectorAll("#usage-line").length + "|" + document.getElementById("usage-line").textContent};
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	if view.Full != browserNote {
		t.Fatalf("the note view does not reproduce the note:\n%q", view.Full)
	}
	if !strings.HasPrefix(view.Usage, "1|1 of 50 analyses used") {
		t.Fatalf("usage line after one analysis: %q", view.Usage)
	}
	if !strings.Contains(view.Hash, "from the note you analysed") {
		t.Fatalf("hash check: %q", view.Hash)
	}
	rec := s.latestRecord(t, email)
	checked := 0
	rowsOf := func(prefix string, i int, ev []engine.Evidence) {
		id := prefix + "-" + strconv.Itoa(i)
		for _, e := range ev {
			want := browserNote[e.Start:e.End]
			if !strings.Contains(view.Rows[id], want) {
				t.Errorf("row %s: evidence %q (bytes %d-%d) not highlighted; marks: %q", id, want, e.Start, e.End, view.Rows[id])
			}
			checked++
		}
	}
	for i, d := range rec.Result.Diagnoses {
		rowsOf("dx", i, d.Evidence)
	}
	for i, p := range rec.Result.Procedures {
		rowsOf("px", i, p.Evidence)
	}
	if rec.Result.EM != nil {
		rowsOf("em", 0, rec.Result.EM.Evidence)
	}
	if checked == 0 {
		t.Fatal("the result has no evidence to check")
	}

	// Accept the first code, then history, the record, and delete the account.
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(".code-row .decision button.accept")),
		chromedp.WaitVisible(chromedp.CSS(`.code-row .decision button.accept[aria-pressed="true"]`)),
		chromedp.Navigate(base+"/history"),
		chromedp.WaitVisible(chromedp.CSS("table.history")),
		shot("4-history.png"),
		chromedp.Navigate(base+"/analyses/"+rec.ID),
		chromedp.WaitVisible(chromedp.ID("note-recall")),
		chromedp.SetValue(chromedp.ID("note-recall"), browserNote),
		chromedp.Evaluate[chromedp.Void](`document.getElementById("note-recall").dispatchEvent(new Event("input"))`),
		chromedp.WaitVisible(chromedp.CSS(".note-text a.ev")),
		shot("5-record.png"),
		chromedp.Navigate(base+"/account/delete"),
		chromedp.SendKeys(chromedp.ID("current_password"), password),
		chromedp.Click(chromedp.CSS(`input[name="confirm"]`)),
		chromedp.Click(chromedp.CSS(`button.danger`)),
		chromedp.WaitVisible(chromedp.CSS(".notice")),
		shot("6-deleted.png"),
	)
	if err != nil {
		t.Fatalf("history and deletion: %v", err)
	}
	if strings.Contains(s.logs.String(), "café worker") {
		t.Fatal("note text in the logs")
	}
	if s.queryInt(t, "SELECT count(*) FROM users WHERE email = ?", email) != 0 {
		t.Fatal("account not deleted")
	}
	t.Logf("screenshots in %s", c.dir)
}

// latestRecord reads the user's newest record through the API.
func (s *testServer) latestRecord(t *testing.T, email string) *analysis.Record {
	t.Helper()
	c := s.apiClientFor(t, email)
	page, err := c.List(context.Background(), 1, 1, "")
	if err != nil || len(page.Items) == 0 {
		t.Fatalf("no record: %v", err)
	}
	rec, err := c.Get(context.Background(), page.Items[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}
