package server_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/medcode/medcode/internal/analysis"
	"github.com/medcode/medcode/internal/org"
	"github.com/medcode/medcode/internal/store"
)

// clinicNote holds PHI (a name and a record number) and the clinic's local
// phrase "sugar crash".
const clinicNote = `Patient: Maria Lopez, MRN 4481234.

ASSESSMENT AND PLAN:
1. Type 2 diabetes: continue metformin.
2. Sugar crash episodes at night: lower the evening dose.
3. Cough: supportive care.`

const clinicRules = `# Maple Family Clinic
synonyms:
  - id: sugar-crash
    phrase: sugar crash
    code: E16.2
    note: our patients' word for hypoglycemia
suppress:
  - code: R05*
    note: cough is the visit reason, never reported alone
`

// TestBrowserClinic walks an owner through a clinic in Chromium: create the
// organization, record the BAA and note retention, write clinic rules (a
// refused version first), analyse a note with PHI under the BAA and see
// the rule cited, change a code, read the retained note, invite a member,
// adopt a suggested rule, read the audit log and switch workspaces. It
// fails on any console error and keeps a screenshot of each page.
func TestBrowserClinic(t *testing.T) {
	br := newChrome(t)
	s := start(t, sqliteBackend, nil)
	ctx, shot := br.ctx, br.shot
	base := s.URL()
	email := newEmail("clinic-owner")
	text := func(sel string) chromedp.Action[string] { return chromedp.Text(chromedp.CSS(sel)) }

	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/signup"),
		fillSignUp(email),
		chromedp.WaitVisible(chromedp.ID("note")),
		chromedp.Navigate(base+"/orgs"),
		chromedp.SendKeys(chromedp.ID("name"), "Maple Family Clinic"),
		chromedp.Click(chromedp.CSS(`form[action="/orgs"] button`)),
		appears(`#document`),
		shot("c1-org-new.png"),
		chromedp.SendKeys(chromedp.CSS(`input[name="document"]`), "BAA-2026-017, signed 1 May 2026"),
		chromedp.Click(chromedp.CSS(`#baa-record button`)),
		appears(`#baa-end button`),
		chromedp.SetValue(chromedp.ID("days"), "365"),
		chromedp.SetValue(chromedp.ID("note_days"), "30"),
		chromedp.Click(chromedp.CSS(`#retention button`)),
		says("Retention is saved"),
		shot("c2-org-baa.png"),
	)
	if err != nil {
		t.Fatalf("organization and BAA: %v", err)
	}
	overview, err := chromedp.Run(ctx, text("main"))
	if err != nil || !strings.Contains(overview, "BAA-2026-017") || !strings.Contains(overview, "30 days") || !strings.Contains(overview, email) {
		t.Fatalf("overview after the BAA: %q, %v", overview, err)
	}
	ms, err := s.Orgs.Memberships(context.Background(), mustUser(t, s, email))
	if err != nil || len(ms) != 1 {
		t.Fatalf("memberships: %v, %v", ms, err)
	}
	orgBase := base + "/orgs/" + itoa(ms[0].Org.ID)

	// A rules document with a mistake is refused with its line; the right
	// one is saved as version 1.
	err = chromedp.Do(ctx,
		chromedp.Navigate(orgBase+"/rules"),
		chromedp.SetValue(chromedp.ID("source"), "synonyms:\n  - phrase: sugar crash\n    code: E162\n"),
		chromedp.Click(chromedp.CSS(`form[action$="/rules"] button`)),
		appears(".problems"),
		shot("c3-rules-refused.png"),
		chromedp.SetValue(chromedp.ID("source"), clinicRules),
		chromedp.Click(chromedp.CSS(`form[action$="/rules"] button`)),
		says("Saved as version 1"),
		shot("c4-rules.png"),
	)
	if err != nil {
		t.Fatalf("rules: %v", err)
	}
	if problems, _ := chromedp.Run(ctx, text("main")); !strings.Contains(problems, "Saved as version 1") {
		t.Fatalf("rules page after saving: %q", problems)
	}

	// Under the BAA the note with PHI is analysed (no attestation), the
	// identifiers are reported, and the clinic's rules show in the result.
	err = chromedp.Do(ctx,
		chromedp.Navigate(orgBase+"/analyze"),
		appears(".alert.warn"),
		chromedp.SetValue(chromedp.ID("note"), clinicNote),
		chromedp.Click(chromedp.CSS(`#analyze-form button[type="submit"]`)),
		appears(".result[data-note-sha256] .note-text a.ev"),
		chromedp.Evaluate[chromedp.Void](`document.querySelectorAll(".code-row details:not(.change)").forEach(d => d.open = true)`),
		chromedp.Sleep(200*time.Millisecond),
		shot("c5-result-rules.png"),
	)
	if err != nil {
		t.Fatalf("analyze under the BAA: %v", err)
	}
	result, err := chromedp.Run(ctx, text("#result"))
	if err != nil || !strings.Contains(result, "E16.2") || !strings.Contains(result, "clinic/sugar-crash") ||
		!strings.Contains(result, "Maple Family Clinic coding rules, version 1") || strings.Contains(result, "R05.9 Cough") ||
		!strings.Contains(result, "clinic/suppress-1") || !strings.Contains(result, "identifier(s) found") {
		t.Fatalf("result: %q, %v", result, err)
	}

	// Change E11.9 to E11.65; open the record and read the retained note.
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`.code-row .decision details.change summary`)),
		chromedp.SendKeys(chromedp.CSS(`.code-row .decision details.change input`), "E11.65"),
		chromedp.Click(chromedp.CSS(`.code-row .decision details.change button`)),
		appears(`.decision summary.changed`),
		chromedp.Click(chromedp.CSS(`.result-head a`)),
		appears(`#note-recall`),
		chromedp.Click(chromedp.CSS(`#recall-hint a`)),
		appears(`.retained .badge`),
		appears(".note-text a.ev"),
		shot("c6-retained-note.png"),
	)
	if err != nil {
		t.Fatalf("change and retained note: %v", err)
	}
	if status, _ := chromedp.Run(ctx, text(".result .note-status")); !strings.Contains(status, "audit log") {
		t.Fatalf("retained note status: %q", status)
	}

	// Two more identical corrections make a suggested rule, adopted here.
	owner := mustUser(t, s, email)
	ws, err := s.Orgs.Workspace(context.Background(), owner, ms[0].Org.ID)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < org.SuggestAfter; i++ {
		rec, err := s.Analyses.Analyze(context.Background(), ws, analysis.Request{Note: "Type 2 diabetes, visit " + itoa(int64(i)) + "."})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Analyses.Decide(context.Background(), ws, rec.ID, "E11.9", analysis.Changed, "E11.65"); err != nil {
			t.Fatal(err)
		}
	}
	err = chromedp.Do(ctx,
		chromedp.Navigate(orgBase+"/members"),
		chromedp.SendKeys(chromedp.ID("email"), "new.coder@maple.example"),
		chromedp.SetValue(chromedp.ID("role"), "coder"),
		chromedp.Click(chromedp.CSS(`form[action$="/invites"] button`)),
		appears(".link-box"),
		shot("c7-members.png"),
		chromedp.Navigate(orgBase+"/feedback"),
		appears(".suggestions form button"),
		shot("c8-feedback.png"),
		chromedp.Click(chromedp.CSS(".suggestions form button")),
		says("The rule is adopted"),
		chromedp.Navigate(orgBase+"/audit"),
		appears("table.audit"),
		shot("c9-audit.png"),
		chromedp.Click(chromedp.CSS(".workspace-menu summary")),
		appears(".workspace-menu ul"),
		shot("c10-switcher.png"),
	)
	if err != nil {
		t.Fatalf("members, feedback, audit: %v", err)
	}
	auditText, _ := chromedp.Run(ctx, text("table.audit"))
	for _, want := range []string{"Viewed a retained note", "Analysed a note", "Recorded the BAA", "Changed the clinic rules", "Invited a member", "Signed in"} {
		if !strings.Contains(auditText, want) {
			t.Errorf("audit viewer lacks %q", want)
		}
	}
	rs, err := s.Orgs.Rules(context.Background(), ws, 0)
	if err != nil || rs.Version != 2 || !strings.Contains(rs.Source, "# Maple Family Clinic") || !strings.Contains(rs.Source, "E11.65") {
		t.Fatalf("rules after adopting: %+v, %v", rs, err)
	}
}

func mustUser(t *testing.T, s *testServer, email string) *store.User {
	t.Helper()
	u, err := s.DB.UserByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// appears waits until the page has an element matching sel; says, until
// its main content holds text. They poll the page rather than track DOM
// events, which miss a form submission that redirects back to the same
// address; an evaluation cut short by a navigation is tried again.
func appears(sel string) chromedp.Action[chromedp.Void] {
	return until("document.querySelector(" + strconv.Quote(sel) + ") !== null")
}

func says(text string) chromedp.Action[chromedp.Void] {
	return until("(document.querySelector('main') || document.body).textContent.includes(" + strconv.Quote(text) + ")")
}

func until(expr string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, tgt *chromedp.Target) (chromedp.Void, error) {
		for {
			ok, err := chromedp.Evaluate[bool](expr)(ctx, tgt)
			if err == nil && ok {
				return chromedp.Void{}, nil
			}
			select {
			case <-ctx.Done():
				return chromedp.Void{}, fmt.Errorf("waiting for %s: %w (last error: %v)", expr, ctx.Err(), err)
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
}
