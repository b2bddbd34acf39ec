package evaluate

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/medcode/medcode/internal/datadir"
)

func TestCompareSets(t *testing.T) {
	tests := []struct {
		name           string
		gold, pred     []string
		full, category Counts
	}{
		{"exact", []string{"E11.22", "N18.32"}, []string{"e1122", "N18.32"}, Counts{TP: 2}, Counts{TP: 2}},
		{"same category", []string{"R05"}, []string{"R05.1"}, Counts{FP: 1, FN: 1}, Counts{TP: 1}},
		{"duplicates count once", []string{"I10", "I10"}, []string{"I10", "I10", "J06.9"}, Counts{TP: 1, FP: 1}, Counts{TP: 1, FP: 1}},
		{"nothing predicted", []string{"I10"}, nil, Counts{FN: 1}, Counts{FN: 1}},
		{"two codes one category", []string{"E11.22", "E11.65"}, []string{"E11.9"}, Counts{FP: 1, FN: 2}, Counts{TP: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := CompareSets(tt.gold, tt.pred)
			if got.Full != tt.full || got.Category != tt.category {
				t.Errorf("got full %+v category %+v, want %+v %+v", got.Full, got.Category, tt.full, tt.category)
			}
		})
	}
}

func TestCountsRatios(t *testing.T) {
	c := Counts{TP: 3, FP: 1, FN: 2}
	if p, r := c.Precision(), c.Recall(); p != 0.75 || r != 0.6 {
		t.Fatalf("precision %v recall %v", p, r)
	}
	if f := c.F1(); f < 0.6666 || f > 0.6667 {
		t.Fatalf("f1 %v", f)
	}
	if (Counts{}).F1() != 0 {
		t.Fatal("empty counts must score 0")
	}
}

func TestSetDiff(t *testing.T) {
	missing, extra := SetDiff([]string{"S51.811A", "S61.411A"}, []string{"W26.0XXA"}, []string{"S61.411A", "W26.0XXA", "Y92.010"})
	if !reflect.DeepEqual(missing, []string{"S51.811A"}) || !reflect.DeepEqual(extra, []string{"Y92.010"}) {
		t.Fatalf("missing %v extra %v", missing, extra)
	}
}

func TestParseCodiEspGoldErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"bad json", "{\"id\": \"a\"\n", "line 1"},
		{"missing id", "{\"text_path\": \"dev/a.txt\"}\n", "missing id"},
		{"escaping path", "{\"id\":\"a\",\"text_path\":\"../x.txt\"}\n", "inside the corpus"},
		{"absolute path", "{\"id\":\"a\",\"text_path\":\"/etc/passwd\"}\n", "inside the corpus"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseCodiEspGold(strings.NewReader(tt.in), "")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want error mentioning %q", err, tt.want)
			}
		})
	}
}

func TestParseCodiEspGoldSplit(t *testing.T) {
	in := `{"id":"a","split":"train","text_path":"train/a.txt","icd10cm_dx":["I10"]}

{"id":"b","split":"dev","text_path":"dev/b.txt","icd10cm_dx":["R52","R50.9"]}
`
	docs, err := ParseCodiEspGold(strings.NewReader(in), "dev")
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 1 || docs[0].ID != "b" || len(docs[0].Codes) != 2 {
		t.Fatalf("got %+v", docs)
	}
}

func TestLoadCodiEspCorpus(t *testing.T) {
	dir := datadir.EvalDev()
	if dir == "" {
		t.Skip("../shared/eval-dev is absent: CodiEsp corpus not available")
	}
	docs, texts, err := LoadCodiEsp(filepath.Join(dir, "codiesp_en", "gold.jsonl"), "dev")
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 250 || len(texts) != 250 {
		t.Fatalf("dev split has %d docs, %d texts; want 250", len(docs), len(texts))
	}
	for i, d := range docs {
		if len(d.Codes) == 0 || texts[i] == "" {
			t.Fatalf("document %s has no codes or no text", d.ID)
		}
	}
}

func FuzzParseCodiEspGold(f *testing.F) {
	f.Add(`{"id":"a","split":"dev","text_path":"dev/a.txt","icd10cm_dx":["I10"]}`)
	f.Add("{\n")
	f.Add(`{"id":"a","text_path":"../../x"}`)
	f.Fuzz(func(t *testing.T, in string) {
		docs, err := ParseCodiEspGold(strings.NewReader(in), "")
		if err != nil {
			return
		}
		for _, d := range docs {
			if d.ID == "" || d.TextPath == "" || strings.Contains(d.TextPath, "..") {
				t.Fatalf("accepted invalid document %+v", d)
			}
		}
	})
}

func TestParseVignettesFixture(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "testdata", "vignettes.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	vs, err := ParseVignettes(data)
	if err != nil {
		t.Fatal(err)
	}
	coding := 0
	for _, v := range vs {
		if v.IsCoding() {
			coding++
		}
	}
	if len(vs) != 40 || coding != 39 {
		t.Fatalf("fixture has %d vignettes, %d coding; want 40 and 39", len(vs), coding)
	}
}

func TestParseVignettesErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"no id", "- note: x\n  icd: [I10]\n", "no positive id"},
		{"duplicate", "- id: 1\n  note: x\n  icd: [I10]\n- id: 1\n  note: y\n  icd: [I10]\n", "twice"},
		{"no expected", "- id: 2\n  note: x\n", "no expected icd"},
		{"bad date", "- id: 3\n  dos: 2025-13-40\n  note: x\n  icd: [I10]\n", "dos"},
		{"not a list", "id: 1\n", "vignettes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseVignettes([]byte(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want error mentioning %q", err, tt.want)
			}
		})
	}
}

func FuzzParseVignettes(f *testing.F) {
	f.Add("- id: 1\n  note: x\n  icd: [I10]\n")
	f.Add("- id: 40\n  scrub:\n    diagnoses: [E11]\n")
	f.Add("[")
	f.Fuzz(func(t *testing.T, in string) {
		vs, err := ParseVignettes([]byte(in))
		if err != nil {
			return
		}
		for _, v := range vs {
			if v.ID <= 0 || (v.Note != "" && len(v.ICD) == 0) {
				t.Fatalf("accepted invalid vignette %+v", v)
			}
		}
	})
}
