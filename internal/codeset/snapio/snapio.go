// Package snapio is the binary encoding of code-set snapshots: varints and
// strings, each distinct string stored once in a table at the head of the
// file, the whole closed by a CRC-32.
//
// Layout: magic, uvarint format version, uvarint string count, the string
// lengths as uvarints, the strings' bytes, the body, CRC-32 (IEEE, little
// endian) of everything before it.
package snapio

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
)

// Writer accumulates a snapshot body.
type Writer struct {
	body []byte
	tab  *stringTable
}

type stringTable struct {
	ids  map[string]uint64
	strs []string
}

// NewWriter returns an empty Writer.
func NewWriter() *Writer {
	return &Writer{tab: &stringTable{ids: make(map[string]uint64)}}
}

// Block writes what fn writes as one length-prefixed block, which a
// Reader can decode apart from the rest (see Reader.Block).
func (w *Writer) Block(fn func(w *Writer)) {
	sub := &Writer{tab: w.tab}
	fn(sub)
	w.Int(len(sub.body))
	w.body = append(w.body, sub.body...)
}

// Uvarint writes v.
func (w *Writer) Uvarint(v uint64) { w.body = binary.AppendUvarint(w.body, v) }

// Int writes a non-negative int.
func (w *Writer) Int(v int) { w.Uvarint(uint64(v)) }

// Int64 writes a signed integer.
func (w *Writer) Int64(v int64) { w.body = binary.AppendVarint(w.body, v) }

// Bool writes b as one byte.
func (w *Writer) Bool(b bool) {
	if b {
		w.body = append(w.body, 1)
	} else {
		w.body = append(w.body, 0)
	}
}

// Float64 writes f in its IEEE 754 bits.
func (w *Writer) Float64(f float64) {
	w.body = binary.LittleEndian.AppendUint64(w.body, math.Float64bits(f))
}

// Str writes s by its id in the string table.
func (w *Writer) Str(s string) {
	id, ok := w.tab.ids[s]
	if !ok {
		id = uint64(len(w.tab.strs))
		w.tab.ids[s] = id
		w.tab.strs = append(w.tab.strs, s)
	}
	w.Uvarint(id)
}

// Strings writes a length-prefixed list of strings.
func (w *Writer) Strings(ss []string) {
	w.Int(len(ss))
	for _, s := range ss {
		w.Str(s)
	}
}

// WriteTo writes the snapshot under magic and format version to out,
// without assembling it in memory.
func (w *Writer) WriteTo(out io.Writer, magic string, version uint64) error {
	bw := bufio.NewWriterSize(out, 1<<16)
	crc := crc32.NewIEEE()
	dst := io.MultiWriter(bw, crc)
	var head []byte
	head = append(head, magic...)
	head = binary.AppendUvarint(head, version)
	head = binary.AppendUvarint(head, uint64(len(w.tab.strs)))
	for _, s := range w.tab.strs {
		head = binary.AppendUvarint(head, uint64(len(s)))
	}
	if _, err := dst.Write(head); err != nil {
		return err
	}
	for _, s := range w.tab.strs {
		if _, err := io.WriteString(dst, s); err != nil {
			return err
		}
	}
	if _, err := dst.Write(w.body); err != nil {
		return err
	}
	if _, err := bw.Write(binary.LittleEndian.AppendUint32(nil, crc.Sum32())); err != nil {
		return err
	}
	return bw.Flush()
}

// Bytes returns the snapshot WriteTo writes.
func (w *Writer) Bytes(magic string, version uint64) []byte {
	var buf bytes.Buffer
	w.WriteTo(&buf, magic, version) // a bytes.Buffer does not fail
	return buf.Bytes()
}

// Reader decodes a snapshot. The first problem met is kept in Err; after
// it every read returns a zero value, so decoders check Err once at the
// end.
type Reader struct {
	data []byte
	pos  int
	strs []string
	err  error
}

// ErrCorrupt is wrapped by every decoding error.
var ErrCorrupt = errors.New("snapshot corrupt")

// NewReader checks the magic, format version and checksum of data and
// reads its string table.
func NewReader(data []byte, magic string, version uint64) (*Reader, error) {
	if len(data) < len(magic)+4 || string(data[:len(magic)]) != magic {
		return nil, fmt.Errorf("%w: not a snapshot", ErrCorrupt)
	}
	body, sum := data[:len(data)-4], binary.LittleEndian.Uint32(data[len(data)-4:])
	if crc32.ChecksumIEEE(body) != sum {
		return nil, fmt.Errorf("%w: checksum mismatch", ErrCorrupt)
	}
	r := &Reader{data: body, pos: len(magic)}
	if v := r.Uvarint(); r.err == nil && v != version {
		return nil, fmt.Errorf("%w: format version %d, want %d", ErrCorrupt, v, version)
	}
	n := r.Len()
	lens := make([]int, n)
	total := 0
	for i := range lens {
		lens[i] = r.Len()
		total += lens[i]
	}
	if r.err == nil && total > len(r.data)-r.pos {
		r.Fail("string table longer than the file")
	}
	if r.err != nil {
		return nil, r.err
	}
	// One string holds every table entry; entries are slices of it.
	blob := string(r.data[r.pos : r.pos+total])
	r.pos += total
	r.strs = make([]string, n)
	off := 0
	for i, l := range lens {
		r.strs[i] = blob[off : off+l]
		off += l
	}
	return r, nil
}

// Fail records a decoding problem found by the caller (a value that
// breaks the structure being decoded), unless one was already recorded.
func (r *Reader) Fail(msg string) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: %s at byte %d", ErrCorrupt, msg, r.pos)
	}
}

// Err returns the first decoding problem, or nil.
func (r *Reader) Err() error { return r.err }

// Done reports an error unless the body was read to its end.
func (r *Reader) Done() error {
	if r.err == nil && r.pos != len(r.data) {
		r.Fail("trailing bytes")
	}
	return r.err
}

// Block returns a Reader for the next block written by Writer.Block and
// moves past it; the two Readers may then be used from different
// goroutines.
func (r *Reader) Block() *Reader {
	n := r.Len()
	sub := &Reader{strs: r.strs, err: r.err}
	if r.err == nil {
		sub.data = r.data[r.pos : r.pos+n]
		r.pos += n
	}
	return sub
}

// Uvarint reads an unsigned varint.
func (r *Reader) Uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.data[r.pos:])
	if n <= 0 {
		r.Fail("bad varint")
		return 0
	}
	r.pos += n
	return v
}

// Int64 reads a signed varint.
func (r *Reader) Int64() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.data[r.pos:])
	if n <= 0 {
		r.Fail("bad varint")
		return 0
	}
	r.pos += n
	return v
}

// Int reads a non-negative int no larger than max (when max is negative,
// no value is valid).
func (r *Reader) Int(max int) int {
	v := r.Uvarint()
	if r.err == nil && (max < 0 || v > uint64(max)) {
		r.Fail(fmt.Sprintf("value %d out of range (max %d)", v, max))
		return 0
	}
	return int(v)
}

// Len reads a count of items that follow; since every item takes at least
// one byte, a count beyond the bytes remaining after it is corrupt (and is
// refused before anything is allocated for it).
func (r *Reader) Len() int {
	v := r.Uvarint()
	// The bound is taken after the count's own bytes: a Block of that
	// length must end inside the data.
	if left := len(r.data) - r.pos; r.err == nil && v > uint64(left) {
		r.Fail(fmt.Sprintf("count %d beyond the %d bytes left", v, left))
		return 0
	}
	return int(v)
}

// Bool reads a boolean byte.
func (r *Reader) Bool() bool {
	if r.err != nil {
		return false
	}
	if r.pos >= len(r.data) || r.data[r.pos] > 1 {
		r.Fail("bad boolean")
		return false
	}
	r.pos++
	return r.data[r.pos-1] == 1
}

// Float64 reads an IEEE 754 float.
func (r *Reader) Float64() float64 {
	if r.err != nil {
		return 0
	}
	if len(r.data)-r.pos < 8 {
		r.Fail("truncated float")
		return 0
	}
	bits := binary.LittleEndian.Uint64(r.data[r.pos:])
	r.pos += 8
	return math.Float64frombits(bits)
}

// Str reads a string by its id.
func (r *Reader) Str() string {
	id := r.Uvarint()
	if r.err != nil {
		return ""
	}
	if id >= uint64(len(r.strs)) {
		r.Fail(fmt.Sprintf("string id %d out of range", id))
		return ""
	}
	return r.strs[id]
}

// Strings reads a length-prefixed list of strings (nil when empty).
func (r *Reader) Strings() []string {
	n := r.Len()
	if n == 0 {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = r.Str()
	}
	return out
}
