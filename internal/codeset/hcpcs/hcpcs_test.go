package hcpcs

import (
	"bytes"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/medcode/medcode/internal/codeset/snapio"
	"github.com/medcode/medcode/internal/codeset/srcfile"
)

func loadFixture(t testing.TB) *Codes {
	t.Helper()
	f, err := os.Open("testdata/fixture-anweb-layout.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := Load(f, "anweb.csv")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestLoad(t *testing.T) {
	c := loadFixture(t)
	if c.NumCodes() != 3 || c.NumModifiers() != 1 {
		t.Fatalf("codes %d modifiers %d", c.NumCodes(), c.NumModifiers())
	}
	g, ok := c.Lookup("g0008")
	if !ok || g.Short != "Admin flu vaccine" || g.Coverage != "C" || g.BETOS != "O1G" || !slices.Equal(g.Pricing, []string{"54"}) ||
		!slices.Equal(g.TypeOfService, []string{"V"}) || g.Added != time.Date(1994, 1, 1, 0, 0, 0, 0, time.UTC) {
		t.Errorf("G0008 = %+v", g)
	}
	long, _ := c.Lookup("G0500")
	if long.Long != "A long description that continues on a second record" || !slices.Equal(long.Xref, []string{"99999"}) {
		t.Errorf("continuation record: %q, xref %q", long.Long, long.Xref)
	}
	if j, _ := c.Lookup("J1100"); j.Long != "Injection, a steroid, 1 mg (fixture text)" || !slices.Equal(j.TypeOfService, []string{"1", "P"}) {
		t.Errorf("J1100 = %+v", j)
	}
	if m, ok := c.Modifier("lt"); !ok || !m.Modifier || m.Long != "Left side" {
		t.Errorf("modifier LT = %+v", m)
	}
	if _, ok := c.Lookup("LT"); ok {
		t.Error("a modifier found as a procedure code")
	}
	n := 0
	for range c.All() {
		n++
	}
	if n != 4 {
		t.Errorf("All yields %d records", n)
	}
}

func TestActiveOn(t *testing.T) {
	c := loadFixture(t)
	long, _ := c.Lookup("G0500")
	for _, tt := range []struct {
		dos  time.Time
		want bool
	}{
		{time.Date(2016, 12, 31, 0, 0, 0, 0, time.UTC), false},
		{time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC), true},
		{time.Date(2017, 12, 31, 0, 0, 0, 0, time.UTC), true},
		{time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC), false},
	} {
		if got := long.ActiveOn(tt.dos); got != tt.want {
			t.Errorf("G0500 ActiveOn(%s) = %v", tt.dos.Format(time.DateOnly), got)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	const head = "HCPC,SEQNUM,RECID,LONG DESCRIPTION,SHORT DESCRIPTION,ADD DT,TERM DT\n"
	tests := []struct {
		name, doc string
		line      int
		msg       string
	}{
		{"no header", "a,b\n1,2\n", 0, "no header row"},
		{"no rows", head, 0, "no HCPCS records"},
		{"bad recid", head + "G0008,0010,5,x,x,,\n", 2, "not 3, 4, 7 or 8"},
		{"orphan continuation", head + "G0008,0010,4,x,x,,\n", 2, "does not follow"},
		{"bad code", head + "G00,0010,3,x,x,,\n", 2, "not 5 letters or digits"},
		{"bad date", head + "G0008,0010,3,x,x,2020-01-01,\n", 2, "not YYYYMMDD"},
		{"duplicate", head + "G0008,0010,3,x,x,,\nG0008,0010,3,x,x,,\n", 3, "listed twice"},
		{"no long description", "HCPC,RECID\nG0008,3\n", 1, "column missing"},
	}
	for _, tt := range tests {
		_, err := Load(strings.NewReader(tt.doc), "h.csv")
		var se *srcfile.Error
		if !errors.As(err, &se) || se.Line != tt.line || !strings.Contains(se.Msg, tt.msg) {
			t.Errorf("%s: %v, want line %d containing %q", tt.name, err, tt.line, tt.msg)
		}
	}
}

func TestSnapshotRoundTrip(t *testing.T) {
	c := loadFixture(t)
	w := snapio.NewWriter()
	c.Encode(w)
	r, err := snapio.NewReader(w.Bytes("h", 1), "h", 1)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Decode(r)
	if err != nil {
		t.Fatal(err)
	}
	var a, b []Code
	for e := range c.All() {
		a = append(a, *e)
	}
	for e := range back.All() {
		b = append(b, *e)
	}
	if len(a) != len(b) {
		t.Fatalf("%d records, want %d", len(b), len(a))
	}
	for i := range a {
		if !equalCode(a[i], b[i]) {
			t.Errorf("record %d:\n got %+v\nwant %+v", i, b[i], a[i])
		}
	}
}

func equalCode(a, b Code) bool {
	return a.Code == b.Code && a.Modifier == b.Modifier && a.Long == b.Long && a.Short == b.Short &&
		slices.Equal(a.Pricing, b.Pricing) && slices.Equal(a.Xref, b.Xref) && slices.Equal(a.TypeOfService, b.TypeOfService) &&
		a.Coverage == b.Coverage && a.BETOS == b.BETOS && a.ASCGroup == b.ASCGroup && a.Added.Equal(b.Added) &&
		a.ActionDate.Equal(b.ActionDate) && a.Terminated.Equal(b.Terminated) && a.Action == b.Action
}

func FuzzLoad(f *testing.F) {
	data, err := os.ReadFile("testdata/fixture-anweb-layout.csv")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Load(bytes.NewReader(data), "fuzz")
		if err != nil {
			var se *srcfile.Error
			if !errors.As(err, &se) || se.File != "fuzz" {
				t.Fatalf("error %v does not name the file", err)
			}
			return
		}
		for e := range c.All() {
			if checkCode(e) != "" {
				t.Fatalf("accepted malformed code %q", e.Code)
			}
		}
	})
}
