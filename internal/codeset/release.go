package codeset

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/medcode/medcode/internal/codeset/hcpcs"
	"github.com/medcode/medcode/internal/codeset/icd"
	"github.com/medcode/medcode/internal/codeset/mce"
	"github.com/medcode/medcode/internal/codeset/ncci"
	"github.com/medcode/medcode/internal/codeset/pfs"
	"github.com/medcode/medcode/internal/codeset/srcfile"
)

// Release is one ICD-10-CM release with the other code sets in effect
// with it. A field is nil when its file is not installed.
type Release struct {
	FiscalYear    int
	Name          string // "FY2025", "FY2025 April update"
	Dir           string // the release directory, relative to the data directory
	EffectiveFrom time.Time
	EffectiveTo   time.Time // last day in effect

	ICD           *icd.Tabular
	Order         *icd.OrderFile
	Index         *icd.Index
	ExternalIndex *icd.Index
	Drugs         *icd.Table
	Neoplasms     *icd.Table

	HCPCS *hcpcs.Codes
	PFS   *pfs.Schedule
	MCE   *mce.Edits
	PTP   *ncci.PTP
	MUE   *ncci.MUE
	// CodeSets lists the versions of the other code sets in use with the
	// release.
	CodeSets []Version

	// Files lists every file the release was loaded from.
	Files []SourceFile
	// Notes records files left out and other remarks for `codesets info`.
	Notes []string

	// The ICD-10-CM part of Files and Notes, as loaded from the release
	// directory (attach adds the other code sets').
	icdFiles []SourceFile
	icdNotes []string
}

// SourceFile is a release file as loaded.
type SourceFile struct {
	Kind    string    `json:"kind"` // "tabular", "index", "hcpcs", ...
	Path    string    `json:"path"` // relative to the data directory
	Size    int64     `json:"size"`
	ModTime time.Time `json:"modified"`
	SHA256  string    `json:"sha256"`
}

// layout is what scan finds in the data directory before anything is
// loaded: enough to tell whether a snapshot still matches.
type layout struct {
	dir      string
	releases []releaseDir
	catalog  []versionDir
}

type releaseDir struct {
	name       string // directory name, e.g. "fy2025"
	fiscalYear int
	april      bool
	files      []candidate
}

// candidate is a file that may be a release file.
type candidate struct {
	path    string // absolute
	rel     string // relative to the data directory
	size    int64
	modTime time.Time
}

var releaseDirRe = regexp.MustCompile(`(?i)^fy(\d{4})(-april)?$`)

// scan lists the release directories and the versions of the other code
// sets, with their candidate files.
func scan(dataDir string) (*layout, error) {
	l := &layout{dir: dataDir}
	icdDir := filepath.Join(dataDir, "icd10cm")
	entries, err := os.ReadDir(icdDir)
	if err != nil && !os.IsNotExist(err) {
		return nil, fmt.Errorf("codeset: %w", err)
	}
	for _, e := range entries {
		m := releaseDirRe.FindStringSubmatch(e.Name())
		if !e.IsDir() || m == nil {
			continue
		}
		fy, _ := strconv.Atoi(m[1])
		rd := releaseDir{name: e.Name(), fiscalYear: fy, april: m[2] != ""}
		rd.files, err = candidates(dataDir, filepath.Join(icdDir, e.Name()), ".xml", ".txt")
		if err != nil {
			return nil, err
		}
		l.releases = append(l.releases, rd)
	}
	l.catalog, err = scanCatalog(dataDir)
	return l, err
}

// candidates lists the regular files directly in dir whose name (less a
// .xz suffix) ends in one of exts.
func candidates(dataDir, dir string, exts ...string) ([]candidate, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("codeset: %w", err)
	}
	var out []candidate
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		name := strings.ToLower(srcfile.LogicalName(e.Name()))
		if !hasAnySuffix(name, exts) {
			continue
		}
		info, err := e.Info()
		if err != nil {
			return nil, fmt.Errorf("codeset: %w", err)
		}
		path := filepath.Join(dir, e.Name())
		rel, _ := filepath.Rel(dataDir, path)
		out = append(out, candidate{path: path, rel: rel, size: info.Size(), modTime: info.ModTime()})
	}
	return out, nil
}

func hasAnySuffix(s string, suffixes []string) bool {
	for _, suf := range suffixes {
		if strings.HasSuffix(s, suf) {
			return true
		}
	}
	return false
}

// loadReleases loads every release directory and every version of the
// other code sets of the layout, in parallel, and attaches the versions to
// the releases.
func loadReleases(l *layout) ([]*Release, []*component, error) {
	releases := make([]*Release, len(l.releases))
	comps := make([]*component, len(l.catalog))
	err := parallelN(1, len(releases)+len(comps), func(i int) (err error) {
		if i < len(releases) {
			releases[i], err = loadRelease(l.releases[i])
		} else {
			comps[i-len(releases)], err = loadComponent(l.catalog[i-len(releases)])
		}
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	setEffectiveDates(releases)
	attach(releases, comps)
	return releases, comps, nil
}

// setEffectiveDates gives each release its period: a fiscal year runs
// from October 1 to September 30; an April update takes over from April 1.
func setEffectiveDates(rs []*Release) {
	april := make(map[int]bool)
	for _, r := range rs {
		if strings.HasSuffix(strings.ToLower(r.Dir), "-april") {
			april[r.FiscalYear] = true
		}
	}
	for _, r := range rs {
		fy := r.FiscalYear
		if strings.HasSuffix(strings.ToLower(r.Dir), "-april") {
			r.EffectiveFrom = time.Date(fy, time.April, 1, 0, 0, 0, 0, time.UTC)
			r.EffectiveTo = time.Date(fy, time.September, 30, 0, 0, 0, 0, time.UTC)
			continue
		}
		r.EffectiveFrom = time.Date(fy-1, time.October, 1, 0, 0, 0, 0, time.UTC)
		r.EffectiveTo = time.Date(fy, time.September, 30, 0, 0, 0, 0, time.UTC)
		if april[fy] {
			r.EffectiveTo = time.Date(fy, time.March, 31, 0, 0, 0, 0, time.UTC)
		}
	}
}

// loadRelease identifies the files of a release directory by their
// content and loads them in parallel, then keeps one file per kind: the
// largest (a partial extract, such as one chapter of the tabular, is
// smaller than the full file).
func loadRelease(rd releaseDir) (*Release, error) {
	r := &Release{FiscalYear: rd.fiscalYear, Dir: filepath.Join("icd10cm", rd.name), Name: fmt.Sprintf("FY%d", rd.fiscalYear)}
	if rd.april {
		r.Name += " April update"
	}
	files := make([]icdFile, len(rd.files))
	err := parallel(len(files), func(i int) (err error) {
		files[i], err = loadICDFile(rd.files[i])
		return err
	})
	if err != nil {
		return nil, err
	}
	chosen := make(map[icd.Kind]*icdFile)
	for i := range files {
		f := &files[i]
		if f.kind == icd.KindUnknown {
			r.icdNotes = append(r.icdNotes, f.rel+" not used: not an ICD-10-CM release file")
			continue
		}
		prev, dup := chosen[f.kind]
		switch {
		case !dup:
			chosen[f.kind] = f
		case f.size > prev.size:
			r.icdNotes = append(r.icdNotes, fmt.Sprintf("%s not used: %s is the larger %s", prev.rel, f.rel, f.kind))
			chosen[f.kind] = f
		default:
			r.icdNotes = append(r.icdNotes, fmt.Sprintf("%s not used: %s is the larger %s", f.rel, prev.rel, f.kind))
		}
	}
	if _, ok := chosen[icd.KindTabular]; !ok {
		return nil, fmt.Errorf("codeset: %s has no ICD-10-CM tabular XML file", r.Dir)
	}
	for kind := icd.KindTabular; kind <= icd.KindOrder; kind++ {
		if f, ok := chosen[kind]; ok {
			f.set(r)
			r.icdFiles = append(r.icdFiles, SourceFile{Kind: kind.String(), Path: f.rel, Size: f.size, ModTime: f.modTime, SHA256: f.sum})
		}
	}
	if r.Order != nil {
		r.Order.ShareTitles(r.ICD)
	}
	if v := r.ICD.Version; v != "" && v != strconv.Itoa(r.FiscalYear) {
		r.icdNotes = append(r.icdNotes, fmt.Sprintf("the tabular says version %s, the directory fiscal year %d", v, r.FiscalYear))
	}
	return r, nil
}

// icdFile is a file of a release directory, identified and loaded.
type icdFile struct {
	candidate
	kind icd.Kind
	sum  string
	set  func(r *Release) // puts the loaded content in the release
}

// xzSlots lets one xz-compressed file be read at a time: each xz reader
// holds a dictionary as large as the stream's (64 MiB for the FY2021
// files), which would otherwise multiply the memory a cold load needs.
var xzSlots = make(chan struct{}, 1)

// loadICDFile reads a file once: its first bytes tell its kind, the rest
// is loaded by the loader of that kind.
func loadICDFile(c candidate) (icdFile, error) {
	out := icdFile{candidate: c}
	if strings.HasSuffix(c.path, ".xz") {
		xzSlots <- struct{}{}
		defer func() { <-xzSlots }()
	}
	var err error
	out.sum, err = loadFile(c.path, func(r io.Reader) error {
		kind, content := icd.Sniff(r)
		out.kind = kind
		switch kind {
		case icd.KindTabular:
			t, err := icd.LoadTabular(content, c.rel)
			out.set = func(r *Release) { r.ICD = t }
			return err
		case icd.KindOrder:
			o, err := icd.LoadOrder(content, c.rel)
			out.set = func(r *Release) { r.Order = o }
			return err
		case icd.KindIndex, icd.KindExternalIndex:
			ix, err := icd.LoadIndex(content, c.rel)
			out.set = func(r *Release) {
				if kind == icd.KindIndex {
					r.Index = ix
				} else {
					r.ExternalIndex = ix
				}
			}
			return err
		case icd.KindDrugTable, icd.KindNeoplasmTable:
			tb, err := icd.LoadTable(content, c.rel)
			out.set = func(r *Release) {
				if kind == icd.KindDrugTable {
					r.Drugs = tb
				} else {
					r.Neoplasms = tb
				}
			}
			return err
		}
		return nil
	})
	return out, err
}

// loadFile opens path, hands its content to load and returns the SHA-256
// of the stored file.
func loadFile(path string, load func(io.Reader) error) (string, error) {
	f, err := srcfile.Open(path)
	if err != nil {
		return "", fmt.Errorf("codeset: %w", err)
	}
	defer f.Close()
	if err := load(f); err != nil {
		return "", fmt.Errorf("codeset: %w", err)
	}
	return f.SHA256()
}

// parallel runs fn(0..n-1) on up to GOMAXPROCS goroutines and returns the
// first error.
func parallel(n int, fn func(i int) error) error {
	return parallelN(runtime.GOMAXPROCS(0), n, fn)
}

// parallelN runs fn(0..n-1) on up to workers goroutines and returns the
// first error.
func parallelN(workers, n int, fn func(i int) error) error {
	errs := make([]error, n)
	sem := make(chan struct{}, workers)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			errs[i] = fn(i)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
