package synth

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/medcode/medcode/internal/claims"
	"github.com/medcode/medcode/internal/claims/x835"
	"github.com/medcode/medcode/internal/phi"
)

var datasetStart = claims.Date{Year: 2025, Month: 6, Day: 2}

func newTestDataset(t *testing.T, n int, seed uint64) *Dataset {
	t.Helper()
	ds, err := NewDataset(rand.New(rand.NewPCG(seed, 99)), n, DatasetOptions{Claims: Options{Start: datasetStart, Identified: true}})
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// TestNotesData checks every kind of entry of data/notes.yaml against the
// visit templates.
func TestNotesData(t *testing.T) {
	v, err := load()
	if err != nil {
		t.Fatal(err)
	}
	d, err := loadNotes()
	if err != nil {
		t.Fatal(err)
	}
	templates := map[string]template{}
	for _, tpl := range v.templates {
		templates[tpl.id] = tpl
	}
	for id, nt := range d.Visits {
		tpl, ok := templates[id]
		if !ok {
			t.Errorf("note for visit %s, which data/visits.tsv does not have", id)
			continue
		}
		i := slices.IndexFunc(tpl.lines, func(l claims.Line) bool { return isOfficeEM(l.Code) })
		switch {
		case nt.Level == "" && i >= 0:
			t.Errorf("visit %s bills %s but its note has no level", id, tpl.lines[i].Code)
		case nt.Level != "" && i < 0:
			t.Errorf("visit %s bills no office E/M but its note has a level", id)
		case nt.Level != "":
			lvl := d.EM[d.levels[nt.Level]]
			want := lvl.Established
			if nt.NewPatient {
				want = lvl.New
			}
			if tpl.lines[i].Code != want {
				t.Errorf("visit %s bills %s, its note supports %s", id, tpl.lines[i].Code, want)
			}
		}
		for _, text := range append(append([]string{nt.CC, nt.Plan}, nt.HPI...), nt.Exam...) {
			if strings.Contains(strings.NewReplacer("{age}", "", "{person}", "", "{subject}", "", "{possessive}", "", "{object}", "").Replace(text), "{") {
				t.Errorf("visit %s: unknown placeholder in %q", id, text)
			}
		}
	}
	for id, x := range d.Extras {
		if len(x.Code) != 5 || d.extraC[id] <= 0 {
			t.Errorf("extra %s: code %q, charge %v", id, x.Code, d.extraC[id])
		}
	}
	for code, c := range d.byCode {
		if !isOfficeEM(code) || d.charge[code] <= 0 || (code < "99210") != c.newPatient {
			t.Errorf("E/M level code %s", code)
		}
	}
}

// TestNotesAreDeidentified: the notes are what a clinic uploads for the
// free analysis, whose guard refuses a note with PHI (an age over 89 is).
func TestNotesAreDeidentified(t *testing.T) {
	ds := newTestDataset(t, 1500, 3)
	age := map[string]int{}
	for _, c := range ds.Claims {
		age[c.ID] = c.Patient.Age
	}
	var old int
	for _, n := range ds.Notes {
		if age[n.ClaimID] > 89 {
			old++
		}
		if spans := phi.Scan(n.Text); len(spans) > 0 {
			t.Errorf("note of claim %s: %d PHI spans, the first %s at byte %d", n.ClaimID, len(spans), spans[0].Type, spans[0].Start)
		}
	}
	if old == 0 {
		t.Fatal("no note of a patient over 89 in the data set: the test checks nothing of their ages")
	}
}

func TestNewDatasetIsReproducible(t *testing.T) {
	a, b := newTestDataset(t, 400, 5), newTestDataset(t, 400, 5)
	var ca, cb strings.Builder
	if err := claims.WriteCSV(&ca, a.Claims); err != nil {
		t.Fatal(err)
	}
	if err := claims.WriteCSV(&cb, b.Claims); err != nil {
		t.Fatal(err)
	}
	if ca.String() != cb.String() || !reflect.DeepEqual(a.Notes, b.Notes) || !reflect.DeepEqual(a.Denials, b.Denials) || !reflect.DeepEqual(a.Errors, b.Errors) {
		t.Fatal("one seed gave two data sets")
	}
	if c := newTestDataset(t, 400, 6); reflect.DeepEqual(a.Notes, c.Notes) {
		t.Fatal("two seeds gave one data set")
	}
}

// TestNewDatasetPlants checks that the claims, notes and remittances
// agree with what the data set says it planted.
func TestNewDatasetPlants(t *testing.T) {
	ds := newTestDataset(t, 3000, 7)
	byID := map[string]*claims.Claim{}
	for _, c := range ds.Claims {
		if err := c.Validate(); err != nil {
			t.Fatal(err)
		}
		byID[c.ID] = c
	}
	units := func(c *claims.Claim, code string) int {
		n := 0
		for _, l := range c.Lines {
			if l.Code == code {
				n += l.Units
			}
		}
		return n
	}
	var em, under, over, conservativeEM, conservativeUnder int
	first := ""
	for _, n := range ds.Notes {
		c := byID[n.ClaimID]
		if c == nil || n.Text == "" {
			t.Fatalf("note %s: no claim or no text", n.ClaimID)
		}
		for _, s := range n.Services {
			if got := units(c, s.Code); s.Billed != (got >= s.Units) {
				t.Errorf("claim %s bills %d of %s; the note says billed=%v", c.ID, got, s.Code, s.Billed)
			}
		}
		if first == "" {
			first = providerNPI(c) // the first provider with a note codes conservatively
		}
		if n.Billed == "" {
			continue
		}
		em++
		if units(c, n.Billed) == 0 {
			t.Errorf("claim %s does not bill %s as its note says", c.ID, n.Billed)
		}
		cons := providerNPI(c) == first
		if cons {
			conservativeEM++
		}
		switch n.Plant {
		case PlantUnderBilled, PlantUnderTime:
			under++
			if cons {
				conservativeUnder++
			}
			if n.Documented <= n.Billed {
				t.Errorf("claim %s planted under-coded: billed %s, documented %s", c.ID, n.Billed, n.Documented)
			}
		case PlantOver:
			over++
			if n.Documented >= n.Billed {
				t.Errorf("claim %s planted over-coded: billed %s, documented %s", c.ID, n.Billed, n.Documented)
			}
		case "":
			if n.Documented != n.Billed {
				t.Errorf("claim %s: billed %s, documented %s, no plant", c.ID, n.Billed, n.Documented)
			}
		}
	}
	otherRate := float64(under-conservativeUnder) / float64(em-conservativeEM)
	consRate := float64(conservativeUnder) / float64(conservativeEM)
	if otherRate < 0.02 || otherRate > 0.12 || consRate < 0.2 || over == 0 {
		t.Errorf("under-coding %.3f (conservative provider %.3f), %d over-coded of %d E/M visits", otherRate, consRate, over, em)
	}
	final := map[string]x835.ClaimPayment{}
	for _, r := range ds.Remittances {
		for _, cp := range r.Claims {
			if cp.Status != x835.StatusReversal {
				final[cp.PatientControlNumber] = cp
			}
		}
	}
	for _, d := range ds.Denials {
		c, cp := byID[d.ClaimID], final[d.ClaimID]
		if c == nil || d.Line < 1 || d.Line > len(c.Lines) || d.Line > len(cp.Lines) {
			t.Fatalf("denial %+v names no line", d)
		}
		if !slices.ContainsFunc(cp.Lines[d.Line-1].Adjustments, func(a x835.Adjustment) bool { return a.Group == d.Group && a.Reason == d.CARC }) {
			t.Errorf("denial %+v is not in the remittance", d)
		}
	}
	kinds := map[string]bool{}
	for _, e := range ds.Errors {
		kinds[e.Kind] = true
	}
	for _, be := range billingErrors {
		if !kinds[be.kind] {
			t.Errorf("no claim got the billing error %s", be.kind)
		}
	}
}
