package engine

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/medcode/medcode/internal/codeset"
	"github.com/medcode/medcode/internal/datadir"
)

// The installed code sets are loaded once for the package's tests.
var shared struct {
	once sync.Once
	eng  *Engine
	err  error
	dir  string
}

// testEngine returns an engine over the installed code sets, skipping the
// test when none are installed.
func testEngine(t testing.TB) *Engine {
	t.Helper()
	shared.once.Do(func() {
		shared.dir, shared.err = datadir.Resolve()
		if shared.err != nil {
			return
		}
		var set *codeset.Set
		set, shared.err = codeset.OpenWith(shared.dir, codeset.Options{CacheDir: filepath.Join(os.TempDir(), "medcode-engine-test-cache")})
		if shared.err != nil {
			return
		}
		shared.eng, shared.err = New(set, WithClock(func() time.Time { return time.Date(2025, 3, 10, 0, 0, 0, 0, time.UTC) }))
	})
	if shared.dir == "" {
		t.Skipf("code-set data not installed: %v", shared.err)
	}
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.eng
}

func codeNote(t testing.TB, note string, opts Options) *Result {
	t.Helper()
	r, err := testEngine(t).Code(context.Background(), note, opts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
