package engine

import (
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"

	"github.com/medcode/medcode/internal/codeset/icd"
	"gopkg.in/yaml.v3"
)

// codeRefs is a list of ICD-10-CM code references ("I50", "N18.1-N18.4");
// a code matches when it falls under any of them.
type codeRefs []icd.CodeRef

// parseCodeRefs reads space-separated references.
func parseCodeRefs(text string) (codeRefs, error) {
	var out codeRefs
	for _, f := range strings.Fields(text) {
		refs := icd.ParseRefs(f)
		if len(refs) != 1 {
			return nil, fmt.Errorf("%q is not one code or range", f)
		}
		out = append(out, refs[0])
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no code references")
	}
	return out, nil
}

func (rs codeRefs) contains(code string) bool {
	for _, r := range rs {
		if r.Contains(code) {
			return true
		}
	}
	return false
}

// tables are the hand-written lexicons and rule parameters of tables/.
type tables struct {
	rules        ruleTable
	combinations combinationTable
	chronic      codeRefs
	// chronicStated are chronic only when the note says "chronic".
	chronicStated codeRefs
	// treatedBy lists, per drug class, the conditions it treats: a current
	// drug of the class shows a chronic condition managed at the visit.
	treatedBy map[string]codeRefs
	integral  []integralRow
	unrelated [][]string // normalized phrases
	// companions.tsv
	requires, neverWith, supersede, soleReason, omit []companionRow
	// supersedeTerm rows name an Index main term (MatchKey) in term.
	supersedeTerm []companionRow
	// encounter.tsv
	exams      []examPair
	vaccines   []vaccineRow
	given      cueSet
	qualifiers map[string]bool // normalized words
}

// companionRow is a row of tables/companions.tsv.
type companionRow struct {
	rule   string
	codes  codeRefs
	term   string
	others codeRefs
}

// examPair is a routine exam code without and with abnormal findings and
// the ages it applies to.
type examPair struct {
	without, with  string
	minAge, maxAge float64
}

// vaccineRow is a code reported when a vaccine phrase and a given phrase
// share a sentence.
type vaccineRow struct {
	code    string
	phrases cueSet
}

// examPair returns the pair a routine exam code belongs to.
func (t *tables) examPair(code string) (examPair, bool) {
	for _, p := range t.exams {
		if p.without == code || p.with == code {
			return p, true
		}
	}
	return examPair{}, false
}

// examForAge returns the pair for a patient of the given age.
func (t *tables) examForAge(age float64) (examPair, bool) {
	for _, p := range t.exams {
		if age >= p.minAge && age <= p.maxAge {
			return p, true
		}
	}
	return examPair{}, false
}

// integralRow: the symptom is integral to the diagnoses.
type integralRow struct {
	symptom   codeRefs
	diagnoses codeRefs
}

// combinationTable is tables/combinations.yaml.
type combinationTable struct {
	groups map[string]codeRefs
	rows   []combination
}

// combination replaces the codes of the groups of replaces by code when
// every group of when is coded. Rows are tried in order; the first complete
// row of each family (its first replaced group) applies.
type combination struct {
	rule     string
	when     []string
	replaces []string
	code     string
}

// family names the rows that are alternatives of one another.
func (c combination) family() string { return c.replaces[0] }

func loadTables(fsys fs.FS, words wordsFunc, medClass func(string) bool) (*tables, error) {
	t := &tables{}
	raw, err := fs.ReadFile(fsys, "tables/rules.yaml")
	if err != nil {
		return nil, fmt.Errorf("engine: %w", err)
	}
	if t.rules, err = parseRules(raw); err != nil {
		return nil, err
	}
	if raw, err = fs.ReadFile(fsys, "tables/combinations.yaml"); err != nil {
		return nil, fmt.Errorf("engine: %w", err)
	}
	if t.combinations, err = parseCombinations(raw, t.rules); err != nil {
		return nil, err
	}
	rows, err := readTSV(fsys, "tables/chronic.tsv")
	if err != nil {
		return nil, err
	}
	t.treatedBy = map[string]codeRefs{}
	for _, r := range rows {
		if err := r.want(3, 3); err != nil {
			return nil, err
		}
		refs, err := parseCodeRefs(r.field(1))
		if err != nil {
			return nil, r.errorf("%v", err)
		}
		switch r.kind() {
		case "chronic":
			t.chronic = append(t.chronic, refs...)
		case "chronic-stated":
			t.chronicStated = append(t.chronicStated, refs...)
		case "treated-by":
			for _, class := range strings.Split(r.field(2), "|") {
				if !medClass(class) {
					return nil, r.errorf("unknown drug class %q (classes of the nlp medication lexicon)", class)
				}
				t.treatedBy[class] = append(t.treatedBy[class], refs...)
			}
		default:
			return nil, r.errorf("unknown kind %q", r.kind())
		}
	}
	if rows, err = readTSV(fsys, "tables/integral.tsv"); err != nil {
		return nil, err
	}
	for _, r := range rows {
		if err := r.want(3, 3); err != nil {
			return nil, err
		}
		if r.kind() != "integral" {
			return nil, r.errorf("unknown kind %q", r.kind())
		}
		sym, err := parseCodeRefs(r.field(1))
		if err != nil {
			return nil, r.errorf("symptom: %v", err)
		}
		dx, err := parseCodeRefs(r.field(2))
		if err != nil {
			return nil, r.errorf("diagnoses: %v", err)
		}
		t.integral = append(t.integral, integralRow{symptom: sym, diagnoses: dx})
	}
	if rows, err = readTSV(fsys, "tables/unrelated.tsv"); err != nil {
		return nil, err
	}
	for _, r := range rows {
		if err := r.want(2, 2); err != nil {
			return nil, err
		}
		if r.kind() != "unrelated" {
			return nil, r.errorf("unknown kind %q", r.kind())
		}
		ws := words(r.field(1))
		if len(ws) == 0 {
			return nil, r.errorf("phrase %q has no words", r.field(1))
		}
		t.unrelated = append(t.unrelated, ws)
	}
	if err := t.loadCompanions(fsys); err != nil {
		return nil, err
	}
	if err := t.loadEncounter(fsys, words); err != nil {
		return nil, err
	}
	return t, nil
}

func (t *tables) loadCompanions(fsys fs.FS) error {
	rows, err := readTSV(fsys, "tables/companions.tsv")
	if err != nil {
		return err
	}
	for _, r := range rows {
		if err := r.want(4, 4); err != nil {
			return err
		}
		if _, ok := t.rules[r.field(1)]; !ok {
			return r.errorf("unknown rule %q", r.field(1))
		}
		var codes codeRefs
		if r.kind() != "supersede-term" {
			if codes, err = parseCodeRefs(r.field(2)); err != nil {
				return r.errorf("codes: %v", err)
			}
		}
		var others codeRefs
		if r.field(3) != "-" {
			if others, err = parseCodeRefs(r.field(3)); err != nil {
				return r.errorf("other codes: %v", err)
			}
		}
		row := companionRow{rule: r.field(1), codes: codes, others: others}
		if r.kind() == "supersede-term" {
			row.term = icd.MatchKey(r.field(2))
		}
		switch r.kind() {
		case "requires":
			t.requires = append(t.requires, row)
		case "never-with":
			t.neverWith = append(t.neverWith, row)
		case "supersede":
			t.supersede = append(t.supersede, row)
		case "supersede-term":
			t.supersedeTerm = append(t.supersedeTerm, row)
		case "sole-reason":
			t.soleReason = append(t.soleReason, row)
		case "omit":
			t.omit = append(t.omit, row)
		default:
			return r.errorf("unknown kind %q", r.kind())
		}
	}
	return nil
}

func (t *tables) loadEncounter(fsys fs.FS, words wordsFunc) error {
	rows, err := readTSV(fsys, "tables/encounter.tsv")
	if err != nil {
		return err
	}
	t.qualifiers = map[string]bool{}
	for _, r := range rows {
		switch r.kind() {
		case "exam":
			if err := r.want(5, 5); err != nil {
				return err
			}
			lo, err1 := strconv.ParseFloat(r.field(3), 64)
			hi, err2 := strconv.ParseFloat(r.field(4), 64)
			if err1 != nil || err2 != nil || hi < lo {
				return r.errorf("ages %q-%q are not a range of years", r.field(3), r.field(4))
			}
			for _, code := range []string{r.field(1), r.field(2)} {
				if _, ok := icd.Key(code); !ok {
					return r.errorf("%q is not a code", code)
				}
			}
			t.exams = append(t.exams, examPair{without: r.field(1), with: r.field(2), minAge: lo, maxAge: hi})
		case "vaccine":
			if err := r.want(3, 3); err != nil {
				return err
			}
			if _, ok := icd.Key(r.field(1)); !ok {
				return r.errorf("%q is not a code", r.field(1))
			}
			t.vaccines = append(t.vaccines, vaccineRow{code: r.field(1), phrases: newCueSet(r.field(1), r.field(2))})
		case "given":
			if err := r.want(2, 2); err != nil {
				return err
			}
			t.given = newCueSet("given", r.field(1))
		case "qualifier":
			if err := r.want(2, 2); err != nil {
				return err
			}
			for _, p := range strings.Split(r.field(1), "|") {
				for _, w := range words(p) {
					t.qualifiers[w] = true
				}
			}
		default:
			return r.errorf("unknown kind %q", r.kind())
		}
	}
	if len(t.vaccines) > 0 && t.given.re == nil {
		return fmt.Errorf("engine: tables/encounter.tsv: vaccine rows need a given row")
	}
	return nil
}

func parseCombinations(data []byte, rules ruleTable) (combinationTable, error) {
	var raw struct {
		Groups       map[string][]string `yaml:"groups"`
		Combinations []struct {
			Rule     string    `yaml:"rule"`
			When     []string  `yaml:"when"`
			Replaces yaml.Node `yaml:"replaces"`
			Code     string    `yaml:"code"`
		} `yaml:"combinations"`
	}
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return combinationTable{}, fmt.Errorf("engine: combinations: %w", err)
	}
	ct := combinationTable{groups: map[string]codeRefs{}}
	for name, refs := range raw.Groups {
		parsed, err := parseCodeRefs(strings.Join(refs, " "))
		if err != nil {
			return ct, fmt.Errorf("engine: combinations: group %q: %v", name, err)
		}
		ct.groups[name] = parsed
	}
	for i, c := range raw.Combinations {
		if _, ok := rules[c.Rule]; !ok {
			return ct, fmt.Errorf("engine: combinations: row %d: unknown rule %q", i+1, c.Rule)
		}
		if _, ok := icd.Key(c.Code); !ok {
			return ct, fmt.Errorf("engine: combinations: row %d: %q is not a code", i+1, c.Code)
		}
		// replaces is one group or a list of them.
		var replaces []string
		if err := c.Replaces.Decode(&replaces); err != nil {
			var one string
			if err := c.Replaces.Decode(&one); err != nil {
				return ct, fmt.Errorf("engine: combinations: row %d: replaces wants a group or a list of groups", i+1)
			}
			replaces = []string{one}
		}
		for _, g := range c.When {
			if _, ok := ct.groups[g]; !ok {
				return ct, fmt.Errorf("engine: combinations: row %d: unknown group %q", i+1, g)
			}
		}
		for _, r := range replaces {
			if !slices.Contains(c.When, r) {
				return ct, fmt.Errorf("engine: combinations: row %d: replaced group %q is not one of when", i+1, r)
			}
		}
		if len(replaces) == 0 || len(c.When) < 2 {
			return ct, fmt.Errorf("engine: combinations: row %d: needs two groups or more, one of them the replaced group", i+1)
		}
		ct.rows = append(ct.rows, combination{rule: c.Rule, when: c.When, replaces: replaces, code: c.Code})
	}
	return ct, nil
}
