package rules

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medcode/medcode/internal/engine"
)

// catalog is a small code set for the tests: billable ICD-10-CM codes and
// HCPCS codes with their descriptions.
type catalog map[string]string

func (c catalog) Describe(code string) (string, bool) {
	d, ok := c[code]
	return d, ok
}

var testCatalog = catalog{
	"E11.9":  "Type 2 diabetes mellitus without complications",
	"E11.65": "Type 2 diabetes mellitus with hyperglycemia",
	"E78.2":  "Mixed hyperlipidemia",
	"E78.5":  "Hyperlipidemia, unspecified",
	"Z79.4":  "Long term (current) use of insulin",
	"I10":    "Essential (primary) hypertension",
	"R05.9":  "Cough, unspecified",
	"E16.2":  "Hypoglycemia, unspecified",
	"G0008":  "Administration of influenza virus vaccine",
}

const fullDoc = `# Maple Family Clinic
defaults:
  payer: medicare
  patient_type: established
synonyms:
  - phrase: sugar diabetes
    code: e11.9
  - id: high-bp
    phrase: high blood pressure
    code: I10
    note: the doctors' shorthand
prefer:
  - code: E78.2
    instead_of: [E78.5]
suppress:
  - code: R05*
    note: cough is the visit reason, never reported alone
payer_variants:
  - payer: medicare
    code: "90471"
    use: G0008
always_add:
  - add: Z79.4
    when_phrase: insulin
    when_code: E11.*
`

func TestParseFullDocument(t *testing.T) {
	d, err := Parse([]byte(fullDoc), testCatalog)
	if err != nil {
		t.Fatal(err)
	}
	if d.Defaults != (Defaults{Payer: "medicare", PatientType: "established"}) || d.Count() != 6 {
		t.Fatalf("defaults %+v, %d rules", d.Defaults, d.Count())
	}
	if s := d.Synonyms[0]; s.Code != "E11.9" || s.ID != "synonyms-1" || s.Line != 6 {
		t.Fatalf("synonym 1 = %+v", s)
	}
	if s := d.Synonyms[1]; s.ID != "high-bp" || s.Note != "the doctors' shorthand" {
		t.Fatalf("synonym 2 = %+v", s)
	}
	if a := d.AlwaysAdd[0]; a.Add != "Z79.4" || fmt.Sprint(a.WhenPhrase, a.WhenCode) != "[insulin] [E11.*]" {
		t.Fatalf("always_add = %+v", a)
	}
	if d.PayerVariants[0].Code != "90471" || d.Suppress[0].Code != "R05*" || d.Prefer[0].InsteadOf[0] != "E78.5" {
		t.Fatalf("document = %+v", d)
	}
}

func TestParseJSON(t *testing.T) {
	src := `{"synonyms": [{"phrase": "sugar diabetes", "code": "E11.9"}], "suppress": [{"code": "R05.9"}]}`
	d, err := Parse([]byte(src), testCatalog)
	if err != nil || len(d.Synonyms) != 1 || d.Suppress[0].Code != "R05.9" {
		t.Fatalf("Parse(JSON) = %+v, %v", d, err)
	}
}

func TestParseEmpty(t *testing.T) {
	for _, src := range []string{"", "# nothing yet\n", "{}"} {
		d, err := Parse([]byte(src), testCatalog)
		if err != nil || d.Count() != 0 {
			t.Errorf("Parse(%q) = %+v, %v", src, d, err)
		}
	}
}

// TestParseErrors: each bad document is refused with the problem, its line
// and its path.
func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, src string
		want      string // a substring of the error
	}{
		{"syntax", "suppress:\n  - code: \"R05.9\n", "line 2: not valid YAML or JSON: found unexpected end of stream"},
		{"not a mapping", "- a\n- b\n", "line 1: the document is not a mapping"},
		{"unknown kind", "suppres:\n  - code: R05.9\n", "line 1, suppres: unknown field (known: always_add, defaults, payer_variants, prefer, suppress, synonyms)"},
		{"unknown field", "synonyms:\n  - phrase: sugar\n    cod: E11.9\n", "line 3, synonyms[1].cod: unknown field (known: code, id, note, phrase)"},
		{"repeated field", "suppress:\n  - code: R05.9\n    code: I10\n", "line 3, suppress[1].code: given twice"},
		{"list wanted", "synonyms: sugar\n", "line 1, synonyms: want a list of rules"},
		{"value wanted", "synonyms:\n  - phrase: [a, b]\n    code: E11.9\n", "line 2, synonyms[1].phrase: want a single value"},
		{"missing code", "synonyms:\n  - phrase: sugar diabetes\n", "line 2, synonyms[1].code: missing"},
		{"ICD without its dot", "synonyms:\n  - phrase: sugar diabetes\n    code: E119\n", `synonyms[1].code: "E119" is not a code: write ICD-10-CM codes with their dot`},
		{"procedure as synonym", "synonyms:\n  - phrase: flu shot\n    code: \"90686\"\n", "synonyms[1].code: 90686 is a CPT code; here it must be an ICD-10-CM diagnosis code"},
		{"unknown code", "synonyms:\n  - phrase: sugar diabetes\n    code: E11.999\n", "synonyms[1].code: E11.999 is not a billable ICD-10-CM code"},
		{"short phrase", "synonyms:\n  - phrase: x\n    code: E11.9\n", "synonyms[1].phrase: a phrase needs at least 2 characters"},
		{"same phrase twice", "synonyms:\n  - {phrase: Sugar, code: E11.9}\n  - {phrase: sugar, code: E11.65}\n", `line 3, synonyms[2].phrase: "sugar" is already the phrase of synonyms[1]`},
		{"same id twice", "suppress:\n  - {id: a, code: R05.9}\n  - {id: a, code: I10}\n", `line 3, suppress[2].id: id "a" is already used by suppress[1]`},
		{"bad id", "suppress:\n  - {id: 'no spaces', code: R05.9}\n", `suppress[1].id: "no spaces" is not an id`},
		{"payer", "defaults:\n  payer: blue cross\n", `defaults.payer: "blue cross" is not a payer class (commercial, medicare, medicaid)`},
		{"patient type", "defaults:\n  patient_type: returning\n", `defaults.patient_type: "returning" is not a patient type`},
		{"variant payer", "payer_variants:\n  - {payer: tricare, code: \"90471\", use: G0008}\n", `payer_variants[1].payer: "tricare" is not a payer class`},
		{"variant kind", "payer_variants:\n  - {payer: medicare, code: E11.9, use: G0008}\n", "payer_variants[1].code: E11.9 is a ICD-10-CM code; here it must be a CPT or HCPCS code"},
		{"replace itself", "prefer:\n  - {code: E78.5, instead_of: [E78.*]}\n", "prefer[1].instead_of[1]: E78.5 would replace itself"},
		{"prefer across kinds", "prefer:\n  - {code: E78.2, instead_of: [\"99213\"]}\n", "prefer[1].instead_of[1]: 99213 (CPT) and E78.2 (ICD-10-CM) are not the same kind of code"},
		{"prefer without from", "prefer:\n  - {code: E78.2}\n", "prefer[1].instead_of: missing"},
		{"bad pattern", "suppress:\n  - code: 'R0*5*'\n", `suppress[1].code: "R0*5*" is not a code pattern`},
		{"suppress what is added", "synonyms:\n  - {phrase: sugar diabetes, code: E11.9}\nsuppress:\n  - code: E11*\n", "suppress[1].code: E11* suppresses E11.9, which another rule reports"},
		{"always_add without trigger", "always_add:\n  - add: Z79.4\n", "line 2, always_add[1]: give when_phrase, when_code or both"},
		{"two documents", "suppress: []\n---\nsuppress: []\n", "line 3: the file holds more than one YAML document"},
		{"not UTF-8", "suppress:\n  - code: \xff\n", "not UTF-8"},
		{"too large", "#" + strings.Repeat("x", MaxSourceBytes), "the limit is"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.src), testCatalog)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v\nwant it to contain %q", err, tt.want)
			}
			var re *Error
			if !errorsAs(err, &re) || len(re.Problems) == 0 {
				t.Fatalf("error %T is not a *rules.Error", err)
			}
		})
	}
}

func errorsAs(err error, target **Error) bool {
	e, ok := err.(*Error)
	if ok {
		*target = e
	}
	return ok
}

func TestParseWithoutCatalogChecksFormOnly(t *testing.T) {
	if _, err := Parse([]byte("synonyms:\n  - {phrase: sugar diabetes, code: E11.999}\n"), nil); err != nil {
		t.Fatalf("without a catalog: %v", err)
	}
}

// result is an engine result for note with a diagnosis per (code, phrase)
// pair, evidence at the phrase, and one procedure pointing at the first.
func result(note string, dx ...[2]string) *engine.Result {
	r := &engine.Result{Diagnoses: []engine.Diagnosis{}, Procedures: []engine.Procedure{}}
	for i, d := range dx {
		at := strings.Index(strings.ToLower(note), d[1])
		r.Diagnoses = append(r.Diagnoses, engine.Diagnosis{Code: d[0], Rank: i + 1, Confidence: 0.8, Assertion: "affirmed",
			Evidence: []engine.Evidence{{Start: at, End: at + len(d[1]), Text: note[at : at+len(d[1])]}}, Rules: []engine.Rule{{ID: "engine"}}})
	}
	return r
}

func compile(t *testing.T, src string) *Set {
	t.Helper()
	d, err := Parse([]byte(src), testCatalog)
	if err != nil {
		t.Fatal(err)
	}
	return Compile(d, "Maple clinic rules, version 4", testCatalog)
}

func codes(r *engine.Result) string {
	var out []string
	for _, d := range r.Diagnoses {
		out = append(out, fmt.Sprintf("%d:%s", d.Rank, d.Code))
	}
	for _, p := range r.Procedures {
		out = append(out, fmt.Sprintf("%s%v", p.Code, p.DiagnosisPointers))
	}
	return strings.Join(out, " ")
}

func cites(r *engine.Result, code, id string) bool {
	for _, d := range r.Diagnoses {
		for _, ru := range d.Rules {
			if d.Code == code && ru.ID == id && ru.Citation == "Maple clinic rules, version 4" {
				return true
			}
		}
	}
	for _, p := range r.Procedures {
		for _, ru := range p.Rules {
			if p.Code == code && ru.ID == id {
				return true
			}
		}
	}
	return false
}

func TestApply(t *testing.T) {
	set := compile(t, fullDoc)
	tests := []struct {
		name   string
		note   string
		dx     [][2]string
		proc   []engine.Procedure
		payer  string
		want   string
		cite   [][2]string // code, rule id
		warned string      // a code the rules dropped
	}{
		{name: "synonym adds its code with the phrase as evidence",
			note: "Follow-up. Sugar diabetes, stable on diet.", want: "1:E11.9", cite: [][2]string{{"E11.9", "clinic/synonyms-1"}}},
		{name: "negated phrase adds nothing",
			note: "No sugar diabetes. Feels well.", want: ""},
		{name: "phrase inside a longer word adds nothing",
			note: "Antisugar diabetesfree diet.", want: ""},
		{name: "synonym of a code already there cites the rule on it",
			note: "Hypertension, high blood pressure at home.", dx: [][2]string{{"I10", "hypertension"}},
			want: "1:I10", cite: [][2]string{{"I10", "clinic/high-bp"}}},
		{name: "always_add needs the phrase and the code",
			note: "Type 2 diabetes. Continues insulin glargine nightly.", dx: [][2]string{{"E11.65", "type 2 diabetes"}},
			want: "1:E11.65 2:Z79.4", cite: [][2]string{{"Z79.4", "clinic/always_add-1"}}},
		{name: "always_add without the code adds nothing",
			note: "Hypertension. Mother takes insulin? no: patient started insulin.", dx: [][2]string{{"I10", "hypertension"}}, want: "1:I10"},
		{name: "prefer replaces the code and keeps its evidence",
			note: "Hyperlipidemia on statin.", dx: [][2]string{{"E78.5", "hyperlipidemia"}},
			want: "1:E78.2", cite: [][2]string{{"E78.2", "clinic/prefer-1"}}},
		{name: "suppress drops the code, warns, and moves pointers",
			note: "Cough and hypertension.", dx: [][2]string{{"R05.9", "cough"}, {"I10", "hypertension"}},
			proc: []engine.Procedure{{Code: "99213", System: "CPT", DiagnosisPointers: []int{1, 2}}},
			want: "1:I10 99213[1]", warned: "R05.9"},
		{name: "payer variant for its payer",
			note: "Flu vaccine given.", proc: []engine.Procedure{{Code: "90471", System: "CPT"}, {Code: "90686", System: "CPT"}}, payer: "medicare",
			want: "G0008[] 90686[]", cite: [][2]string{{"G0008", "clinic/payer_variants-1"}}},
		{name: "payer variant not for another payer",
			note: "Flu vaccine given.", proc: []engine.Procedure{{Code: "90471", System: "CPT"}}, payer: "commercial", want: "90471[]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := result(tt.note, tt.dx...)
			r.Procedures = append(r.Procedures, tt.proc...)
			set.Apply(r, tt.note, tt.payer)
			if got := codes(r); got != tt.want {
				t.Fatalf("codes %q, want %q", got, tt.want)
			}
			for _, c := range tt.cite {
				if !cites(r, c[0], c[1]) {
					t.Errorf("%s does not cite %s: %+v", c[0], c[1], r)
				}
			}
			for _, d := range r.Diagnoses {
				for _, e := range d.Evidence {
					if tt.note[e.Start:e.End] != e.Text {
						t.Errorf("%s: evidence [%d,%d) %q does not match the note", d.Code, e.Start, e.End, e.Text)
					}
				}
			}
			if tt.warned != "" {
				if len(r.Warnings) != 1 || r.Warnings[0].Code != tt.warned || !strings.Contains(r.Warnings[0].Message, "clinic/suppress-1") {
					t.Fatalf("warnings %+v", r.Warnings)
				}
			}
		})
	}
}

func TestApplyAddsDescriptionAndMergesPreferredCodes(t *testing.T) {
	set := compile(t, "prefer:\n  - {code: E11.65, instead_of: [E11.9]}\n")
	note := "Type 2 diabetes with hyperglycemia; diabetes."
	r := result(note, [2]string{"E11.65", "type 2 diabetes"}, [2]string{"E11.9", "diabetes."})
	set.Apply(r, note, "")
	if codes(r) != "1:E11.65" || len(r.Diagnoses[0].Evidence) != 2 {
		t.Fatalf("merged result = %+v", r.Diagnoses)
	}
	set = compile(t, "synonyms:\n  - {phrase: sugar diabetes, code: E11.9}\n")
	r = result("Sugar diabetes.")
	set.Apply(r, "Sugar diabetes.", "")
	if d := r.Diagnoses[0]; d.Description != testCatalog["E11.9"] || d.Confidence != ruleConfidence || d.Assertion != "affirmed" || d.Evidence[0].Text != "Sugar diabetes" {
		t.Fatalf("added diagnosis = %+v", d)
	}
}

func TestOptionsDefaults(t *testing.T) {
	set := compile(t, fullDoc)
	if o := set.Options(engine.Options{}); o.Payer != "medicare" || o.PatientType != "established" {
		t.Fatalf("defaults not filled: %+v", o)
	}
	if o := set.Options(engine.Options{Payer: "medicaid", PatientType: "new"}); o.Payer != "medicaid" || o.PatientType != "new" {
		t.Fatalf("request values overridden: %+v", o)
	}
}

func TestFindPhrase(t *testing.T) {
	tests := []struct {
		text, phrase string
		want         string
	}{
		{"Sugar diabetes; SUGAR DIABETES.", "sugar diabetes", "[[0 14] [16 30]]"},
		{"sugar diabetic", "sugar diabetes", "[]"},
		{"ÉTAT sugar", "état", "[[0 5]]"},
		{"pre-insulin insulin insulins", "insulin", "[[4 11] [12 19]]"},
		{"Insulinsulin insulin", "insulin", "[[13 20]]"},
		{"", "x", "[]"},
	}
	for _, tt := range tests {
		// The ASCII path and the folding path agree.
		for _, lower := range []string{lowerASCII(tt.text), ""} {
			if got := fmt.Sprint(findPhrase(tt.text, lower, tt.phrase)); got != tt.want && !(got == "[]" && tt.want == "[]") {
				t.Errorf("findPhrase(%q, %q, %q) = %s, want %s", tt.text, lower, tt.phrase, got, tt.want)
			}
		}
	}
}

func TestAddSuggestionsKeepTheSource(t *testing.T) {
	src := "# Our rules\nsuppress:\n  - code: R05.9 # cough\n"
	out, err := AddPreference([]byte(src), "E11.65", "E11.9", "adopted from coders' corrections")
	if err != nil {
		t.Fatal(err)
	}
	d, err := Parse(out, testCatalog)
	if err != nil {
		t.Fatalf("edited rules do not parse: %v\n%s", err, out)
	}
	if len(d.Prefer) != 1 || d.Prefer[0].Code != "E11.65" || d.Prefer[0].InsteadOf[0] != "E11.9" || len(d.Suppress) != 1 {
		t.Fatalf("edited document = %+v", d)
	}
	if !strings.Contains(string(out), "# Our rules") || !strings.Contains(string(out), "# cough") {
		t.Fatalf("comments lost:\n%s", out)
	}
	out, err = AddSuppression(out, "I10", "")
	if err != nil {
		t.Fatal(err)
	}
	if d, err := Parse(out, testCatalog); err != nil || len(d.Suppress) != 2 || d.Suppress[1].Code != "I10" {
		t.Fatalf("second edit = %+v, %v\n%s", d, err, out)
	}
	for _, empty := range []string{"", "prefer:\n", `{"prefer": []}`} {
		out, err := AddPreference([]byte(empty), "E78.2", "E78.5", "")
		if err != nil {
			t.Fatal(err)
		}
		if d, err := Parse(out, testCatalog); err != nil || len(d.Prefer) != 1 {
			t.Fatalf("edit of %q = %+v, %v\n%s", empty, d, err, out)
		}
	}
}

func TestErrorJSON(t *testing.T) {
	_, err := Parse([]byte("suppress:\n  - code: nope\n"), nil)
	b, _ := json.Marshal(err.(*Error).Problems)
	if string(b) != `[{"line":2,"path":"suppress[1].code","message":"\"nope\" is not a code: write ICD-10-CM codes with their dot (E11.9), CPT and HCPCS codes as five characters (99213, G0008)"}]` {
		t.Fatalf("problems = %s", b)
	}
}

// TestDocExampleParses keeps the example of docs/clinic-rules.md valid.
func TestDocExampleParses(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "clinic-rules.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "```yaml\n")
	example, _, closed := strings.Cut(rest, "```")
	if !ok || !closed {
		t.Fatal("docs/clinic-rules.md has no yaml example")
	}
	d, err := Parse([]byte(example), testCatalog)
	if err != nil {
		t.Fatal(err)
	}
	if d.Count() != 5 || d.Synonyms[0].ID != "sugar-crash" {
		t.Fatalf("example = %+v", d)
	}
}
