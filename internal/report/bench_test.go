package report

import (
	"context"
	"io"
	"testing"
	"testing/fstest"
)

// BenchmarkReport5000 measures the bar: a 60-day data set of 5,000 claims
// with their remittances, built and written as HTML and PDF, priced with
// the installed fee schedule.
func BenchmarkReport5000(b *testing.B) {
	set, _ := realEngine(b)
	ds := dataset(b, 5000, 1)
	cfg := Config{Schedule: set.Latest().PFS}
	b.ResetTimer()
	for b.Loop() {
		r, err := Build(context.Background(), Input{Claims: ds.Claims, Remittances: ds.Remittances}, cfg)
		if err != nil {
			b.Fatal(err)
		}
		if err := r.WriteHTML(io.Discard); err != nil {
			b.Fatal(err)
		}
		if err := r.WritePDF(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReport5000WithNotes adds the visit notes, re-coded by the engine.
func BenchmarkReport5000WithNotes(b *testing.B) {
	set, eng := realEngine(b)
	ds := dataset(b, 5000, 1)
	notes := fstest.MapFS{}
	for _, n := range ds.Notes {
		notes[n.ClaimID+".txt"] = &fstest.MapFile{Data: []byte(n.Text)}
	}
	cfg := Config{Schedule: set.Latest().PFS, Coder: eng}
	b.ResetTimer()
	for b.Loop() {
		r, err := Build(context.Background(), Input{Claims: ds.Claims, Remittances: ds.Remittances, Notes: notes}, cfg)
		if err != nil {
			b.Fatal(err)
		}
		if err := r.WriteHTML(io.Discard); err != nil {
			b.Fatal(err)
		}
		if err := r.WritePDF(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}
