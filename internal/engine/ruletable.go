package engine

import (
	"embed"
	"fmt"
	"regexp"
	"slices"

	"gopkg.in/yaml.v3"
)

// dataFS holds the engine's hand-written tables: guideline rules and the
// lexicons that parameterise them.
//
//go:embed tables/*.yaml tables/*.tsv
var dataFS embed.FS

// ruleDef is one guideline rule of tables/rules.yaml.
type ruleDef struct {
	ID       string   `yaml:"id"`
	Citation string   `yaml:"citation"`
	Summary  string   `yaml:"summary"`
	Profiles []string `yaml:"profiles"`
}

// ruleTable looks rules up by id.
type ruleTable map[string]ruleDef

var ruleIDRe = regexp.MustCompile(`^[A-Z][A-Z0-9-]*$`)

// parseRules decodes and checks a rule table.
func parseRules(data []byte) (ruleTable, error) {
	var defs []ruleDef
	if err := yaml.Unmarshal(data, &defs); err != nil {
		return nil, fmt.Errorf("engine: rules: %w", err)
	}
	table := ruleTable{}
	for i, d := range defs {
		switch {
		case !ruleIDRe.MatchString(d.ID):
			return nil, fmt.Errorf("engine: rules: entry %d: id %q is not an upper-case identifier", i+1, d.ID)
		case d.Citation == "" || d.Summary == "":
			return nil, fmt.Errorf("engine: rules: %s: citation and summary are required", d.ID)
		}
		if _, dup := table[d.ID]; dup {
			return nil, fmt.Errorf("engine: rules: %s is defined twice", d.ID)
		}
		for _, p := range d.Profiles {
			if !slices.Contains(Profiles, p) {
				return nil, fmt.Errorf("engine: rules: %s: unknown profile %q", d.ID, p)
			}
		}
		table[d.ID] = d
	}
	return table, nil
}

// rule returns the Rule of id for output. Ids are checked against the table
// when the engine is built (see checkRuleRefs), so a miss is a programming
// error reported as an unnamed rule rather than a panic.
func (t ruleTable) rule(id string) Rule {
	d, ok := t[id]
	if !ok {
		return Rule{ID: id, Summary: "unknown rule"}
	}
	return Rule{ID: d.ID, Citation: d.Citation, Summary: d.Summary}
}

// appliesTo reports whether rule id applies in profile.
func (t ruleTable) appliesTo(id, profile string) bool {
	d, ok := t[id]
	return ok && (len(d.Profiles) == 0 || slices.Contains(d.Profiles, profile))
}
