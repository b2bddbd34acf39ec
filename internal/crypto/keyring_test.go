package crypto

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func key(b byte) string { return base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{b}, KeySize)) }

func TestParseKeys(t *testing.T) {
	tests := []struct {
		name, text, active, err string
	}{
		{"single entry", "a:" + key(1), "a", ""},
		{"bare key", key(1), "env", ""},
		{"last is active", "# comment\na:" + key(1) + "\n\nb:" + key(2) + "\n", "b", ""},
		{"comma separated", "a:" + key(1) + ",b:" + key(2), "b", ""},
		{"empty", "  \n# only a comment\n", "", "no key"},
		{"short key", "a:" + base64.StdEncoding.EncodeToString([]byte("short")), "", "5 bytes"},
		{"not base64", "a:@@@", "", "not base64"},
		{"duplicate id", "a:" + key(1) + "\na:" + key(2), "", "listed twice"},
		{"bad id", "a b:" + key(1), "", "only letters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kr, err := ParseKeys(tt.text)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if kr.ActiveID() != tt.active {
				t.Fatalf("active = %q, want %q", kr.ActiveID(), tt.active)
			}
		})
	}
}

func TestSealOpenAndRotation(t *testing.T) {
	old, _ := ParseKeys("a:" + key(1))
	rotated, _ := ParseKeys("a:" + key(1) + "\nb:" + key(2))
	aad := []byte("analysis/1/record")
	blob, err := old.Seal([]byte("E11.22"), aad)
	if err != nil {
		t.Fatal(err)
	}
	if id, _ := KeyID(blob); id != "a" {
		t.Fatalf("KeyID = %q", id)
	}
	pt, err := rotated.Open(blob, aad)
	if err != nil || string(pt) != "E11.22" {
		t.Fatalf("rotated keyring cannot open old data: %q, %v", pt, err)
	}
	blob2, _ := rotated.Seal(pt, aad)
	if id, _ := KeyID(blob2); id != "b" {
		t.Fatalf("new data sealed with %q, want b", id)
	}
	if _, err := old.Open(blob2, aad); err == nil || !strings.Contains(err.Error(), "not in the keyring") {
		t.Fatalf("old keyring opened data of a key it lacks: %v", err)
	}
	if _, err := rotated.Open(blob, []byte("analysis/2/record")); err == nil {
		t.Fatal("opened with the wrong associated data")
	}
	tampered := append([]byte(nil), blob...)
	tampered[len(tampered)-1] ^= 1
	if _, err := rotated.Open(tampered, aad); err == nil {
		t.Fatal("opened tampered data")
	}
}

func TestKeyFileCreateAndRotate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "medcode.key")
	kr, err := CreateFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, want 0600", st.Mode().Perm())
	}
	if _, err := CreateFile(path); err == nil {
		t.Fatal("CreateFile overwrote an existing key file")
	}
	blob, _ := kr.Seal([]byte("x"), nil)
	kr2, err := RotateFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if kr2.ActiveID() == kr.ActiveID() {
		t.Fatal("rotation did not change the active key")
	}
	loaded, err := LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if loaded.ActiveID() != kr2.ActiveID() {
		t.Fatal("loaded keyring differs from the rotated one")
	}
	if _, err := loaded.Open(blob, nil); err != nil {
		t.Fatalf("rotated file cannot open data of the first key: %v", err)
	}
}

func FuzzParseKeys(f *testing.F) {
	f.Add("a:" + key(1))
	f.Add("a:" + key(1) + ",b:" + key(2))
	f.Add("# c\n\n" + key(3))
	f.Add(":::")
	f.Fuzz(func(t *testing.T, text string) {
		kr, err := ParseKeys(text)
		if err == nil && !kr.Has(kr.ActiveID()) {
			t.Fatal("active key missing from keyring")
		}
	})
}

func FuzzOpen(f *testing.F) {
	kr, _ := ParseKeys("a:" + key(1))
	blob, _ := kr.Seal([]byte("hello"), nil)
	f.Add(blob)
	f.Add([]byte{1, 1, 'a'})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, blob []byte) {
		// Must never panic; a blob not made by Seal must not open.
		if pt, err := kr.Open(blob, nil); err == nil && string(pt) != "hello" {
			t.Fatalf("forged blob opened to %q", pt)
		}
	})
}
