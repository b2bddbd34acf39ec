package codeset

import (
	"archive/zip"
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/medcode/medcode/internal/codeset/srcfile"
)

// InstalledLog is the file in the data directory that records every
// installation.
const InstalledLog = "installed.json"

// sumsFile lists the checksums of a directory to install from.
const sumsFile = "SHA256SUMS"

// maxInstallBytes bounds a download and the content of an archive.
const maxInstallBytes = 4 << 30

// InstallOptions says what to install.
type InstallOptions struct {
	// From is a directory holding a SHA256SUMS file (every file it lists is
	// installed at the same relative path), a .zip archive or a single file,
	// or an http(s) URL of an archive or file.
	From string
	// Into is the directory, relative to the data directory, that receives
	// the files (e.g. "icd10cm/fy2026"); required for an archive, file or
	// URL, a prefix for a directory.
	Into string
	// SHA256 is the expected checksum of an archive, file or download.
	SHA256 string
	// Force replaces installed files that have other content.
	Force bool
	// Client downloads URLs; nil means http.DefaultClient.
	Client *http.Client
}

// InstallRecord is one installation, as appended to installed.json.
type InstallRecord struct {
	Time   time.Time       `json:"time"`
	Source string          `json:"source"`
	SHA256 string          `json:"sha256,omitempty"`
	Files  []InstalledFile `json:"files"`
}

// InstalledFile is a file placed in the data directory.
type InstalledFile struct {
	Path   string `json:"path"` // relative to the data directory
	SHA256 string `json:"sha256"`
	// Unchanged is set when the file was already installed with this content.
	Unchanged bool `json:"unchanged,omitempty"`
}

// Install verifies and copies (or downloads) release files into dataDir,
// checks that the data directory still loads, and records the
// installation in installed.json. On any failure the data directory is
// left as it was.
func Install(ctx context.Context, dataDir string, opts InstallOptions) (*InstallRecord, error) {
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return nil, fmt.Errorf("install: %w", err)
	}
	var into string
	if opts.Into != "" {
		var err error
		if into, err = cleanRel(opts.Into); err != nil {
			return nil, fmt.Errorf("install: --into: %w", err)
		}
	}
	staging, err := os.MkdirTemp(dataDir, ".install-")
	if err != nil {
		return nil, fmt.Errorf("install: %w", err)
	}
	defer os.RemoveAll(staging)

	rec := &InstallRecord{Time: time.Now().UTC(), Source: opts.From}
	var staged []stagedFile
	switch {
	case strings.HasPrefix(opts.From, "http://") || strings.HasPrefix(opts.From, "https://"):
		staged, rec.SHA256, err = stageDownload(ctx, staging, into, opts)
	default:
		info, statErr := os.Stat(opts.From)
		switch {
		case statErr != nil:
			err = fmt.Errorf("install: %w", statErr)
		case info.IsDir():
			staged, err = stageDirectory(staging, into, opts.From)
		default:
			staged, rec.SHA256, err = stageFile(staging, into, opts.From, path.Base(filepath.ToSlash(opts.From)), opts)
		}
	}
	if err != nil {
		return nil, err
	}
	if len(staged) == 0 {
		return nil, errors.New("install: nothing to install")
	}
	rec.Files, err = place(dataDir, staging, staged, opts.Force)
	if err != nil {
		return nil, err
	}
	if err := verify(dataDir); err != nil {
		undo(dataDir, staging, rec.Files)
		return nil, fmt.Errorf("install: the data directory does not load with the new files (they were removed): %w", err)
	}
	if err := appendLog(dataDir, rec); err != nil {
		return nil, err
	}
	return rec, nil
}

// verify loads every release and code-set version of the data directory.
func verify(dataDir string) error {
	l, err := scan(dataDir)
	if err != nil {
		return err
	}
	_, _, err = loadReleases(l)
	return err
}

// stagedFile is a verified file waiting in the staging directory.
type stagedFile struct {
	rel    string // destination, relative to the data directory
	staged string // path in the staging directory
	sum    string
}

// cleanRel checks that p is a relative path inside its base.
func cleanRel(p string) (string, error) {
	p = filepath.ToSlash(p)
	clean := path.Clean(p)
	if p == "" || path.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, "../") || clean == "." {
		return "", fmt.Errorf("%q is not a relative path inside the data directory", p)
	}
	return clean, nil
}

// stageDirectory stages every file listed in the directory's SHA256SUMS,
// verifying each checksum.
func stageDirectory(staging, into, dir string) ([]stagedFile, error) {
	sums, err := readSums(filepath.Join(dir, sumsFile))
	if err != nil {
		return nil, err
	}
	var out []stagedFile
	for i, s := range sums {
		src, err := os.Open(filepath.Join(dir, filepath.FromSlash(s.path)))
		if err != nil {
			return nil, fmt.Errorf("install: %s lists %s: %w", sumsFile, s.path, err)
		}
		dst := filepath.Join(staging, fmt.Sprint(i))
		sum, err := copyHashed(dst, src, maxInstallBytes)
		src.Close()
		if err != nil {
			return nil, fmt.Errorf("install: %s: %w", s.path, err)
		}
		if sum != s.sum {
			return nil, fmt.Errorf("install: %s: checksum %s, %s says %s", s.path, sum, sumsFile, s.sum)
		}
		out = append(out, stagedFile{rel: path.Join(into, s.path), staged: dst, sum: sum})
	}
	return out, nil
}

type sumLine struct{ sum, path string }

// readSums reads a sha256sum listing file.
func readSums(file string) ([]sumLine, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("install: a directory must hold a %s file to verify its files: %w", sumsFile, err)
	}
	defer f.Close()
	return parseSums(f, file)
}

// parseSums reads a sha256sum listing: "<hex>  <path>" per line ("*" before
// the path marks binary mode), each path relative and inside its
// directory.
func parseSums(r io.Reader, file string) ([]sumLine, error) {
	var out []sumLine
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		sum, name, ok := strings.Cut(line, " ")
		name = strings.TrimPrefix(strings.TrimSpace(name), "*")
		rel, err := cleanRel(name)
		if !ok || !isSHA256(sum) || err != nil {
			return nil, fmt.Errorf("install: %s:%d: not \"<sha256>  <relative path>\"", file, n)
		}
		out = append(out, sumLine{sum: strings.ToLower(sum), path: rel})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("install: %s: %w", file, err)
	}
	return out, nil
}

func isSHA256(s string) bool {
	b, err := hex.DecodeString(s)
	return err == nil && len(b) == sha256.Size
}

// stageFile verifies a local archive or file against opts.SHA256 and
// stages its content.
func stageFile(staging, into, file, name string, opts InstallOptions) ([]stagedFile, string, error) {
	if into == "" {
		return nil, "", errors.New("install: --into is required to install a single file or archive")
	}
	if !isSHA256(opts.SHA256) {
		return nil, "", errors.New("install: --sha256 with the expected checksum is required to install a single file or archive")
	}
	// The name may come from a URL's last segment ("https://host/.." ends
	// in ".."): only a plain file name keeps the file inside --into.
	if rel, err := cleanRel(name); err != nil || strings.Contains(rel, "/") {
		return nil, "", fmt.Errorf("install: %q is not a file name to install under --into", name)
	}
	src, err := os.Open(file)
	if err != nil {
		return nil, "", fmt.Errorf("install: %w", err)
	}
	defer src.Close()
	copied := filepath.Join(staging, "source")
	sum, err := copyHashed(copied, src, maxInstallBytes)
	if err != nil {
		return nil, "", fmt.Errorf("install: %s: %w", file, err)
	}
	if sum != strings.ToLower(opts.SHA256) {
		return nil, "", fmt.Errorf("install: %s: checksum %s, expected %s", file, sum, strings.ToLower(opts.SHA256))
	}
	if strings.EqualFold(path.Ext(name), ".zip") {
		files, err := stageZip(staging, into, copied)
		return files, sum, err
	}
	return []stagedFile{{rel: path.Join(into, name), staged: copied, sum: sum}}, sum, nil
}

// stageDownload downloads a URL into the staging directory and stages it
// like a local file.
func stageDownload(ctx context.Context, staging, into string, opts InstallOptions) ([]stagedFile, string, error) {
	u, err := url.Parse(opts.From)
	if err != nil {
		return nil, "", fmt.Errorf("install: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, "", fmt.Errorf("install: %w", err)
	}
	client := opts.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("install: download: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, "", fmt.Errorf("install: download %s: %s", u.Redacted(), resp.Status)
	}
	name := path.Base(u.Path)
	if name == "/" || name == "." {
		name = "download"
	}
	downloaded := filepath.Join(staging, "download")
	if _, err := copyHashed(downloaded, resp.Body, maxInstallBytes); err != nil {
		return nil, "", fmt.Errorf("install: download %s: %w", u.Redacted(), err)
	}
	return stageFile(staging, into, downloaded, name, opts)
}

// stageZip extracts a zip archive's regular files under into.
func stageZip(staging, into, archive string) ([]stagedFile, error) {
	zr, err := zip.OpenReader(archive)
	if err != nil {
		return nil, fmt.Errorf("install: %w", err)
	}
	defer zr.Close()
	var out []stagedFile
	var total int64
	for i, f := range zr.File {
		if !f.Mode().IsRegular() {
			continue
		}
		rel, err := cleanRel(f.Name)
		if err != nil {
			return nil, fmt.Errorf("install: archive entry: %w", err)
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("install: %s: %w", f.Name, err)
		}
		dst := filepath.Join(staging, fmt.Sprintf("zip-%d", i))
		sum, err := copyHashed(dst, rc, maxInstallBytes-total)
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("install: %s: %w", f.Name, err)
		}
		info, _ := os.Stat(dst)
		total += info.Size()
		out = append(out, stagedFile{rel: path.Join(into, rel), staged: dst, sum: sum})
	}
	return out, nil
}

// copyHashed copies at most limit bytes of r to a new file dst and
// returns their SHA-256.
func copyHashed(dst string, r io.Reader, limit int64) (string, error) {
	f, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(r, limit+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", err
	}
	if n > limit {
		return "", fmt.Errorf("larger than %d bytes", limit)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// place moves the staged files to their destinations. A destination with
// the same content is left alone; one with other content is replaced only
// with force, its old content kept in the staging directory for undo.
func place(dataDir, staging string, staged []stagedFile, force bool) ([]InstalledFile, error) {
	var placed []InstalledFile
	for _, s := range staged {
		dst := filepath.Join(dataDir, filepath.FromSlash(s.rel))
		if sum, err := srcfile.SHA256(dst); err == nil {
			if sum == s.sum {
				placed = append(placed, InstalledFile{Path: s.rel, SHA256: s.sum, Unchanged: true})
				continue
			}
			if !force {
				undo(dataDir, staging, placed)
				return nil, fmt.Errorf("install: %s is installed with other content (use --force to replace it)", s.rel)
			}
			if err := os.Rename(dst, backupPath(staging, s.rel)); err != nil {
				undo(dataDir, staging, placed)
				return nil, fmt.Errorf("install: %w", err)
			}
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			undo(dataDir, staging, placed)
			return nil, fmt.Errorf("install: %w", err)
		}
		if err := os.Rename(s.staged, dst); err != nil {
			undo(dataDir, staging, placed)
			return nil, fmt.Errorf("install: %w", err)
		}
		placed = append(placed, InstalledFile{Path: s.rel, SHA256: s.sum})
	}
	return placed, nil
}

func backupPath(staging, rel string) string {
	return filepath.Join(staging, "backup-"+strings.ReplaceAll(rel, "/", "_"))
}

// undo removes the files placed and puts back the ones they replaced.
func undo(dataDir, staging string, placed []InstalledFile) {
	for _, p := range placed {
		if p.Unchanged {
			continue
		}
		dst := filepath.Join(dataDir, filepath.FromSlash(p.Path))
		os.Remove(dst)
		if _, err := os.Stat(backupPath(staging, p.Path)); err == nil {
			os.Rename(backupPath(staging, p.Path), dst)
		}
	}
}

// appendLog adds rec to installed.json.
func appendLog(dataDir string, rec *InstallRecord) error {
	file := filepath.Join(dataDir, InstalledLog)
	var log []InstallRecord
	if data, err := os.ReadFile(file); err == nil {
		if err := json.Unmarshal(data, &log); err != nil {
			return fmt.Errorf("install: %s: %w", file, err)
		}
	} else if !os.IsNotExist(err) {
		return fmt.Errorf("install: %w", err)
	}
	log = append(log, *rec)
	data, err := json.MarshalIndent(log, "", "  ")
	if err != nil {
		return fmt.Errorf("install: %w", err)
	}
	tmp := file + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("install: %w", err)
	}
	return os.Rename(tmp, file)
}
