package engine

import (
	"context"
	"os"
	"path/filepath"
	"strings"
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

// TestReleaseForDate checks the release picked for dates inside, after,
// before and between the installed releases, and the warning of each.
func TestReleaseForDate(t *testing.T) {
	e := testEngine(t)
	rels := e.set.Releases()
	first, last := rels[0], rels[len(rels)-1]
	tests := []struct {
		name string
		dos  time.Time
		want *codeset.Release
		warn string
	}{
		{"inside the newest", last.EffectiveFrom.AddDate(0, 0, 10), last, ""},
		{"after the newest", last.EffectiveTo.AddDate(1, 0, 0), last, "after the newest installed release " + last.Name},
		{"before the oldest", first.EffectiveFrom.AddDate(-1, 0, 0), first, "before the oldest installed release " + first.Name},
	}
	if len(rels) > 1 && rels[1].EffectiveFrom.Sub(first.EffectiveTo) > 48*time.Hour {
		tests = append(tests, struct {
			name string
			dos  time.Time
			want *codeset.Release
			warn string
		}{"in a gap, nearer the older", first.EffectiveTo.AddDate(0, 0, 1), first, "coded with the nearest, " + first.Name})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rel, warn, err := e.releaseFor(tt.dos)
			if err != nil {
				t.Fatal(err)
			}
			if rel != tt.want {
				t.Errorf("release %s, want %s", rel.Name, tt.want.Name)
			}
			switch {
			case tt.warn == "" && warn != nil:
				t.Errorf("unexpected warning %q", warn.Message)
			case tt.warn != "" && (warn == nil || warn.Kind != "codeset" || !strings.Contains(warn.Message, tt.warn)):
				t.Errorf("warning %+v, want one saying %q", warn, tt.warn)
			}
		})
	}
}
