package codeset

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/medcode/medcode/internal/codeset/hcpcs"
	"github.com/medcode/medcode/internal/codeset/mce"
	"github.com/medcode/medcode/internal/codeset/ncci"
	"github.com/medcode/medcode/internal/codeset/pfs"
	"github.com/medcode/medcode/internal/codeset/snapio"
)

// The code sets installed beside ICD-10-CM, each in its own directory of
// the data directory.
const (
	SetHCPCS = "hcpcs"
	SetPFS   = "pfs"
	SetMCE   = "mce"
	SetNCCI  = "ncci"
)

// setOrder is the order code sets are attached and listed in.
var setOrder = []string{SetHCPCS, SetPFS, SetMCE, SetNCCI}

// Version is one installed version of a code set other than ICD-10-CM.
type Version struct {
	Set           string    `json:"set"`  // SetHCPCS, SetPFS, SetMCE or SetNCCI
	Name          string    `json:"name"` // "2020-10", "rvu25d", "v37", "2025-q1"
	EffectiveFrom time.Time `json:"effective_from"`
}

// component is a loaded Version with its content; only the field of its
// set is set.
type component struct {
	Version
	dir   string // relative to the data directory
	files []SourceFile
	notes []string

	hcpcs *hcpcs.Codes
	pfs   *pfs.Schedule
	mce   *mce.Edits
	ptp   *ncci.PTP
	mue   *ncci.MUE
}

// versionDir is a version found by scan, before loading.
type versionDir struct {
	set, name string
	rel       string
	effective time.Time // zero when the content tells (MCE)
	files     []candidate
}

var (
	monthDirRe   = regexp.MustCompile(`^(\d{4})-(\d{2})$`)
	quarterDirRe = regexp.MustCompile(`(?i)^(\d{4})-q([1-4])$`)
	// CMS names RVU releases RVUyyA (January) to RVUyyD (October).
	rvuDirRe = regexp.MustCompile(`(?i)^rvu(\d{2})([a-d])$`)
)

// versionDate reads a version directory's name: YYYY-MM, YYYY-qN, or for
// the fee schedule CMS's release name.
func versionDate(set, name string) (time.Time, bool) {
	if m := monthDirRe.FindStringSubmatch(name); m != nil && set != SetPFS {
		y, _ := strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[2])
		if mo >= 1 && mo <= 12 {
			return time.Date(y, time.Month(mo), 1, 0, 0, 0, 0, time.UTC), true
		}
	}
	if m := quarterDirRe.FindStringSubmatch(name); m != nil && set == SetNCCI {
		y, _ := strconv.Atoi(m[1])
		q, _ := strconv.Atoi(m[2])
		return time.Date(y, time.Month(3*q-2), 1, 0, 0, 0, 0, time.UTC), true
	}
	if m := rvuDirRe.FindStringSubmatch(name); m != nil && set == SetPFS {
		yy, _ := strconv.Atoi(m[1])
		q := int(strings.ToLower(m[2])[0] - 'a')
		return time.Date(2000+yy, time.Month(3*q+1), 1, 0, 0, 0, 0, time.UTC), true
	}
	return time.Time{}, false
}

// scanCatalog lists the installed versions of the other code sets.
func scanCatalog(dataDir string) ([]versionDir, error) {
	var out []versionDir
	exts := map[string][]string{SetHCPCS: {".csv"}, SetPFS: {".csv"}, SetNCCI: {".txt", ".csv"}}
	for _, set := range []string{SetHCPCS, SetPFS, SetNCCI} {
		entries, err := os.ReadDir(filepath.Join(dataDir, set))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("codeset: %w", err)
		}
		for _, e := range entries {
			date, ok := versionDate(set, e.Name())
			if !e.IsDir() || !ok {
				continue
			}
			files, err := candidates(dataDir, filepath.Join(dataDir, set, e.Name()), exts[set]...)
			if err != nil {
				return nil, err
			}
			out = append(out, versionDir{set: set, name: e.Name(), rel: filepath.Join(set, e.Name()), effective: date, files: files})
		}
	}
	// MCE tables sit directly in mce/; each file is a version, named by
	// its content.
	if _, err := os.Stat(filepath.Join(dataDir, SetMCE)); err == nil {
		files, err := candidates(dataDir, filepath.Join(dataDir, SetMCE), ".txt", ".tsv")
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			out = append(out, versionDir{set: SetMCE, name: filepath.Base(f.rel), rel: f.rel, files: []candidate{f}})
		}
	}
	return out, nil
}

// loadComponent loads one version directory.
func loadComponent(vd versionDir) (*component, error) {
	c := &component{Version: Version{Set: vd.set, Name: vd.name, EffectiveFrom: vd.effective}, dir: vd.rel}
	var err error
	switch vd.set {
	case SetHCPCS:
		err = c.loadHCPCS(vd.files)
	case SetPFS:
		err = c.loadPFS(vd.files)
	case SetMCE:
		err = c.loadMCE(vd.files[0])
	case SetNCCI:
		err = c.loadNCCI(vd.files)
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

// use loads a file into the component and records it.
func (c *component) use(kind string, f candidate, load func(io.Reader, string) error) error {
	sum, err := loadFile(f.path, func(r io.Reader) error { return load(r, f.rel) })
	if err != nil {
		return err
	}
	c.files = append(c.files, SourceFile{Kind: kind, Path: f.rel, Size: f.size, ModTime: f.modTime, SHA256: sum})
	return nil
}

// largest returns the largest of files, noting the others as unused.
func (c *component) largest(kind string, files []candidate) (candidate, bool) {
	if len(files) == 0 {
		return candidate{}, false
	}
	best := files[0]
	for _, f := range files[1:] {
		if f.size > best.size {
			best = f
		}
	}
	for _, f := range files {
		if f.rel != best.rel {
			c.notes = append(c.notes, fmt.Sprintf("%s not used: %s is the larger %s file", f.rel, best.rel, kind))
		}
	}
	return best, true
}

func (c *component) loadHCPCS(files []candidate) error {
	f, ok := c.largest("HCPCS", files)
	if !ok {
		return fmt.Errorf("codeset: %s has no HCPCS CSV file", c.dir)
	}
	return c.use("hcpcs", f, func(r io.Reader, name string) (err error) {
		c.hcpcs, err = hcpcs.Load(r, name)
		return err
	})
}

// loadPFS loads the PPRRVU file, preferring a copy without CPT
// descriptors, and the GPCI table.
func (c *component) loadPFS(files []candidate) error {
	var rvu, plain, gpci []candidate
	for _, f := range files {
		name := strings.ToLower(filepath.Base(f.rel))
		switch {
		case strings.Contains(name, "pprrvu") && strings.Contains(name, "no_cpt"):
			rvu = append(rvu, f)
		case strings.Contains(name, "pprrvu"):
			plain = append(plain, f)
		case strings.Contains(name, "gpci"):
			gpci = append(gpci, f)
		}
	}
	if len(rvu) == 0 {
		rvu = plain
	} else {
		for _, f := range plain {
			c.notes = append(c.notes, fmt.Sprintf("%s not used: a copy without CPT descriptors is installed beside it", f.rel))
		}
	}
	f, ok := c.largest("PPRRVU", rvu)
	if !ok {
		return fmt.Errorf("codeset: %s has no PPRRVU file", c.dir)
	}
	err := c.use("pfs rvu", f, func(r io.Reader, name string) (err error) {
		c.pfs, err = pfs.LoadRVU(r, name)
		return err
	})
	if err != nil {
		return err
	}
	if f, ok := c.largest("GPCI", gpci); ok {
		return c.use("pfs gpci", f, func(r io.Reader, name string) error {
			locs, err := pfs.LoadGPCI(r, name)
			c.pfs.SetLocalities(locs)
			return err
		})
	}
	c.notes = append(c.notes, c.dir+" has no GPCI file: payments cannot be priced by locality")
	return nil
}

// MCE versions follow the MS-DRG grouper numbering, one per fiscal year
// (v37 is FY2020, in effect from 2019-10-01).
const mceVersionToFiscalYear = 1983

func (c *component) loadMCE(f candidate) error {
	err := c.use("mce", f, func(r io.Reader, name string) (err error) {
		c.mce, err = mce.Load(r, name)
		return err
	})
	if err != nil {
		return err
	}
	c.Name = fmt.Sprintf("v%d", c.mce.Version)
	c.EffectiveFrom = time.Date(c.mce.Version+mceVersionToFiscalYear-1, time.October, 1, 0, 0, 0, 0, time.UTC)
	return nil
}

// loadNCCI loads every PTP table of the quarter (CMS splits the
// practitioner table over several files) and its MUE table.
func (c *component) loadNCCI(files []candidate) error {
	var parts []*ncci.PTP
	for _, f := range files {
		kind, err := sniffNCCI(f.path)
		if err != nil {
			return err
		}
		switch {
		case kind == ncci.KindPTP:
			err = c.use("ncci ptp", f, func(r io.Reader, name string) error {
				p, err := ncci.LoadPTP(r, name)
				parts = append(parts, p)
				return err
			})
		case kind == ncci.KindMUE && c.mue == nil:
			err = c.use("ncci mue", f, func(r io.Reader, name string) (err error) {
				c.mue, err = ncci.LoadMUE(r, name)
				return err
			})
		case kind == ncci.KindMUE:
			c.notes = append(c.notes, fmt.Sprintf("%s not used: one MUE table per quarter", f.rel))
		default:
			c.notes = append(c.notes, fmt.Sprintf("%s not used: neither a PTP nor an MUE table", f.rel))
		}
		if err != nil {
			return err
		}
	}
	if len(parts) > 0 {
		c.ptp = ncci.Merge(parts...)
	}
	if c.ptp == nil && c.mue == nil {
		return fmt.Errorf("codeset: %s has no PTP or MUE table", c.dir)
	}
	return nil
}

func sniffNCCI(path string) (ncci.Kind, error) {
	f, err := os.Open(path)
	if err != nil {
		return ncci.KindUnknown, fmt.Errorf("codeset: %w", err)
	}
	defer f.Close()
	return ncci.Sniff(f), nil
}

// attach gives each release the version of each other code set in effect
// by the end of its period (or, when every installed version is later,
// the earliest, with a note), and completes its Files and Notes.
func attach(releases []*Release, comps []*component) {
	bySet := make(map[string][]*component)
	for _, c := range comps {
		bySet[c.Set] = append(bySet[c.Set], c)
	}
	for _, cs := range bySet {
		sort.Slice(cs, func(i, j int) bool { return cs[i].EffectiveFrom.Before(cs[j].EffectiveFrom) })
	}
	for _, r := range releases {
		r.Files = append([]SourceFile(nil), r.icdFiles...)
		r.Notes = append([]string(nil), r.icdNotes...)
		r.CodeSets = nil
		for _, set := range setOrder {
			cs := bySet[set]
			if len(cs) == 0 {
				continue
			}
			chosen := cs[0]
			for _, c := range cs {
				if !c.EffectiveFrom.After(r.EffectiveTo) {
					chosen = c
				}
			}
			if chosen.EffectiveFrom.After(r.EffectiveTo) {
				r.Notes = append(r.Notes, fmt.Sprintf("%s %s takes effect %s, after this release; no earlier version is installed",
					set, chosen.Name, chosen.EffectiveFrom.Format(time.DateOnly)))
			}
			r.CodeSets = append(r.CodeSets, chosen.Version)
			r.Files = append(r.Files, chosen.files...)
			r.Notes = append(r.Notes, chosen.notes...)
			switch set {
			case SetHCPCS:
				r.HCPCS = chosen.hcpcs
			case SetPFS:
				r.PFS = chosen.pfs
			case SetMCE:
				r.MCE = chosen.mce
			case SetNCCI:
				r.PTP, r.MUE = chosen.ptp, chosen.mue
			}
		}
	}
}

func (c *component) encode(w *snapio.Writer) {
	w.Str(c.Set)
	w.Str(c.Name)
	w.Int64(c.EffectiveFrom.Unix())
	w.Str(c.dir)
	encodeSourceFiles(w, c.files)
	w.Strings(c.notes)
	switch c.Set {
	case SetHCPCS:
		c.hcpcs.Encode(w)
	case SetPFS:
		c.pfs.Encode(w)
	case SetMCE:
		c.mce.Encode(w)
	case SetNCCI:
		w.Bool(c.ptp != nil)
		if c.ptp != nil {
			c.ptp.Encode(w)
		}
		w.Bool(c.mue != nil)
		if c.mue != nil {
			c.mue.Encode(w)
		}
	}
}

func decodeComponent(r *snapio.Reader) (*component, error) {
	c := &component{Version: Version{Set: r.Str(), Name: r.Str(), EffectiveFrom: time.Unix(r.Int64(), 0).UTC()}}
	c.dir = r.Str()
	c.files = decodeSourceFiles(r)
	c.notes = r.Strings()
	var err error
	switch c.Set {
	case SetHCPCS:
		c.hcpcs, err = hcpcs.Decode(r)
	case SetPFS:
		c.pfs, err = pfs.Decode(r)
	case SetMCE:
		c.mce, err = mce.Decode(r)
	case SetNCCI:
		if r.Bool() {
			if c.ptp, err = ncci.DecodePTP(r); err != nil {
				return nil, err
			}
		}
		if r.Bool() {
			c.mue, err = ncci.DecodeMUE(r)
		}
	default:
		r.Fail(fmt.Sprintf("unknown code set %q", c.Set))
	}
	if err != nil {
		return nil, err
	}
	return c, r.Err()
}
