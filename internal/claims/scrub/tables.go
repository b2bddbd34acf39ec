package scrub

import (
	"bufio"
	"bytes"
	"embed"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/medcode/medcode/internal/claims"
)

//go:embed data/*.tsv
var dataFS embed.FS

// Edit is one entry of the edit catalog (data/edits.tsv).
type Edit struct {
	ID       string   `json:"id"`
	Severity Severity `json:"severity"`
	Title    string   `json:"title"`
	Fix      string   `json:"fix"`
	CARCs    []string `json:"carcs,omitempty"` // denial reasons the edit prevents
	order    int
}

type exceptedPattern struct {
	pattern icdPattern
	except  icdPatterns
}

func (e exceptedPattern) match(code string) bool {
	return e.pattern.match(code) && !e.except.match(code)
}

type dxAgeRule struct {
	pattern  icdPattern
	min, max int
	note     string
}

type presumedLink struct {
	code, partner icdPattern
	combination   string
	note          string
}

type redundantPair struct {
	combination, component icdPattern
	note                   string
}

// togetherPair is a pair the guidelines have the coder report together
// from a fiscal year on, whatever an Excludes1 note of an older tabular
// says (the data file cites the guideline).
type togetherPair struct {
	a, b     icdPattern
	fromYear int
}

func (p togetherPair) match(x, y string, fy int) bool {
	return fy >= p.fromYear && (p.a.match(x) && p.b.match(y) || p.a.match(y) && p.b.match(x))
}

type pxAgeRule struct {
	codes    codeSet
	min, max int
	family   string
}

type pxSexRule struct {
	codes codeSet
	sex   claims.Sex
}

type exclusiveRule struct {
	codes    codeSet
	siteOnly bool // the conflict holds only on the same site (no opposite sides)
}

type variantRule struct {
	medicareLike bool // applies to Medicare-like payers (else to the others)
	codes        codeSet
	replacement  string
	vaccineKind  string // the rule needs a vaccine product of this kind on the claim
}

type prolongedRule struct {
	addon, base string
	minutes     int
}

type drugUnit struct {
	amount float64
	unit   string
}

type coverageRule struct {
	policy CoveragePolicy
	scope  string // medicare_like, other, all
	codes  codeSet
	nonCov icdPatterns
}

// tables holds every data file of the scrubber.
type tables struct {
	catalog []*Edit
	edits   map[string]*Edit

	firstListedOnly, secondaryOnly []exceptedPattern
	externalCause                  icdPatterns
	dxAge                          []dxAgeRule
	presumed                       []presumedLink
	redundant                      []redundantPair
	together                       []togetherPair
	dxSets                         map[string]icdPatterns

	sets      map[string]codeSet
	pxAge     []pxAgeRule
	pxSex     []pxSexRule
	addons    map[string][]string
	exclusive []exclusiveRule
	variants  []variantRule
	vaccines  map[string]string // product code → kind
	prolonged []prolongedRule
	drugUnits map[string]drugUnit
	modifiers map[string]map[string]bool
	coverage  []coverageRule
	payers    map[claims.PayerClass]payerRule
}

type payerRule struct {
	timelyFilingDays int
	acceptsG2211     bool
}

// requiredSets are the named sets the edits look up.
var (
	requiredDxSets       = []string{"encounter", "routine_exam", "screening", "symptom", "vaccination"}
	requiredCodeSets     = []string{"office_em", "preventive_em", "em", "wellness", "drug_admin", "time_based", "lab", "vaccine_admin", "drug", "g2211_exception"}
	requiredModifierSets = []string{"ncci_associated", "x_distinct", "em_only", "medicare_abn", "right", "left", "bilateral", "global_em"}
)

func loadTables() (*tables, error) {
	t := &tables{
		edits: map[string]*Edit{}, dxSets: map[string]icdPatterns{}, sets: map[string]codeSet{},
		addons: map[string][]string{}, vaccines: map[string]string{}, drugUnits: map[string]drugUnit{},
		modifiers: map[string]map[string]bool{}, payers: map[claims.PayerClass]payerRule{},
	}
	steps := []struct {
		file string
		row  func([]string) error
	}{
		{"data/edits.tsv", t.editRow},
		{"data/dx-rules.tsv", t.dxRow},
		{"data/px-rules.tsv", t.pxRow},
		{"data/modifiers.tsv", t.modifierRow},
		{"data/coverage.tsv", t.coverageRow},
		{"data/payers.tsv", t.payerRow},
	}
	for _, s := range steps {
		if err := eachRow(s.file, s.row); err != nil {
			return nil, err
		}
	}
	for _, name := range requiredDxSets {
		if len(t.dxSets[name]) == 0 {
			return nil, fmt.Errorf("scrub: data/dx-rules.tsv has no %s entries", name)
		}
	}
	for _, name := range requiredCodeSets {
		if _, ok := t.sets[name]; !ok {
			return nil, fmt.Errorf("scrub: data/px-rules.tsv has no set %s", name)
		}
	}
	for _, name := range requiredModifierSets {
		if len(t.modifiers[name]) == 0 {
			return nil, fmt.Errorf("scrub: data/modifiers.tsv has no set %s", name)
		}
	}
	for _, c := range claims.PayerClasses {
		if _, ok := t.payers[c]; !ok {
			return nil, fmt.Errorf("scrub: data/payers.tsv has no row for %s", c)
		}
	}
	for _, id := range editIDs {
		if t.edits[id] == nil {
			return nil, fmt.Errorf("scrub: data/edits.tsv has no entry for %s", id)
		}
	}
	return t, nil
}

// eachRow calls row with the tab-separated fields of every non-comment line.
func eachRow(name string, row func([]string) error) error {
	b, err := dataFS.ReadFile(name)
	if err != nil {
		return fmt.Errorf("scrub: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if err := row(strings.Split(line, "\t")); err != nil {
			return fmt.Errorf("scrub: %s line %d: %w", name, n, err)
		}
	}
	return sc.Err()
}

func fields(f []string, n int) error {
	if len(f) != n {
		return fmt.Errorf("%s has %d fields, want %d", f[0], len(f), n)
	}
	return nil
}

func (t *tables) editRow(f []string) error {
	if err := fields(f, 5); err != nil {
		return err
	}
	sev, err := ParseSeverity(f[1])
	if err != nil {
		return err
	}
	if t.edits[f[0]] != nil {
		return fmt.Errorf("edit %s listed twice", f[0])
	}
	e := &Edit{ID: f[0], Severity: sev, Title: f[2], Fix: f[3], order: len(t.catalog)}
	if f[4] != "-" {
		e.CARCs = strings.Split(f[4], ",")
	}
	t.catalog = append(t.catalog, e)
	t.edits[e.ID] = e
	return nil
}

func (t *tables) dxRow(f []string) error {
	switch f[0] {
	case "first_listed_only", "secondary_only":
		if err := fields(f, 3); err != nil {
			return err
		}
		p, err := parseICDPattern(f[1])
		if err != nil {
			return err
		}
		e := exceptedPattern{pattern: p}
		if f[2] != "-" {
			if e.except, err = parseICDPatterns(f[2]); err != nil {
				return err
			}
		}
		if f[0] == "first_listed_only" {
			t.firstListedOnly = append(t.firstListedOnly, e)
		} else {
			t.secondaryOnly = append(t.secondaryOnly, e)
		}
	case "external_cause", "encounter", "routine_exam", "screening", "symptom", "vaccination":
		if err := fields(f, 2); err != nil {
			return err
		}
		p, err := parseICDPattern(f[1])
		if err != nil {
			return err
		}
		if f[0] == "external_cause" {
			t.externalCause = append(t.externalCause, p)
		} else {
			t.dxSets[f[0]] = append(t.dxSets[f[0]], p)
		}
	case "age":
		if err := fields(f, 5); err != nil {
			return err
		}
		p, err := parseICDPattern(f[1])
		if err != nil {
			return err
		}
		lo, hi, err := ageRange(f[2], f[3])
		if err != nil {
			return err
		}
		t.dxAge = append(t.dxAge, dxAgeRule{pattern: p, min: lo, max: hi, note: f[4]})
	case "presumed_link":
		if err := fields(f, 5); err != nil {
			return err
		}
		code, err := parseICDPattern(f[1])
		if err != nil {
			return err
		}
		partner, err := parseICDPattern(f[2])
		if err != nil {
			return err
		}
		t.presumed = append(t.presumed, presumedLink{code: code, partner: partner, combination: f[3], note: f[4]})
	case "redundant":
		if err := fields(f, 4); err != nil {
			return err
		}
		combo, err := parseICDPattern(f[1])
		if err != nil {
			return err
		}
		comp, err := parseICDPattern(f[2])
		if err != nil {
			return err
		}
		t.redundant = append(t.redundant, redundantPair{combination: combo, component: comp, note: f[3]})
	case "reported_together":
		if err := fields(f, 5); err != nil {
			return err
		}
		a, err := parseICDPattern(f[1])
		if err != nil {
			return err
		}
		b, err := parseICDPattern(f[2])
		if err != nil {
			return err
		}
		fy, err := strconv.Atoi(f[3])
		if err != nil || fy < 2016 {
			return fmt.Errorf("fiscal year %q", f[3])
		}
		t.together = append(t.together, togetherPair{a: a, b: b, fromYear: fy})
	default:
		return fmt.Errorf("unknown kind %q", f[0])
	}
	return nil
}

func ageRange(lo, hi string) (int, int, error) {
	a, err1 := strconv.Atoi(lo)
	b, err2 := strconv.Atoi(hi)
	if err1 != nil || err2 != nil || a < 0 || b < a {
		return 0, 0, fmt.Errorf("age range %s-%s", lo, hi)
	}
	return a, b, nil
}

func (t *tables) pxRow(f []string) error {
	want := map[string]int{"set": 3, "age": 5, "sex": 3, "addon": 3, "exclusive": 3, "variant": 5, "vaccine": 3, "prolonged": 4, "drug_unit": 4}
	n, ok := want[f[0]]
	if !ok {
		return fmt.Errorf("unknown kind %q", f[0])
	}
	if err := fields(f, n); err != nil {
		return err
	}
	switch f[0] {
	case "set":
		cs, err := parseCodeSet(f[2])
		if err != nil {
			return err
		}
		t.sets[f[1]] = cs
	case "age":
		cs, err := parseCodeSet(f[1])
		if err != nil {
			return err
		}
		lo, hi, err := ageRange(f[2], f[3])
		if err != nil {
			return err
		}
		t.pxAge = append(t.pxAge, pxAgeRule{codes: cs, min: lo, max: hi, family: f[4]})
	case "sex":
		cs, err := parseCodeSet(f[1])
		if err != nil {
			return err
		}
		sex, err := claims.ParseSex(f[2])
		if err != nil || sex == claims.Unknown {
			return fmt.Errorf("sex %q is not F or M", f[2])
		}
		t.pxSex = append(t.pxSex, pxSexRule{codes: cs, sex: sex})
	case "addon":
		if _, err := parseCodeSet(f[2]); err != nil {
			return err
		}
		t.addons[f[1]] = strings.Split(f[2], ",")
	case "exclusive":
		cs, err := parseCodeSet(f[1])
		if err != nil {
			return err
		}
		if f[2] != "site" && f[2] != "day" {
			return fmt.Errorf("exclusive scope %q is not site or day", f[2])
		}
		t.exclusive = append(t.exclusive, exclusiveRule{codes: cs, siteOnly: f[2] == "site"})
	case "variant":
		cs, err := parseCodeSet(f[2])
		if err != nil {
			return err
		}
		if f[1] != "medicare_like" && f[1] != "other" {
			return fmt.Errorf("variant scope %q is not medicare_like or other", f[1])
		}
		v := variantRule{medicareLike: f[1] == "medicare_like", codes: cs, replacement: f[3]}
		if f[4] != "-" {
			kind, ok := strings.CutPrefix(f[4], "vaccine:")
			if !ok {
				return fmt.Errorf("variant condition %q is not - or vaccine:KIND", f[4])
			}
			v.vaccineKind = kind
		}
		t.variants = append(t.variants, v)
	case "vaccine":
		cs, err := parseCodeSet(f[1])
		if err != nil {
			return err
		}
		for code := range cs.exact {
			t.vaccines[code] = f[2]
		}
	case "prolonged":
		m, err := strconv.Atoi(f[3])
		if err != nil || m <= 0 {
			return fmt.Errorf("minutes %q", f[3])
		}
		t.prolonged = append(t.prolonged, prolongedRule{addon: f[1], base: f[2], minutes: m})
	case "drug_unit":
		a, err := strconv.ParseFloat(f[2], 64)
		if err != nil || a <= 0 {
			return fmt.Errorf("unit amount %q", f[2])
		}
		t.drugUnits[f[1]] = drugUnit{amount: a, unit: f[3]}
	}
	return nil
}

func (t *tables) modifierRow(f []string) error {
	if err := fields(f, 3); err != nil {
		return err
	}
	if f[0] != "set" {
		return fmt.Errorf("unknown kind %q", f[0])
	}
	set := map[string]bool{}
	for _, m := range strings.Split(f[2], ",") {
		if len(m) != 2 {
			return fmt.Errorf("modifier %q is not two characters", m)
		}
		set[m] = true
	}
	t.modifiers[f[1]] = set
	return nil
}

func (t *tables) coverageRow(f []string) error {
	if err := fields(f, 7); err != nil {
		return err
	}
	if f[1] != "medicare_like" && f[1] != "other" && f[1] != "all" {
		return fmt.Errorf("payer scope %q", f[1])
	}
	codes, err := parseCodeSet(f[2])
	if err != nil {
		return err
	}
	non, err := parseICDPatterns(f[3])
	if err != nil {
		return err
	}
	sev, err := ParseSeverity(f[5])
	if err != nil {
		return err
	}
	r := coverageRule{scope: f[1], codes: codes, nonCov: non,
		policy: CoveragePolicy{ID: f[0], NonCovered: strings.Split(f[3], ","), Severity: sev, Note: f[6]}}
	if f[4] != "-" {
		r.policy.WaivedBy = strings.Split(f[4], ",")
	}
	t.coverage = append(t.coverage, r)
	return nil
}

func (t *tables) payerRow(f []string) error {
	if len(f) != 3 {
		return fmt.Errorf("%d fields, want 3", len(f))
	}
	class, err := claims.ParsePayerClass(f[0])
	if err != nil {
		return err
	}
	days, err := strconv.Atoi(f[1])
	if err != nil || days <= 0 {
		return fmt.Errorf("timely filing days %q", f[1])
	}
	if f[2] != "yes" && f[2] != "no" {
		return fmt.Errorf("G2211 acceptance %q is not yes or no", f[2])
	}
	t.payers[class] = payerRule{timelyFilingDays: days, acceptsG2211: f[2] == "yes"}
	return nil
}

// builtinAddOns serves the add-on table shipped in data/px-rules.tsv.
type builtinAddOns struct{ t *tables }

func (b builtinAddOns) AddOn(code string, _ time.Time) ([]string, bool) {
	p, ok := b.t.addons[code]
	return p, ok
}

// builtinCoverage serves the policies shipped in data/coverage.tsv.
type builtinCoverage struct{ t *tables }

func (b builtinCoverage) Policies(code string, payer claims.PayerClass, _ time.Time) []CoveragePolicy {
	var out []CoveragePolicy
	for _, r := range b.t.coverage {
		inScope := r.scope == "all" || (r.scope == "medicare_like") == payer.MedicareLike()
		if inScope && r.codes.has(code) {
			out = append(out, r.policy)
		}
	}
	return out
}
