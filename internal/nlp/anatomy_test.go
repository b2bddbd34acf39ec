package nlp

import (
	"fmt"
	"strings"
	"testing"
)

func TestSitesAndSides(t *testing.T) {
	tests := []struct {
		text string
		want []string // name/side/digit "span"
	}{
		{"R knee pain and L ankle swelling.", []string{`knee/right/0 "knee"`, `ankle/left/0 "ankle"`}},
		{"Laceration of the right forearm.", []string{`forearm/right/0 "forearm"`}},
		{"Right hand index finger contusion.", []string{`hand/right/0 "hand"`, `finger/right/2 "index finger"`}},
		{"Knee, right; ankle (L).", []string{`knee/right/0 "Knee"`, `ankle/left/0 "ankle"`}},
		{"Both canals occluded by cerumen.", []string{`ear/bilateral/0 "canals"`}},
		{"Bilateral knee OA.", []string{`knee/bilateral/0 "knee"`}},
		{"Swelling of RLE and LUE.", []string{`leg/right/0 "RLE"`, `arm/left/0 "LUE"`}},
		{"Visual acuity 20/25 OD.", []string{`eye/right/0 "OD"`}},
		{"Left great toe and right thumb.", []string{`toe/left/1 "great toe"`, `thumb/right/1 "thumb"`}},
		{"Pain as well as L in the list.", nil},
		{"RUQ tenderness.", []string{`abdomen/right/0 "RUQ"`}},
		{"Tender over the right ATFL.", []string{`ankle/right/0 "ATFL"`}},
	}
	for _, tt := range tests {
		d := Analyze(tt.text)
		var got []string
		for _, s := range d.Sites {
			got = append(got, fmt.Sprintf("%s/%s/%d %q", s.Name, s.Side, s.Digit, tt.text[s.Start:s.End]))
			if s.Side != NoSide && tt.text[s.SideSpan.Start:s.SideSpan.End] == "" {
				t.Errorf("%q: site %s has a side without a span", tt.text, s.Name)
			}
		}
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("%q:\n got %q\nwant %q", tt.text, got, tt.want)
		}
	}
}

func TestRepairGroups(t *testing.T) {
	tests := map[string][2]string{
		"forehead": {"face", "face"}, "scalp": {"trunk", "trunk"}, "palm": {"trunk", "distal"},
		"forearm": {"trunk", "trunk"}, "neck": {"trunk", "distal"}, "lip": {"face", "face"},
	}
	for word, want := range tests {
		d := Analyze("Laceration of the " + word + ".")
		if len(d.Sites) != 1 || d.Sites[0].SimpleRepair != want[0] || d.Sites[0].IntermediateRepair != want[1] {
			t.Errorf("%s: %+v, want groups %v", word, d.Sites, want)
		}
	}
}

func TestAttributes(t *testing.T) {
	tests := []struct {
		text, concept string
		side          Side
		site          string
		cues          string // kind=value pairs in order
		phase         string
	}{
		{"A/P: Acute suppurative otitis media, right, without rupture.", "otitis media", Right, "", "acuity=acute type=suppurative rupture=without-rupture", ""},
		{"R knee pain and L ankle swelling.", "ankle swelling", Left, "ankle", "", ""},
		{"3.0 cm laceration right forearm and 2.0 cm laceration right hand.", "laceration#2", Right, "hand", "", ""},
		{"Low back pain with sciatica, right.", "sciatica", Right, "back", "", ""},
		{"Chronic systolic HF; HTN.", "HF", NoSide, "", "acuity=chronic type=systolic", ""},
		{"Mild intermittent asthma with acute exacerbation.", "asthma", NoSide, "", "severity=mild-intermittent course=exacerbation", ""},
		{"Cast check today, healing as expected.\nA/P: Colles fracture of the right radius.", "Colles fracture", Right, "forearm", "", "subsequent"},
		{"Hypertrophic scar of right hand from a laceration repaired 1 year ago.", "laceration", Right, "hand", "", "sequela"},
		{"Sprain of right anterior talofibular ligament; initial encounter.", "Sprain", Right, "ankle", "", "initial"},
		{"HTN, DM2 uncontrolled, chronic pain.", "HTN", NoSide, "", "", ""},
	}
	for _, tt := range tests {
		d := Analyze(tt.text)
		s, e := conceptSpan(t, tt.text, tt.concept)
		at := d.Attributes(s, e)
		site := ""
		if at.Site != nil {
			site = at.Site.Name
		}
		var cues []string
		for _, c := range at.Cues {
			cues = append(cues, string(c.Kind)+"="+c.Value)
		}
		phase := ""
		if at.Phase != nil {
			phase = at.Phase.Value
		}
		if at.Side != tt.side || site != tt.site || strings.Join(cues, " ") != tt.cues || phase != tt.phase {
			t.Errorf("%q / %q: side %s site %q cues %q phase %q; want %s %q %q %q",
				tt.text, tt.concept, at.Side, site, cues, phase, tt.side, tt.site, tt.cues, tt.phase)
		}
	}
}

func TestAttributesCueLookup(t *testing.T) {
	text := "Chronic diastolic CHF."
	d := Analyze(text)
	s, e := conceptSpan(t, text, "CHF")
	at := d.Attributes(s, e)
	if at.Cue(CueType) != "diastolic" || at.Cue(CueAcuity) != "chronic" || at.Cue(CueSeverity) != "" {
		t.Errorf("cues %+v", at.Cues)
	}
	if got := d.Attributes(0, 0); got.Site != nil || got.Cues != nil {
		t.Errorf("empty span: %+v", got)
	}
}
