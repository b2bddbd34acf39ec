package codeset

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/medcode/medcode/internal/datadir"
)

// The bars of issue 2, checked by these benchmarks on the official data:
// cold load from the release files ≤ 6 s, start from the snapshot
// ≤ 300 ms, code lookup ≤ 1 µs.
const (
	coldLoadBar = 6 * time.Second
	snapshotBar = 300 * time.Millisecond
	lookupBar   = time.Microsecond
)

func checkBar(b *testing.B, what string, bar time.Duration) {
	b.Helper()
	if perOp := b.Elapsed() / time.Duration(b.N); perOp > bar {
		b.Errorf("%s takes %v, over the bar of %v", what, perOp, bar)
	}
}

// officialDir returns the official data directory without loading it, so
// that the start benchmarks run without the releases other benchmarks
// keep in memory (the collector would otherwise scan them at every start).
func officialDir(b *testing.B) string {
	dir, err := datadir.Resolve()
	if err != nil {
		b.Skipf("official code-set data not installed: %v", err)
	}
	return dir
}

func BenchmarkOpenFromReleaseFiles(b *testing.B) {
	dir := officialDir(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := OpenWith(dir, Options{NoSnapshot: true}); err != nil {
			b.Fatal(err)
		}
	}
	checkBar(b, "a cold load", coldLoadBar)
}

func BenchmarkOpenFromSnapshot(b *testing.B) {
	dir, cache := officialDir(b), b.TempDir()
	if _, err := OpenWith(dir, Options{CacheDir: cache}); err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	b.ReportAllocs()
	for b.Loop() {
		s, err := OpenWith(dir, Options{CacheDir: cache})
		if err != nil {
			b.Fatal(err)
		}
		if !s.Snapshot.Used {
			b.Fatalf("snapshot not used: %+v", s.Snapshot)
		}
	}
	checkBar(b, "a start from the snapshot", snapshotBar)
}

// BenchmarkLookup looks up codes of every kind (categories, codes,
// 7-character codes) as users type them: with and without the dot, in
// either case.
func BenchmarkLookup(b *testing.B) {
	tab := realSet(b).Latest().ICD
	var queries []string
	i := 0
	for c := range tab.All() {
		if i%97 == 0 {
			queries = append(queries, c.Code, strings.ToLower(strings.ReplaceAll(c.Code, ".", "")))
		}
		i++
	}
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for b.Loop() {
		if _, ok := tab.Lookup(queries[n%len(queries)]); !ok {
			b.Fatalf("%s not found", queries[n%len(queries)])
		}
		n++
	}
	checkBar(b, "a lookup", lookupBar)
}

func BenchmarkValidate(b *testing.B) {
	tab := realSet(b).Latest().ICD
	queries := []string{"E11.22", "E11", "S06.377D", "S01.01A", "S52.531Z", "E11.99", "S93.401"}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		_ = tab.Validate(queries[n%len(queries)])
		n++
	}
}

func BenchmarkSearch(b *testing.B) {
	r := realSet(b).Latest()
	b.ReportAllocs()
	for b.Loop() {
		if len(r.Search("chronic kidney disease", 20)) == 0 {
			b.Fatal("no hits")
		}
	}
}
