package codeset

import (
	"archive/zip"
	"bytes"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzStageFile stages a downloaded file or zip archive whose name and
// entry names come from outside (a URL's last segment, the archive's
// directory): whatever they are, every staged destination stays inside
// the --into directory (no "zip slip").
func FuzzStageFile(f *testing.F) {
	f.Add("release.zip", "tabular.xml\nsub/index.xml", []byte("<x/>"))
	f.Add("..", "", []byte("x")) // a download URL ending in "/.." once staged the file at --into's parent
	f.Add("r.zip", "../../etc/passwd\n/abs\nok/../../up\n.", []byte("x"))
	f.Add("r.ZIP", "a\\..\\..\\b\nc/./d", []byte{})
	const into = "icd10cm/fy2099"
	f.Fuzz(func(t *testing.T, name, entries string, content []byte) {
		dir := t.TempDir()
		file := filepath.Join(dir, "download")
		data := content
		if strings.EqualFold(path.Ext(name), ".zip") {
			var buf bytes.Buffer
			zw := zip.NewWriter(&buf)
			for _, e := range strings.Split(entries, "\n") {
				w, err := zw.Create(e)
				if err != nil {
					return
				}
				w.Write(content)
			}
			if zw.Close() != nil {
				return
			}
			data = buf.Bytes()
		}
		if err := os.WriteFile(file, data, 0o600); err != nil {
			t.Fatal(err)
		}
		staging := filepath.Join(dir, "staging")
		if err := os.Mkdir(staging, 0o700); err != nil {
			t.Fatal(err)
		}
		files, _, err := stageFile(staging, into, file, name, InstallOptions{SHA256: sum(data)})
		if err != nil {
			return
		}
		for _, s := range files {
			if !strings.HasPrefix(s.rel, into+"/") || path.Clean(s.rel) != s.rel {
				t.Fatalf("name %q, entries %q: staged at %q, outside %s", name, entries, s.rel, into)
			}
		}
	})
}
