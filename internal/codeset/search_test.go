package codeset

import (
	"strings"
	"testing"
)

func TestSearch(t *testing.T) {
	s, err := OpenWith(fixtureDataDir(t), Options{NoSnapshot: true})
	if err != nil {
		t.Fatal(err)
	}
	r := s.Releases()[1] // FY2099: tabular and indexes
	hits := r.Search("chronic kidney disease", 10)
	if len(hits) == 0 {
		t.Fatal("no hits")
	}
	var got []string
	for _, h := range hits {
		got = append(got, h.Source+":"+h.Code)
	}
	if got[0] != "tabular:N18" && got[0] != "index:N18.9" {
		t.Errorf("best hit %s; all %v", got[0], got)
	}
	if !strings.Contains(strings.Join(got, " "), "index:N18.9") || !strings.Contains(strings.Join(got, " "), "tabular:E11.22") {
		t.Errorf("hits %v lack the index path or the combination code", got)
	}
	for i := 1; i < len(hits); i++ {
		if hits[i].Score > hits[i-1].Score {
			t.Errorf("hits not ordered by score: %v", hits)
		}
	}
	if h := r.Search("diab", 5); len(h) == 0 || !strings.HasPrefix(h[0].Code, "E11") {
		t.Errorf("prefix search: %+v", h)
	}
	if h := r.Search("alzheimer", 5); len(h) != 1 || h[0].Title != "Dementia, in, Alzheimer's disease" || h[0].Source != "index" {
		t.Errorf("index path search: %+v", h)
	}
	if h := r.Search("nephropathy", 5); len(h) != 1 || h[0].See != "Disease, kidney, chronic" {
		t.Errorf("cross-reference hit: %+v", h)
	}
	if r.Search("", 5) != nil || r.Search("zzzz", 5) != nil || len(r.Search("diabetes", 2)) != 2 {
		t.Error("empty query, no match or limit")
	}
}
