package report

import (
	"bytes"
	"encoding/json"
	"net/url"
	"sync"
	"testing"
	"testing/fstest"
)

func TestSelect(t *testing.T) {
	ds := dataset(t, 200, 5)
	r := build(t, Input{Claims: ds.Claims, Remittances: ds.Remittances}, Config{})
	all, err := r.Select(url.Values{})
	if err != nil || len(all) != len(r.Findings) {
		t.Fatalf("empty filter: %d of %d, %v", len(all), len(r.Findings), err)
	}
	opportunities := 0
	for _, f := range r.Findings {
		if f.Opportunity {
			opportunities++
		}
	}
	denials := len(findings(r, AnalysisDenial))
	tests := []struct {
		name  string
		q     string
		want  int
		fails bool
	}{
		{"analysis", "a=denial", denials, false},
		{"opportunity, any value", "o=", opportunities, false},
		{"nothing matches", "a=denial&c=no-such-group", 0, false},
		{"unknown key", "a=denial&z=1", 0, true},
		{"key twice", "a=denial&a=scrub", 0, true},
	}
	for _, tt := range tests {
		q, err := url.ParseQuery(tt.q)
		if err != nil {
			t.Fatal(err)
		}
		got, err := r.Select(q)
		if (err != nil) != tt.fails || len(got) != tt.want {
			t.Errorf("%s: Select(%s) = %d rows, %v; want %d, error %v", tt.name, tt.q, len(got), err, tt.want, tt.fails)
		}
	}
	if denials == 0 || opportunities == 0 {
		t.Fatalf("the data set has %d denials and %d opportunities: nothing was tested", denials, opportunities)
	}
	p := r.Providers[0].Scope
	q := url.Values{"a": {"denial"}, "p": {p.Key}, "o": {"1"}}
	if got := r.Describe(q); got != "analysis denial, provider "+p.Label+", revenue opportunities" {
		t.Errorf("Describe = %q", got)
	}
	if got := r.Describe(url.Values{}); got != "every finding" {
		t.Errorf("Describe(empty) = %q", got)
	}
}

// TestJSONRoundTrip: a report stored as JSON (the app keeps built reports
// so) writes the same CSV and HTML as the one built.
func TestJSONRoundTrip(t *testing.T) {
	ds := dataset(t, 300, 8)
	r := build(t, Input{Claims: ds.Claims, Remittances: ds.Remittances}, Config{})
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	for name, write := range map[string]func(*Report, *bytes.Buffer) error{
		"csv":  func(r *Report, w *bytes.Buffer) error { return r.WriteCSV(w) },
		"html": func(r *Report, w *bytes.Buffer) error { return r.WriteHTML(w) },
	} {
		var want, got bytes.Buffer
		if err := write(r, &want); err != nil {
			t.Fatal(err)
		}
		if err := write(&back, &got); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(want.Bytes(), got.Bytes()) {
			t.Errorf("%s differs after a JSON round trip", name)
		}
	}
}

func TestProgress(t *testing.T) {
	ds := dataset(t, 150, 9)
	coder := fakeCoder{}
	notes := fstest.MapFS{}
	for _, n := range ds.Notes {
		coder[n.Text] = emResult("99213", "mdm", 0.9)
		notes[n.ClaimID+".txt"] = &fstest.MapFile{Data: []byte(n.Text)}
	}
	var mu sync.Mutex
	seen := map[int]bool{}
	last := 0
	r := build(t, Input{Claims: ds.Claims, Notes: notes}, Config{Coder: coder, Workers: 3, Progress: func(done, total int) {
		mu.Lock()
		defer mu.Unlock()
		seen[done] = true
		last = total
	}})
	want := r.Inputs.Notes.Matched + r.Inputs.Notes.Failed
	if want == 0 || last != want || len(seen) != want || !seen[want] {
		t.Fatalf("progress: %d distinct counts, total %d; want 1..%d", len(seen), last, want)
	}
}
