package backup

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// The archive inside the age encryption is a stream of members, so a
// backup is written as the database is read, without a plaintext copy on
// disk and without knowing sizes in advance:
//
//	magic line
//	per member: a JSON header line {"name": ...}, then chunks, each a
//	uvarint length and that many bytes, ended by a zero length
//
// The last member is the manifest, which lists every other member with its
// size and SHA-256, so truncation, reordering and tampering are found.
const (
	magic        = "medcode-backup 1\n"
	manifestName = "manifest.json"
	maxHeader    = 4 << 10
	maxChunk     = 1 << 20
)

// archiveWriter writes members one after the other.
type archiveWriter struct {
	w    *bufio.Writer
	open *memberWriter
	done []Member
}

func newArchiveWriter(w io.Writer) (*archiveWriter, error) {
	aw := &archiveWriter{w: bufio.NewWriterSize(w, 64<<10)}
	if _, err := aw.w.WriteString(magic); err != nil {
		return nil, fmt.Errorf("backup: writing: %w", err)
	}
	return aw, nil
}

// create starts a member; the previous one must be closed.
func (aw *archiveWriter) create(name string) (*memberWriter, error) {
	if aw.open != nil {
		return nil, fmt.Errorf("backup: member %s is still open", aw.open.m.Name)
	}
	if err := validName(name); err != nil {
		return nil, err
	}
	hdr, _ := json.Marshal(memberHeader{Name: name})
	if _, err := aw.w.Write(append(hdr, '\n')); err != nil {
		return nil, fmt.Errorf("backup: writing: %w", err)
	}
	aw.open = &memberWriter{aw: aw, m: Member{Name: name}, sum: sha256.New()}
	return aw.open, nil
}

// finish writes the manifest as the last member and flushes.
func (aw *archiveWriter) finish(m *Manifest) error {
	m.Members = aw.done
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("backup: encoding the manifest: %w", err)
	}
	mw, err := aw.create(manifestName)
	if err != nil {
		return err
	}
	if _, err := mw.Write(b); err != nil {
		return err
	}
	if err := mw.Close(); err != nil {
		return err
	}
	if err := aw.w.Flush(); err != nil {
		return fmt.Errorf("backup: writing: %w", err)
	}
	return nil
}

type memberHeader struct {
	Name string `json:"name"`
}

// memberWriter frames what is written to it as chunks.
type memberWriter struct {
	aw  *archiveWriter
	m   Member
	sum interface {
		io.Writer
		Sum([]byte) []byte
	}
}

func (mw *memberWriter) Write(p []byte) (int, error) {
	written := 0
	for len(p) > 0 {
		n := min(len(p), maxChunk)
		var lenBuf [binary.MaxVarintLen64]byte
		if _, err := mw.aw.w.Write(lenBuf[:binary.PutUvarint(lenBuf[:], uint64(n))]); err != nil {
			return written, fmt.Errorf("backup: writing: %w", err)
		}
		if _, err := mw.aw.w.Write(p[:n]); err != nil {
			return written, fmt.Errorf("backup: writing: %w", err)
		}
		mw.sum.Write(p[:n])
		mw.m.Bytes += int64(n)
		written += n
		p = p[n:]
	}
	return written, nil
}

// Close ends the member with a zero-length chunk.
func (mw *memberWriter) Close() error {
	if err := mw.aw.w.WriteByte(0); err != nil {
		return fmt.Errorf("backup: writing: %w", err)
	}
	mw.m.SHA256 = hex.EncodeToString(mw.sum.Sum(nil))
	if mw.m.Name != manifestName {
		mw.aw.done = append(mw.aw.done, mw.m)
	}
	mw.aw.open = nil
	return nil
}

func validName(name string) error {
	if name == "" || len(name) > 256 || strings.ContainsAny(name, "\x00\n\\") || strings.Contains(name, "..") || strings.HasPrefix(name, "/") {
		return fmt.Errorf("backup: %q is not a member name", name)
	}
	return nil
}

// archiveReader reads members in order, checking each against the
// manifest at the end (see verify).
type archiveReader struct {
	r      *bufio.Reader
	cur    *memberReader
	seen   []Member
	member int
}

// errNotBackup means the decrypted stream is not a medcode backup.
var errNotBackup = errors.New("backup: not a medcode backup (bad magic line)")

func newArchiveReader(r io.Reader) (*archiveReader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head := make([]byte, len(magic))
	if _, err := io.ReadFull(br, head); err != nil || string(head) != magic {
		return nil, errNotBackup
	}
	return &archiveReader{r: br}, nil
}

// next returns the next member's name and content; the previous member is
// skipped to its end. io.EOF after the manifest.
func (ar *archiveReader) next() (string, io.Reader, error) {
	if ar.cur != nil {
		if _, err := io.Copy(io.Discard, ar.cur); err != nil {
			return "", nil, err
		}
	}
	ar.member++
	line, err := ar.r.ReadSlice('\n')
	if err == io.EOF && len(line) == 0 {
		return "", nil, io.EOF
	}
	if err != nil {
		if errors.Is(err, bufio.ErrBufferFull) || len(line) > maxHeader {
			return "", nil, fmt.Errorf("backup: member %d: header longer than %d bytes", ar.member, maxHeader)
		}
		return "", nil, fmt.Errorf("backup: member %d: truncated header", ar.member)
	}
	if len(line) > maxHeader {
		return "", nil, fmt.Errorf("backup: member %d: header longer than %d bytes", ar.member, maxHeader)
	}
	var h memberHeader
	if err := json.Unmarshal(line, &h); err != nil {
		return "", nil, fmt.Errorf("backup: member %d: header is not JSON: %v", ar.member, err)
	}
	if err := validName(h.Name); err != nil {
		return "", nil, fmt.Errorf("backup: member %d: %w", ar.member, err)
	}
	ar.cur = &memberReader{ar: ar, m: Member{Name: h.Name}, sum: sha256.New()}
	return h.Name, ar.cur, nil
}

// memberReader reads one member's chunks.
type memberReader struct {
	ar   *archiveReader
	m    Member
	left uint64 // bytes left in the current chunk
	done bool
	sum  interface {
		io.Writer
		Sum([]byte) []byte
	}
}

func (mr *memberReader) Read(p []byte) (int, error) {
	if mr.done {
		return 0, io.EOF
	}
	if mr.left == 0 {
		n, err := binary.ReadUvarint(mr.ar.r)
		if err != nil {
			return 0, fmt.Errorf("backup: member %s: truncated (%v)", mr.m.Name, noEOF(err))
		}
		if n > maxChunk {
			return 0, fmt.Errorf("backup: member %s: chunk of %d bytes, more than %d", mr.m.Name, n, maxChunk)
		}
		if n == 0 {
			mr.done = true
			mr.m.SHA256 = hex.EncodeToString(mr.sum.Sum(nil))
			if mr.m.Name != manifestName {
				mr.ar.seen = append(mr.ar.seen, mr.m)
			}
			return 0, io.EOF
		}
		mr.left = n
	}
	if uint64(len(p)) > mr.left {
		p = p[:mr.left]
	}
	n, err := mr.ar.r.Read(p)
	mr.left -= uint64(n)
	mr.m.Bytes += int64(n)
	mr.sum.Write(p[:n])
	if err != nil {
		return n, fmt.Errorf("backup: member %s: truncated (%v)", mr.m.Name, noEOF(err))
	}
	return n, nil
}

// errTruncated means the archive ended before its manifest.
var errTruncated = errors.New("backup: the archive ends before its manifest: it is truncated")

// beforeManifest turns the end of the archive, met while members are
// still expected, into errTruncated.
func beforeManifest(err error) error {
	if errors.Is(err, io.EOF) {
		return errTruncated
	}
	return err
}

func noEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// readManifest decodes the manifest member and checks that it lists
// exactly the members read before it, with their sizes and checksums, and
// that nothing follows it.
func (ar *archiveReader) readManifest(r io.Reader) (*Manifest, error) {
	b, err := io.ReadAll(io.LimitReader(r, 16<<20))
	if err != nil {
		return nil, err
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("backup: manifest is not JSON: %v", err)
	}
	if m.Format != Format {
		return nil, fmt.Errorf("backup: format %d, this medcode reads %d", m.Format, Format)
	}
	if len(m.Members) != len(ar.seen) {
		return nil, fmt.Errorf("backup: manifest lists %d members, the archive holds %d", len(m.Members), len(ar.seen))
	}
	for i, want := range m.Members {
		if got := ar.seen[i]; got != want {
			return nil, fmt.Errorf("backup: member %s: %d bytes with SHA-256 %s, the manifest says %s: %d bytes with %s",
				got.Name, got.Bytes, got.SHA256, want.Name, want.Bytes, want.SHA256)
		}
	}
	if _, _, err := ar.next(); err != io.EOF {
		return nil, errors.New("backup: data after the manifest")
	}
	return &m, nil
}
