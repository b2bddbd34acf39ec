package report

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"testing/fstest"
	"time"

	"github.com/medcode/medcode/internal/claims/synth"
	"github.com/medcode/medcode/internal/claims/x12"
	"github.com/medcode/medcode/internal/claims/x835"
	"github.com/medcode/medcode/internal/claims/x837"
)

// TestPlantedFindings builds the report from a generated clinic data set
// uploaded as an 837P, an 835 and a notes folder, and checks that it finds
// every planted under- and over-coded visit, denial and missed service,
// and nothing else.
func TestPlantedFindings(t *testing.T) {
	set, eng := realEngine(t)
	ds := dataset(t, 1500, 20250602)
	stamp := time.Date(2025, 8, 1, 9, 0, 0, 0, time.UTC)
	batch, err := x837.Write(x837.Config{
		Envelope:  x12.Envelope{SenderID: "TESTCLINIC", ReceiverID: "TESTCLEAR", ControlNumber: 7, Time: stamp},
		Submitter: x837.Party{Name: "Test Billing", ID: "T01", Contact: "Office", Phone: "5555550100"},
		Receiver:  x837.Party{Name: "Test Clearing", ID: "C01"},
	}, ds.Claims, true)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := ReadClaims("claims.837", batch)
	if err != nil {
		t.Fatal(err)
	}
	era, err := x835.Encode(x12.Envelope{SenderID: "TESTPAYER", ReceiverID: "TESTCLINIC", ControlNumber: 9, Time: stamp}, ds.Remittances, true)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := ReadRemittances("remits.835", era)
	if err != nil {
		t.Fatal(err)
	}
	notes := fstest.MapFS{}
	for _, n := range ds.Notes {
		notes["notes/"+n.ClaimID+".txt"] = &fstest.MapFile{Data: []byte(n.Text)}
	}
	r, err := Build(context.Background(), Input{Claims: cs, Remittances: rs, Notes: notes}, Config{Schedule: set.Latest().PFS, Coder: eng})
	if err != nil {
		t.Fatal(err)
	}
	if r.Inputs.Notes.Matched != len(ds.Notes) || r.Inputs.Notes.Failed != 0 {
		t.Fatalf("notes: %+v, want all %d re-coded", r.Inputs.Notes, len(ds.Notes))
	}

	want := map[string]map[string]bool{"under": {}, "over": {}, "review": {}, "denial": {}, "missed": {}}
	withNote := map[string]bool{}
	for _, n := range ds.Notes {
		withNote[n.ClaimID] = true
		switch {
		case n.UnderCoded():
			want["under"][n.ClaimID] = true
		case n.Plant == synth.PlantOver:
			want["over"][n.ClaimID] = true
		}
		for _, s := range n.Services {
			if !s.Billed {
				want["missed"][fmt.Sprintf("%s %s x%d", n.ClaimID, s.Code, s.Units)] = true
			}
		}
	}
	for _, d := range ds.Denials {
		want["denial"][fmt.Sprintf("%s/%d %s-%s", d.ClaimID, d.Line, d.Group, d.CARC)] = true
	}
	for _, e := range ds.Errors {
		// A problem-oriented E/M billed at a preventive visit whose note
		// documents none is for a coder to review.
		if e.Kind == synth.ErrPreventiveNo25 && withNote[e.ClaimID] {
			want["review"][e.ClaimID] = true
		}
	}
	got := map[string]map[string]bool{"under": {}, "over": {}, "review": {}, "denial": {}, "missed": {}}
	for _, f := range r.Findings {
		switch {
		case f.Analysis == AnalysisCoding && f.Category == CodingUnder:
			got["under"][f.ClaimID] = true
		case f.Analysis == AnalysisCoding && f.Category == CodingOver:
			got["over"][f.ClaimID] = true
		case f.Analysis == AnalysisCoding && f.Category == CodingReview:
			got["review"][f.ClaimID] = true
		case f.Analysis == AnalysisDenial:
			got["denial"][fmt.Sprintf("%s/%d %s-%s", f.ClaimID, f.Line, f.Category, f.Item)] = true
		case f.Analysis == AnalysisMissed:
			if f.Category != SourceNote {
				t.Errorf("claim %s: missed %s by a claim rule, though every visit with a rule has a note", f.ClaimID, f.Item)
			}
			got["missed"][fmt.Sprintf("%s %s x%d", f.ClaimID, f.Item, f.Units)] = true
		}
	}
	for kind, w := range want {
		if len(w) == 0 && kind != "review" {
			t.Errorf("the data set plants no %s finding: the test proves nothing", kind)
		}
		missing, extra := diff(w, got[kind]), diff(got[kind], w)
		if len(missing) > 0 || len(extra) > 0 {
			t.Errorf("%s: %d planted, %d found; not found %v; found but not planted %v", kind, len(w), len(got[kind]), head(missing), head(extra))
		}
	}
}

func diff(a, b map[string]bool) []string {
	var out []string
	for k := range a {
		if !b[k] {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func head(s []string) []string { return s[:min(len(s), 10)] }
