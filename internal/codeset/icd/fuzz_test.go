package icd

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/medcode/medcode/internal/codeset/snapio"
	"github.com/medcode/medcode/internal/codeset/srcfile"
)

func addFixtureSeed(f *testing.F, name string) {
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
}

// checkLoadError requires a failed load to say where: a *srcfile.Error
// naming the file.
func checkLoadError(t *testing.T, err error) {
	var se *srcfile.Error
	if !errors.As(err, &se) || se.File != "fuzz" || se.Msg == "" {
		t.Fatalf("error %v does not name the file and the problem", err)
	}
}

func FuzzLoadTabular(f *testing.F) {
	addFixtureSeed(f, "tabular.xml")
	f.Add([]byte(`<ICD10CM.tabular><chapter><name>1</name><section id="A"><diag><name>A00</name></diag></section></chapter></ICD10CM.tabular>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		tab, err := LoadTabular(bytes.NewReader(data), "fuzz")
		if err != nil {
			checkLoadError(t, err)
			return
		}
		for c := range tab.All() {
			got, ok := tab.Lookup(c.Code)
			if !ok || got != c {
				t.Fatalf("Lookup(%s) does not return the code", c.Code)
			}
			if err := tab.Validate(c.Code); (err == nil) != c.Billable {
				t.Fatalf("Validate(%s) = %v but Billable = %v", c.Code, err, c.Billable)
			}
			tab.NotesFor(c.Code)
			tab.SeventhChars(c.Code)
		}
		// The snapshot round trip keeps every code.
		w := snapio.NewWriter()
		tab.Encode(w)
		r, err := snapio.NewReader(w.Bytes("t", 1), "t", 1)
		if err != nil {
			t.Fatal(err)
		}
		back, err := DecodeTabular(r)
		if err != nil {
			t.Fatalf("decoding a fresh snapshot: %v", err)
		}
		if back.NumCodes() != tab.NumCodes() || back.NumBillable() != tab.NumBillable() {
			t.Fatalf("snapshot has %d/%d codes, files %d/%d", back.NumCodes(), back.NumBillable(), tab.NumCodes(), tab.NumBillable())
		}
	})
}

func FuzzLoadIndex(f *testing.F) {
	for _, name := range []string{"index.xml", "eindex.xml", "drug.xml", "neoplasm.xml"} {
		addFixtureSeed(f, name)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ix, err := LoadIndex(bytes.NewReader(data), "fuzz")
		if err != nil {
			checkLoadError(t, err)
			return
		}
		n := 0
		for term := range ix.All() {
			n++
			if p := term.Path(); p[len(p)-1] != term || p[0] != term.Main() {
				t.Fatalf("Path of %q is inconsistent", term.Title)
			}
			if term.See != "" {
				ix.Resolve(term.See)
			}
		}
		if n != ix.NumTerms() {
			t.Fatalf("All yields %d terms, NumTerms = %d", n, ix.NumTerms())
		}
	})
}

func FuzzLoadOrder(f *testing.F) {
	addFixtureSeed(f, "order.txt")
	f.Fuzz(func(t *testing.T, data []byte) {
		o, err := LoadOrder(bytes.NewReader(data), "fuzz")
		if err != nil {
			checkLoadError(t, err)
			return
		}
		for _, e := range o.Entries {
			if got, ok := o.Lookup(e.Code); !ok || got != e {
				t.Fatalf("Lookup(%s) = %+v", e.Code, got)
			}
		}
	})
}

func FuzzParseRefs(f *testing.F) {
	f.Add("hypertensive chronic kidney disease (I12.-, I13.-) and (N18.1-N18.6), S32.1--S32.9")
	f.Fuzz(func(t *testing.T, text string) {
		for _, r := range ParseRefs(text) {
			if !strings.Contains(text, r.First) || r.Last != "" && !strings.Contains(text, r.Last) {
				t.Fatalf("ref %v not in %q", r, text)
			}
			if _, ok := Key(r.First); !ok {
				t.Fatalf("ref %v is not a code", r)
			}
		}
	})
}

func FuzzSniff(f *testing.F) {
	for _, name := range []string{"tabular.xml", "index.xml", "order.txt"} {
		addFixtureSeed(f, name)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, content := Sniff(bytes.NewReader(data))
		if got, _ := io.ReadAll(content); !bytes.Equal(got, data) {
			t.Fatal("Sniff does not return the whole content")
		}
	})
}
