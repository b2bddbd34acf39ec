package codeset

import (
	"slices"
	"strings"
	"testing"
)

func TestResolveSee(t *testing.T) {
	s, err := OpenWith(fixtureDataDir(t), Options{NoSnapshot: true})
	if err != nil {
		t.Fatal(err)
	}
	r := s.Releases()[1]
	tests := []struct {
		ref, source, path, column string
		rest                      []string
	}{
		{"Disease, kidney, chronic", "index", "Disease, diseased > kidney > chronic", "", nil},
		{"Neoplasm, lung, malignant", "neoplasm table", "Neoplasm, neoplastic > lung", "Malignant Primary", []string{"malignant"}},
		{"Neoplasm, malignant, by site", "neoplasm table", "Neoplasm, neoplastic", "Malignant Primary", []string{"malignant", "by site"}},
		{"Neoplasm, in situ, by site", "neoplasm table", "Neoplasm, neoplastic", "Ca in situ", []string{"in situ", "by site"}},
		{"Table of Drugs and Chemicals, by drug, adverse effect", "drug table", "", "Adverse effect", []string{"by drug", "adverse effect"}},
	}
	for _, tt := range tests {
		got, ok := r.ResolveSee(tt.ref)
		var titles []string
		for _, term := range got.Terms {
			titles = append(titles, term.Title)
		}
		if !ok || got.Source != tt.source || strings.Join(titles, " > ") != tt.path || got.Column != tt.column || !slices.Equal(got.Rest, tt.rest) {
			t.Errorf("ResolveSee(%q) = %v %s %q col %q rest %q", tt.ref, ok, got.Source, titles, got.Column, got.Rest)
		}
	}
	if _, ok := r.ResolveSee("Nothing of the kind"); ok {
		t.Error("resolved an unknown reference")
	}
	if neo := r.Neoplasms; neo != nil {
		target, _ := r.ResolveSee("Neoplasm, lung, malignant")
		if code := neo.Cell(target.Target(), target.Column); code != "C34.9-" {
			t.Errorf("the resolved cell reads %q", code)
		}
	}
}
