package engine

import (
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/medcode/medcode/internal/nlp"
)

// testWords is the engine's dictionary normalizer without an engine.
func testWords(t testing.TB) wordsFunc {
	a, err := nlp.New()
	if err != nil {
		t.Fatal(err)
	}
	return func(s string) []string {
		var out []string
		for _, w := range a.NormalizePhrase(s) {
			if !a.IsStop(w) {
				out = append(out, w)
			}
		}
		return out
	}
}

// withFile returns the embedded tables with one file replaced.
func withFile(name, content string) fs.FS {
	m := fstest.MapFS{}
	_ = fs.WalkDir(dataFS, "tables", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := fs.ReadFile(dataFS, p)
			m[p] = &fstest.MapFile{Data: b}
		}
		return nil
	})
	m[name] = &fstest.MapFile{Data: []byte(content)}
	return m
}

func TestEmbeddedTablesLoad(t *testing.T) {
	words := testWords(t)
	tb, err := loadTables(dataFS, words, nlp.Default().MedicationClass)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := loadIndexRules(dataFS, words); err != nil {
		t.Fatal(err)
	}
	if _, err := loadContextLexicon(dataFS, words); err != nil {
		t.Fatal(err)
	}
	if _, err := loadLearned(dataFS, "tables/learned.tsv"); err != nil {
		t.Fatal(err)
	}
	if _, err := newDrugCoder(nil, words, dataFS); err != nil {
		t.Fatal(err)
	}
	// Every rule id the code and the tables use is defined.
	for _, id := range []string{"R1", "R4", "R5", "R6", "R7", "R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15", "R18", "R19", "R20",
		"WITH", "UNRELATED", "HTN-HEART", "HTN-CKD", "HTN-HEART-CKD", "DM-MULTI", "COMBINATION", "EXCLUDES1", "CODE-FIRST",
		"USE-ADDITIONAL", "CODE-ALSO", "MANIFESTATION", "INDEX", "TABULAR-TERM", "LEXICON", "LEARNED", "SPECIFICITY",
		"LATERALITY", "SEVENTH", "DEFAULT-UNSPECIFIED", "SUPERSEDED", "ADVERSE-EFFECT", "POISONING", "UNDERDOSING",
		"NEOPLASM", "SEQUELA", "STATUS", "ABSTRACT", "PRECISION"} {
		if _, ok := tb.rules[id]; !ok {
			t.Errorf("rule %s is used but not defined in tables/rules.yaml", id)
		}
	}
}

func TestRuleTableEntries(t *testing.T) {
	tests := []struct{ name, yaml, want string }{
		{"bad id", "- {id: r1, citation: c, summary: s}", "upper-case"},
		{"no citation", "- {id: R1, summary: s}", "citation"},
		{"duplicate", "- {id: R1, citation: c, summary: s}\n- {id: R1, citation: c, summary: s}", "twice"},
		{"bad profile", "- {id: R1, citation: c, summary: s, profiles: [inpatient]}", "profile"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseRules([]byte(tt.yaml))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want %q", err, tt.want)
			}
		})
	}
	rt, err := parseRules([]byte("- {id: R1, citation: IV.H, summary: s, profiles: [outpatient]}"))
	if err != nil {
		t.Fatal(err)
	}
	if !rt.appliesTo("R1", ProfileOutpatient) || rt.appliesTo("R1", ProfileAbstract) || rt.rule("R1").Citation != "IV.H" {
		t.Fatalf("rule table lookups wrong: %+v", rt)
	}
}

func TestCombinationEntries(t *testing.T) {
	rules, _ := parseRules([]byte("- {id: HTN-CKD, citation: c, summary: s}"))
	tests := []struct{ name, yaml, want string }{
		{"unknown rule", "groups: {a: [I10], b: [N18]}\ncombinations: [{rule: X, when: [a, b], replaces: a, code: I12.9}]", "unknown rule"},
		{"unknown group", "groups: {a: [I10]}\ncombinations: [{rule: HTN-CKD, when: [a, b], replaces: a, code: I12.9}]", "unknown group"},
		{"bad code", "groups: {a: [I10], b: [N18]}\ncombinations: [{rule: HTN-CKD, when: [a, b], replaces: a, code: nope}]", "not a code"},
		{"one group", "groups: {a: [I10]}\ncombinations: [{rule: HTN-CKD, when: [a], replaces: a, code: I12.9}]", "two groups"},
		{"replaced group outside when", "groups: {a: [I10], b: [N18]}\ncombinations: [{rule: HTN-CKD, when: [a, b], replaces: [a, c], code: I12.9}]", "not one of when"},
		{"replaces not a group", "groups: {a: [I10], b: [N18]}\ncombinations: [{rule: HTN-CKD, when: [a, b], replaces: {x: 1}, code: I12.9}]", "replaces wants"},
		{"bad reference", "groups: {a: [nope]}\ncombinations: []", "group"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseCombinations([]byte(tt.yaml), rules)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want %q", err, tt.want)
			}
		})
	}
	ct, err := parseCombinations([]byte("groups: {htn: [I10], ckd: [N18.1-N18.4, N18.9]}\ncombinations: [{rule: HTN-CKD, when: [htn, ckd], replaces: htn, code: I12.9}]"), rules)
	if err != nil {
		t.Fatal(err)
	}
	if !ct.groups["ckd"].contains("N18.32") || ct.groups["ckd"].contains("N18.5") || len(ct.rows) != 1 {
		t.Fatalf("combination table read wrong: %+v", ct)
	}
}

// TestTableRowErrors checks, for each hand-written table and each entry
// kind, that a malformed row is rejected with its file and line.
func TestTableRowErrors(t *testing.T) {
	words := testWords(t)
	loadAll := func(fsys fs.FS) error {
		if _, err := loadTables(fsys, words, nlp.Default().MedicationClass); err != nil {
			return err
		}
		if _, err := loadIndexRules(fsys, words); err != nil {
			return err
		}
		if _, err := loadContextLexicon(fsys, words); err != nil {
			return err
		}
		if _, err := loadWordForms(fsys, nlp.Default()); err != nil {
			return err
		}
		if _, err := loadLearned(fsys, "tables/learned.tsv"); err != nil {
			return err
		}
		_, err := newDrugCoder(nil, words, fsys)
		return err
	}
	tests := []struct{ file, row, want string }{
		{"tables/chronic.tsv", "chronic\tnope\tx", "chronic.tsv line 1"},
		{"tables/chronic.tsv", "chronic-stated\tJ32", "columns"},
		{"tables/chronic.tsv", "acute\tJ32\tx", "unknown kind"},
		{"tables/integral.tsv", "integral\tR05\tnope", "diagnoses"},
		{"tables/integral.tsv", "integral\tbad\tJ00", "symptom"},
		{"tables/unrelated.tsv", "unrelated\t,", "no words"},
		{"tables/companions.tsv", "requires\tR12\tZ68\tnope", "other codes"},
		{"tables/companions.tsv", "never-with\tR99\tZ79.4\tE10", "unknown rule"},
		{"tables/companions.tsv", "supersede\tSUPERSEDED\tbad\tS00-T88", "codes"},
		{"tables/companions.tsv", "supersede-term\tSUPERSEDED\tLesion", "columns"},
		{"tables/companions.tsv", "sole-reason\tR14\tZ11-Z13", "columns"},
		{"tables/companions.tsv", "omit\tR18\tZ79.899\t-\textra", "columns"},
		{"tables/encounter.tsv", "exam\tZ00.00\tZ00.01\t65\t18", "range of years"},
		{"tables/encounter.tsv", "vaccine\tnope\tvaccine", "not a code"},
		{"tables/encounter.tsv", "given", "columns"},
		{"tables/encounter.tsv", "qualifier", "columns"},
		{"tables/index_terms.tsv", "needs-subterm", "columns"},
		{"tables/index_terms.tsv", "skip-subterm\ta\tb", "columns"},
		{"tables/index_terms.tsv", "implicit-main", "columns"},
		{"tables/index_terms.tsv", "note-wide-with", "columns"},
		{"tables/index_terms.tsv", "connector", "columns"},
		{"tables/index_terms.tsv", "drop-word", "columns"},
		{"tables/index_terms.tsv", "block", "columns"},
		{"tables/index_terms.tsv", "adjective\tEdema, edematous", "columns"},
		{"tables/index_terms.tsv", "adjective\tEdema, edematous\themorrhagic", "not a spelling"},
		{"tables/index_terms.tsv", "prefer\tx", "unknown kind"},
		{"tables/context.tsv", "side\tright\tup", "unknown side"},
		{"tables/context.tsv", "side\ttwo words\tright", "one word"},
		{"tables/context.tsv", "acuity\tCough\t0\t56", "positive"},
		{"tables/context.tsv", "acuity\tCough\t20\t10", "above"},
		{"tables/word_forms.tsv", "form\trenal\tkidney\textra", "columns"},
		{"tables/word_forms.tsv", "form\trenal\tkidney\nform\trenal\tliver", "already maps"},
		{"tables/word_forms.tsv", "qualifier\tstage\tafter", "position"},
		{"tables/word_forms.tsv", "qualifier\tstage of\tnext", "one word"},
		{"tables/word_forms.tsv", "synonym\tstage\tnext", "unknown kind"},
		{"tables/learned.tsv", "phrase\tpain\tnope\t0.5\t3", "not a code"},
		{"tables/learned.tsv", "phrase\tpain\tR52", "columns"},
		{"tables/learned.tsv", "phrase\tpain\tR52\t1.5\t3", "precision"},
		{"tables/learned.tsv", "param\tphrase-support\t0.5", "whole number"},
		{"tables/learned.tsv", "param\tphrase-precision\tNaN", "number"},
		{"tables/learned.tsv", "prior\tR52\t1.5\t3", "precision"},
		{"tables/learned.tsv", "calibrate\t0.5\t0.4\t0.3", "empty"},
		{"tables/learned.tsv", "param\tprune-below\t2", "number"},
		{"tables/learned.tsv", "param\tspeed\t0.2", "unknown param"},
		{"tables/drug_events.tsv", "event\tsideways\tx", "unknown event"},
		{"tables/drug_events.tsv", "intent\tcareless\tx", "unknown intent"},
		{"tables/drug_events.tsv", "reason\tnope\tx", "not a code"},
		{"tables/drug_events.tsv", "intent\tintentional\tx", "no cues"},
	}
	for _, tt := range tests {
		t.Run(tt.file+" "+strings.Fields(tt.row + " x")[0], func(t *testing.T) {
			err := loadAll(withFile(tt.file, tt.row+"\n"))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("row %q: got %v, want an error mentioning %q", tt.row, err, tt.want)
			}
		})
	}
}

func TestSynonymTargetsExist(t *testing.T) {
	e := testEngine(t)
	rc, _, err := e.coderFor(e.now())
	if err != nil {
		t.Fatal(err)
	}
	b := newLexiconBuilder(e.words, e.rules)
	if err := b.addSynonyms(withFile("tables/synonyms.tsv", "term\tx\tNo such main term, at all\n"), rc.index); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Fatalf("a synonym pointing nowhere must be rejected with its line, got %v", err)
	}
	if err := b.addSynonyms(withFile("tables/synonyms.tsv", "managed\tblood pressure\tHypertension\n"), rc.index); err == nil || !strings.Contains(err.Error(), "columns") {
		t.Fatalf("a managed row without medication classes must be rejected, got %v", err)
	}
	if err := b.addSynonyms(withFile("tables/synonyms.tsv", "alias\tx\tPain\n"), rc.index); err == nil || !strings.Contains(err.Error(), "unknown kind") {
		t.Fatalf("an unknown kind must be rejected, got %v", err)
	}
	if err := b.addSynonyms(dataFS, rc.index); err != nil {
		t.Fatal(err)
	}
}

func TestVariants(t *testing.T) {
	tests := []struct {
		title string
		want  []string
	}{
		{"Diabetes, diabetic", []string{"Diabetes", "diabetic"}},
		{"acute, subacute", []string{"acute", "subacute"}},
		{"glomerulonephrosis, intracapillary", []string{"glomerulonephrosis intracapillary"}},
		{"Abduction contracture, hip or other joint", []string{"Abduction contracture hip or other joint"}},
		{"Pain", []string{"Pain"}},
		{"acute or subacute", []string{"acute", "subacute"}},
		{"hip or other joint", []string{"hip or other joint"}},
	}
	for _, tt := range tests {
		got := variants(tt.title)
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("variants(%q) = %q, want %q", tt.title, got, tt.want)
		}
	}
}

func TestDurationDays(t *testing.T) {
	tests := []struct {
		text string
		days int
		ok   bool
	}{
		{"3 days of cough", 3, true},
		{"cough x2 days", 2, true},
		{"for three weeks", 21, true},
		{"34-year-old with cough", 0, false},
		{"2 months", 60, true},
		{"no duration", 0, false},
	}
	for _, tt := range tests {
		d, ok := durationDays(tt.text)
		if d != tt.days || ok != tt.ok {
			t.Errorf("durationDays(%q) = %d, %v; want %d, %v", tt.text, d, ok, tt.days, tt.ok)
		}
	}
}

// FuzzLoadLearned feeds arbitrary files to the learned-table reader, the
// one table a user may supply (WithLearnedFile): it must reject bad input
// with an error, never panic, and keep only valid rows.
func FuzzLoadLearned(f *testing.F) {
	f.Add("phrase\tdiseas\tR69\t0.55\t12\nprior\tR52\t0.41\t176\ncalibrate\t0\t0.5\t0.3\nparam\tprune-below\t0.2\nparam\tphrase-support\t3\n")
	f.Add("calibrate\t0.9\t0.1\t0.5\n")
	f.Add("prior\tR52\tNaN\t3\n\t\t\n#x")
	f.Fuzz(func(t *testing.T, content string) {
		lt, err := loadLearned(fstest.MapFS{"l.tsv": &fstest.MapFile{Data: []byte(content)}}, "l.tsv")
		if err != nil {
			return
		}
		for _, b := range lt.bins {
			if !(b.lo <= b.hi && b.precision >= 0 && b.precision <= 1) {
				t.Fatalf("accepted bad bin %+v", b)
			}
		}
		for c, p := range lt.priors {
			if !(p.precision >= 0 && p.precision <= 1) || p.support <= 0 || c == "" {
				t.Fatalf("accepted bad prior %s %+v", c, p)
			}
		}
		for _, g := range lt.groups {
			for _, lc := range g.codes {
				if len(g.words) == 0 || !(lc.precision >= 0 && lc.precision <= 1) || lc.support <= 0 {
					t.Fatalf("accepted bad phrase %+v", g)
				}
			}
		}
		if lt.minSupport < 1 || !(lt.minPrecision >= 0 && lt.minPrecision <= 1) {
			t.Fatalf("accepted bad thresholds %v %v", lt.minPrecision, lt.minSupport)
		}
	})
}

func TestCodeRefsContains(t *testing.T) {
	refs, err := parseCodeRefs("I50 N18.1-N18.4 I10-I12 Z79.4")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		code string
		want bool
	}{
		{"I50.22", true}, {"I50", true}, {"I51.9", false},
		{"N18.1", true}, {"N18.30", true}, {"N18.4", true}, {"N18.5", false}, {"N18.9", false},
		{"I10", true}, {"I11.0", true}, {"I12.9", true}, {"I13.0", false},
		{"Z79.4", true}, {"Z79.84", false},
		{"", false}, {"not a code", false},
	}
	for _, tc := range cases {
		if got := refs.contains(tc.code); got != tc.want {
			t.Errorf("contains(%q) = %v, want %v", tc.code, got, tc.want)
		}
	}
	if _, err := parseCodeRefs("I50 x"); err == nil {
		t.Error("parseCodeRefs accepted a word that is no code")
	}
}
