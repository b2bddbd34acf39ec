package codeset

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/medcode/medcode/internal/codeset/icd"
	"github.com/medcode/medcode/internal/codeset/snapio"
)

// describe renders everything a release exposes, so that a release read
// from the snapshot can be compared with one loaded from the files.
func describe(r *Release) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s %s %s %s %q\n", r.FiscalYear, r.Name, r.Dir, r.EffectiveFrom, r.EffectiveTo, r.Notes)
	for _, f := range r.Files {
		fmt.Fprintf(&b, "file %s %s %d %s\n", f.Kind, f.Path, f.Size, f.SHA256)
	}
	for _, ch := range r.ICD.Chapters() {
		fmt.Fprintf(&b, "chapter %s %s\n", ch.Name, ch.Title)
		for _, s := range ch.Sections {
			fmt.Fprintf(&b, "section %s %s\n", s.ID, s.Title)
		}
	}
	for c := range r.ICD.All() {
		fmt.Fprintf(&b, "%s %q %v %s %s %s %v %s %s %v\n", c.Code, c.Title, c.Billable, c.Parent, c.Chapter, c.Section,
			c.Manifestation, c.SeventhChar, c.Base, r.ICD.SeventhChars(c.Code))
		// Inherited notes follow from each code's own; a category also
		// shows its section's and chapter's.
		for _, n := range r.ICD.NotesFor(c.Code) {
			if n.From == c.Code || c.Parent == "" {
				fmt.Fprintf(&b, "  %v %q %v\n", n.Kind, n.Text, n.Refs)
			}
		}
	}
	if r.Order != nil {
		fmt.Fprintf(&b, "order %+v\n", r.Order.Entries)
	}
	fmt.Fprintf(&b, "code sets %v\n", r.CodeSets)
	if r.HCPCS != nil {
		for c := range r.HCPCS.All() {
			fmt.Fprintf(&b, "hcpcs %+v\n", *c)
		}
	}
	if r.PFS != nil {
		fmt.Fprintf(&b, "pfs %v %d %+v\n", r.PFS.ConversionFactor, r.PFS.Len(), r.PFS.Localities())
		for _, code := range []string{"99213", "G2211", "20610"} {
			if rvu, ok := r.PFS.Lookup(code, ""); ok {
				fmt.Fprintf(&b, "rvu %+v\n", *rvu)
			}
		}
	}
	if r.MCE != nil {
		fmt.Fprintf(&b, "mce %d %v %v\n", r.MCE.Version, r.MCE.Types(), r.MCE.Diagnosis("O80"))
	}
	if r.PTP != nil {
		fmt.Fprintf(&b, "ptp %d %v\n", r.PTP.Len(), r.PTP.Column2("93000", r.EffectiveTo))
	}
	if r.MUE != nil {
		e, _ := r.MUE.Lookup("17000")
		fmt.Fprintf(&b, "mue %s %d %+v\n", r.MUE.Service, r.MUE.Len(), e)
	}
	for _, ix := range []*icd.Index{r.Index, r.ExternalIndex, tableIndex(r.Drugs), tableIndex(r.Neoplasms)} {
		if ix == nil {
			b.WriteString("no index\n")
			continue
		}
		fmt.Fprintf(&b, "index %s %s %q %d\n", ix.Version, ix.Title, ix.Columns, ix.NumTerms())
		for t := range ix.All() {
			fmt.Fprintf(&b, "%d %q %q %s %s %s %s %s %q\n", t.Level, t.Title, t.Nemod, t.Code, t.Manif, t.See, t.SeeAlso, t.SeeCode, t.Cells)
		}
	}
	return b.String()
}

func describeSet(s *Set) string {
	var b strings.Builder
	for _, r := range s.Releases() {
		b.WriteString(describe(r))
	}
	return b.String()
}

func TestSnapshotRoundTrip(t *testing.T) {
	data, cache := fixtureDataDir(t), t.TempDir()
	cold, err := OpenWith(data, Options{CacheDir: cache})
	if err != nil {
		t.Fatal(err)
	}
	if !cold.Snapshot.Written || cold.Snapshot.Used || cold.Snapshot.Err != nil {
		t.Fatalf("first open: %+v", cold.Snapshot)
	}
	warm, err := OpenWith(data, Options{CacheDir: cache})
	if err != nil {
		t.Fatal(err)
	}
	if !warm.Snapshot.Used || warm.Snapshot.Written {
		t.Fatalf("second open: %+v", warm.Snapshot)
	}
	if a, b := describeSet(cold), describeSet(warm); a != b {
		t.Errorf("snapshot differs from the files:\n%s", firstDifference(a, b))
	}
}

func firstDifference(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			return fmt.Sprintf("line %d:\n files:    %s\n snapshot: %s", i+1, al[i], bl[i])
		}
	}
	return fmt.Sprintf("lengths %d and %d lines", len(al), len(bl))
}

func TestSnapshotInvalidation(t *testing.T) {
	data, cache := fixtureDataDir(t), t.TempDir()
	open := func() SnapshotStatus {
		t.Helper()
		s, err := OpenWith(data, Options{CacheDir: cache})
		if err != nil {
			t.Fatal(err)
		}
		return s.Snapshot
	}
	open()
	tabular := filepath.Join(data, "icd10cm", "fy2099", "x-tabular.xml")
	later := time.Now().Add(time.Hour)

	// Touched but unchanged: the checksum still matches.
	if err := os.Chtimes(tabular, later, later); err != nil {
		t.Fatal(err)
	}
	if st := open(); !st.Used {
		t.Errorf("after touch: %+v, want the snapshot used", st)
	}

	// Same size, different content.
	content, err := os.ReadFile(tabular)
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(string(content), "Type 2 diabetes without complications", "Type 2 diabetes without complication?", 1)
	if err := os.WriteFile(tabular, []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	if st := open(); st.Used || !st.Written {
		t.Errorf("after edit: %+v, want a rebuilt snapshot", st)
	}

	// A file added to a release.
	extra := filepath.Join(data, "icd10cm", "fy2098", "x-index.xml")
	if err := os.WriteFile(extra, []byte(`<ICD10CM.index><letter><mainTerm><title>a</title></mainTerm></letter></ICD10CM.index>`), 0o644); err != nil {
		t.Fatal(err)
	}
	if st := open(); st.Used || !st.Written {
		t.Errorf("after adding a file: %+v, want a rebuilt snapshot", st)
	}

	// A corrupt snapshot is rebuilt.
	snap := snapshotPath(cache, data)
	raw, err := os.ReadFile(snap)
	if err != nil {
		t.Fatal(err)
	}
	raw[len(raw)/2] ^= 0xFF
	if err := os.WriteFile(snap, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	if st := open(); st.Used || !st.Written || st.Err != nil {
		t.Errorf("after corruption: %+v, want a rebuilt snapshot", st)
	}
	if st := open(); !st.Used {
		t.Errorf("after rebuild: %+v", st)
	}
}

func TestNoSnapshot(t *testing.T) {
	cache := t.TempDir()
	s, err := OpenWith(fixtureDataDir(t), Options{CacheDir: cache, NoSnapshot: true})
	if err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(cache)
	if s.Snapshot.Used || s.Snapshot.Written || len(entries) != 0 {
		t.Errorf("NoSnapshot touched the cache: %+v, %d entries", s.Snapshot, len(entries))
	}
}

func TestUnwritableCache(t *testing.T) {
	blocker := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := OpenWith(fixtureDataDir(t), Options{CacheDir: filepath.Join(blocker, "cache")})
	if err != nil {
		t.Fatalf("an unwritable cache must not stop Open: %v", err)
	}
	if s.Snapshot.Written || s.Snapshot.Err == nil {
		t.Errorf("status %+v, want the write error", s.Snapshot)
	}
}

func TestDefaultCacheDir(t *testing.T) {
	t.Setenv(CacheEnvVar, "/somewhere/cache")
	if dir, _ := DefaultCacheDir(); dir != "/somewhere/cache" {
		t.Errorf("with %s set: %s", CacheEnvVar, dir)
	}
	t.Setenv(CacheEnvVar, "")
	t.Setenv("XDG_CACHE_HOME", "/xdg")
	if dir, _ := DefaultCacheDir(); dir != filepath.Join("/xdg", "medcode") {
		t.Errorf("with XDG_CACHE_HOME set: %s", dir)
	}
}

// The snapshot of the official files reproduces them exactly.
func TestSnapshotRoundTripRealData(t *testing.T) {
	files := realSet(t)
	if !files.Snapshot.Written {
		t.Fatalf("the first load wrote no snapshot: %+v", files.Snapshot)
	}
	snap, err := OpenWith(files.Dir, Options{CacheDir: official.cache})
	if err != nil {
		t.Fatal(err)
	}
	if !snap.Snapshot.Used {
		t.Fatalf("snapshot not used: %+v", snap.Snapshot)
	}
	if a, b := describeSet(files), describeSet(snap); a != b {
		t.Errorf("snapshot differs from the files:\n%s", firstDifference(a, b))
	}
}

// FuzzDecodeRelease feeds corrupt snapshot bodies to the decoder: it must
// fail cleanly, never panic. The fuzzer varies the snapshot without its
// checksum, which is recomputed, so that mutations reach the decoder.
func FuzzDecodeRelease(f *testing.F) {
	s, err := OpenWith(fixtureDataDir(f), Options{NoSnapshot: true})
	if err != nil {
		f.Fatal(err)
	}
	for _, r := range s.Releases() {
		w := snapio.NewWriter()
		r.encode(w)
		data := w.Bytes(snapshotMagic, snapshotVersion)
		f.Add(data[:len(data)-4])
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		data = binary.LittleEndian.AppendUint32(data, crc32.ChecksumIEEE(data))
		r, err := snapio.NewReader(data, snapshotMagic, snapshotVersion)
		if err != nil {
			return
		}
		if rel, err := decodeRelease(r); err == nil && rel.ICD == nil {
			t.Fatal("release decoded without a tabular")
		}
	})
}
