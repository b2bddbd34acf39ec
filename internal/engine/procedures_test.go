package engine

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A licensed CPT descriptor file in the data directory is loaded; a bad
// one stops the engine with the file and line named; none is fine.
func TestProcedureCoderDescriptors(t *testing.T) {
	dir := t.TempDir()
	if _, err := newProcedureCoder(dir); err != nil {
		t.Fatalf("no descriptor file: %v", err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "cpt"), 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, CPTDescriptorFile)
	if err := os.WriteFile(path, []byte("99213\tLicensed text\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := newProcedureCoder(dir); err != nil {
		t.Fatalf("valid descriptor file: %v", err)
	}
	if err := os.WriteFile(path, []byte("99213\tA\nJ3301\tB\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := newProcedureCoder(dir); err == nil || !strings.Contains(err.Error(), "line 2") || !strings.Contains(err.Error(), CPTDescriptorFile) {
		t.Errorf("bad descriptor file: err = %v", err)
	}
}
