package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"html/template"
	"strings"
	"testing"
)

func TestTemplatesParseAndEveryViewIsDeclared(t *testing.T) {
	tpl, err := parseTemplates()
	if err != nil {
		t.Fatal(err)
	}
	for view := range views {
		if !tpl.has(view, "layout") || !tpl.has(view, "content") {
			t.Errorf("view %s lacks layout or content", view)
		}
	}
}

func TestCheckCallsFindsMissingPartial(t *testing.T) {
	set := template.Must(template.New("x").Parse(`{{define "content"}}{{if .}}{{range .}}{{template "missing" .}}{{end}}{{end}}{{end}}`))
	if err := checkCalls(set); err == nil || !strings.Contains(err.Error(), `"missing"`) {
		t.Fatalf("checkCalls = %v", err)
	}
}

// TestVendoredHtmx checks the vendored file against the upstream hash noted
// in static/htmx.md.
func TestVendoredHtmx(t *testing.T) {
	b, err := staticFS.ReadFile("static/htmx.min.js")
	if err != nil {
		t.Fatal(err)
	}
	header, body, ok := bytes.Cut(b, []byte("\n"))
	if !ok || !bytes.Contains(header, []byte("htmx 2.0.11")) || !bytes.Contains(header, []byte("0BSD")) {
		t.Fatalf("license header missing: %q", header)
	}
	note, _ := staticFS.ReadFile("static/htmx.md")
	sum := sha256.Sum256(body)
	if !bytes.Contains(note, []byte(hex.EncodeToString(sum[:]))) {
		t.Fatalf("htmx.min.js (after its header) has sha256 %x, which static/htmx.md does not record", sum)
	}
}

func TestLocalPath(t *testing.T) {
	for in, want := range map[string]string{
		"/history":          "/history",
		"//evil.example":    "/fallback",
		"/\\evil.example":   "/fallback",
		"https://evil.test": "/fallback",
		"":                  "/fallback",
	} {
		if got := localPath(in, "/fallback"); got != want {
			t.Errorf("localPath(%q) = %q, want %q", in, got, want)
		}
	}
}
