package server_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/medcode/medcode/internal/analysis"
	"github.com/medcode/medcode/internal/engine"
)

// chromium finds Debian's browser; the test skips only when it is absent.
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("browser test needs chromium: apt-get install -y chromium")
	return ""
}

// screenshotDir keeps screenshots in $MEDCODE_SCREENSHOTS when set (to look
// at them), else in the test's temporary directory.
func screenshotDir(t *testing.T) string {
	if d := os.Getenv("MEDCODE_SCREENSHOTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// The note has a multi-byte character before the evidence, so the byte
// offsets from the server must be mapped to JavaScript string indexes.
const browserNote = `CHIEF COMPLAINT: Follow-up, café worker.

HPI: 58-year-old established patient with type 2 diabetes and hypertension.
Reports a dry cough for one week. No fever.

ASSESSMENT AND PLAN:
1. Type 2 diabetes: continue metformin.
2. Hypertension: continue lisinopril.
3. Cough: supportive care.`

// chrome is a headless Chromium for one test: its context, a screenshot
// action, and a check, at the end of the test, that the pages logged no
// console error or warning (a CSP violation is one) and threw nothing.
type chrome struct {
	ctx  context.Context
	shot func(name string) chromedp.Action[chromedp.Void]
}

// statuses are more HTTP error statuses the test provokes on purpose.
func newChrome(t *testing.T, statuses ...int) *chrome {
	exe := chromium(t)
	shots := screenshotDir(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1400, 1100),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(cancel)
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(cancelTimeout)

	c := &chrome{ctx: ctx}
	c.shot = func(name string) chromedp.Action[chromedp.Void] {
		return func(ctx context.Context, tgt *chromedp.Target) (chromedp.Void, error) {
			// Right after a form post the next page may not be laid out yet
			// (a loaded machine shows it as "0 width"): wait for its body,
			// then retry briefly.
			if _, err := chromedp.WaitReady("body")(ctx, tgt); err != nil {
				return chromedp.Void{}, err
			}
			var png []byte
			var err error
			for try := 0; try < 20; try++ {
				if png, err = chromedp.FullScreenshot(100)(ctx, tgt); err == nil { // quality 100 makes a PNG
					return chromedp.Void{}, os.WriteFile(filepath.Join(shots, name), png, 0o644)
				}
				time.Sleep(100 * time.Millisecond)
			}
			return chromedp.Void{}, err
		}
	}

	// Collect the page's console errors (a CSP violation is one) and
	// uncaught exceptions for the whole run.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	if _, err := chromedp.Call(ctx, cdplog.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	var problemsMu sync.Mutex
	var problems []string
	entries, exceptions := chromedp.Events(ctx, cdplog.EntryAdded), chromedp.Events(ctx, cdpruntime.ExceptionThrown)
	go func() {
		for ev, err := range entries {
			if err != nil {
				return
			}
			// The PHI block answers 422 and a refused form 400, on
			// purpose; Chromium logs those.
			expected := false
			for _, status := range append([]int{400, 422}, statuses...) {
				expected = expected || ev.Entry.Source == "network" && strings.Contains(ev.Entry.Text, "status of "+strconv.Itoa(status))
			}
			if !expected && (ev.Entry.Level == cdplog.EntryLevelError || ev.Entry.Level == cdplog.EntryLevelWarning) {
				problemsMu.Lock()
				problems = append(problems, string(ev.Entry.Source)+": "+ev.Entry.Text)
				problemsMu.Unlock()
			}
		}
	}()
	go func() {
		for ev, err := range exceptions {
			if err != nil {
				return
			}
			problemsMu.Lock()
			problems = append(problems, "exception: "+ev.ExceptionDetails.Text)
			problemsMu.Unlock()
		}
	}()
	t.Cleanup(func() {
		problemsMu.Lock()
		defer problemsMu.Unlock()
		for _, p := range problems {
			t.Errorf("browser console: %s", p)
		}
		t.Logf("screenshots in %s", shots)
	})
	return c
}

func TestBrowserSignUpAnalyzeHistoryDelete(t *testing.T) {
	eachBackend(t, testBrowserSignUpAnalyzeHistoryDelete)
}

func testBrowserSignUpAnalyzeHistoryDelete(t *testing.T, db backend) {
	br := newChrome(t)
	s := start(t, db, nil)
	ctx, shot := br.ctx, br.shot
	email := newEmail("browser")
	base := s.URL()

	// Sign up.
	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/"),
		shot("0-landing.png"),
		chromedp.Navigate(base+"/signup"),
		fillSignUp(email),
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

// fillSignUp fills and sends the sign-up form the browser is on: an adult
// accepting the current policies.
func fillSignUp(email string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.SendKeys(chromedp.ID("password_confirm"), password),
		chromedp.Click(chromedp.CSS(`input[name="adult"]`)),
		chromedp.Click(chromedp.CSS(`input[name="accept_policies"]`)),
		chromedp.Click(chromedp.CSS(`form button[type="submit"]`)),
	)
}
