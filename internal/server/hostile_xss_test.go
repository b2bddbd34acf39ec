package server_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/medcode/medcode/internal/api/client"
)

// xssPayloads are planted in every field a user controls. Each carries a
// marker that must never come back raw in a page: html/template escapes it
// in text and attributes, and filters javascript: URLs.
var xssPayloads = []string{
	`<script>alert("xss-1")</script>`,
	`"><img src=x onerror=alert("xss-2")>`,
	`'><svg onload=alert("xss-3")>`,
	`javascript:alert("xss-4")`,
}

// xssRaw finds a payload's markup or script URL unescaped in a response.
var xssRaw = regexp.MustCompile(`<script>alert|<img src=x onerror|<svg onload|(?i)(href|src|action)="javascript:`)

// htmlForm is one POST form of a page.
type htmlForm struct {
	action string
	fields []formField
}

type formField struct {
	name, kind, value string // kind: input type, "textarea" or "select"
}

var (
	formRe  = regexp.MustCompile(`(?s)<form\b([^>]*)>(.*?)</form>`)
	fieldRe = regexp.MustCompile(`(?s)<(input|textarea|select|button)\b([^>]*)>`)
	attrRe  = regexp.MustCompile(`([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:="([^"]*)")?`)
)

func attrs(s string) map[string]string {
	out := map[string]string{}
	for _, m := range attrRe.FindAllStringSubmatch(s, -1) {
		out[strings.ToLower(m[1])] = html.UnescapeString(m[2])
	}
	return out
}

// postForms extracts the POST forms of a page rendered by our templates
// (double-quoted attributes throughout).
func postForms(page string) []htmlForm {
	var out []htmlForm
	for _, m := range formRe.FindAllStringSubmatch(page, -1) {
		fa := attrs(m[1])
		if !strings.EqualFold(fa["method"], "post") || fa["action"] == "" {
			continue
		}
		f := htmlForm{action: fa["action"]}
		for _, fm := range fieldRe.FindAllStringSubmatch(m[2], -1) {
			a := attrs(fm[2])
			if a["name"] == "" {
				continue
			}
			kind := fm[1]
			if kind == "input" {
				kind = a["type"]
				if kind == "" {
					kind = "text"
				}
			}
			f.fields = append(f.fields, formField{name: a["name"], kind: kind, value: a["value"]})
		}
		out = append(out, f)
	}
	return out
}

// fill sets every free-text field to payload and keeps hidden values,
// ticks checkboxes and presses the first button with a value.
func (f htmlForm) fill(payload string) url.Values {
	v := url.Values{}
	pressed := false
	for _, fd := range f.fields {
		switch fd.kind {
		case "hidden":
			v.Set(fd.name, fd.value)
		case "checkbox", "radio":
			v.Set(fd.name, cmpOr(fd.value, "1"))
		case "button", "submit":
			if !pressed && fd.value != "" {
				v.Set(fd.name, fd.value)
				pressed = true
			}
		case "select":
			v.Set(fd.name, payload)
		case "file":
		default: // text, email, password, search, textarea, number...
			v.Set(fd.name, payload)
		}
	}
	return v
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// unsafeForm reports forms that would end the crawl's session or delete
// what it planted.
func unsafeForm(action string) bool {
	return action == "/signout" || strings.HasSuffix(action, "/delete")
}

// TestXSSInEveryRenderedField plants script payloads in every field of every
// form the signed-in pages offer (found by crawling the UI's route table,
// so forms added later are covered), in the query strings of every page,
// in the API's stored fields (batch note ids) and in an upload's file name;
// then it reads every page, full and as htmx fragments, and finds no
// payload unescaped. It also checks that the plants took: the escaped
// payload shows on the pages that display the fields.
func TestXSSInEveryRenderedField(t *testing.T) { eachBackend(t, testXSSInEveryRenderedField) }

func testXSSInEveryRenderedField(t *testing.T, db backend) {
	s := start(t, db, nil)
	ctx := context.Background()
	m := s.newMember(t, "xss")
	// A site administrator: the notices and support pages are crawled too.
	if _, err := s.Accounts.SetSiteAdmin(ctx, m.user.Email, true); err != nil {
		t.Fatal(err)
	}
	b := m.web
	id := b.analyze("cough and hypertension", true)
	c := client.New(s.URL())
	c.Token = m.token
	clinic := s.hostileOrg(t, m)
	var batchIDs []string
	for _, p := range xssPayloads {
		bt, err := c.SendBatch(ctx, strings.NewReader(`{"id":`+jsonString(p)+`,"note":"cough","no_phi_attested":true}`+"\n"+
			`{"id":`+jsonString(p+"-bad")+`,"note":"call 555-123-4567","no_phi_attested":true}`+"\n"), "sync", nil)
		if err != nil {
			t.Fatal(err)
		}
		batchIDs = append(batchIDs, bt.ID)
	}

	// The pages a signed-in user can open, ids filled with their own (in
	// the organization's workspace, with targets made for the route).
	var pages []string
	for _, p := range s.Patterns() {
		method, path, _ := strings.Cut(p, " ")
		if method != http.MethodGet || strings.HasPrefix(path, "/api/") {
			continue
		}
		switch {
		case orgRoutes[p] != nil:
			pages = append(pages, orgRoutes[p](clinic).path)
		case strings.Contains(path, "/batches/"):
			for _, bid := range batchIDs {
				_, target := fillRoute(p, 0, bid)
				pages = append(pages, target)
			}
		default:
			_, target := fillRoute(p, 0, id)
			pages = append(pages, target)
		}
	}

	// Plant: every form found on every page, once per payload.
	submitted := map[string]bool{}
	for _, payload := range xssPayloads {
		for _, page := range pages {
			_, body := b.get(page)
			for _, f := range postForms(body) {
				if unsafeForm(f.action) {
					continue
				}
				values := f.fill(payload)
				if f.action == "/analyses" {
					values.Set("note", "cough "+payload)
					values.Set("attest", "1")
					values.Del("profile") // a payload profile is refused, and the preview would not be kept
				}
				status, resp := b.post(f.action, values)
				submitted[f.action] = true
				if status >= 500 {
					t.Errorf("POST %s with %q = %d", f.action, payload, status)
				}
				if m := xssRaw.FindString(resp); m != "" {
					t.Errorf("POST %s with %q answers it unescaped: %q", f.action, payload, m)
				}
			}
		}
		// A decision on a code that is the payload, and an upload named by it.
		status, resp := b.do(http.MethodPost, "/analyses/"+id+"/decisions", url.Values{"code": {payload}, "decision": {"accepted"}}, true)
		if status >= 500 || xssRaw.MatchString(resp) {
			t.Errorf("decision on code %q: %d, unescaped: %v", payload, status, xssRaw.FindString(resp))
		}
		status, resp = s.upload(t, b, payload+".txt", "cough")
		if status >= 500 || xssRaw.MatchString(resp) {
			t.Errorf("upload named %q: %d, unescaped: %v", payload, status, xssRaw.FindString(resp))
		}
	}
	for _, want := range []string{"/profile", "/analyses", "/profile/password", "/orgs", clinic.base() + "/rules", clinic.base() + "/invites",
		"/support", "/admin/notices"} {
		if !submitted[want] {
			t.Errorf("the crawl never found the form of %s: %v", want, submitted)
		}
	}

	// Read: every page, full and as a fragment, plain and with every query
	// parameter the UI reads set to each payload.
	checked := 0
	for _, page := range pages {
		for _, payload := range append([]string{""}, xssPayloads...) {
			target := page
			if payload != "" {
				q := url.Values{}
				for _, name := range []string{"code", "q", "page", "next", "token", "id", "error"} {
					q.Set(name, payload)
				}
				target += "?" + q.Encode()
			}
			for _, htmx := range []bool{false, true} {
				status, body := b.do(http.MethodGet, target, nil, htmx)
				checked++
				if status >= 500 {
					t.Errorf("GET %s = %d", target, status)
				}
				if m := xssRaw.FindString(body); m != "" {
					t.Errorf("GET %s (htmx %v) shows a payload unescaped: %q", target, htmx, m)
				}
			}
		}
	}
	// The plants reached the pages, escaped: otherwise the walk proves nothing.
	_, profile := b.get("/profile")
	_, history := b.get("/history")
	_, batch := b.get("/batches/" + batchIDs[0] + "/results")
	_, orgs := b.get("/orgs")
	_, members := b.get(clinic.base() + "/members")
	_, support := b.get("/support")
	_, notices := b.get("/admin/notices")
	for what, page := range map[string]string{"profile": profile, "history preview": history, "batch note ids": batch,
		"organization names": orgs, "invited emails": members, "support subjects": support, "service notices": notices} {
		if !containsEscapedPayload(page) {
			t.Errorf("%s does not show a planted payload, escaped: the walk proves nothing for it", what)
		}
	}
	t.Logf("%d forms planted, %d page reads checked", len(submitted), checked)
}

// containsEscapedPayload finds a payload escaped for HTML or JSON.
func containsEscapedPayload(page string) bool {
	for _, p := range xssPayloads {
		if strings.Contains(page, html.EscapeString(p)) || strings.Contains(page, strings.Trim(jsonString(p), `"`)) {
			return true
		}
	}
	return false
}

// upload posts the analyze form with a file as a browser without
// JavaScript does.
func (s *testServer) upload(t *testing.T, b *browser, name, content string) (int, string) {
	t.Helper()
	body, contentType := multipartNote(t, name, content)
	req, _ := http.NewRequest(http.MethodPost, s.URL()+"/analyses", body)
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("HX-Request", "true")
	return doRead(t, b.http, req)
}

// TestAppJSUsesNoHTMLSinks: the note is drawn in the browser from the
// textarea, so the script that draws it must build text nodes only.
func TestAppJSUsesNoHTMLSinks(t *testing.T) {
	js, err := os.ReadFile(filepath.Join("..", "web", "static", "app.js"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(js), "textContent") {
		t.Fatal("app.js no longer sets textContent: the check below proves nothing")
	}
	for _, sink := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", "setAttribute(\"href\"", "srcdoc"} {
		if strings.Contains(string(js), sink) {
			t.Errorf("app.js uses %s", sink)
		}
	}
}

// TestBrowserDrawsHostileNoteAsText analyzes, in Chromium, a note made of
// markup whose evidence spans cut through the tags: the browser-drawn note
// view holds text only, no element from the note, and no script ran.
func TestBrowserDrawsHostileNoteAsText(t *testing.T) {
	exe := chromium(t)
	s := start(t, sqliteBackend, nil)
	note := `Cough <img src=x onerror="window.__xss=1"> and <script>window.__xss=2</script> hypertension ` +
		`<a href="javascript:window.__xss=3">type 2 diabetes</a> <iframe srcdoc="<script>parent.__xss=4</script>"></iframe> cough`
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), chromedp.ExecPath(exe), chromedp.Headless,
		chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.UserDataDir(t.TempDir()))
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(allocCtx)
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	defer cancelTimeout()
	err := chromedp.Do(ctx,
		chromedp.Navigate(s.URL()+"/signup"),
		fillSignUp(newEmail("xss-browser")),
		chromedp.WaitVisible(chromedp.ID("note")),
		chromedp.SetValue(chromedp.ID("note"), note),
		chromedp.Click(chromedp.CSS(`input[name="attest"]`)),
		chromedp.Click(chromedp.CSS(`#analyze-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".result .note-text a.ev")),
	)
	if err != nil {
		t.Fatalf("analyze in the browser: %v", err)
	}
	type view struct {
		Text     string `json:"text"`
		Elements int    `json:"elements"` // elements in the note view other than evidence marks
		Marks    int    `json:"marks"`
		XSS      any    `json:"xss"`
		Foreign  int    `json:"foreign"` // img, script and iframe elements anywhere in the page
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[view](`(() => {
		const v = document.querySelector(".result .note-text");
		return {text: v.textContent, elements: v.querySelectorAll(":not(a.ev)").length,
			marks: v.querySelectorAll("a.ev").length, xss: window.__xss === undefined ? null : window.__xss,
			foreign: document.querySelectorAll("img:not([src^='data:']), script:not([src]), iframe").length};
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	if got.Text != note {
		t.Errorf("note view text %q, want the note verbatim", got.Text)
	}
	if got.Marks < 3 || got.Elements != 0 || got.Foreign != 0 || got.XSS != nil {
		t.Errorf("note view: %d marks, %d other elements, %d foreign elements in the page, window.__xss = %v", got.Marks, got.Elements, got.Foreign, got.XSS)
	}
}
