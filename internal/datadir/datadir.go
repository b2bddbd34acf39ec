// Package datadir finds the directories medcode reads official data and
// development evaluation files from.
package datadir

import (
	"errors"
	"os"
	"path/filepath"
)

// EnvVar overrides every other location of the data directory.
const EnvVar = "MEDCODE_DATA"

// ErrNotFound is returned when no data directory exists.
var ErrNotFound = errors.New("no code-set data directory: set " + EnvVar + ", create ./data, or place ../shared/data beside the checkout")

// Resolve returns the code-set data directory: $MEDCODE_DATA if set, else
// ./data, else ../shared/data relative to the working directory. When the
// working directory is inside the repository (as in `go test`), the
// repository root's data (a link to the shared data, see `make links`) and
// ../shared/data are also tried, in that order: go test's cache re-checks
// only the files a test reads inside the module, so data read through the
// link re-runs the tests that read it when it changes.
func Resolve() (string, error) {
	if dir := os.Getenv(EnvVar); dir != "" {
		if isDir(dir) {
			return dir, nil
		}
		return "", errors.New(EnvVar + "=" + dir + " is not a directory")
	}
	for _, dir := range candidates("data", filepath.Join("..", "shared", "data")) {
		if isCodeSetDir(dir) {
			return dir, nil
		}
	}
	return "", ErrNotFound
}

// EvalDev returns the development evaluation directory: $MEDCODE_EVAL_DEV,
// else ./eval-dev or ../shared/eval-dev searched like Resolve, or "" when
// it is absent.
func EvalDev() string {
	if dir := os.Getenv("MEDCODE_EVAL_DEV"); dir != "" && isDir(dir) {
		return dir
	}
	for _, dir := range candidates("eval-dev", filepath.Join("..", "shared", "eval-dev")) {
		if isDir(dir) {
			return dir
		}
	}
	return ""
}

// candidates lists the relative paths to try, first from the working
// directory and then from the enclosing repository root (the first parent
// that holds go.mod), so tests run from a package directory find the data.
func candidates(rel ...string) []string {
	out := append([]string(nil), rel...)
	wd, err := os.Getwd()
	if err != nil {
		return out
	}
	for dir := wd; ; {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			if dir != wd {
				for _, r := range rel {
					out = append(out, filepath.Join(dir, r))
				}
			}
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	return out
}

// isCodeSetDir tells a code-set data directory (it holds an icd10cm
// release folder) from other folders named data, such as a package's
// embedded lexicons when tests run inside it.
func isCodeSetDir(path string) bool {
	return isDir(filepath.Join(path, "icd10cm"))
}

func isDir(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.IsDir()
}
