package rules

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// Parse reads a rules document (YAML, or JSON, which is YAML too) and
// checks it: field names and types, code forms, values, and, when catalog
// is not nil, that every code it adds exists. It returns an *Error listing
// every problem with its line.
func Parse(src []byte, catalog Catalog) (*Document, error) {
	if len(src) > MaxSourceBytes {
		return nil, &Error{[]Problem{{Message: fmt.Sprintf("the document is %d bytes; the limit is %d", len(src), MaxSourceBytes)}}}
	}
	if !utf8.Valid(src) {
		return nil, &Error{[]Problem{{Message: "the document is not UTF-8 text"}}}
	}
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(src))
	if err := dec.Decode(&root); err != nil && !errors.Is(err, io.EOF) {
		return nil, &Error{[]Problem{yamlProblem(err)}}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		line := extra.Line
		if len(extra.Content) > 0 {
			line = extra.Content[0].Line
		}
		return nil, &Error{[]Problem{{Line: line, Message: "the file holds more than one YAML document"}}}
	}
	p := &parser{}
	doc := &Document{}
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		top := resolve(root.Content[0])
		if top.Kind == yaml.MappingNode || top.Tag == "!!null" {
			p.document(top, doc)
		} else {
			p.fail(top, "", "the document is not a mapping of rule kinds (synonyms, prefer, suppress, payer_variants, always_add, defaults)")
		}
	}
	if len(p.problems) == 0 {
		p.check(doc, catalog)
	}
	if len(p.problems) > 0 {
		return nil, &Error{p.problems}
	}
	return doc, nil
}

// yamlProblem turns a YAML syntax error ("yaml: line 3: ...") into a
// Problem with its line.
func yamlProblem(err error) Problem {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	var line int
	if n, _ := fmt.Sscanf(msg, "line %d:", &line); n == 1 {
		msg = strings.TrimSpace(msg[strings.Index(msg, ":")+1:])
	}
	return Problem{Line: line, Message: "not valid YAML or JSON: " + msg}
}

// maxProblems bounds the report for a badly broken document.
const maxProblems = 50

// parser walks the YAML nodes, collecting problems with their lines.
type parser struct {
	problems []Problem
}

func (p *parser) fail(n *yaml.Node, path, format string, args ...any) {
	if len(p.problems) < maxProblems {
		p.problems = append(p.problems, Problem{Line: n.Line, Path: path, Message: fmt.Sprintf(format, args...)})
	}
}

// fields walks a mapping, calling the handler of each known key; unknown
// and repeated keys are problems.
func (p *parser) fields(n *yaml.Node, path string, handlers map[string]func(v *yaml.Node, path string)) {
	n = resolve(n)
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return
	}
	if n.Kind != yaml.MappingNode {
		p.fail(n, path, "want a mapping of fields")
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		sub := k.Value
		if path != "" {
			sub = path + "." + k.Value
		}
		h, ok := handlers[k.Value]
		switch {
		case !ok:
			p.fail(k, sub, "unknown field (known: %s)", known(handlers))
		case seen[k.Value]:
			p.fail(k, sub, "given twice")
		default:
			seen[k.Value] = true
			h(v, sub)
		}
	}
}

func known(handlers map[string]func(*yaml.Node, string)) string {
	names := make([]string, 0, len(handlers))
	for k := range handlers {
		names = append(names, k)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// resolve follows an alias to its anchor.
func resolve(n *yaml.Node) *yaml.Node {
	for depth := 0; n.Kind == yaml.AliasNode && n.Alias != nil && depth < 8; depth++ {
		n = n.Alias
	}
	return n
}

// str reads a scalar into *dst.
func (p *parser) str(dst *string) func(*yaml.Node, string) {
	return func(n *yaml.Node, path string) {
		n = resolve(n)
		if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
			p.fail(n, path, "want a single value")
			return
		}
		*dst = strings.TrimSpace(n.Value)
	}
}

// strs reads one value or a list of values into *dst.
func (p *parser) strs(dst *[]string) func(*yaml.Node, string) {
	return func(n *yaml.Node, path string) {
		n = resolve(n)
		switch {
		case n.Kind == yaml.ScalarNode && n.Tag != "!!null":
			*dst = []string{strings.TrimSpace(n.Value)}
		case n.Kind == yaml.SequenceNode:
			for i, item := range n.Content {
				item = resolve(item)
				if item.Kind != yaml.ScalarNode || item.Tag == "!!null" {
					p.fail(item, fmt.Sprintf("%s[%d]", path, i+1), "want a single value")
					continue
				}
				*dst = append(*dst, strings.TrimSpace(item.Value))
			}
		default:
			p.fail(n, path, "want a value or a list of values")
		}
	}
}

// list walks a sequence of mappings, calling item for each with its
// 1-based path.
func (p *parser) list(n *yaml.Node, path string, item func(n *yaml.Node, path string)) {
	n = resolve(n)
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return
	}
	if n.Kind != yaml.SequenceNode {
		p.fail(n, path, "want a list of rules")
		return
	}
	for i, c := range n.Content {
		item(resolve(c), fmt.Sprintf("%s[%d]", path, i+1))
	}
}

func (p *parser) common(c *Common, n *yaml.Node) map[string]func(*yaml.Node, string) {
	c.Line = n.Line
	return map[string]func(*yaml.Node, string){"id": p.str(&c.ID), "note": p.str(&c.Note)}
}

func (p *parser) document(n *yaml.Node, d *Document) {
	p.fields(n, "", map[string]func(*yaml.Node, string){
		"defaults": func(v *yaml.Node, path string) {
			p.fields(v, path, map[string]func(*yaml.Node, string){
				"payer":        p.str(&d.Defaults.Payer),
				"patient_type": p.str(&d.Defaults.PatientType),
			})
		},
		"synonyms": func(v *yaml.Node, path string) {
			p.list(v, path, func(n *yaml.Node, path string) {
				var r Synonym
				h := p.common(&r.Common, n)
				h["phrase"], h["code"] = p.str(&r.Phrase), p.str(&r.Code)
				p.fields(n, path, h)
				d.Synonyms = append(d.Synonyms, r)
			})
		},
		"prefer": func(v *yaml.Node, path string) {
			p.list(v, path, func(n *yaml.Node, path string) {
				var r Preference
				h := p.common(&r.Common, n)
				h["code"], h["instead_of"] = p.str(&r.Code), p.strs(&r.InsteadOf)
				p.fields(n, path, h)
				d.Prefer = append(d.Prefer, r)
			})
		},
		"suppress": func(v *yaml.Node, path string) {
			p.list(v, path, func(n *yaml.Node, path string) {
				var r Suppression
				h := p.common(&r.Common, n)
				h["code"] = p.str(&r.Code)
				p.fields(n, path, h)
				d.Suppress = append(d.Suppress, r)
			})
		},
		"payer_variants": func(v *yaml.Node, path string) {
			p.list(v, path, func(n *yaml.Node, path string) {
				var r PayerVariant
				h := p.common(&r.Common, n)
				h["payer"], h["code"], h["use"] = p.str(&r.Payer), p.str(&r.Code), p.str(&r.Use)
				p.fields(n, path, h)
				d.PayerVariants = append(d.PayerVariants, r)
			})
		},
		"always_add": func(v *yaml.Node, path string) {
			p.list(v, path, func(n *yaml.Node, path string) {
				var r AlwaysAdd
				h := p.common(&r.Common, n)
				h["add"], h["when_phrase"], h["when_code"] = p.str(&r.Add), p.strs(&r.WhenPhrase), p.strs(&r.WhenCode)
				p.fields(n, path, h)
				d.AlwaysAdd = append(d.AlwaysAdd, r)
			})
		},
	})
}
