package codeset

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/medcode/medcode/internal/codeset/icd"
	"github.com/medcode/medcode/internal/codeset/snapio"
	"github.com/medcode/medcode/internal/codeset/srcfile"
)

// CacheEnvVar overrides the snapshot cache directory.
const CacheEnvVar = "MEDCODE_CACHE"

const (
	snapshotMagic = "medcode codesets snapshot\n"
	// snapshotVersion changes whenever the encoding does; a snapshot of
	// another version is rebuilt.
	snapshotVersion = 1
)

// DefaultCacheDir is $MEDCODE_CACHE, else medcode under the user cache
// directory ($XDG_CACHE_HOME or ~/.cache on Linux).
func DefaultCacheDir() (string, error) {
	if dir := os.Getenv(CacheEnvVar); dir != "" {
		return dir, nil
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("codeset: no cache directory (set %s): %w", CacheEnvVar, err)
	}
	return filepath.Join(base, "medcode"), nil
}

// SnapshotStatus says how the snapshot served an Open.
type SnapshotStatus struct {
	Path    string
	Used    bool  // the releases were read from it
	Written bool  // it was (re)built from the release files
	Err     error // why it could not be read or written, if so
}

// snapshotPath names the snapshot of a data directory; each data
// directory has its own.
func snapshotPath(cacheDir, dataDir string) string {
	sum := sha256.Sum256([]byte(dataDir))
	return filepath.Join(cacheDir, "codesets-"+hex.EncodeToString(sum[:8])+".snap")
}

// readSnapshot returns the releases and code-set versions stored at path
// when the files they were loaded from are still those of the layout. A
// nil result with a nil error means the snapshot is stale or absent.
func readSnapshot(path string, l *layout) ([]*Release, []*component, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	r, err := snapio.NewReader(data, snapshotMagic, snapshotVersion)
	if err != nil {
		return nil, nil, err
	}
	inputs := decodeSourceFiles(r)
	if err := r.Err(); err != nil {
		return nil, nil, err
	}
	if !sameInputs(l, inputs) {
		return nil, nil, nil
	}
	// Releases and code-set versions are blocks, decoded in parallel.
	releases := make([]*Release, r.Len())
	comps := make([]*component, r.Len())
	if len(releases) != len(l.releases) || len(comps) != len(l.catalog) {
		return nil, nil, fmt.Errorf("%w: %d releases and %d code-set versions for %d and %d directories",
			snapio.ErrCorrupt, len(releases), len(comps), len(l.releases), len(l.catalog))
	}
	blocks := make([]*snapio.Reader, len(releases)+len(comps))
	for i := range blocks {
		blocks[i] = r.Block()
	}
	if err := r.Done(); err != nil {
		return nil, nil, err
	}
	err = parallel(len(blocks), func(i int) (err error) {
		if i < len(releases) {
			releases[i], err = decodeRelease(blocks[i])
		} else {
			comps[i-len(releases)], err = decodeComponent(blocks[i])
		}
		if err == nil {
			err = blocks[i].Done()
		}
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return releases, comps, nil
}

// sameInputs reports whether the layout's files are those recorded: same
// paths and sizes, and either the same modification times or, for a file
// only touched, the same SHA-256.
func sameInputs(l *layout, recorded []SourceFile) bool {
	current := l.files()
	if len(current) != len(recorded) {
		return false
	}
	for i, c := range current {
		rec := recorded[i]
		if c.rel != rec.Path || c.size != rec.Size {
			return false
		}
		if !c.modTime.Equal(rec.ModTime) {
			sum, err := srcfile.SHA256(c.path)
			if err != nil || sum != rec.SHA256 {
				return false
			}
		}
	}
	return true
}

// writeSnapshot stores the releases and the files they came from at path,
// atomically.
func writeSnapshot(path string, inputs []SourceFile, releases []*Release, comps []*component) error {
	w := snapio.NewWriter()
	encodeSourceFiles(w, inputs)
	w.Int(len(releases))
	w.Int(len(comps))
	for _, r := range releases {
		w.Block(r.encode)
	}
	for _, c := range comps {
		w.Block(c.encode)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".codesets-*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := w.WriteTo(tmp, snapshotMagic, snapshotVersion); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// inputFiles lists every candidate file of the layout with its checksum,
// taking the checksums computed while loading where there are some.
func inputFiles(l *layout, releases []*Release, comps []*component) ([]SourceFile, error) {
	known := make(map[string]string)
	for _, r := range releases {
		for _, f := range r.Files {
			known[f.Path] = f.SHA256
		}
	}
	for _, c := range comps {
		for _, f := range c.files {
			known[f.Path] = f.SHA256
		}
	}
	var out []SourceFile
	for _, c := range l.files() {
		sum, ok := known[c.rel]
		if !ok {
			var err error
			if sum, err = srcfile.SHA256(c.path); err != nil {
				return nil, fmt.Errorf("codeset: %w", err)
			}
		}
		out = append(out, SourceFile{Path: c.rel, Size: c.size, ModTime: c.modTime, SHA256: sum})
	}
	return out, nil
}

// files lists every candidate file of the layout, by path.
func (l *layout) files() []candidate {
	var out []candidate
	for _, rd := range l.releases {
		out = append(out, rd.files...)
	}
	for _, vd := range l.catalog {
		out = append(out, vd.files...)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].rel < out[j].rel })
	return out
}

func encodeSourceFiles(w *snapio.Writer, files []SourceFile) {
	w.Int(len(files))
	for _, f := range files {
		w.Str(f.Kind)
		w.Str(f.Path)
		w.Int64(f.Size)
		w.Int64(f.ModTime.UnixNano())
		w.Str(f.SHA256)
	}
}

func decodeSourceFiles(r *snapio.Reader) []SourceFile {
	files := make([]SourceFile, r.Len())
	for i := range files {
		files[i] = SourceFile{Kind: r.Str(), Path: r.Str(), Size: r.Int64(), ModTime: time.Unix(0, r.Int64()), SHA256: r.Str()}
	}
	return files
}

// Components of a release, in snapshot order; each is preceded by a
// presence flag.
func (rel *Release) encode(w *snapio.Writer) {
	w.Int(rel.FiscalYear)
	w.Str(rel.Name)
	w.Str(rel.Dir)
	w.Int64(rel.EffectiveFrom.Unix())
	w.Int64(rel.EffectiveTo.Unix())
	encodeSourceFiles(w, rel.icdFiles)
	w.Strings(rel.icdNotes)
	w.Bool(rel.ICD != nil)
	if rel.ICD != nil {
		rel.ICD.Encode(w)
	}
	w.Bool(rel.Order != nil)
	if rel.Order != nil {
		rel.Order.Encode(w)
	}
	for _, ix := range []*icd.Index{rel.Index, rel.ExternalIndex, tableIndex(rel.Drugs), tableIndex(rel.Neoplasms)} {
		w.Bool(ix != nil)
		if ix != nil {
			ix.Encode(w)
		}
	}
}

func tableIndex(t *icd.Table) *icd.Index {
	if t == nil {
		return nil
	}
	return &t.Index
}

func decodeRelease(r *snapio.Reader) (*Release, error) {
	rel := &Release{
		FiscalYear:    r.Int(9999),
		Name:          r.Str(),
		Dir:           r.Str(),
		EffectiveFrom: time.Unix(r.Int64(), 0).UTC(),
		EffectiveTo:   time.Unix(r.Int64(), 0).UTC(),
		icdFiles:      decodeSourceFiles(r),
		icdNotes:      r.Strings(),
	}
	var err error
	if r.Bool() {
		if rel.ICD, err = icd.DecodeTabular(r); err != nil {
			return nil, err
		}
	}
	if r.Bool() {
		if rel.Order, err = icd.DecodeOrder(r); err != nil {
			return nil, err
		}
	}
	for _, dst := range []**icd.Index{&rel.Index, &rel.ExternalIndex} {
		if r.Bool() {
			if *dst, err = icd.DecodeIndex(r); err != nil {
				return nil, err
			}
		}
	}
	for _, dst := range []**icd.Table{&rel.Drugs, &rel.Neoplasms} {
		if r.Bool() {
			if *dst, err = icd.DecodeTable(r); err != nil {
				return nil, err
			}
		}
	}
	if rel.ICD == nil && r.Err() == nil {
		r.Fail("release without a tabular")
	}
	return rel, r.Err()
}
