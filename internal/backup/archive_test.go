package backup

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// archiveOf writes members (name, content) and a manifest.
func archiveOf(t testing.TB, members ...[2]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	aw, err := newArchiveWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range members {
		mw, err := aw.create(m[0])
		if err != nil {
			t.Fatal(err)
		}
		// Write in pieces so members span several chunks.
		for _, piece := range []string{m[1][:len(m[1])/2], m[1][len(m[1])/2:]} {
			if _, err := mw.Write([]byte(piece)); err != nil {
				t.Fatal(err)
			}
		}
		if err := mw.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if err := aw.finish(&Manifest{Format: Format, Kind: KindSQLite}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// readAll reads every member and the manifest, returning the contents.
func readAll(data []byte) (map[string]string, *Manifest, error) {
	ar, err := newArchiveReader(bytes.NewReader(data))
	if err != nil {
		return nil, nil, err
	}
	out := map[string]string{}
	for {
		name, r, err := ar.next()
		if err != nil {
			return nil, nil, beforeManifest(err)
		}
		if name == manifestName {
			m, err := ar.readManifest(r)
			return out, m, err
		}
		b, err := io.ReadAll(r)
		if err != nil {
			return nil, nil, err
		}
		out[name] = string(b)
	}
}

func TestArchiveRoundTrip(t *testing.T) {
	big := strings.Repeat("0123456789abcdef", maxChunk/16*2+3) // three chunks
	data := archiveOf(t, [2]string{"sqlite/medcode.db", big}, [2]string{"empty", ""}, [2]string{"postgres/table/users", "1\tann\n"})
	got, m, err := readAll(data)
	if err != nil {
		t.Fatal(err)
	}
	if got["sqlite/medcode.db"] != big || got["empty"] != "" || got["postgres/table/users"] != "1\tann\n" {
		t.Fatalf("contents differ: %d members", len(got))
	}
	if len(m.Members) != 3 || m.Members[0].Bytes != int64(len(big)) || len(m.Members[0].SHA256) != 64 {
		t.Fatalf("manifest %+v", m.Members)
	}
}

// TestArchiveRefusesDamage: every kind of damage is found and named.
func TestArchiveRefusesDamage(t *testing.T) {
	good := archiveOf(t, [2]string{"a", "first member content"}, [2]string{"b", "second"})
	flip := func(needle string) []byte {
		i := bytes.Index(good, []byte(needle))
		d := bytes.Clone(good)
		d[i] ^= 0x20
		return d
	}
	// A second archive whose members are in the other order.
	swapped := archiveOf(t, [2]string{"b", "second"}, [2]string{"a", "first member content"})
	_, swappedManifest, _ := strings.Cut(string(swapped), `{"name":"manifest.json"}`)
	_, goodManifest, _ := strings.Cut(string(good), `{"name":"manifest.json"}`)
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"not a backup", []byte("PK\x03\x04 zip"), "not a medcode backup"},
		{"empty", nil, "not a medcode backup"},
		{"truncated in a member", good[:bytes.Index(good, []byte("content"))], "truncated"},
		{"truncated before the manifest", good[:bytes.Index(good, []byte(`{"name":"manifest.json"}`))], "truncated"},
		{"flipped byte in a member", flip("first"), "the manifest says"},
		{"manifest of another archive", []byte(strings.Replace(string(good), goodManifest, swappedManifest, 1)), "the manifest says"},
		{"data after the manifest", append(bytes.Clone(good), []byte(`{"name":"extra"}`+"\n\x00")...), "after the manifest"},
		{"bad member name", []byte(magic + `{"name":"../../etc/passwd"}` + "\n\x00"), "not a member name"},
		{"header not JSON", []byte(magic + "garbage\n"), "header is not JSON"},
		{"oversized chunk", []byte(magic + `{"name":"a"}` + "\n\xff\xff\xff\xff\x0f"), "more than"},
		{"endless header", []byte(magic + strings.Repeat("x", 70000)), "header longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := readAll(tt.data)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "backup: ") && err != io.ErrUnexpectedEOF {
				t.Errorf("error without context: %v", err)
			}
		})
	}
}

func TestLoadOrderPutsReferencedTablesFirst(t *testing.T) {
	tables := []Table{{Name: "batch_items"}, {Name: "analyses"}, {Name: "users"}, {Name: "batches"}, {Name: "river_job"}}
	refs := map[string][]string{"batch_items": {"batches", "analyses"}, "analyses": {"users"}, "batches": {"users"}}
	got, err := loadOrder(tables, refs)
	if err != nil {
		t.Fatal(err)
	}
	pos := map[string]int{}
	for i, tb := range got {
		pos[tb.Name] = i
	}
	if len(got) != len(tables) {
		t.Fatalf("order %v", got)
	}
	for from, tos := range refs {
		for _, to := range tos {
			if pos[to] > pos[from] {
				t.Errorf("%s loads before %s, which it references", from, to)
			}
		}
	}
	if _, err := loadOrder(tables, map[string][]string{"users": {"batches"}, "batches": {"users"}}); err == nil || !strings.Contains(err.Error(), "cycle") {
		t.Errorf("cycle: %v", err)
	}
}

// FuzzArchiveReader reads arbitrary archives (a backup file is outside
// input once decrypted: whoever holds the key can craft one): errors name
// the problem, members never exceed their chunks, nothing panics.
func FuzzArchiveReader(f *testing.F) {
	f.Add(archiveOf(f, [2]string{"sqlite/medcode.db", "SQLite format 3\x00"}))
	f.Add(archiveOf(f, [2]string{"postgres/schema.json", `{"schema_version":2}`}, [2]string{"postgres/table/users", "1\n"}))
	f.Add([]byte(magic + `{"name":"a"}` + "\n\x03abc\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, m, err := readAll(data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "backup: ") && err != io.ErrUnexpectedEOF {
				t.Fatalf("error without context: %v", err)
			}
			return
		}
		if len(m.Members) != len(got) {
			t.Fatalf("manifest lists %d members, read %d", len(m.Members), len(got))
		}
		total := 0
		for _, c := range got {
			total += len(c)
		}
		if total > len(data) {
			t.Fatalf("read %d bytes of content from %d bytes", total, len(data))
		}
	})
}
