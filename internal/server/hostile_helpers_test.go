package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// jsonString quotes s as a JSON string.
func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// multipartNote is the analyze form with the note as an uploaded file.
func multipartNote(t testing.TB, name, content string) (io.Reader, string) {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	w.WriteField("note", "")
	w.WriteField("attest", "1")
	fw, err := w.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write([]byte(content))
	w.Close()
	return &body, w.FormDataContentType()
}

// doRead sends req and returns the status and body.
func doRead(t testing.TB, c *http.Client, req *http.Request) (int, string) {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// serverError reports a failure of the server itself: 500 and the gateway
// errors. 503 is the honest answer of a feature the server has not
// configured (email), not a failure.
func serverError(status int) bool {
	return status >= 500 && status != http.StatusServiceUnavailable
}

// routeParam matches a path parameter of a route pattern.
var routeParam = regexp.MustCompile(`\{[a-z]+\}`)

// fillRoute turns a route pattern into a method and path: {org} becomes
// orgID (when not 0) and every other parameter param, path-escaped.
func fillRoute(pattern string, orgID int64, param string) (string, string) {
	method, path, _ := strings.Cut(pattern, " ")
	path = strings.TrimSuffix(path, "{$}")
	path = routeParam.ReplaceAllStringFunc(path, func(p string) string {
		if p == "{org}" && orgID != 0 {
			return strconv.FormatInt(orgID, 10)
		}
		return url.PathEscape(param)
	})
	return method, path
}

// hostileOrg makes m the owner of a new organization for the hostile walks.
func (s *testServer) hostileOrg(t testing.TB, m *member) *orgCase {
	t.Helper()
	return s.newOrgCase(t, m, nil)
}
