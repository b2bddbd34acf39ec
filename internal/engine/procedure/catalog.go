package procedure

import (
	"bytes"
	"embed"
	"fmt"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/medcode/medcode/internal/engine/procedure/scan"
)

//go:embed data/*.yaml
var dataFS embed.FS

// CodeInfo is one code the catalog can report, with our own description and
// the billing attributes the coder needs (services.yaml documents each).
type CodeInfo struct {
	Code         string   `yaml:"code"`
	System       string   `yaml:"system"`
	Description  string   `yaml:"description"`
	IncludesEval bool     `yaml:"includes_eval"`
	EM25         bool     `yaml:"em25"`
	CLIA         string   `yaml:"clia"`
	Sided        bool     `yaml:"sided"`
	Test         string   `yaml:"test"`
	Interpreted  bool     `yaml:"interpreted"`
	Dx           []string `yaml:"dx"`
	// Family parameters: a count or minutes band, an add-on or whole code,
	// a joint size, ultrasound guidance, a biopsy technique.
	Min        int    `yaml:"min"`
	Max        int    `yaml:"max"`
	Addon      bool   `yaml:"addon"`
	Whole      bool   `yaml:"whole"`
	Size       string `yaml:"size"`
	Ultrasound bool   `yaml:"ultrasound"`
	Technique  string `yaml:"technique"`
	// Vaccine and VaccineAdmin mark vaccine products and their
	// administration codes (set from vaccines.yaml).
	Vaccine, VaccineAdmin bool `yaml:"-"`
}

// service is one catalog entry: a family of codes and the phrases that
// document it.
type service struct {
	Name                string              `yaml:"name"`
	Family              string              `yaml:"family"`
	NeedsDone           bool                `yaml:"needs_done"`
	Triggers            []string            `yaml:"triggers"`
	Requires            []string            `yaml:"requires"`
	ClauseRequires      []string            `yaml:"clause_requires"`
	AlsoRequires        []string            `yaml:"also_requires"`
	AlsoRequiresWarning string              `yaml:"also_requires_warning"`
	Excludes            []string            `yaml:"excludes"`
	Supersedes          []string            `yaml:"supersedes"`
	CountWords          []string            `yaml:"count_words"`
	Instruments         map[string][]string `yaml:"instruments"`
	Techniques          map[string][]string `yaml:"techniques"`
	Max                 int                 `yaml:"max"`
	WholeFrom           int                 `yaml:"whole_from"`
	Block               int                 `yaml:"block"`
	AddonBlock          int                 `yaml:"addon_block"`
	FirstMinutes        int                 `yaml:"first_minutes"`
	AddonMinutes        int                 `yaml:"addon_minutes"`
	Codes               []CodeInfo          `yaml:"codes"`

	index                                                    int // position in Catalog.services
	requires, clauseRequires, alsoRequires, excludes, counts *scan.Matcher
	variants                                                 *scan.Terms // instruments or techniques
}

// families and what each needs from its entry.
var families = map[string]func(s *service) error{
	"single":     needCodes(1, 1),
	"instrument": func(s *service) error { return all(needCodes(1, 1)(s), need(len(s.Instruments) > 0, "instruments")) },
	"count_band": func(s *service) error {
		return all(needCodes(2, 0)(s), need(len(s.CountWords) > 0, "count_words"), bands(s))
	},
	"count_first_each": func(s *service) error {
		return all(needCodes(2, 3)(s), need(len(s.CountWords) > 0 && s.Max > 1, "count_words and max"))
	},
	"count_first_block": func(s *service) error {
		return all(needCodes(2, 2)(s), need(s.Block > 0 && s.AddonBlock > 0, "block and addon_block"))
	},
	"time_band": func(s *service) error { return all(needCodes(1, 0)(s), bands(s)) },
	"time_first_each": func(s *service) error {
		return all(needCodes(2, 2)(s), need(s.FirstMinutes > 0 && s.AddonMinutes > 0 && s.Codes[0].Min > 0, "first_minutes, addon_minutes and the first code's min"))
	},
	"joint": func(s *service) error { return all(needCodes(2, 0)(s), joints(s)) },
	"biopsy": func(s *service) error {
		return all(needCodes(2, 0)(s), need(len(s.Techniques) > 0, "techniques"), techniques(s))
	},
}

func needCodes(min, max int) func(s *service) error {
	return func(s *service) error {
		if len(s.Codes) < min || max > 0 && len(s.Codes) > max {
			return fmt.Errorf("family %s wants %d to %d codes, has %d", s.Family, min, max, len(s.Codes))
		}
		return nil
	}
}

func need(ok bool, what string) error {
	if !ok {
		return fmt.Errorf("needs %s", what)
	}
	return nil
}

func all(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// bands checks that a banded family's codes cover increasing ranges.
func bands(s *service) error {
	for i, c := range s.Codes {
		if c.Max < c.Min || c.Min <= 0 {
			return fmt.Errorf("code %s: bad band %d-%d", c.Code, c.Min, c.Max)
		}
		if i > 0 && c.Min != s.Codes[i-1].Max+1 {
			return fmt.Errorf("code %s: band does not follow %s", c.Code, s.Codes[i-1].Code)
		}
	}
	return nil
}

func joints(s *service) error {
	seen := map[string]bool{}
	for _, c := range s.Codes {
		if c.Size != "small" && c.Size != "intermediate" && c.Size != "major" {
			return fmt.Errorf("code %s: joint size %q", c.Code, c.Size)
		}
		key := fmt.Sprintf("%s/%v", c.Size, c.Ultrasound)
		if seen[key] {
			return fmt.Errorf("code %s: two codes for %s", c.Code, key)
		}
		seen[key] = true
	}
	return nil
}

func techniques(s *service) error {
	for _, c := range s.Codes {
		if _, ok := s.Techniques[c.Technique]; !ok {
			return fmt.Errorf("code %s: technique %q has no phrases", c.Code, c.Technique)
		}
	}
	return nil
}

type servicesFile struct {
	Services []*service `yaml:"services"`
}

type anatomyFile struct {
	Regions    map[string][]string `yaml:"regions"`
	Joints     map[string][]string `yaml:"joints"`
	Ultrasound []string            `yaml:"ultrasound"`
	Sides      map[string][]string `yaml:"sides"`
}

type repairGroup struct {
	Group   string   `yaml:"group"`
	Rank    int      `yaml:"rank"`
	Regions []string `yaml:"regions"`
}

type repairBand struct {
	Code        string  `yaml:"code"`
	MaxCM       float64 `yaml:"max_cm"`
	Description string  `yaml:"description"`
}

type repairFile struct {
	Wounds       []string                           `yaml:"wounds"`
	Repaired     []string                           `yaml:"repaired"`
	AdhesiveOnly []string                           `yaml:"adhesive_only"`
	Sutures      []string                           `yaml:"sutures"`
	Complexity   map[string][]string                `yaml:"complexity"`
	Groups       map[string][]repairGroup           `yaml:"groups"`
	Codes        map[string]map[string][]repairBand `yaml:"codes"`
	AdhesiveCode CodeInfo                           `yaml:"adhesive_code"`
	Dx           []string                           `yaml:"dx"`
}

type vaccineAdmin struct {
	Role        string `yaml:"role"`
	EM25        bool   `yaml:"em25"`
	Code        string `yaml:"code"`
	System      string `yaml:"system"`
	Description string `yaml:"description"`
}

type vaccineGroup struct {
	Admin   string   `yaml:"admin"`
	Generic []string `yaml:"generic"`
}

type vaccineProduct struct {
	Code        string   `yaml:"code"`
	Group       string   `yaml:"group"`
	Components  int      `yaml:"components"`
	Route       string   `yaml:"route"`
	From        string   `yaml:"from"`
	Until       string   `yaml:"until"`
	Default     bool     `yaml:"default"`
	MinAge      *int     `yaml:"min_age"`
	MaxAge      *int     `yaml:"max_age"`
	Description string   `yaml:"description"`
	Names       []string `yaml:"names"`
	Qualifiers  []string `yaml:"qualifiers"`
	AgeVariant  string   `yaml:"age_variant_of"`
	from, until time.Time
}

type vaccinesFile struct {
	Dx               []string                `yaml:"dx"`
	Counseling       []string                `yaml:"counseling"`
	NotGivenAfter    []string                `yaml:"not_given_after"`
	CounselingMaxAge int                     `yaml:"counseling_max_age"`
	Admin            []vaccineAdmin          `yaml:"admin"`
	Groups           map[string]vaccineGroup `yaml:"groups"`
	Products         []*vaccineProduct       `yaml:"products"`
}

type drugEntry struct {
	Name       string   `yaml:"name"`
	Codes      []string `yaml:"codes"`
	SingleDose bool     `yaml:"single_dose"`
	Names      []string `yaml:"names"`
}

type drugsFile struct {
	Routes map[string][]string `yaml:"routes"`
	Given  []string            `yaml:"given"`
	Wasted []string            `yaml:"wasted"`
	Admin  map[string]CodeInfo `yaml:"admin"`
	Drugs  []drugEntry         `yaml:"drugs"`
}

// Payer is one payer class's billing conventions (payers.yaml).
type Payer struct {
	Name                   string   `yaml:"-"`
	Description            string   `yaml:"description"`
	Prolonged              string   `yaml:"prolonged"`
	WellnessVisits         bool     `yaml:"wellness_visits"`
	RoutinePhysicalMod     string   `yaml:"routine_physical_modifier"`
	VaccineAdminGCodes     bool     `yaml:"vaccine_admin_gcodes"`
	G2211                  bool     `yaml:"g2211"`
	G2211From              string   `yaml:"g2211_from"`
	G2211With25From        string   `yaml:"g2211_with_25_from"`
	Bilateral              string   `yaml:"bilateral"`
	DistinctModifier       string   `yaml:"distinct_modifier"`
	EM25WithVaccineAdmin   bool     `yaml:"em25_with_vaccine_admin"`
	TissueAdhesiveCode     bool     `yaml:"tissue_adhesive_code"`
	SingleDoseModifiers    bool     `yaml:"single_dose_modifiers"`
	NotPayable             []string `yaml:"not_payable"`
	g2211From, g2211With25 time.Time
}

type payersFile struct {
	Payers map[string]*Payer `yaml:"payers"`
}

// Catalog is the procedure coder's data, loaded from the embedded files.
type Catalog struct {
	dict     *scan.Dictionary
	services []*service
	byName   map[string]*service
	// triggers holds every service's trigger phrases in one matcher, read
	// once per sentence; triggerOf maps a phrase id to its service.
	triggers  *scan.Matcher
	triggerOf []int
	codes     map[string]*CodeInfo // every code the coder can report

	cues *scan.Terms

	regions    *scan.Matcher
	regionIDs  []string
	joints     *scan.Matcher
	jointSizes []string
	ultrasound *scan.Matcher
	sides      *scan.Matcher
	sideIDs    []string

	repair      repairFile
	repairTerms *scan.Terms
	woundWords  *scan.Matcher

	vaccines       vaccinesFile
	vaccineNames   *scan.Matcher
	vaccineRefs    []vaccineRef
	vaccineQuals   *scan.Matcher
	vaccineQualIDs []int // product index per qualifier phrase
	counseling     *scan.Matcher
	notGivenAfter  *scan.Matcher

	drugs      drugsFile
	drugNames  *scan.Matcher
	drugIDs    []int
	drugTerms  *scan.Terms
	payers     map[string]*Payer
	payerNames []string
}

// vaccineRef is what a vaccine phrase names: a product, or a group's
// generic word.
type vaccineRef struct {
	product int    // index into products, or -1
	group   string // for generic words
}

// LoadCatalog reads and checks the embedded catalog files, adding its
// lexicons to dictionary d.
func LoadCatalog(d *scan.Dictionary) (*Catalog, error) {
	c := &Catalog{dict: d, byName: map[string]*service{}, codes: map[string]*CodeInfo{}}
	steps := []func() error{c.loadServices, c.loadCues, c.loadAnatomy, c.loadRepair, c.loadVaccines, c.loadDrugs, c.loadPayers}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func readYAML(name string, v any) error {
	raw, err := dataFS.ReadFile("data/" + name)
	if err != nil {
		return fmt.Errorf("procedure: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("procedure: %s: %w", name, err)
	}
	return nil
}

// matcher compiles phrases into a lexicon whose ids index the phrases.
func (c *Catalog) matcher(phrases []string) (*scan.Matcher, error) {
	m := c.dict.NewMatcher()
	for i, p := range phrases {
		if err := m.Add(p, i); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// addCode registers a code the coder can report; a code appearing twice
// must carry the same description.
func (c *Catalog) addCode(ci *CodeInfo, where string) error {
	if ci.Code == "" || ci.Description == "" {
		return fmt.Errorf("procedure: %s: code %q needs a code and a description", where, ci.Code)
	}
	if ci.System == "" {
		ci.System = "CPT"
		if !isDigit(ci.Code[0]) {
			ci.System = "HCPCS"
		}
	}
	if ci.System != "CPT" && ci.System != "HCPCS" {
		return fmt.Errorf("procedure: %s: code %s: system %q", where, ci.Code, ci.System)
	}
	if ci.CLIA != "" && ci.CLIA != "qw" && ci.CLIA != "waived" {
		return fmt.Errorf("procedure: %s: code %s: clia %q", where, ci.Code, ci.CLIA)
	}
	if prev, ok := c.codes[ci.Code]; ok && prev.Description != ci.Description {
		return fmt.Errorf("procedure: %s: code %s described twice differently", where, ci.Code)
	}
	c.codes[ci.Code] = ci
	return nil
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

func (c *Catalog) loadServices() error {
	var f servicesFile
	if err := readYAML("services.yaml", &f); err != nil {
		return err
	}
	c.triggers = c.dict.NewMatcher()
	for i, s := range f.Services {
		where := fmt.Sprintf("services.yaml entry %d (%s)", i+1, s.Name)
		check, ok := families[s.Family]
		if !ok {
			return fmt.Errorf("procedure: %s: unknown family %q", where, s.Family)
		}
		if s.Name == "" || c.byName[s.Name] != nil {
			return fmt.Errorf("procedure: %s: missing or duplicate name", where)
		}
		if err := check(s); err != nil {
			return fmt.Errorf("procedure: %s: %w", where, err)
		}
		if len(s.Triggers) == 0 && s.Family != "instrument" && s.Family != "biopsy" {
			return fmt.Errorf("procedure: %s: no triggers", where)
		}
		var err error
		for _, m := range []struct {
			dst     **scan.Matcher
			phrases []string
		}{{&s.requires, s.Requires}, {&s.clauseRequires, s.ClauseRequires}, {&s.alsoRequires, s.AlsoRequires}, {&s.excludes, s.Excludes}, {&s.counts, s.CountWords}} {
			if len(m.phrases) == 0 {
				continue
			}
			if *m.dst, err = c.matcher(m.phrases); err != nil {
				return fmt.Errorf("procedure: %s: %w", where, err)
			}
		}
		switch {
		case len(s.Instruments) > 0:
			s.variants, err = scan.NewTerms(c.dict, s.Instruments)
		case len(s.Techniques) > 0:
			s.variants, err = scan.NewTerms(c.dict, s.Techniques)
		}
		if err != nil {
			return fmt.Errorf("procedure: %s: %w", where, err)
		}
		for j := range s.Codes {
			if err := c.addCode(&s.Codes[j], where); err != nil {
				return err
			}
		}
		s.index = len(c.services)
		for _, p := range s.Triggers {
			if err := c.triggers.Add(p, len(c.triggerOf)); err != nil {
				return fmt.Errorf("procedure: %s: %w", where, err)
			}
			c.triggerOf = append(c.triggerOf, len(c.services))
		}
		c.services = append(c.services, s)
		c.byName[s.Name] = s
	}
	for _, s := range c.services {
		for _, name := range s.Supersedes {
			if c.byName[name] == nil {
				return fmt.Errorf("procedure: services.yaml: %s supersedes unknown service %q", s.Name, name)
			}
		}
	}
	return nil
}

// cueKinds are the kinds cues.yaml must define.
var cueKinds = []string{"negation", "negation_after", "conditional", "planned", "external", "done", "result", "done_weak", "today"}

func (c *Catalog) loadCues() error {
	var f map[string][]string
	if err := readYAML("cues.yaml", &f); err != nil {
		return err
	}
	for _, k := range cueKinds {
		if len(f[k]) == 0 {
			return fmt.Errorf("procedure: cues.yaml: kind %q missing or empty", k)
		}
	}
	if len(f) != len(cueKinds) {
		return fmt.Errorf("procedure: cues.yaml: want exactly the kinds %v", cueKinds)
	}
	var err error
	if c.cues, err = scan.NewTerms(c.dict, f); err != nil {
		return fmt.Errorf("procedure: cues.yaml: %w", err)
	}
	return nil
}

// flatten compiles a kind → phrases map into one matcher and the kind of
// each phrase id, in sorted kind order.
func (c *Catalog) flatten(m map[string][]string) (*scan.Matcher, []string, error) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	mt := c.dict.NewMatcher()
	var ids []string
	for _, k := range keys {
		for _, p := range m[k] {
			if err := mt.Add(p, len(ids)); err != nil {
				return nil, nil, fmt.Errorf("%s: %w", k, err)
			}
			ids = append(ids, k)
		}
	}
	return mt, ids, nil
}

func (c *Catalog) loadAnatomy() error {
	var f anatomyFile
	if err := readYAML("anatomy.yaml", &f); err != nil {
		return err
	}
	var err error
	if c.regions, c.regionIDs, err = c.flatten(f.Regions); err != nil {
		return fmt.Errorf("procedure: anatomy.yaml regions: %w", err)
	}
	if c.joints, c.jointSizes, err = c.flatten(f.Joints); err != nil {
		return fmt.Errorf("procedure: anatomy.yaml joints: %w", err)
	}
	for size := range f.Joints {
		if size != "small" && size != "intermediate" && size != "major" {
			return fmt.Errorf("procedure: anatomy.yaml: joint size %q", size)
		}
	}
	if c.ultrasound, err = c.matcher(f.Ultrasound); err != nil {
		return fmt.Errorf("procedure: anatomy.yaml ultrasound: %w", err)
	}
	for _, side := range []string{"right", "left", "bilateral"} {
		if len(f.Sides[side]) == 0 {
			return fmt.Errorf("procedure: anatomy.yaml: side %q missing", side)
		}
	}
	if len(f.Sides) != 3 {
		return fmt.Errorf("procedure: anatomy.yaml: sides must be exactly right, left and bilateral")
	}
	if c.sides, c.sideIDs, err = c.flatten(f.Sides); err != nil {
		return fmt.Errorf("procedure: anatomy.yaml sides: %w", err)
	}
	return nil
}

func (c *Catalog) loadRepair() error {
	f := &c.repair
	if err := readYAML("repair.yaml", f); err != nil {
		return err
	}
	regions := map[string]bool{}
	for _, r := range c.regionIDs {
		regions[r] = true
	}
	for complexity, groups := range f.Groups {
		covered := map[string]bool{}
		for _, g := range groups {
			bandsOf := f.Codes[complexity][g.Group]
			if len(bandsOf) == 0 {
				return fmt.Errorf("procedure: repair.yaml: no codes for %s %s", complexity, g.Group)
			}
			for i, b := range bandsOf {
				last := i == len(bandsOf)-1
				if !last && (b.MaxCM <= 0 || i > 0 && b.MaxCM <= bandsOf[i-1].MaxCM) || last && b.MaxCM != 0 {
					return fmt.Errorf("procedure: repair.yaml: %s %s code %s: bands must rise and the last be open", complexity, g.Group, b.Code)
				}
				if err := c.addCode(&CodeInfo{Code: b.Code, Description: b.Description, IncludesEval: true, Dx: f.Dx}, "repair.yaml"); err != nil {
					return err
				}
			}
			for _, r := range g.Regions {
				if !regions[r] || covered[r] {
					return fmt.Errorf("procedure: repair.yaml: %s group %s: region %q unknown or in two groups", complexity, g.Group, r)
				}
				covered[r] = true
			}
		}
		if len(covered) != len(regions) {
			return fmt.Errorf("procedure: repair.yaml: %s groups cover %d of %d regions", complexity, len(covered), len(regions))
		}
	}
	for _, k := range []string{"simple", "intermediate", "complex"} {
		if len(f.Complexity[k]) == 0 {
			return fmt.Errorf("procedure: repair.yaml: complexity %q has no phrases", k)
		}
	}
	terms := map[string][]string{"repaired": f.Repaired, "adhesive": f.AdhesiveOnly, "suture": f.Sutures}
	for k, v := range f.Complexity {
		terms[k] = v
	}
	var err error
	if c.repairTerms, err = scan.NewTerms(c.dict, terms); err != nil {
		return fmt.Errorf("procedure: repair.yaml: %w", err)
	}
	if c.woundWords, err = c.matcher(f.Wounds); err != nil {
		return fmt.Errorf("procedure: repair.yaml wounds: %w", err)
	}
	f.AdhesiveCode.IncludesEval = true
	return c.addCode(&f.AdhesiveCode, "repair.yaml adhesive_code")
}

// vaccineRoles are the administration roles vaccines.yaml must define.
var vaccineRoles = []string{"component_first", "component_additional", "injection_first", "injection_additional",
	"oral_first", "oral_additional", "covid", "medicare_influenza", "medicare_pneumococcal", "medicare_hepatitis_b"}

func (c *Catalog) loadVaccines() error {
	f := &c.vaccines
	if err := readYAML("vaccines.yaml", f); err != nil {
		return err
	}
	if len(f.Dx) == 0 {
		return fmt.Errorf("procedure: vaccines.yaml: dx (the immunization encounter code) is missing")
	}
	roles := map[string]bool{}
	for i := range f.Admin {
		a := &f.Admin[i]
		roles[a.Role] = true
		if err := c.addCode(&CodeInfo{Code: a.Code, System: a.System, Description: a.Description, EM25: a.EM25, VaccineAdmin: true, Dx: f.Dx}, "vaccines.yaml admin"); err != nil {
			return err
		}
	}
	for _, r := range vaccineRoles {
		if !roles[r] {
			return fmt.Errorf("procedure: vaccines.yaml: no administration code for role %q", r)
		}
	}
	var err error
	if c.counseling, err = c.matcher(f.Counseling); err != nil {
		return fmt.Errorf("procedure: vaccines.yaml counseling: %w", err)
	}
	if c.notGivenAfter, err = c.matcher(f.NotGivenAfter); err != nil {
		return fmt.Errorf("procedure: vaccines.yaml not_given_after: %w", err)
	}
	c.vaccineNames, c.vaccineQuals = c.dict.NewMatcher(), c.dict.NewMatcher()
	for name, g := range f.Groups {
		if g.Admin != "" && g.Admin != "influenza" && g.Admin != "pneumococcal" && g.Admin != "hepatitis_b" && g.Admin != "covid" {
			return fmt.Errorf("procedure: vaccines.yaml: group %s: admin %q", name, g.Admin)
		}
		for _, p := range g.Generic {
			if err := c.vaccineNames.Add(p, len(c.vaccineRefs)); err != nil {
				return fmt.Errorf("procedure: vaccines.yaml group %s: %w", name, err)
			}
			c.vaccineRefs = append(c.vaccineRefs, vaccineRef{product: -1, group: name})
		}
	}
	for i, p := range f.Products {
		where := fmt.Sprintf("vaccines.yaml product %s", p.Code)
		if _, ok := f.Groups[p.Group]; !ok {
			return fmt.Errorf("procedure: %s: unknown group %q", where, p.Group)
		}
		if p.Components < 1 || (p.Route != "injection" && p.Route != "oral" && p.Route != "intranasal") || len(p.Names) == 0 {
			return fmt.Errorf("procedure: %s: needs components, a route and names", where)
		}
		for _, d := range []struct {
			s   string
			dst *time.Time
		}{{p.From, &p.from}, {p.Until, &p.until}} {
			if d.s == "" {
				continue
			}
			if *d.dst, err = time.Parse(time.DateOnly, d.s); err != nil {
				return fmt.Errorf("procedure: %s: %w", where, err)
			}
		}
		for _, n := range p.Names {
			if err := c.vaccineNames.Add(n, len(c.vaccineRefs)); err != nil {
				return fmt.Errorf("procedure: %s: %w", where, err)
			}
			c.vaccineRefs = append(c.vaccineRefs, vaccineRef{product: i, group: p.Group})
		}
		for _, q := range p.Qualifiers {
			if err := c.vaccineQuals.Add(q, len(c.vaccineQualIDs)); err != nil {
				return fmt.Errorf("procedure: %s: %w", where, err)
			}
			c.vaccineQualIDs = append(c.vaccineQualIDs, i)
		}
		if err := c.addCode(&CodeInfo{Code: p.Code, Description: p.Description, Vaccine: true, Dx: f.Dx}, where); err != nil {
			return err
		}
	}
	return nil
}

// drugRoutes are the routes drugs.yaml must define, each with an
// administration code.
var drugRoutes = []string{"intramuscular", "subcutaneous", "iv_push"}

func (c *Catalog) loadDrugs() error {
	f := &c.drugs
	if err := readYAML("drugs.yaml", f); err != nil {
		return err
	}
	for _, r := range drugRoutes {
		a, ok := f.Admin[r]
		if !ok || len(f.Routes[r]) == 0 {
			return fmt.Errorf("procedure: drugs.yaml: route %q needs phrases and an administration code", r)
		}
		a.EM25, a.Dx = true, nil
		f.Admin[r] = a
		if err := c.addCode(&a, "drugs.yaml admin"); err != nil {
			return err
		}
	}
	terms := map[string][]string{"given": f.Given, "wasted": f.Wasted}
	for r, p := range f.Routes {
		terms[r] = p
	}
	var err error
	if c.drugTerms, err = scan.NewTerms(c.dict, terms); err != nil {
		return fmt.Errorf("procedure: drugs.yaml: %w", err)
	}
	c.drugNames = c.dict.NewMatcher()
	for i, d := range f.Drugs {
		if len(d.Codes) == 0 || len(d.Names) == 0 {
			return fmt.Errorf("procedure: drugs.yaml: drug %q needs codes and names", d.Name)
		}
		for _, n := range d.Names {
			if err := c.drugNames.Add(n, len(c.drugIDs)); err != nil {
				return fmt.Errorf("procedure: drugs.yaml drug %q: %w", d.Name, err)
			}
			c.drugIDs = append(c.drugIDs, i)
		}
		for _, code := range d.Codes {
			if len(code) != 5 || code[0] != 'J' {
				return fmt.Errorf("procedure: drugs.yaml drug %q: %q is not a J code", d.Name, code)
			}
		}
	}
	return nil
}

var validBilateral = map[string]bool{"mod50": true, "rt_lt": true}

func (c *Catalog) loadPayers() error {
	var f payersFile
	if err := readYAML("payers.yaml", &f); err != nil {
		return err
	}
	if f.Payers["commercial"] == nil {
		return fmt.Errorf("procedure: payers.yaml: the default class \"commercial\" is missing")
	}
	c.payers = f.Payers
	for name, p := range f.Payers {
		p.Name = name
		if (p.Prolonged != "cpt" && p.Prolonged != "medicare") || !validBilateral[p.Bilateral] || (p.DistinctModifier != "XS" && p.DistinctModifier != "59") {
			return fmt.Errorf("procedure: payers.yaml: %s: prolonged, bilateral or distinct_modifier invalid", name)
		}
		var err error
		if p.G2211 {
			if p.g2211From, err = time.Parse(time.DateOnly, p.G2211From); err != nil {
				return fmt.Errorf("procedure: payers.yaml: %s: g2211_from: %w", name, err)
			}
			if p.g2211With25, err = time.Parse(time.DateOnly, p.G2211With25From); err != nil {
				return fmt.Errorf("procedure: payers.yaml: %s: g2211_with_25_from: %w", name, err)
			}
		}
		c.payerNames = append(c.payerNames, name)
	}
	sort.Strings(c.payerNames)
	return nil
}

// Payer returns the conventions of a payer class; "" is commercial.
func (c *Catalog) Payer(name string) (*Payer, error) {
	if name == "" {
		name = "commercial"
	}
	p, ok := c.payers[strings.ToLower(name)]
	if !ok {
		return nil, fmt.Errorf("procedure: unknown payer class %q (known: %s)", name, strings.Join(c.payerNames, ", "))
	}
	return p, nil
}

// Code returns what the catalog knows of a code it can report.
func (c *Catalog) Code(code string) (*CodeInfo, bool) {
	ci, ok := c.codes[code]
	return ci, ok
}
