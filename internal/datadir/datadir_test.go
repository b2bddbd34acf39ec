package datadir

import (
	"os"
	"path/filepath"
	"testing"
)

func TestResolveSkipsFoldersThatAreNotCodeSetData(t *testing.T) {
	root := t.TempDir()
	must(t, os.WriteFile(filepath.Join(root, "go.mod"), []byte("module x\n"), 0o644))
	pkg := filepath.Join(root, "internal", "pkg")
	must(t, os.MkdirAll(filepath.Join(pkg, "data"), 0o755)) // embedded lexicons, not code sets
	must(t, os.MkdirAll(filepath.Join(root, "data", "icd10cm"), 0o755))
	t.Chdir(pkg)
	t.Setenv(EnvVar, "")

	got, err := Resolve()
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(root, "data"); got != want {
		t.Fatalf("Resolve() = %q, want %q", got, want)
	}
}

func TestResolveEnvOverride(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(EnvVar, dir)
	if got, err := Resolve(); err != nil || got != dir {
		t.Fatalf("Resolve() = %q, %v; want %q", got, err, dir)
	}
	t.Setenv(EnvVar, filepath.Join(dir, "missing"))
	if _, err := Resolve(); err == nil {
		t.Fatal("Resolve() accepted a missing $MEDCODE_DATA")
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
