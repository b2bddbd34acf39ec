package batch

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func readAll(t testing.TB, in string, max int) (string, error) {
	r := NewReader(strings.NewReader(in), max)
	var out []string
	for {
		n, l, bad, err := r.Next()
		if err == io.EOF {
			return strings.Join(out, "|"), nil
		}
		if err != nil {
			return strings.Join(out, "|"), err
		}
		if bad != nil {
			out = append(out, fmt.Sprintf("%d!%v", n, bad))
			continue
		}
		out = append(out, fmt.Sprintf("%d:%s=%q", n, l.ID, l.Note))
	}
}

func TestReader(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"two lines", `{"id":"a","note":"cough"}` + "\n" + `{"id":"b","note":"fever"}` + "\n", `1:a="cough"|2:b="fever"`},
		{"no final newline", `{"note":"x"}`, `1:="x"`},
		{"blank lines and CRLF", "\n" + `{"note":"x"}` + "\r\n\r\n" + `{"note":"y"}`, `2:="x"|4:="y"`},
		{"bad JSON", `{"note":` + "\n" + `{"note":"ok"}`, `1!line 1: not a JSON object|2:="ok"`},
		{"unknown field", `{"note":"x","nte":1}`, `1!line 1: unknown field "nte"`},
		{"wrong type", `{"note":5}`, `1!line 1: field "note" must be a string`},
		{"two values", `{"note":"a"} {"note":"b"}`, `1!line 1: more than one JSON value`},
		{"long id", `{"id":"` + strings.Repeat("i", MaxIDLen+1) + `","note":"x"}`, `1!line 1: the id must be UTF-8 text of at most 200 bytes`},
		{"too long then fine", `{"note":"` + strings.Repeat("n", 400) + `"}` + "\n" + `{"note":"ok"}`, `1!line 1 is longer than 300 bytes|2:="ok"`},
		{"empty", "", ``},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readAll(t, tt.in, 300)
			if err != nil || got != tt.want {
				t.Fatalf("got %s, %v\nwant %s", got, err, tt.want)
			}
		})
	}
}

func TestReaderKeepsStreamErrors(t *testing.T) {
	broken := io.MultiReader(strings.NewReader(`{"note":"a"}`+"\n"), iotest.ErrReader(errors.New("connection reset")))
	r := NewReader(broken, 100)
	if _, _, bad, err := r.Next(); bad != nil || err != nil {
		t.Fatalf("first line: %v, %v", bad, err)
	}
	if _, _, _, err := r.Next(); err == nil || err == io.EOF {
		t.Fatalf("stream error lost: %v", err)
	}
}

func FuzzReader(f *testing.F) {
	f.Add(`{"id":"a","note":"cough"}` + "\n" + `{"note":"x","no_phi_attested":true}`)
	f.Add("\n\n{\"note\":")
	f.Add(`{"note":"` + strings.Repeat("x", 90) + `"}`)
	f.Fuzz(func(t *testing.T, in string) {
		r := NewReader(strings.NewReader(in), 64)
		last := 0
		for i := 0; ; i++ {
			n, l, bad, err := r.Next()
			if err != nil {
				if err != io.EOF {
					t.Fatalf("stream error from a string: %v", err)
				}
				return
			}
			if n <= last {
				t.Fatalf("line numbers go back: %d after %d", n, last)
			}
			last = n
			if bad == nil && len(l.ID) > MaxIDLen {
				t.Fatal("over-long id accepted")
			}
			if i > len(in)+1 {
				t.Fatal("more lines than bytes")
			}
		}
	})
}
