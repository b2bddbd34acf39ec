package em

import (
	"bufio"
	"bytes"
	"embed"
	"fmt"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/medcode/medcode/internal/engine/procedure/scan"
)

//go:embed data/*.yaml data/*.tsv
var dataFS embed.FS

// Level is an MDM level: the complexity of medical decision making.
type Level int

// MDM levels, lowest first.
const (
	Straightforward Level = iota
	Low
	Moderate
	High
)

var levelNames = [...]string{"straightforward", "low", "moderate", "high"}

func (l Level) String() string {
	if l < Straightforward || l > High {
		return fmt.Sprintf("level(%d)", int(l))
	}
	return levelNames[l]
}

func parseLevel(s string) (Level, error) {
	for i, n := range levelNames {
		if n == s {
			return Level(i), nil
		}
	}
	return 0, fmt.Errorf("unknown MDM level %q", s)
}

// Code is one visit code with our own short description.
type Code struct {
	Code        string `yaml:"code"`
	Description string `yaml:"description"`
}

type officeCode struct {
	Code        string `yaml:"code"`
	Patient     string `yaml:"patient"`
	LevelName   string `yaml:"level"`
	MinMinutes  int    `yaml:"min_minutes"`
	MaxMinutes  int    `yaml:"max_minutes"`
	Description string `yaml:"description"`
	level       Level
}

type prolongedRule struct {
	Code        string         `yaml:"code"`
	System      string         `yaml:"system"`
	Style       string         `yaml:"style"`
	Description string         `yaml:"description"`
	UnitMinutes int            `yaml:"unit_minutes"`
	After       map[string]int `yaml:"after"`
}

type ageBand struct {
	MinAge      int    `yaml:"min_age"`
	MaxAge      int    `yaml:"max_age"`
	New         string `yaml:"new"`
	Established string `yaml:"established"`
	Label       string `yaml:"label"`
}

type wellnessCode struct {
	Code        string `yaml:"code"`
	Cue         string `yaml:"cue"`
	Description string `yaml:"description"`
}

type visitTables struct {
	Levels        []string        `yaml:"levels"`
	Office        []officeCode    `yaml:"office"`
	Nurse         Code            `yaml:"nurse_visit"`
	Addon         Code            `yaml:"complexity_addon"`
	PreventiveDx  []string        `yaml:"preventive_dx"`
	TimeRulesFrom string          `yaml:"time_rules_from"`
	Prolonged     []prolongedRule `yaml:"prolonged"`
	Preventive    []ageBand       `yaml:"preventive"`
	Wellness      []wellnessCode  `yaml:"wellness"`
	timeFrom      time.Time
}

// problemClass is how a diagnosis counts in the problems element.
type problemClass string

const (
	classChronic      problemClass = "chronic"
	classActive       problemClass = "chronic_active"
	classExacerbation problemClass = "exacerbation"
	classSevere       problemClass = "severe"
	classSelfLimited  problemClass = "self_limited"
	classAcute        problemClass = "acute"
	classSystemic     problemClass = "systemic"
	classComplicated  problemClass = "complicated_injury"
	classThreat       problemClass = "threat"
	classNone         problemClass = "none"
)

var validClasses = map[problemClass]bool{
	classChronic: true, classActive: true, classExacerbation: true, classSevere: true, classSelfLimited: true, classAcute: true,
	classSystemic: true, classComplicated: true, classThreat: true, classNone: true,
}

type drugClass string

const (
	drugRx                   drugClass = "rx"
	drugOTC                  drugClass = "otc"
	drugParenteralControlled drugClass = "parenteral_controlled"
)

type testEntry struct {
	id, kind string
}

// lexicon is every phrase list the E/M coder matches, compiled.
type lexicon struct {
	visit, status, data, risk, timeTerms *scan.Terms
	drugs                                *scan.Matcher
	drugClasses                          []drugClass
	tests                                *scan.Matcher
	testEntries                          []testEntry
	sites                                *scan.Matcher
	problemPrefixes                      map[string]problemClass
}

// Tables are the E/M coder's data: codes, thresholds, age bands and
// lexicons, loaded from the embedded data files.
type Tables struct {
	visits visitTables
	lex    lexicon
	dict   *scan.Dictionary
}

// Load reads and checks the embedded E/M data files, adding the lexicons
// to dictionary d (shared with the procedure coder, so a note is matched
// once for both).
func Load(d *scan.Dictionary) (*Tables, error) {
	t := &Tables{dict: d}
	if err := t.loadVisits(); err != nil {
		return nil, err
	}
	if err := t.loadLexicon(); err != nil {
		return nil, err
	}
	return t, nil
}

func (t *Tables) loadVisits() error {
	raw, err := dataFS.ReadFile("data/visits.yaml")
	if err != nil {
		return fmt.Errorf("em: %w", err)
	}
	v := &t.visits
	if err := decodeStrict(raw, v); err != nil {
		return fmt.Errorf("em: visits.yaml: %w", err)
	}
	if strings.Join(v.Levels, ",") != strings.Join(levelNames[:], ",") {
		return fmt.Errorf("em: visits.yaml: levels %v, want %v", v.Levels, levelNames)
	}
	seen := map[string]bool{}
	for i := range v.Office {
		o := &v.Office[i]
		lvl, err := parseLevel(o.LevelName)
		if err != nil {
			return fmt.Errorf("em: visits.yaml: office code %s: %w", o.Code, err)
		}
		o.level = lvl
		if o.Patient != "new" && o.Patient != "established" {
			return fmt.Errorf("em: visits.yaml: office code %s: patient %q", o.Code, o.Patient)
		}
		if o.MinMinutes <= 0 || o.MaxMinutes < o.MinMinutes || o.Description == "" {
			return fmt.Errorf("em: visits.yaml: office code %s: bad minutes or empty description", o.Code)
		}
		key := o.Patient + "/" + o.LevelName
		if seen[key] {
			return fmt.Errorf("em: visits.yaml: two office codes for %s", key)
		}
		seen[key] = true
	}
	if len(seen) != 2*len(levelNames) {
		return fmt.Errorf("em: visits.yaml: want one office code per patient type and level, have %d", len(seen))
	}
	if v.timeFrom, err = time.Parse("2006-01-02", v.TimeRulesFrom); err != nil {
		return fmt.Errorf("em: visits.yaml: time_rules_from: %w", err)
	}
	for _, p := range v.Prolonged {
		if p.UnitMinutes <= 0 || len(p.After) == 0 || (p.Style != "cpt" && p.Style != "medicare") {
			return fmt.Errorf("em: visits.yaml: prolonged %s: bad unit minutes, style or base codes", p.Code)
		}
		for base := range p.After {
			if t.officeByCode(base) == nil {
				return fmt.Errorf("em: visits.yaml: prolonged %s: unknown base code %s", p.Code, base)
			}
		}
	}
	for i, b := range v.Preventive {
		if b.MaxAge < b.MinAge || b.New == "" || b.Established == "" {
			return fmt.Errorf("em: visits.yaml: preventive band %d: bad ages or codes", i)
		}
		if i > 0 && b.MinAge != v.Preventive[i-1].MaxAge+1 {
			return fmt.Errorf("em: visits.yaml: preventive band %d does not follow band %d", i, i-1)
		}
	}
	if len(v.Preventive) == 0 || v.Preventive[0].MinAge != 0 {
		return fmt.Errorf("em: visits.yaml: preventive bands must start at age 0")
	}
	if v.Addon.Code == "" || v.Addon.Description == "" || v.Nurse.Code == "" || len(v.PreventiveDx) == 0 {
		return fmt.Errorf("em: visits.yaml: complexity_addon, nurse_visit and preventive_dx are required")
	}
	return nil
}

// ComplexityAddon is the visit-complexity add-on code (G2211).
func (t *Tables) ComplexityAddon() Code { return t.visits.Addon }

// PreventiveDx are the diagnosis prefixes a preventive visit line points to.
func (t *Tables) PreventiveDx() []string { return t.visits.PreventiveDx }

// officeByCode returns the office E/M entry for a code, or nil.
func (t *Tables) officeByCode(code string) *officeCode {
	for i := range t.visits.Office {
		if t.visits.Office[i].Code == code {
			return &t.visits.Office[i]
		}
	}
	return nil
}

// officeFor returns the office code for a patient type and level.
func (t *Tables) officeFor(patient string, l Level) *officeCode {
	for i := range t.visits.Office {
		if o := &t.visits.Office[i]; o.Patient == patient && o.level == l {
			return o
		}
	}
	return nil
}

type mdmFile struct {
	Macros map[string][]string `yaml:"macros"`
	Visit  map[string][]string `yaml:"visit"`
	Status map[string][]string `yaml:"status"`
	Data   map[string][]string `yaml:"data"`
	Risk   map[string][]string `yaml:"risk"`
	Time   map[string][]string `yaml:"time"`
	Age    map[string][]string `yaml:"age"`
	Sites  []string            `yaml:"imaging_sites"`
}

// requiredKinds are the phrase kinds the code reads; a data file missing
// one is rejected rather than silently matching nothing.
var requiredKinds = map[string][]string{
	"visit":  {"preventive", "awv_initial", "awv_subsequent", "ippe", "nurse", "new_patient", "established", "longitudinal", "future", "past", "episodic", "separate_work"},
	"status": {"severe", "progression", "stable", "dose_change", "systemic", "uncertain", "conditional", "negation", "negation_after"},
	"data":   {"order", "review", "external_notes", "historian", "independent_interpretation", "discussion"},
	"risk":   {"high", "past", "surgery", "sdoh", "low", "minimal", "rx_explicit", "rx_verb", "otc_cue", "rx_generic"},
	"time":   {"total", "minutes", "separate"},
}

func (t *Tables) loadLexicon() error {
	raw, err := dataFS.ReadFile("data/mdm.yaml")
	if err != nil {
		return fmt.Errorf("em: %w", err)
	}
	var f mdmFile
	if err := decodeStrict(raw, &f); err != nil {
		return fmt.Errorf("em: mdm.yaml: %w", err)
	}
	groups := map[string]map[string][]string{"visit": f.Visit, "status": f.Status, "data": f.Data, "risk": f.Risk, "time": f.Time}
	compiled := map[string]*scan.Terms{}
	for name, kinds := range groups {
		for _, k := range requiredKinds[name] {
			if len(kinds[k]) == 0 {
				return fmt.Errorf("em: mdm.yaml: %s.%s is missing or empty", name, k)
			}
		}
		for k := range kinds {
			if !slices.Contains(requiredKinds[name], k) {
				return fmt.Errorf("em: mdm.yaml: %s.%s is not a kind the coder reads", name, k)
			}
		}
		expanded := map[string][]string{}
		for k, phrases := range kinds {
			if expanded[k], err = expandMacros(phrases, f.Macros); err != nil {
				return fmt.Errorf("em: mdm.yaml: %s.%s: %w", name, k, err)
			}
		}
		if compiled[name], err = scan.NewTerms(t.dict, expanded); err != nil {
			return fmt.Errorf("em: mdm.yaml: %s: %w", name, err)
		}
	}
	t.lex.visit, t.lex.status, t.lex.data = compiled["visit"], compiled["status"], compiled["data"]
	t.lex.risk, t.lex.timeTerms = compiled["risk"], compiled["time"]
	if len(f.Sites) == 0 {
		return fmt.Errorf("em: mdm.yaml: imaging_sites is empty")
	}
	t.lex.sites = t.dict.NewMatcher()
	for i, s := range f.Sites {
		if err := t.lex.sites.Add(s, i); err != nil {
			return fmt.Errorf("em: mdm.yaml: imaging_sites: %w", err)
		}
	}
	if err := t.loadDrugs(); err != nil {
		return err
	}
	if err := t.loadTests(); err != nil {
		return err
	}
	return t.loadProblems()
}

// expandMacros replaces "{name}" in each phrase by every phrase of the macro.
func expandMacros(phrases []string, macros map[string][]string) ([]string, error) {
	var out []string
	for _, p := range phrases {
		open := strings.IndexByte(p, '{')
		if open < 0 {
			out = append(out, p)
			continue
		}
		end := strings.IndexByte(p[open:], '}')
		if end < 0 {
			return nil, fmt.Errorf("unclosed macro in %q", p)
		}
		name := p[open+1 : open+end]
		values, ok := macros[name]
		if !ok {
			return nil, fmt.Errorf("unknown macro {%s} in %q", name, p)
		}
		var subs []string
		for _, v := range values {
			subs = append(subs, p[:open]+v+p[open+end+1:])
		}
		more, err := expandMacros(subs, macros)
		if err != nil {
			return nil, err
		}
		out = append(out, more...)
	}
	return out, nil
}

func (t *Tables) loadDrugs() error {
	t.lex.drugs = t.dict.NewMatcher()
	return readTSV("data/drugs.tsv", 2, func(line int, f []string) error {
		c := drugClass(f[1])
		if c != drugRx && c != drugOTC && c != drugParenteralControlled {
			return fmt.Errorf("unknown drug class %q", f[1])
		}
		if err := t.lex.drugs.Add(strings.ReplaceAll(f[0], "-", " "), len(t.lex.drugClasses)); err != nil {
			return err
		}
		t.lex.drugClasses = append(t.lex.drugClasses, c)
		return nil
	})
}

var testKinds = map[string]bool{"lab": true, "imaging": true, "cardiac": true, "pulmonary": true, "procedure": true, "screening": true}

func (t *Tables) loadTests() error {
	t.lex.tests = t.dict.NewMatcher()
	ids := map[string]bool{}
	return readTSV("data/tests.tsv", 3, func(line int, f []string) error {
		if ids[f[0]] {
			return fmt.Errorf("duplicate test %q", f[0])
		}
		ids[f[0]] = true
		if !testKinds[f[1]] {
			return fmt.Errorf("unknown test kind %q", f[1])
		}
		for _, p := range strings.Split(f[2], "|") {
			if err := t.lex.tests.Add(p, len(t.lex.testEntries)); err != nil {
				return err
			}
		}
		t.lex.testEntries = append(t.lex.testEntries, testEntry{id: f[0], kind: f[1]})
		return nil
	})
}

// HasTest reports whether id names a test of the E/M data lexicon; the
// procedure catalog links in-office tests to these ids.
func (t *Tables) HasTest(id string) bool {
	for _, e := range t.lex.testEntries {
		if e.id == id {
			return true
		}
	}
	return false
}

func (t *Tables) loadProblems() error {
	t.lex.problemPrefixes = map[string]problemClass{}
	return readTSV("data/problems.tsv", 2, func(line int, f []string) error {
		c := problemClass(f[1])
		if !validClasses[c] {
			return fmt.Errorf("unknown problem class %q", f[1])
		}
		prefix := strings.ToUpper(strings.ReplaceAll(f[0], ".", ""))
		if _, dup := t.lex.problemPrefixes[prefix]; dup {
			return fmt.Errorf("duplicate prefix %q", f[0])
		}
		t.lex.problemPrefixes[prefix] = c
		return nil
	})
}

// classOf returns the problem class of an ICD-10-CM code by its longest
// matching prefix; codes matching none are acute problems.
func (t *Tables) classOf(code string) problemClass {
	key := strings.ToUpper(strings.ReplaceAll(code, ".", ""))
	for n := len(key); n > 0; n-- {
		if c, ok := t.lex.problemPrefixes[key[:n]]; ok {
			return c
		}
	}
	return classAcute
}

// readTSV calls fn for each data line of an embedded tab-separated file
// with exactly n fields; '#' starts a comment line.
func readTSV(name string, n int, fn func(line int, fields []string) error) error {
	raw, err := dataFS.ReadFile(name)
	if err != nil {
		return fmt.Errorf("em: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if strings.TrimSpace(text) == "" || strings.HasPrefix(text, "#") {
			continue
		}
		f := strings.Split(text, "\t")
		if len(f) != n {
			return fmt.Errorf("em: %s line %d: want %d tab-separated fields, have %d", name, line, n, len(f))
		}
		for i := range f {
			f[i] = strings.TrimSpace(f[i])
			if f[i] == "" {
				return fmt.Errorf("em: %s line %d: field %d is empty", name, line, i+1)
			}
		}
		if err := fn(line, f); err != nil {
			return fmt.Errorf("em: %s line %d: %w", name, line, err)
		}
	}
	return sc.Err()
}

func decodeStrict(raw []byte, v any) error {
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	return dec.Decode(v)
}
