package server_test

import (
	"archive/zip"
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/medcode/medcode/internal/claims"
	"github.com/medcode/medcode/internal/claims/x837"
	"github.com/medcode/medcode/internal/cli"
	"github.com/medcode/medcode/internal/mail/mailtest"
	"github.com/medcode/medcode/internal/store"
)

// downloads makes the browser save downloads in a directory of the test.
func downloads(t *testing.T, ctx context.Context) string {
	t.Helper()
	dir := t.TempDir()
	if _, err := chromedp.CallBrowser(ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
		Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir}); err != nil {
		t.Fatal(err)
	}
	return dir
}

// downloaded waits for a finished download named name in dir.
func downloaded(t *testing.T, dir, name string) []byte {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		if b, err := os.ReadFile(filepath.Join(dir, name)); err == nil && len(b) > 0 {
			return b
		}
		if time.Now().After(deadline) {
			entries, _ := os.ReadDir(dir)
			t.Fatalf("no download %s in %s (%v)", name, dir, entries)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// writeFile writes a file for the browser to upload.
func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestBrowserBiller walks a biller's day in Chromium: set up billing,
// import claims, find the scrubber's error on one and fix it, download
// the 837P, post the payers' 835 and read the posting. It fails on any
// console error and keeps a screenshot of each page.
func TestBrowserBiller(t *testing.T) {
	br := newChrome(t)
	s := start(t, sqliteBackend, nil)
	ctx, shot := br.ctx, br.shot
	base := s.URL()
	email := newEmail("biller")
	files := t.TempDir()
	saved := downloads(t, ctx)
	text := func(sel string) chromedp.Action[string] { return chromedp.Text(chromedp.CSS(sel)) }

	// The clinic, under a BAA (an 837P carries the patients' identity).
	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/signup"),
		fillSignUp(email),
		chromedp.WaitVisible(chromedp.ID("note")),
		chromedp.Navigate(base+"/orgs"),
		chromedp.SendKeys(chromedp.ID("name"), "Maple Family Clinic"),
		chromedp.Click(chromedp.CSS(`form[action="/orgs"] button`)),
		appears(`#document`),
		chromedp.SendKeys(chromedp.CSS(`input[name="document"]`), "BAA-2026-017"),
		chromedp.Click(chromedp.CSS(`#baa-record button`)),
		appears(`#baa-end button`),
	)
	if err != nil {
		t.Fatalf("clinic: %v", err)
	}
	ms, err := s.Orgs.Memberships(context.Background(), mustUser(t, s, email))
	if err != nil || len(ms) != 1 {
		t.Fatalf("memberships: %v, %v", ms, err)
	}
	orgBase := base + "/orgs/" + itoa(ms[0].Org.ID)

	// Billing settings: the provider, charges and trading partners.
	good := cleanClaim()
	err = chromedp.Do(ctx,
		chromedp.Navigate(orgBase+"/billing"),
		chromedp.SendKeys(chromedp.ID("billing_npi"), good.Billing.NPI),
		chromedp.SendKeys(chromedp.ID("billing_name"), "Maple Family Clinic"),
		chromedp.SendKeys(chromedp.ID("billing_tax_id"), "123456789"),
		chromedp.SetValue(chromedp.ID("charges"), "99213 145.00\n99214 210.00\n"),
		chromedp.SendKeys(chromedp.ID("submitter_name"), "Maple Billing"),
		chromedp.SendKeys(chromedp.ID("submitter_id"), "SUB123"),
		chromedp.SendKeys(chromedp.ID("submitter_phone"), "5555550100"),
		chromedp.SendKeys(chromedp.ID("receiver_name"), "Clearing House"),
		chromedp.SendKeys(chromedp.ID("receiver_id"), "RCV456"),
		chromedp.SendKeys(chromedp.ID("sender_id"), "CLINIC01"),
		chromedp.SendKeys(chromedp.ID("receiver_interchange_id"), "CLEARHOUSE"),
		chromedp.Click(chromedp.CSS(`#billing-form button[type="submit"]`)),
		says("Billing settings saved"),
		shot("b1-billing-settings.png"),
	)
	if err != nil {
		t.Fatalf("billing settings: %v", err)
	}

	// Import four claims; one points its line to a diagnosis it lacks.
	cs := []*claims.Claim{good, cleanClaim(), cleanClaim(), cleanClaim()}
	broken := cs[2]
	broken.Lines[0].Pointers = []int{2}
	err = chromedp.Do(ctx,
		chromedp.Navigate(orgBase+"/claims"),
		chromedp.SetUploadFiles(chromedp.ID("claims-file"), []string{writeFile(t, files, "claims.csv", csvOf(t, cs...))}),
		chromedp.Click(chromedp.CSS(`#claim-import button[type="submit"]`)),
		says("4 claims imported and scrubbed: 1 error"),
		shot("b2-claims.png"),
	)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	list, _ := chromedp.Run(ctx, text("table.claims"))
	if strings.Count(strings.ToLower(list), "1 error") != 1 {
		t.Fatalf("claim list: %q", list)
	}

	// The broken claim: the finding says what is wrong and the fix; fix
	// the pointer and save.
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.Search(`//a[code[text()="`+broken.ID+`"]]`)),
		appears(`#scrub table.findings`),
		shot("b3-claim-error.png"),
	)
	if err != nil {
		t.Fatalf("open the claim: %v", err)
	}
	scrubText, _ := chromedp.Run(ctx, text("#scrub"))
	if !strings.Contains(scrubText, "CLM-02") || !strings.Contains(scrubText, "pointing to a listed diagnosis") {
		t.Fatalf("scrubber findings: %q", scrubText)
	}
	err = chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS(`input[name="line-0-pointers"]`), "1"),
		chromedp.Click(chromedp.CSS(`#claim-form button[type="submit"]`)),
		says("Claim saved and scrubbed again"),
		shot("b4-claim-fixed.png"),
	)
	if err != nil {
		t.Fatalf("fix the claim: %v", err)
	}
	if scrubText, _ = chromedp.Run(ctx, text("#scrub")); strings.Contains(scrubText, "CLM-02") || strings.Contains(scrubText, "ERROR\t") {
		t.Fatalf("after the fix: %q", scrubText)
	}

	// Download every draft claim as one 837P and read it back.
	err = chromedp.Do(ctx,
		chromedp.Navigate(orgBase+"/claims"),
		chromedp.Click(chromedp.ID("export-drafts")),
	)
	if err != nil {
		t.Fatalf("export: %v", err)
	}
	batch, err := x837.Read(downloaded(t, saved, "claims-1.837"))
	if err != nil {
		t.Fatal(err)
	}
	if len(batch.Claims) != 4 || batch.Submitter.ID != "SUB123" || batch.Claims[2].Lines[0].Pointers[0] != 1 {
		t.Fatalf("837P: %d claims, submitter %+v", len(batch.Claims), batch.Submitter)
	}
	err = chromedp.Do(ctx,
		chromedp.Navigate(orgBase+"/claims?status=exported"),
		appears("table.claims"),
		shot("b5-claims-exported.png"),
	)
	if err != nil {
		t.Fatalf("exported list: %v", err)
	}

	// The payers answer: post the 835 and read the posting.
	err = chromedp.Do(ctx,
		chromedp.Navigate(orgBase+"/remittances"),
		chromedp.SetUploadFiles(chromedp.ID("remit-file"), []string{writeFile(t, files, "remits.835", remitOf(t, cs...))}),
		chromedp.Click(chromedp.CSS(`#remit-post button[type="submit"]`)),
		appears("table.posting"),
		shot("b6-posting.png"),
	)
	if err != nil {
		t.Fatalf("post the 835: %v", err)
	}
	posting, _ := chromedp.Run(ctx, text("main"))
	// Badges are upper-cased by the style sheet, and Text reads them so.
	if !strings.Contains(strings.ToLower(posting), "balancing balances") || strings.Contains(posting, "no such claim") || !strings.Contains(posting, "CO-45") {
		t.Fatalf("posting view: %q", posting)
	}
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`table.posting tr.posted a`)),
		appears("#postings"),
		shot("b7-claim-paid.png"),
		chromedp.Navigate(orgBase+"/audit"),
		appears("table.audit"),
		shot("b8-audit.png"),
	)
	if err != nil {
		t.Fatalf("claim with its payment: %v", err)
	}
	auditText, _ := chromedp.Run(ctx, text("table.audit"))
	for _, want := range []string{"Imported claims", "Changed a claim", "Exported claims as an 837P", "Posted a remittance", "Viewed a remittance", "Changed the billing settings"} {
		if !strings.Contains(auditText, want) {
			t.Errorf("audit viewer lacks %q", want)
		}
	}
	owner := mustUser(t, s, email)
	ws, err := s.Orgs.Workspace(context.Background(), owner, ms[0].Org.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range []store.ClaimStatus{store.ClaimDraft, store.ClaimExported} {
		if n, _, _ := s.DB.ListClaims(context.Background(), ws.Scope(), store.ClaimFilter{Status: st}); len(n) != 0 {
			t.Errorf("%d claims still %s after the 835", len(n), st)
		}
	}
}

// demoData writes a `medcode demo-data` set of n claims into a new
// directory.
func demoData(t *testing.T, n int) string {
	t.Helper()
	dir := t.TempDir()
	var stderr bytes.Buffer
	if code := cli.Run(context.Background(), &cli.Env{Stdout: &stderr, Stderr: &stderr}, []string{"demo-data", "--out", dir, "--claims", itoa(int64(n))}); code != 0 {
		t.Fatalf("demo-data: %d %s", code, stderr.String())
	}
	return dir
}

// zipDir packs a directory's files (the notes) into a zip.
func zipDir(t *testing.T, dir string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		w, err := zw.Create(filepath.ToSlash(rel))
		if err != nil {
			return err
		}
		_, err = w.Write(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestBrowserFreeAnalysis is the public flow in Chromium: from the
// landing page to the free 60-day analysis, sign up, upload a
// `medcode demo-data` set (claims, 835s, notes), watch the job, see the
// notice, open the report, drill into a figure and download the PDF and
// CSV.
func TestBrowserFreeAnalysis(t *testing.T) {
	needCodeSets(t)
	br := newChrome(t)
	smtp := mailtest.Start(t)
	s := start(t, sqliteBackend, map[string]string{
		"MEDCODE_SMTP_HOST": smtp.Host, "MEDCODE_SMTP_PORT": strconv.Itoa(smtp.Port), "MEDCODE_SMTP_TLS": "none",
		"MEDCODE_SMTP_FROM": "medcode@example.org",
	})
	ctx, shot := br.ctx, br.shot
	base := s.URL()
	email := newEmail("clinic-manager")
	demo := demoData(t, 300)
	files := t.TempDir()
	saved := downloads(t, ctx)
	text := func(sel string) chromedp.Action[string] { return chromedp.Text(chromedp.CSS(sel)) }

	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/"),
		chromedp.Click(chromedp.CSS(`a[href="/free-analysis"]`)),
		appears(".hero"),
		shot("r1-free-analysis.png"),
		chromedp.Click(chromedp.CSS(`a[href="/signup?next=/reports"]`)),
		chromedp.WaitVisible(chromedp.ID("email")),
		fillSignUp(email),
		appears("#report-upload"),
		chromedp.SetUploadFiles(chromedp.ID("claims"), []string{filepath.Join(demo, "claims.csv")}),
		chromedp.SetUploadFiles(chromedp.ID("remits"), []string{filepath.Join(demo, "remits.835")}),
		chromedp.SetUploadFiles(chromedp.ID("notes"), []string{writeFile(t, files, "notes.zip", zipDir(t, filepath.Join(demo, "notes")))}),
		chromedp.Click(chromedp.CSS(`input[name="attest"]`)),
		shot("r2-upload.png"),
		chromedp.Click(chromedp.CSS(`#report-upload button[type="submit"]`)),
		appears("#report-progress"),
		shot("r3-progress.png"),
	)
	if err != nil {
		t.Fatalf("upload: %v", err)
	}
	// The job builds the report; the requester gets an email with its
	// link, and a notice on every page until they open it.
	mail := smtp.WaitFor(t, "Your 60-day revenue analysis is ready", 90*time.Second)
	if !strings.Contains(mail, "To: "+email) || !strings.Contains(mail, "/reports/rp_") || strings.Contains(mail, "$") {
		t.Fatalf("notification email:\n%s", mail)
	}
	err = chromedp.Do(ctx,
		chromedp.Navigate(base+"/history"),
		appears(".report-notice a"),
		shot("r4-notice.png"),
		chromedp.Click(chromedp.CSS(".report-notice a")),
		appears("#summary .figure.big"),
		shot("r5-report.png"),
	)
	if err != nil {
		t.Fatalf("report: %v", err)
	}
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(".report-notice").length`)); n != 0 {
		t.Fatalf("the notice stays after opening the report")
	}
	summary, _ := chromedp.Run(ctx, text("#summary"))
	if !strings.Contains(summary, "Revenue opportunity") || !strings.Contains(summary, "300") {
		t.Fatalf("summary: %q", summary)
	}
	// Drill into the denials' first reason: the lines behind it.
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#denials table a.fig`)),
		appears("#lines .findings-table"),
		chromedp.ScrollIntoView(chromedp.ID("lines")),
		shot("r6-drill-down.png"),
	)
	if err != nil {
		t.Fatalf("drill-down: %v", err)
	}
	lines, _ := chromedp.Run(ctx, text("#lines .lines-caption"))
	if !strings.Contains(lines, "analysis denial") {
		t.Fatalf("lines caption: %q", lines)
	}
	u := mustUser(t, s, email)
	reps, err := s.DB.ListReports(context.Background(), store.Personal(u.ID), 5)
	if err != nil || len(reps) != 1 {
		t.Fatalf("reports: %+v, %v", reps, err)
	}
	id := reps[0].ID
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`a[href$="/report.pdf"]`)),
		chromedp.Click(chromedp.CSS(`a[href$="/findings.csv"]`)),
	)
	if err != nil {
		t.Fatalf("downloads: %v", err)
	}
	if pdf := downloaded(t, saved, "revenue-"+id+".pdf"); !bytes.HasPrefix(pdf, []byte("%PDF")) {
		t.Fatalf("PDF: %.20q", pdf)
	}
	if csv := downloaded(t, saved, "findings-"+id+".csv"); !bytes.HasPrefix(csv, []byte("finding_id,")) {
		t.Fatalf("CSV: %.40q", csv)
	}
	// The uploads are gone; nothing of them or of the notes is in the
	// database files.
	if n := s.queryInt(t, "SELECT count(*) FROM report_uploads"); n != 0 {
		t.Fatalf("%d uploads left", n)
	}
	note, err := os.ReadFile(filepath.Join(demo, "notes", firstFile(t, filepath.Join(demo, "notes"))))
	if err != nil {
		t.Fatal(err)
	}
	if sentence := strings.SplitN(string(note), "\n", 2)[0]; s.filesContain(t, sentence) {
		t.Fatalf("a note's text is in the database: %q", sentence)
	}
	err = chromedp.Do(ctx,
		chromedp.Navigate(base+"/reports"),
		appears("table.reports"),
		shot("r7-reports.png"),
	)
	if err != nil {
		t.Fatalf("report list: %v", err)
	}
}

func firstFile(t *testing.T, dir string) string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) == 0 {
		t.Fatalf("no files in %s: %v", dir, err)
	}
	return entries[0].Name()
}
