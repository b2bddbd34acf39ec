package termmatch

import (
	"reflect"
	"strings"
	"testing"
)

// fixture builds a vocabulary and patterns from "narrow words | wide words"
// specs whose first narrow word is the head.
type fixture struct {
	vocab    *Vocab
	patterns []Pattern
}

var stop = map[string]bool{"of": true, "the": true, "and": true, "in": true, "a": true, "with": true}

func newFixture(specs ...string) *fixture {
	f := &fixture{vocab: NewVocab()}
	for i, s := range specs {
		narrow, wide, _ := strings.Cut(s, "|")
		p := Pattern{Payload: int32(i)}
		for j, w := range strings.Fields(narrow) {
			id := f.vocab.ID(w)
			p.Narrow = append(p.Narrow, id)
			if j == 0 {
				p.Head = id
			}
		}
		for _, w := range strings.Fields(wide) {
			p.Wide = append(p.Wide, f.vocab.ID(w))
		}
		f.patterns = append(f.patterns, p)
	}
	return f
}

// tokens splits text into units at '.' and drops stopwords.
func (f *fixture) tokens(text string) []Token {
	var out []Token
	for u, sentence := range strings.Split(text, ".") {
		brk, barrier := false, false
		for _, w := range strings.Fields(strings.ToLower(strings.ReplaceAll(sentence, ",", " , "))) {
			brk = brk || w == ","
			barrier = barrier || w == "and"
			if stop[w] || w == "," {
				continue
			}
			out = append(out, Token{ID: f.vocab.Lookup(w), Unit: int32(u), Break: brk, Barrier: barrier})
			brk, barrier = false, false
		}
	}
	return out
}

func payloads(ms []Match) []int32 {
	var out []int32
	for _, m := range ms {
		out = append(out, m.Payload)
	}
	return out
}

func TestFind(t *testing.T) {
	tests := []struct {
		name     string
		patterns []string
		text     string
		want     []int32
	}{
		{"any order", []string{"failure heart systolic chronic"}, "Chronic systolic heart failure", []int32{0}},
		{"one foreign word allowed", []string{"failure heart diastolic chronic"}, "chronic diastolic congestive heart failure", []int32{0}},
		{"too spread out", []string{"pain knee"}, "pain in the back, swelling of the right knee", nil},
		{"missing word", []string{"failure heart systolic"}, "heart failure", nil},
		{"subset loses", []string{"failure heart", "failure heart systolic chronic"}, "chronic systolic heart failure", []int32{1}},
		{"same head, tighter wins", []string{"disease kidney chronic", "disease liver chronic"}, "chronic liver disease, kidney stones", []int32{1}},
		{"different heads both kept", []string{"diabetic | chronic kidney disease", "disease kidney chronic stage 3b"}, "diabetic chronic kidney disease stage 3b", []int32{0, 1}},
		{"wide words anywhere in the unit", []string{"diabetes type 2 | chronic kidney disease"}, "type 2 diabetes, now with stage 3 chronic kidney disease", []int32{0}},
		{"wide words not across units", []string{"diabetes type 2 | chronic kidney disease"}, "type 2 diabetes. chronic kidney disease", nil},
		{"two mentions of one head", []string{"laceration right forearm", "laceration right hand"}, "laceration of the right forearm and laceration of the right hand", []int32{0, 1}},
		{"unknown words never match", []string{"cough"}, "sneeze", nil},
		{"no window across and", []string{"fever seven day"}, "seven day course and high fever", nil},
		{"wide words across and", []string{"bronchitis acute | copd"}, "acute bronchitis and copd", []int32{0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(tt.patterns...)
			got := payloads(New(f.patterns, nil).Find(f.tokens(tt.text)))
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestFindPositions(t *testing.T) {
	f := newFixture("laceration right hand")
	toks := f.tokens("laceration right forearm, laceration right hand")
	ms := New(f.patterns, nil).Find(toks)
	if len(ms) != 1 {
		t.Fatalf("got %d matches", len(ms))
	}
	if got := ms[0].Positions; !reflect.DeepEqual(got, []int32{3, 4, 5}) {
		t.Fatalf("positions %v, want the second laceration's words", got)
	}
	if ms[0].Head != 3 || ms[0].Lo != 3 || ms[0].Hi != 5 {
		t.Fatalf("head %d window %d-%d", ms[0].Head, ms[0].Lo, ms[0].Hi)
	}
}

func TestNoWideWords(t *testing.T) {
	f := newFixture("cystitis acute", "cystitis acute | hematuria")
	toks := f.tokens("acute cystitis no hematuria")
	if got := payloads(New(f.patterns, nil).Find(toks)); !reflect.DeepEqual(got, []int32{1}) {
		t.Fatalf("with hematuria stated: got %v", got)
	}
	toks[3].NoWide = true
	if got := payloads(New(f.patterns, nil).Find(toks)); !reflect.DeepEqual(got, []int32{0}) {
		t.Fatalf("with hematuria negated: got %v, want the plain reading", got)
	}
}

func TestRankBreaksTies(t *testing.T) {
	f := newFixture("pain knee", "pain knee")
	f.patterns[0].Rank = 1
	got := payloads(New(f.patterns, nil).Find(f.tokens("knee pain")))
	if !reflect.DeepEqual(got, []int32{1}) {
		t.Fatalf("got %v, want the lower-rank pattern", got)
	}
}

func TestDuplicateWordsInPattern(t *testing.T) {
	f := newFixture("stage 1 through stage 4")
	ms := New(f.patterns, nil).Find(f.tokens("stage 1 through stage 4"))
	if len(ms) != 1 || len(ms[0].Positions) != 4 {
		t.Fatalf("got %+v", ms)
	}
}

func TestVocab(t *testing.T) {
	v := NewVocab()
	a, b := v.ID("pain"), v.ID("knee")
	if a == NoToken || a == b || v.ID("pain") != a || v.Word(b) != "knee" || v.Lookup("elbow") != NoToken || v.Len() != 2 {
		t.Fatal("vocabulary does not intern words")
	}
}
