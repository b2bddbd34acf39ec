package server_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
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

// chrome is a headless Chromium driven by one test. Every console error or
// warning (a CSP violation is one) and every uncaught exception fails the
// test when it ends, unless expected says the entry is on purpose.
type chrome struct {
	ctx context.Context
	dir string // where shot writes
}

func newChrome(t *testing.T, timeout time.Duration, expected func(*cdplog.Entry) bool) *chrome {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium(t)),
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
	ctx, cancel := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, timeout)
	c := &chrome{ctx: ctx, dir: screenshotDir(t)}
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	if _, err := chromedp.Call(ctx, cdplog.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var problems []string
	entries, exceptions := chromedp.Events(ctx, cdplog.EntryAdded), chromedp.Events(ctx, cdpruntime.ExceptionThrown)
	go func() {
		for ev, err := range entries {
			if err != nil {
				return
			}
			if (ev.Entry.Level == cdplog.EntryLevelError || ev.Entry.Level == cdplog.EntryLevelWarning) && !expected(ev.Entry) {
				mu.Lock()
				problems = append(problems, string(ev.Entry.Source)+": "+ev.Entry.Text)
				mu.Unlock()
			}
		}
	}()
	go func() {
		for ev, err := range exceptions {
			if err != nil {
				return
			}
			mu.Lock()
			problems = append(problems, "exception: "+ev.ExceptionDetails.Text)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		mu.Lock()
		for _, p := range problems {
			t.Errorf("browser console: %s", p)
		}
		mu.Unlock()
		cancelTimeout()
		cancel()
		cancelAlloc()
	})
	return c
}

// shot saves a full-page screenshot as name in c.dir.
func (c *chrome) shot(name string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, tgt *chromedp.Target) (chromedp.Void, error) {
		png, err := chromedp.FullScreenshot(100)(ctx, tgt) // quality 100 makes a PNG
		if err != nil {
			return chromedp.Void{}, err
		}
		return chromedp.Void{}, os.WriteFile(filepath.Join(c.dir, name), png, 0o644)
	}
}
