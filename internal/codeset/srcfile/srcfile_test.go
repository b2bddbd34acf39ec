package srcfile

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/ulikunitz/xz"
)

func TestOpenPlainAndXZ(t *testing.T) {
	content := []byte(strings.Repeat("<ICD10CM.tabular/>\n", 1000))
	var compressed bytes.Buffer
	zw, err := xz.NewWriter(&compressed)
	if err != nil {
		t.Fatal(err)
	}
	zw.Write(content)
	zw.Close()
	dir := t.TempDir()
	for name, stored := range map[string][]byte{"plain.xml": content, "packed.xml.xz": compressed.Bytes(), "empty.txt": nil} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, stored, 0o644); err != nil {
			t.Fatal(err)
		}
		f, err := Open(path)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		// Read only part of the content: the checksum still covers the
		// whole stored file.
		head := make([]byte, 10)
		io.ReadFull(f, head)
		sum, err := f.SHA256()
		f.Close()
		want := sha256.Sum256(stored)
		if err != nil || sum != hex.EncodeToString(want[:]) {
			t.Errorf("%s: SHA256 = %s, %v", name, sum, err)
		}
		if direct, _ := SHA256(path); direct != sum {
			t.Errorf("%s: SHA256(path) = %s, File.SHA256 = %s", name, direct, sum)
		}
		f, _ = Open(path)
		got, _ := io.ReadAll(f)
		f.Close()
		if want := content; name != "empty.txt" && !bytes.Equal(got, want) {
			t.Errorf("%s: content differs", name)
		}
	}
	if LogicalName("/x/icd10cm_tabular_2021.xml.xz") != "icd10cm_tabular_2021.xml" {
		t.Error("LogicalName keeps the .xz suffix")
	}
	if _, err := Open(filepath.Join(dir, "absent")); err == nil {
		t.Error("opened an absent file")
	}
	if err := os.WriteFile(filepath.Join(dir, "bad.xz"), append([]byte{0xFD, '7', 'z', 'X', 'Z', 0}, 1, 2, 3), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(filepath.Join(dir, "bad.xz")); err == nil || !strings.Contains(err.Error(), "xz") {
		t.Errorf("corrupt xz: %v", err)
	}
}

func TestError(t *testing.T) {
	tests := map[string]*Error{
		"f.xml:12: <diag>: missing <name>": Errorf("f.xml", 12, "<diag>", "missing %s", "<name>"),
		"f.csv: no rows":                   Errorf("f.csv", 0, "", "no rows"),
		"f.csv:3: MOD: bad":                Errorf("f.csv", 3, "MOD", "bad"),
	}
	for want, err := range tests {
		if err.Error() != want {
			t.Errorf("Error() = %q, want %q", err.Error(), want)
		}
	}
}

func TestRecords(t *testing.T) {
	doc := "\ufeffTitle line, with a comma\n\nCODE,\"NAME\",VALUE\n A1 , x ,1\n\n\"B2\",\"y, z\",2\n"
	rs, err := ReadRecords(strings.NewReader(doc), "r.csv", ',', func(row []string) bool { return Cell(row, 0) == "CODE" })
	if err != nil {
		t.Fatal(err)
	}
	if rs.Line() != 3 || rs.Column(func(h string) bool { return h == "name" }) != 1 || rs.Column(func(string) bool { return false }) != -1 {
		t.Errorf("header at line %d: %q", rs.Line(), rs.Header)
	}
	var rows []string
	for {
		row, err := rs.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if Blank(row) {
			continue
		}
		rows = append(rows, strings.Join(row, "|")+"@"+string(rune('0'+rs.Line())))
	}
	if got := strings.Join(rows, " "); got != "A1|x|1@4 B2|y, z|2@6" {
		t.Errorf("rows %q", got)
	}
	if Cell([]string{"a"}, 3) != "" || Cell([]string{"a"}, -1) != "" {
		t.Error("Cell out of range")
	}
	_, err = ReadRecords(strings.NewReader("a,b\n"), "r.csv", ',', func([]string) bool { return false })
	var se *Error
	if !errors.As(err, &se) || !strings.Contains(se.Msg, "no header row") {
		t.Errorf("no header: %v", err)
	}
	failing := io.MultiReader(strings.NewReader("H\n"), iotest.ErrReader(errors.New("disk failed")))
	rs, _ = ReadRecords(failing, "r.csv", ',', func(row []string) bool { return row[0] == "H" })
	if _, err := rs.Next(); err == nil || !strings.HasPrefix(err.Error(), "r.csv:2: ") || !strings.Contains(err.Error(), "disk failed") {
		t.Errorf("read error: %v", err)
	}
}

func TestDate(t *testing.T) {
	if d, err := Date("20251001"); err != nil || !d.Equal(time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("Date = %v, %v", d, err)
	}
	if d, err := Date(""); err != nil || !d.IsZero() {
		t.Errorf("empty date = %v, %v", d, err)
	}
	for _, bad := range []string{"2025-10-01", "20251301", "2025100"} {
		if _, err := Date(bad); err == nil {
			t.Errorf("Date(%q) accepted", bad)
		}
	}
}

func FuzzRecords(f *testing.F) {
	f.Add("title\nCODE,NAME\nA1,x\n\"B2\",\"y\"\"z\"\n")
	f.Fuzz(func(t *testing.T, doc string) {
		rs, err := ReadRecords(strings.NewReader(doc), "f", ',', func(row []string) bool { return Cell(row, 0) == "CODE" })
		if err != nil {
			return
		}
		for {
			if _, err := rs.Next(); err != nil {
				return
			}
		}
	})
}
