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

// TestSharedDataThroughTheModulesLinks: links in the repository root to
// the shared directories win over the directories beside the checkout, so
// that tests read the data through paths inside the module (the only ones
// go test's cache re-checks).
func TestSharedDataThroughTheModulesLinks(t *testing.T) {
	work := t.TempDir()
	root := filepath.Join(work, "checkout")
	pkg := filepath.Join(root, "internal", "pkg")
	must(t, os.MkdirAll(pkg, 0o755))
	must(t, os.WriteFile(filepath.Join(root, "go.mod"), []byte("module x\n"), 0o644))
	must(t, os.MkdirAll(filepath.Join(work, "shared", "data", "icd10cm"), 0o755))
	must(t, os.MkdirAll(filepath.Join(work, "shared", "eval-dev"), 0o755))
	t.Chdir(pkg)
	t.Setenv(EnvVar, "")
	t.Setenv("MEDCODE_EVAL_DEV", "")

	beside := func(name string) string { return filepath.Join(root, "..", "shared", name) }
	if got, err := Resolve(); err != nil || got != beside("data") {
		t.Fatalf("without links Resolve() = %q, %v; want %q", got, err, beside("data"))
	}
	if got := EvalDev(); got != beside("eval-dev") {
		t.Fatalf("without links EvalDev() = %q, want %q", got, beside("eval-dev"))
	}
	for _, name := range []string{"data", "eval-dev"} {
		must(t, os.Symlink(filepath.Join("..", "shared", name), filepath.Join(root, name)))
	}
	if got, err := Resolve(); err != nil || got != filepath.Join(root, "data") {
		t.Errorf("with links Resolve() = %q, %v; want the link", got, err)
	}
	if got := EvalDev(); got != filepath.Join(root, "eval-dev") {
		t.Errorf("with links EvalDev() = %q, want the link", got)
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
