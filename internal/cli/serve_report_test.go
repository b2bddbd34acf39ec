package cli

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/medcode/medcode/internal/api/client"
	"github.com/medcode/medcode/internal/datadir"
)

// TestServedReportFindsThePlanted runs `medcode serve` with the real
// engine, uploads a `medcode demo-data` set through the API as a clinic
// would, and checks that the report the background job builds finds
// every planted under- and over-coded visit and denied line, and nothing
// else of those kinds: the server's wiring (its coder re-codes the notes,
// its code sets price them) is the CLI's.
func TestServedReportFindsThePlanted(t *testing.T) {
	if _, err := datadir.Resolve(); err != nil {
		t.Skipf("code sets not installed: %v", err)
	}
	demo := t.TempDir()
	if code, _, stderr := runCLI(t, "", "demo-data", "--out", demo, "--claims", "400"); code != 0 {
		t.Fatalf("demo-data: %d %s", code, stderr)
	}

	ctx, cancel := context.WithCancel(context.Background())
	addr := freeAddr(t)
	logs := &lockedBuffer{}
	served := make(chan error, 1)
	go func() {
		served <- runServe(ctx, &Env{Stdout: io.Discard, Stderr: logs},
			[]string{"--addr", addr, "--db", filepath.Join(t.TempDir(), "m.db")})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	base := "http://" + addr
	waitReady(t, base, served, logs)

	c := client.New(base)
	email, password := "clinic@example.org", "correct horse battery staple"
	if err := c.SignUp(ctx, email, password); err != nil {
		t.Fatal(err)
	}
	if err := c.Login(ctx, email, password, ""); err != nil {
		t.Fatal(err)
	}
	body, contentType := demoUpload(t, demo)
	var created struct{ ID string }
	if status := call(t, c, http.MethodPost, "/api/v1/reports", contentType, body, &created); status != http.StatusAccepted {
		t.Fatalf("upload: %d", status)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var rep struct{ Status, Error string }
		call(t, c, http.MethodGet, "/api/v1/reports/"+created.ID, "", nil, &rep)
		if rep.Status == "done" {
			break
		}
		if rep.Status == "failed" || time.Now().After(deadline) {
			t.Fatalf("report %s: %s %s", created.ID, rep.Status, rep.Error)
		}
		time.Sleep(200 * time.Millisecond)
	}
	var findings bytes.Buffer
	if status := call(t, c, http.MethodGet, "/api/v1/reports/"+created.ID+"/findings.csv", "", nil, &findings); status != http.StatusOK {
		t.Fatalf("findings CSV: %d", status)
	}

	planted := readCSV(t, mustRead(t, filepath.Join(demo, "planted.csv")))
	found := readCSV(t, findings.Bytes())
	kinds := []struct {
		name    string
		planted func(row map[string]string) bool
		found   func(row map[string]string) bool
		key     func(row map[string]string) string
	}{
		{"under-coded visits",
			func(r map[string]string) bool { return r["kind"] == "under-billed" || r["kind"] == "under-time" },
			func(r map[string]string) bool { return r["analysis"] == "coding" && r["category"] == "under-coded" },
			func(r map[string]string) string { return r["claim_id"] }},
		{"over-coded visits",
			func(r map[string]string) bool { return r["kind"] == "over" },
			func(r map[string]string) bool { return r["analysis"] == "coding" && r["category"] == "over-coded" },
			func(r map[string]string) string { return r["claim_id"] }},
		{"denied lines",
			func(r map[string]string) bool { return r["kind"] == "denial" },
			func(r map[string]string) bool { return r["analysis"] == "denial" },
			func(r map[string]string) string { return r["claim_id"] + " line " + r["line"] }},
	}
	for _, k := range kinds {
		want, got := keys(planted, k.planted, k.key), keys(found, k.found, k.key)
		if len(want) == 0 {
			t.Fatalf("%s: none planted in the demo data", k.name)
		}
		var missing, extra []string
		for key := range want {
			if !got[key] {
				missing = append(missing, key)
			}
		}
		for key := range got {
			if !want[key] {
				extra = append(extra, key)
			}
		}
		if len(missing)+len(extra) > 0 {
			t.Errorf("%s: %d planted, %d found; missed %.5v; found but not planted %.5v", k.name, len(want), len(got), missing, extra)
		}
	}
}

// waitReady waits until the server answers /readyz.
func waitReady(t *testing.T, base string, served <-chan error, logs *lockedBuffer) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		if resp, err := http.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case err := <-served:
			t.Fatalf("serve stopped: %v\n%s", err, logs.String())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server did not start:\n%s", logs.String())
		}
	}
}

// demoUpload is the free analysis's multipart upload of a demo-data set:
// its claims, remittances and notes (zipped), attested free of PHI.
func demoUpload(t *testing.T, dir string) ([]byte, string) {
	t.Helper()
	var notes bytes.Buffer
	zw := zip.NewWriter(&notes)
	entries, err := os.ReadDir(filepath.Join(dir, "notes"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		w, err := zw.Create(e.Name())
		if err != nil {
			t.Fatal(err)
		}
		w.Write(mustRead(t, filepath.Join(dir, "notes", e.Name())))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, f := range []struct {
		field, name string
		data        []byte
	}{
		{"claims", "claims.csv", mustRead(t, filepath.Join(dir, "claims.csv"))},
		{"remits", "remits.835", mustRead(t, filepath.Join(dir, "remits.835"))},
		{"notes", "notes.zip", notes.Bytes()},
	} {
		w, err := mw.CreateFormFile(f.field, f.name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(f.data)
	}
	if err := mw.WriteField("attest", "true"); err != nil {
		t.Fatal(err)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return body.Bytes(), mw.FormDataContentType()
}

// call sends an authenticated request and decodes a JSON answer into out,
// or copies it when out is a buffer; it returns the status.
func call(t *testing.T, c *client.Client, method, path, contentType string, body []byte, out any) int {
	t.Helper()
	req, err := http.NewRequest(method, c.BaseURL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode >= 300 {
		t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	if buf, ok := out.(*bytes.Buffer); ok {
		buf.Write(b)
	} else if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("%s %s: %v in %.200s", method, path, err, b)
	}
	return resp.StatusCode
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// readCSV reads a CSV with a header row into one map per row.
func readCSV(t *testing.T, data []byte) []map[string]string {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil || len(rows) == 0 {
		t.Fatalf("CSV: %d rows, %v", len(rows), err)
	}
	out := make([]map[string]string, 0, len(rows)-1)
	for _, r := range rows[1:] {
		m := map[string]string{}
		for i, name := range rows[0] {
			m[name] = r[i]
		}
		out = append(out, m)
	}
	return out
}

func keys(rows []map[string]string, keep func(map[string]string) bool, key func(map[string]string) string) map[string]bool {
	out := map[string]bool{}
	for _, r := range rows {
		if keep(r) {
			out[key(r)] = true
		}
	}
	return out
}
