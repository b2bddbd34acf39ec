package server_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// fuzzSettings keep limits out of the fuzzer's way: quotas and per-address
// limits would turn most inputs into the same 429.
var fuzzSettings = map[string]string{
	"MEDCODE_LOG_LEVEL":       "error",
	"MEDCODE_LIMIT_FREE":      "0",
	"MEDCODE_IP_ATTEMPTS":     "1048576",
	"MEDCODE_BATCH_MAX_NOTES": "20",
	"MEDCODE_MAX_NOTE_BYTES":  "4096",
}

// reflected is planted in fuzz seeds; a response may never carry it
// unescaped (HTML escaping and encoding/json both turn '<' into an entity
// or \u003c), so finding it is a reflected-XSS finding.
const reflected = "<fz>"

// fuzzRoutes lists the patterns of the server's routes under or outside
// /api/, leaving out those that end the fuzzing user's session, account or
// organization.
func fuzzRoutes(s *testServer, api bool) []string {
	skip := map[string]bool{"POST /signout": true, "DELETE /api/v1/account": true, "POST /account/delete": true,
		"DELETE /api/v1/orgs/{org}": true, "POST /orgs/{org}/delete": true}
	var out []string
	for _, p := range s.Patterns() {
		_, path, _ := strings.Cut(p, " ")
		if !skip[p] && strings.HasPrefix(path, "/api/") == api {
			out = append(out, p)
		}
	}
	return out
}

// fuzzTarget fills a route with the fuzzing user's organization and the
// fuzzed parameter, and appends the query.
func fuzzTarget(pattern string, orgID int64, param, query string) (string, string) {
	if param == "" {
		param = "x"
	}
	method, path := fillRoute(pattern, orgID, param)
	if query != "" {
		path += "?" + query
	}
	return method, path
}

// checkFuzzResponse holds for every answer: no server error (a panic or an
// unexpected failure), no unescaped input in anything a browser renders,
// and well-formed JSON where JSON is announced.
func checkFuzzResponse(t *testing.T, req string, input []byte, resp *http.Response, body []byte) {
	t.Helper()
	if serverError(resp.StatusCode) {
		t.Fatalf("%s = %d\n%s", req, resp.StatusCode, body)
	}
	ct := resp.Header.Get("Content-Type")
	// Input may come back as it is only in a file no browser renders as a
	// page: a CSV export (a stored preview) or a saved rule file (YAML),
	// served with nosniff. HTML and JSON never hold it unescaped.
	page := ct == "" || strings.HasPrefix(ct, "text/html") || strings.Contains(ct, "json") ||
		resp.Header.Get("X-Content-Type-Options") != "nosniff"
	if page && bytes.Contains(input, []byte(reflected)) && bytes.Contains(body, []byte(reflected)) {
		t.Fatalf("%s reflects %q unescaped:\n%s", req, reflected, body)
	}
	switch {
	case strings.HasPrefix(ct, "application/x-ndjson"):
		for _, line := range bytes.Split(bytes.TrimSpace(body), []byte("\n")) {
			if len(line) > 0 && !json.Valid(line) {
				t.Fatalf("%s: NDJSON line is not JSON: %s", req, line)
			}
		}
	case strings.Contains(ct, "json"):
		if !json.Valid(body) {
			t.Fatalf("%s: %s body is not JSON: %s", req, ct, body)
		}
	}
}

// FuzzAPIRoutes sends fuzzed bodies, path parameters and query strings to
// every route of the JSON API (walked from the route table, so routes added
// later are fuzzed too) as a signed-in client.
func FuzzAPIRoutes(f *testing.F) {
	s := start(f, sqliteBackend, fuzzSettings)
	m := s.newMember(f, "fuzz-api")
	orgID := s.hostileOrg(f, m).owner.Org.ID
	token := m.token
	routes := fuzzRoutes(s, true)
	doc := `{"resourceType":"DocumentReference","status":"current","content":[{"attachment":{"contentType":"text/plain","data":"` +
		base64.StdEncoding.EncodeToString([]byte("Cough. "+reflected)) + `"}}]}`
	bodies := []string{
		`{}`,
		`{"email":"fz-` + reflected + `@example.org","password":"` + password + `"}`,
		`{"note":"cough ` + reflected + `","no_phi_attested":true,"profile":"abstract","save_preview":true}`,
		`{"id":"` + reflected + `","note":"cough","no_phi_attested":true}` + "\n" + `{"note":1}` + "\n",
		doc,
		`{"resourceType":"Bundle","type":"batch","entry":[{"resource":` + doc + `},{"resource":{"resourceType":"Patient"}}]}`,
		`{"role":"biller","email":"x@example.org","document":"BAA-` + reflected + `","days":30,"note_days":0}`,
		`{"code":"R05.9","decision":"changed","to":"E16.2","key":"prefer:R05.9:E16.2","confirm_name":"x"}`,
		"suppress:\n  - code: R05.9\nsynonyms:\n  - phrase: \"" + reflected + "\"\n    code: I10\n",
	}
	for i := range routes {
		for _, b := range bodies {
			f.Add(uint8(i), reflected, "page=2&per_page=1&code="+url.QueryEscape(reflected)+"&mode=async", []byte(b))
		}
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	f.Fuzz(func(t *testing.T, route uint8, param, query string, body []byte) {
		method, target := fuzzTarget(routes[int(route)%len(routes)], orgID, param, query)
		req, err := http.NewRequest(method, s.URL()+target, bytes.NewReader(body))
		if err != nil {
			return // not a URL any client could send
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, target, err)
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		input := append([]byte(param+query), body...)
		checkFuzzResponse(t, method+" "+target, input, resp, out)
	})
}

// Flags of a FuzzWebRoutes input.
const (
	asMultipart = 1 << iota // send the form as multipart/form-data with a file part
	asHTMX                  // send it as htmx does
)

// FuzzWebRoutes sends fuzzed forms (URL-encoded, or multipart with a file)
// to every UI route as a signed-in browser of the same origin, plain or as
// htmx.
func FuzzWebRoutes(f *testing.F) {
	s := start(f, sqliteBackend, fuzzSettings)
	m := s.newMember(f, "fuzz-web")
	orgID := s.hostileOrg(f, m).owner.Org.ID
	b := m.web
	routes := fuzzRoutes(s, false)
	forms := []string{
		"",
		"note=cough+" + url.QueryEscape(reflected) + "&attest=1&profile=abstract&save_preview=1",
		"display_name=" + url.QueryEscape(reflected) + "&organization=" + url.QueryEscape(reflected) + "&role=x",
		"email=" + url.QueryEscape(reflected) + "&password=x&next=" + url.QueryEscape("//evil.example/"+reflected),
		"code=I10&decision=accepted",
		"token=" + url.QueryEscape(reflected) + "&code=123456&sealed=AAAA",
		"name=" + url.QueryEscape(reflected) + "&email=a%40example.org&role=viewer&document=" + url.QueryEscape(reflected) + "&days=30&note_days=7",
		"source=" + url.QueryEscape("prefer:\n  - from: R05.9\n    to: \""+reflected+"\"\n") + "&key=prefer%3AR05.9%3AE16.2",
	}
	for i := range routes {
		for _, form := range forms {
			f.Add(uint8(i), reflected, "q="+url.QueryEscape(reflected)+"&page=2&next=/history", form, uint8(0), "note.txt")
			f.Add(uint8(i), reflected, "", form, uint8(asHTMX), "note.txt")
		}
		f.Add(uint8(i), "x", "", "attest=1", uint8(asMultipart|asHTMX), reflected+".txt")
	}
	// Redirects are followed only on this server: one elsewhere is an open
	// redirect.
	hc := *b.http
	hc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if req.URL.Host != via[0].URL.Host {
			return fmt.Errorf("open redirect to %s", req.URL)
		}
		return nil
	}
	f.Fuzz(func(t *testing.T, route uint8, param, query, form string, flags uint8, filename string) {
		method, target := fuzzTarget(routes[int(route)%len(routes)], orgID, param, query)
		var body io.Reader
		contentType := "application/x-www-form-urlencoded"
		if method != http.MethodGet {
			body = strings.NewReader(form)
			if flags&asMultipart != 0 {
				var buf bytes.Buffer
				mw := multipart.NewWriter(&buf)
				values, _ := url.ParseQuery(form)
				for k, vs := range values {
					for _, v := range vs {
						mw.WriteField(k, v)
					}
				}
				fw, err := mw.CreateFormFile("file", filename)
				if err != nil {
					return
				}
				fw.Write([]byte(form))
				mw.Close()
				body, contentType = &buf, mw.FormDataContentType()
			}
		}
		req, err := http.NewRequest(method, s.URL()+target, body)
		if err != nil {
			return
		}
		if body != nil {
			req.Header.Set("Content-Type", contentType)
		}
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		if flags&asHTMX != 0 {
			req.Header.Set("HX-Request", "true")
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, target, err)
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		input := []byte(param + query + form + filename)
		checkFuzzResponse(t, method+" "+target, input, resp, out)
	})
}
