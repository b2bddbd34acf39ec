package snapio

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"slices"
	"testing"
)

const magic = "test snapshot\n"

func sample() []byte {
	w := NewWriter()
	w.Str("alpha")
	w.Int(42)
	w.Int64(-7)
	w.Bool(true)
	w.Float64(32.3465)
	w.Strings([]string{"alpha", "beta", ""})
	w.Block(func(w *Writer) {
		w.Str("beta")
		w.Int(3)
	})
	w.Str("gamma")
	return w.Bytes(magic, 3)
}

func TestRoundTrip(t *testing.T) {
	r, err := NewReader(sample(), magic, 3)
	if err != nil {
		t.Fatal(err)
	}
	if s := r.Str(); s != "alpha" {
		t.Errorf("String = %q", s)
	}
	if n := r.Int(100); n != 42 {
		t.Errorf("Int = %d", n)
	}
	if n := r.Int64(); n != -7 {
		t.Errorf("Int64 = %d", n)
	}
	if !r.Bool() {
		t.Error("Bool = false")
	}
	if f := r.Float64(); f != 32.3465 {
		t.Errorf("Float64 = %v", f)
	}
	if ss := r.Strings(); !slices.Equal(ss, []string{"alpha", "beta", ""}) {
		t.Errorf("Strings = %q", ss)
	}
	block := r.Block()
	if s := r.Str(); s != "gamma" {
		t.Errorf("after the block: %q", s)
	}
	if err := r.Done(); err != nil {
		t.Error(err)
	}
	if s, n := block.Str(), block.Int(10); s != "beta" || n != 3 || block.Done() != nil {
		t.Errorf("block: %q %d %v", s, n, block.Err())
	}
}

func TestRejects(t *testing.T) {
	good := sample()
	flip := append([]byte(nil), good...)
	flip[len(flip)/2] ^= 1
	tests := map[string][]byte{
		"empty":         nil,
		"other magic":   append([]byte("other snapshot\n"), good[len(magic):]...),
		"bit flip":      flip,
		"truncated":     good[:len(good)-1],
		"trailing byte": append(append([]byte(nil), good...), 0),
	}
	for name, data := range tests {
		if _, err := NewReader(data, magic, 3); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: %v, want ErrCorrupt", name, err)
		}
	}
	if _, err := NewReader(good, magic, 4); !errors.Is(err, ErrCorrupt) {
		t.Errorf("other version: %v", err)
	}
}

func TestReaderErrorsAreSticky(t *testing.T) {
	r, err := NewReader(sample(), magic, 3)
	if err != nil {
		t.Fatal(err)
	}
	r.Str()
	if n := r.Int(10); n != 0 || r.Err() == nil {
		t.Fatalf("Int(10) of 42 = %d, err %v; want range error", n, r.Err())
	}
	if r.Str() != "" || r.Bool() || r.Int64() != 0 || r.Strings() != nil || r.Done() == nil {
		t.Error("reads after an error must return zero values")
	}
}

// FuzzReader decodes arbitrary bytes: NewReader and every read must fail
// cleanly, never panic or allocate beyond the input's size. The checksum
// is recomputed so that mutations reach the decoder.
func FuzzReader(f *testing.F) {
	s := sample()
	f.Add(s[:len(s)-4])
	f.Add([]byte(magic))
	f.Fuzz(func(t *testing.T, data []byte) {
		data = binary.LittleEndian.AppendUint32(data, crc32.ChecksumIEEE(data))
		r, err := NewReader(data, magic, 3)
		if err != nil {
			return
		}
		for r.Err() == nil {
			r.Str()
			r.Strings()
			r.Int64()
			r.Bool()
			r.Float64()
			r.Block().Strings()
		}
	})
}
