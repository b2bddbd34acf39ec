package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/medcode/medcode/internal/api/client"
)

func analyzeReq(note string) client.AnalyzeRequest {
	return client.AnalyzeRequest{Note: note, NoPHIAttested: true}
}

func TestProbesMetricsAndHeaders(t *testing.T) { eachBackend(t, testProbesMetricsAndHeaders) }

func testProbesMetricsAndHeaders(t *testing.T, db backend) {
	s := start(t, db, nil)
	for _, sc := range []scenario{
		{name: "healthz", method: "GET", path: "/healthz", wantStatus: 200, want: []string{"ok"}},
		{name: "readyz", method: "GET", path: "/readyz", wantStatus: 200, want: []string{"ready"}},
		{name: "landing", method: "GET", path: "/", wantStatus: 200, want: []string{"<!doctype html>", "/static/htmx.min.js?v="}},
		{name: "metrics", method: "GET", path: "/metrics", wantStatus: 200, want: []string{"medcode_http_request_duration_seconds", `route="GET /healthz"`, "go_goroutines"}},
		{name: "static", method: "GET", path: "/static/htmx.min.js", wantStatus: 200, want: []string{"htmx 2.0.11"}},
		{name: "no static listing", method: "GET", path: "/static/", wantStatus: 404},
		{name: "no vendor note", method: "GET", path: "/static/htmx.md", wantStatus: 404},
		{name: "unknown page", method: "GET", path: "/nothing-here", wantStatus: 404},
	} {
		t.Run(sc.name, func(t *testing.T) { s.run(t, sc) })
	}
	resp, err := http.Get(s.URL() + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for h, want := range map[string]string{
		"Content-Security-Policy": "script-src 'self'",
		"X-Content-Type-Options":  "nosniff",
		"X-Frame-Options":         "DENY",
		"Referrer-Policy":         "no-referrer",
	} {
		if got := resp.Header.Get(h); !strings.Contains(got, want) {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if strings.Contains(resp.Header.Get("Content-Security-Policy"), "unsafe") {
		t.Error("CSP allows unsafe sources")
	}
	if resp.Header.Get("Strict-Transport-Security") != "" {
		t.Error("HSTS sent over plain HTTP")
	}
}
