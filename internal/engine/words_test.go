package engine

import (
	"slices"
	"testing"

	"github.com/medcode/medcode/internal/nlp"
)

func TestNumberWords(t *testing.T) {
	tests := []struct {
		w    string
		want bool
	}{{"2", true}, {"3a", true}, {"2nd", true}, {"21", true}, {"stage", false}, {"", false}, {"2abc", false}, {"a2", false}, {"3A", false}}
	for _, tt := range tests {
		if got := isNumberWord(tt.w); got != tt.want {
			t.Errorf("isNumberWord(%q) = %v, want %v", tt.w, got, tt.want)
		}
	}
}

// TestQualifierBinding checks each qualifier kind of tables/word_forms.tsv
// on the dictionary side (words) and the note side (noteWords): the number
// belongs to its own qualifier, whatever the order-free matcher does later.
func TestQualifierBinding(t *testing.T) {
	e := testEngine(t)
	tests := []struct {
		phrase string
		want   []string
	}{
		{"type 2 diabetes with stage 3a chronic kidney disease", []string{"type_2", "diabet", "with", "stage_3a", "chronic", "kidney", "diseas"}},
		{"Obesity, class 1", []string{"obesity", "class_1"}},
		{"second degree burn", []string{"degre_2nd", "burn"}},
		{"grade 2 sprain", []string{"grade_2", "sprain"}},
		{"phase 3 trial", []string{"phase_3", "trial"}},
		{"stage of disease", []string{"stage", "diseas"}},
		{"type of lesion", []string{"type", "lesion"}},
	}
	for _, tt := range tests {
		if got := e.words(tt.phrase); !slices.Equal(got, tt.want) {
			t.Errorf("words(%q) = %q, want %q", tt.phrase, got, tt.want)
		}
		d := e.nlp.Analyze(tt.phrase)
		var note []string
		for i, w := range e.noteWords(d) {
			if w.norm != "" && !d.Terms[i].Has(nlp.Stop) {
				note = append(note, w.norm)
			}
			if w.end < d.Terms[i].End {
				t.Errorf("%q: word %d ends before its term", tt.phrase, i)
			}
		}
		if !slices.Equal(note, tt.want) {
			t.Errorf("noteWords(%q) = %q, want %q", tt.phrase, note, tt.want)
		}
	}
	// A comma between them keeps a number from its qualifier.
	d := e.nlp.Analyze("type, 2 lesions")
	if nw := e.noteWords(d); nw[0].norm != "type" || nw[1].norm != "2" {
		t.Errorf("a number after a comma was bound: %+v", nw)
	}
}

func TestStatable(t *testing.T) {
	tests := []struct {
		title string
		want  bool
	}{
		{"neck NEC", true}, {"skin ulcer NEC", true}, {"superficial NEC", true}, {"acute", true},
		{"specified NEC", false}, {"specified type NEC", false}, {"type NEC", false}, {"organ or site, congenital NEC", true},
		{"site NEC", false}, {"complication NEC", false}, {"NEC", false}, {"other specified", false}, {"Symptoms NEC", false},
	}
	for _, tt := range tests {
		if got := statable(tt.title); got != tt.want {
			t.Errorf("statable(%q) = %v, want %v", tt.title, got, tt.want)
		}
	}
}
