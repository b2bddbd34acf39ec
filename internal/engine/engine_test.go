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

// TestPHIReport checks that the result carries the PHI detector's spans,
// each a byte range of the note, and an empty list when there are none.
func TestPHIReport(t *testing.T) {
	note := "Patient John Smith, DOB 03/04/1961, MRN 12345678.\nA/P: Essential hypertension.\n"
	res := codeNote(t, note, Options{})
	if !res.PHI.Found || len(res.PHI.Spans) < 3 {
		t.Fatalf("PHI report %+v, want the name, the date and the MRN", res.PHI)
	}
	kinds := map[string]bool{}
	for _, s := range res.PHI.Spans {
		if s.Start < 0 || s.End > len(note) || note[s.Start:s.End] != s.Text || s.Confidence <= 0 || s.Confidence > 1 {
			t.Errorf("span %+v is not note[start:end] with a confidence", s)
		}
		kinds[string(s.Type)] = true
	}
	for _, k := range []string{"NAME", "DATE", "MRN"} {
		if !kinds[k] {
			t.Errorf("no %s span in %+v", k, res.PHI.Spans)
		}
	}
	clean := codeNote(t, "A/P: Essential hypertension.", Options{})
	if clean.PHI.Found || clean.PHI.Spans == nil || len(clean.PHI.Spans) != 0 {
		t.Errorf("a note without identifiers: %+v, want found false and an empty list", clean.PHI)
	}
}
