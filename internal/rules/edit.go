package rules

import (
	"bytes"
	"fmt"

	"gopkg.in/yaml.v3"
)

// AddPreference returns src with a rule reporting code instead of
// insteadOf appended to its prefer list, keeping the author's comments and
// layout. The result is checked by Parse like any other edit.
func AddPreference(src []byte, code, insteadOf, note string) ([]byte, error) {
	return appendRule(src, "prefer", []string{"code", code, "instead_of", insteadOf, "note", note})
}

// AddSuppression returns src with a rule dropping code appended to its
// suppress list.
func AddSuppression(src []byte, code, note string) ([]byte, error) {
	return appendRule(src, "suppress", []string{"code", code, "note", note})
}

// appendRule appends a mapping of the key/value pairs (empty values left
// out) to the list under kind, creating the list when absent.
func appendRule(src []byte, kind string, pairs []string) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, fmt.Errorf("rules: the current rules do not parse: %w", err)
	}
	if doc.Kind == 0 {
		doc = yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{{Kind: yaml.MappingNode, Tag: "!!map"}}}
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("rules: the current rules are not a mapping")
	}
	var list *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == kind {
			list = root.Content[i+1]
		}
	}
	if list == nil || list.Kind != yaml.SequenceNode {
		if list != nil {
			// An empty key ("prefer:") reads as null: make it a list.
			*list = yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		} else {
			list = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
			root.Content = append(root.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: kind}, list)
		}
	}
	item := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Style: list.Style & yaml.FlowStyle}
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] == "" {
			continue
		}
		item.Content = append(item.Content,
			&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: pairs[i]},
			&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: pairs[i+1]})
	}
	list.Content = append(list.Content, item)
	var out bytes.Buffer
	enc := yaml.NewEncoder(&out)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, fmt.Errorf("rules: writing the rules: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("rules: writing the rules: %w", err)
	}
	return out.Bytes(), nil
}
