// Package srcfile opens official code-set files (plain or xz-compressed) and
// reports problems in them with the file, line and element at fault.
package srcfile

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/ulikunitz/xz"
)

// Error is a problem found in a source file. Line is 1-based; 0 when the
// problem concerns the whole file.
type Error struct {
	File    string
	Line    int
	Element string // the XML element or column concerned, if any
	Msg     string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Element != "" {
		b.WriteString(": ")
		b.WriteString(e.Element)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// Errorf builds an *Error.
func Errorf(file string, line int, element, format string, args ...any) *Error {
	return &Error{File: file, Line: line, Element: element, Msg: fmt.Sprintf(format, args...)}
}

// xzMagic starts every .xz stream.
var xzMagic = []byte{0xFD, '7', 'z', 'X', 'Z', 0x00}

// File is an open source file. Reads return its content, decompressed on
// the fly when it is an xz stream (official files are large, so a data
// directory may keep them compressed). The file's stored bytes are hashed
// as they are read.
type File struct {
	content io.Reader
	raw     io.Reader // the stored bytes, through the hash
	f       *os.File
	h       hash.Hash
}

// Open opens path for reading.
func Open(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	sf := &File{f: f, h: sha256.New()}
	sf.raw = io.TeeReader(f, sf.h)
	br := bufio.NewReaderSize(sf.raw, 1<<16)
	head, err := br.Peek(len(xzMagic))
	if err != nil && err != io.EOF {
		f.Close()
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if !bytes.Equal(head, xzMagic) {
		sf.content = br
		return sf, nil
	}
	zr, err := xz.NewReader(br)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: xz: %w", path, err)
	}
	sf.content = bufio.NewReaderSize(zr, 1<<16)
	return sf, nil
}

func (f *File) Read(p []byte) (int, error) { return f.content.Read(p) }

// Close closes the file.
func (f *File) Close() error { return f.f.Close() }

// SHA256 reads the rest of the stored file and returns the hex SHA-256 of
// all its bytes as stored (compressed files hashed compressed, matching
// published SHA256SUMS lists).
func (f *File) SHA256() (string, error) {
	if _, err := io.Copy(io.Discard, f.raw); err != nil {
		return "", fmt.Errorf("hash %s: %w", f.f.Name(), err)
	}
	return hex.EncodeToString(f.h.Sum(nil)), nil
}

// LogicalName is a file's name without a compression suffix, so that
// "icd10cm_tabular_2021.xml.xz" is recognized as an XML file.
func LogicalName(path string) string {
	return strings.TrimSuffix(filepath.Base(path), ".xz")
}

// SHA256 returns the hex SHA-256 of the file at path as stored.
func SHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hash %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
