// Package codeset loads the installed official code-set releases from the
// data directory and picks the one in effect on a date of service.
//
// Layout of the data directory:
//
//	icd10cm/fy2025/          one directory per ICD-10-CM release: fyYYYY for the
//	icd10cm/fy2025-april/    October release, fyYYYY-april for an April update
//	hcpcs/2020-10/           HCPCS Level II alpha-numeric file, by quarter (YYYY-MM)
//	pfs/rvu25d/              Physician Fee Schedule RVU release (CMS name)
//	mce/                     Medicare Code Editor edit lists
//	ncci/2025-q1/            NCCI practitioner PTP edits and MUE table, by quarter
//
// The release files are read in their published formats; the loaded
// releases are kept in a snapshot in the cache directory so that later
// starts are fast. A Set is read-only once opened and safe for concurrent
// use.
package codeset

import (
	"errors"
	"fmt"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"time"
)

// Set is every installed release, ordered by effective date.
type Set struct {
	Dir      string // the data directory
	releases []*Release
	Snapshot SnapshotStatus
}

// Releases returns the releases, oldest first.
func (s *Set) Releases() []*Release { return s.releases }

// Latest returns the newest release.
func (s *Set) Latest() *Release { return s.releases[len(s.releases)-1] }

// NoReleaseError is returned by ForDate when no installed release covers
// the date of service.
type NoReleaseError struct {
	Date      time.Time
	Installed []string
}

func (e *NoReleaseError) Error() string {
	return fmt.Sprintf("codeset: no installed ICD-10-CM release covers %s (installed: %s)", e.Date.Format(time.DateOnly), strings.Join(e.Installed, ", "))
}

// ForDate returns the release in effect on the date of service dos.
func (s *Set) ForDate(dos time.Time) (*Release, error) {
	day := dateOf(dos)
	for _, r := range s.releases {
		if !day.Before(r.EffectiveFrom) && !day.After(r.EffectiveTo) {
			return r, nil
		}
	}
	names := make([]string, len(s.releases))
	for i, r := range s.releases {
		names[i] = fmt.Sprintf("%s %s to %s", r.Name, r.EffectiveFrom.Format(time.DateOnly), r.EffectiveTo.Format(time.DateOnly))
	}
	return nil, &NoReleaseError{Date: day, Installed: names}
}

// dateOf drops the time of day, keeping the calendar date where t was
// recorded.
func dateOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// ErrNoReleases is returned when the data directory holds no ICD-10-CM
// release directory.
var ErrNoReleases = errors.New("codeset: no ICD-10-CM release installed (expected icd10cm/fyYYYY directories)")

// coldLoadGCPercent is the garbage collector's target while the release
// files are loaded (see OpenWith).
const coldLoadGCPercent = 40

// Options adjust how Open works.
type Options struct {
	// CacheDir holds the snapshot; "" means DefaultCacheDir().
	CacheDir string
	// NoSnapshot loads from the release files and writes no snapshot.
	NoSnapshot bool
}

// Open loads every installed release under dataDir, from the snapshot
// when it matches the release files, else from the files (and then writes
// the snapshot).
func Open(dataDir string) (*Set, error) {
	return OpenWith(dataDir, Options{})
}

// OpenWith is Open with options.
func OpenWith(dataDir string, opts Options) (*Set, error) {
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		return nil, fmt.Errorf("codeset: %w", err)
	}
	l, err := scan(abs)
	if err != nil {
		return nil, err
	}
	if len(l.releases) == 0 {
		return nil, fmt.Errorf("%w: none in %s", ErrNoReleases, filepath.Join(abs, "icd10cm"))
	}
	s := &Set{Dir: abs}
	if !opts.NoSnapshot {
		cacheDir := opts.CacheDir
		if cacheDir == "" {
			cacheDir, s.Snapshot.Err = DefaultCacheDir()
		}
		if s.Snapshot.Err == nil {
			s.Snapshot.Path = snapshotPath(cacheDir, abs)
			var comps []*component
			s.releases, comps, s.Snapshot.Err = readSnapshot(s.Snapshot.Path, l)
			if s.releases != nil {
				s.Snapshot.Used = true
				attach(s.releases, comps)
			}
		}
	}
	if !s.Snapshot.Used {
		// Parsing the XML and CSV files allocates several times what the
		// loaded releases keep; collecting garbage more often during the
		// load keeps its peak memory near that of a start from the
		// snapshot.
		old := debug.SetGCPercent(coldLoadGCPercent)
		if old >= 0 && old < coldLoadGCPercent {
			debug.SetGCPercent(old) // already collecting more often
		}
		defer debug.SetGCPercent(old)
		releases, comps, err := loadReleases(l)
		if err != nil {
			return nil, err
		}
		s.releases = releases
		if s.Snapshot.Path != "" {
			s.Snapshot.Err = saveSnapshot(s.Snapshot.Path, l, releases, comps)
			s.Snapshot.Written = s.Snapshot.Err == nil
		}
	}
	sort.Slice(s.releases, func(i, j int) bool { return s.releases[i].EffectiveFrom.Before(s.releases[j].EffectiveFrom) })
	return s, nil
}

func saveSnapshot(path string, l *layout, releases []*Release, comps []*component) error {
	inputs, err := inputFiles(l, releases, comps)
	if err != nil {
		return err
	}
	return writeSnapshot(path, inputs, releases, comps)
}
