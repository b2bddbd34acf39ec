package server_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestSecurityDocNamesRealTests keeps docs/security.md honest: every test,
// fuzz target and benchmark it names in backticks exists (a name with a
// package path, `internal/x.FuzzY`, in that package's test files), and
// every fuzz target of the repository is named there with its package.
func TestSecurityDocNamesRealTests(t *testing.T) {
	root := filepath.Join("..", "..")
	doc, err := os.ReadFile(filepath.Join(root, "docs", "security.md"))
	if err != nil {
		t.Fatal(err)
	}
	// Every test function of the repository, by package directory.
	funcRe := regexp.MustCompile(`(?m)^func ((?:Test|Fuzz|Benchmark)[A-Za-z0-9_]*)\(`)
	defined := map[string]map[string]bool{} // name → package directories
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		dir, _ := filepath.Rel(root, filepath.Dir(path))
		for _, m := range funcRe.FindAllStringSubmatch(string(src), -1) {
			if defined[m[1]] == nil {
				defined[m[1]] = map[string]bool{}
			}
			defined[m[1]][filepath.ToSlash(dir)] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	named := regexp.MustCompile("`(?:([a-z0-9_/]+)\\.)?((?:Test|Fuzz|Benchmark)[A-Za-z0-9_]*)`").FindAllStringSubmatch(string(doc), -1)
	if len(named) < 50 {
		t.Fatalf("the document names only %d tests", len(named))
	}
	listed := map[string]bool{}
	for _, m := range named {
		pkg, name := m[1], m[2]
		dirs := defined[name]
		switch {
		case len(dirs) == 0:
			t.Errorf("docs/security.md names %s, which no test file defines", name)
		case pkg != "" && !dirs[pkg]:
			t.Errorf("docs/security.md names %s.%s, but %s is defined in %v", pkg, name, name, dirs)
		}
		if pkg != "" {
			listed[pkg+"."+name] = true
		}
	}
	for name, dirs := range defined {
		if !strings.HasPrefix(name, "Fuzz") {
			continue
		}
		for dir := range dirs {
			if !listed[dir+"."+name] {
				t.Errorf("fuzz target %s.%s is not in the fuzzing table of docs/security.md", dir, name)
			}
		}
	}
}
