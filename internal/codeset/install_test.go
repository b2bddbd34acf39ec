package codeset

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

func sum(data []byte) string {
	s := sha256.Sum256(data)
	return hex.EncodeToString(s[:])
}

// bundle turns a fixture data directory into an installable bundle: the
// same files with a SHA256SUMS listing.
func bundle(t *testing.T) string {
	t.Helper()
	dir := fixtureDataDir(t)
	var lines []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		lines = append(lines, sum(data)+"  "+filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(lines)
	if err := os.WriteFile(filepath.Join(dir, sumsFile), []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func readLog(t *testing.T, dataDir string) []InstallRecord {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dataDir, InstalledLog))
	if err != nil {
		t.Fatal(err)
	}
	var log []InstallRecord
	if err := json.Unmarshal(data, &log); err != nil {
		t.Fatal(err)
	}
	return log
}

func TestInstallDirectory(t *testing.T) {
	src, data := bundle(t), t.TempDir()
	rec, err := Install(context.Background(), data, InstallOptions{From: src})
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Files) != 17 {
		t.Errorf("installed %d files", len(rec.Files))
	}
	s, err := OpenWith(data, Options{NoSnapshot: true})
	if err != nil || len(s.Releases()) != 3 {
		t.Fatalf("installed data directory: %v", err)
	}
	again, err := Install(context.Background(), data, InstallOptions{From: src})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range again.Files {
		if !f.Unchanged {
			t.Errorf("%s reinstalled although unchanged", f.Path)
		}
	}
	if log := readLog(t, data); len(log) != 2 || log[0].Source != src {
		t.Errorf("installed.json: %+v", log)
	}
}

func TestInstallRejectsBadSums(t *testing.T) {
	tests := map[string]func(sums string) string{
		"wrong checksum": func(s string) string {
			if s[0] == '0' {
				return "1" + s[1:]
			}
			return "0" + s[1:]
		},
		"outside":        func(s string) string { return s + strings.Repeat("0", 64) + "  ../escape.xml\n" },
		"malformed line": func(s string) string { return s + "not a checksum line\n" },
		"missing file":   func(s string) string { return s + strings.Repeat("0", 64) + "  icd10cm/fy2099/absent.xml\n" },
	}
	for name, edit := range tests {
		src, data := bundle(t), t.TempDir()
		sums, err := os.ReadFile(filepath.Join(src, sumsFile))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(src, sumsFile), []byte(edit(string(sums))), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := Install(context.Background(), data, InstallOptions{From: src}); err == nil {
			t.Errorf("%s: installed", name)
		}
		if entries, _ := os.ReadDir(data); len(entries) != 0 {
			t.Errorf("%s: data directory not left as it was: %d entries", name, len(entries))
		}
	}
	if _, err := Install(context.Background(), t.TempDir(), InstallOptions{From: t.TempDir()}); err == nil || !strings.Contains(err.Error(), sumsFile) {
		t.Errorf("directory without %s: %v", sumsFile, err)
	}
}

// zipOf builds a zip archive of the icd package's fixture files.
func zipOf(t *testing.T, names ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range names {
		data, err := os.ReadFile(filepath.Join("icd", "testdata", n))
		if err != nil {
			t.Fatal(err)
		}
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestInstallArchiveAndFile(t *testing.T) {
	data := t.TempDir()
	archive := filepath.Join(t.TempDir(), "release.zip")
	content := zipOf(t, "tabular.xml", "index.xml")
	if err := os.WriteFile(archive, content, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := Install(ctx, data, InstallOptions{From: archive, Into: "icd10cm/fy2099"}); err == nil || !strings.Contains(err.Error(), "--sha256") {
		t.Errorf("archive without checksum: %v", err)
	}
	if _, err := Install(ctx, data, InstallOptions{From: archive, SHA256: sum(content)}); err == nil || !strings.Contains(err.Error(), "--into") {
		t.Errorf("archive without destination: %v", err)
	}
	if _, err := Install(ctx, data, InstallOptions{From: archive, Into: "icd10cm/fy2099", SHA256: sum([]byte("other"))}); err == nil || !strings.Contains(err.Error(), "checksum") {
		t.Errorf("archive with a wrong checksum: %v", err)
	}
	if _, err := Install(ctx, data, InstallOptions{From: archive, Into: "../outside", SHA256: sum(content)}); err == nil {
		t.Error("installed outside the data directory")
	}
	rec, err := Install(ctx, data, InstallOptions{From: archive, Into: "icd10cm/fy2099", SHA256: sum(content)})
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Files) != 2 || rec.Files[0].Path != "icd10cm/fy2099/tabular.xml" || rec.SHA256 != sum(content) {
		t.Errorf("record %+v", rec)
	}
	anweb, err := os.ReadFile("hcpcs/testdata/fixture-anweb-layout.csv")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "anweb.csv")
	if err := os.WriteFile(file, anweb, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Install(ctx, data, InstallOptions{From: file, Into: "hcpcs/2099-01", SHA256: sum(anweb)}); err != nil {
		t.Fatal(err)
	}
	s, err := OpenWith(data, Options{NoSnapshot: true})
	if err != nil || s.Latest().HCPCS == nil || s.Latest().Index == nil {
		t.Fatalf("after install: %v", err)
	}
}

func TestInstallConflictAndForce(t *testing.T) {
	data := t.TempDir()
	ctx := context.Background()
	first := zipOf(t, "tabular.xml")
	install := func(content []byte, force bool) error {
		archive := filepath.Join(t.TempDir(), "r.zip")
		if err := os.WriteFile(archive, content, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Install(ctx, data, InstallOptions{From: archive, Into: "icd10cm/fy2099", SHA256: sum(content), Force: force})
		return err
	}
	if err := install(first, false); err != nil {
		t.Fatal(err)
	}
	// Same name, other content: the order fixture is not a tabular, so
	// renaming it makes a conflicting "tabular.xml".
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("tabular.xml")
	w.Write([]byte("<ICD10CM.tabular><chapter><name>1</name><section id=\"A00-A09\"><diag><name>A00</name><desc>x</desc></diag></section></chapter></ICD10CM.tabular>"))
	zw.Close()
	if err := install(buf.Bytes(), false); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Errorf("conflict: %v", err)
	}
	if err := install(buf.Bytes(), true); err != nil {
		t.Fatalf("forced: %v", err)
	}
	s, err := OpenWith(data, Options{NoSnapshot: true})
	if err != nil || s.Latest().ICD.NumDiag() != 1 {
		t.Fatalf("after the forced install: %v", err)
	}
	// A file that breaks the release is taken back out, restoring the
	// replaced one.
	var broken bytes.Buffer
	zw = zip.NewWriter(&broken)
	w, _ = zw.Create("tabular.xml")
	w.Write([]byte("<ICD10CM.tabular><chapter>"))
	zw.Close()
	if err := install(broken.Bytes(), true); err == nil || !strings.Contains(err.Error(), "does not load") {
		t.Errorf("broken release: %v", err)
	}
	s, err = OpenWith(data, Options{NoSnapshot: true})
	if err != nil || s.Latest().ICD.NumDiag() != 1 {
		t.Fatalf("the replaced file was not restored: %v", err)
	}
}

func TestInstallURL(t *testing.T) {
	content := zipOf(t, "tabular.xml")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/icd10cm-2099.zip" {
			http.NotFound(w, r)
			return
		}
		w.Write(content)
	}))
	defer srv.Close()
	data := t.TempDir()
	opts := InstallOptions{From: srv.URL + "/icd10cm-2099.zip", Into: "icd10cm/fy2099", SHA256: sum(content), Client: srv.Client()}
	rec, err := Install(context.Background(), data, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Files) != 1 || rec.Source != opts.From {
		t.Errorf("record %+v", rec)
	}
	opts.From = srv.URL + "/missing.zip"
	if _, err := Install(context.Background(), data, opts); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("missing download: %v", err)
	}
}

func FuzzParseSums(f *testing.F) {
	f.Add("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef  icd10cm/fy2025/a.xml\n# comment\n\n")
	f.Add("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef *../escape\n")
	f.Fuzz(func(t *testing.T, text string) {
		sums, err := parseSums(strings.NewReader(text), "SUMS")
		if err != nil {
			return
		}
		for _, s := range sums {
			if !isSHA256(s.sum) || strings.HasPrefix(s.path, "/") || s.path == ".." || strings.HasPrefix(s.path, "../") {
				t.Fatalf("accepted %+v", s)
			}
		}
	})
}
