// Package icd loads the ICD-10-CM release files published by CDC/NCHS: the
// Tabular List XML, the Alphabetic Index and External Cause Index XML, the
// Table of Drugs and Chemicals and the Neoplasm Table XML, and the
// fixed-width order file.
package icd

import (
	"errors"
	"fmt"
	"iter"
	"strings"
)

// Tabular is a loaded ICD-10-CM Tabular List: chapters, sections and every
// code, including the codes formed by adding a 7th character.
type Tabular struct {
	Version  string
	chapters []*Chapter
	diags    []*Code // every <diag>, in document order
	all      []*Code // diags and 7th-character expansions, in tabular order
	byKey    map[string]*Code
	billable int
}

// Chapter is a tabular chapter ("4", "Endocrine, nutritional and metabolic
// diseases (E00-E89)").
type Chapter struct {
	Name     string
	Title    string
	Sections []*Section
	*scope
}

// Section is a block of categories within a chapter ("E08-E13").
type Section struct {
	ID      string
	Title   string
	Chapter *Chapter
	*scope
}

// scope holds what a chapter, section or code carries for itself and
// hands down to the codes below it.
type scope struct {
	notes    []Note
	seventh  []SeventhChar // sevenChrDef
	restrict []seventhRestriction
}

// Code is one entry of the tabular: a category, subcategory or code from a
// <diag> element, or a code formed by adding a 7th character to one.
type Code struct {
	Code     string // with its dot, e.g. "S52.531A"
	Title    string
	Billable bool // valid on a claim: a leaf with no pending 7th character
	Parent   string
	Chapter  string // chapter name, e.g. "19"
	Section  string // section id, e.g. "S50-S59"
	// Manifestation is set for etiology/manifestation codes ("... in
	// diseases classified elsewhere") and the codes below them; they may
	// never be listed first.
	Manifestation bool
	// SeventhChar and Base are set on codes formed by adding a 7th
	// character: the character and the tabular code it was added to.
	SeventhChar string
	Base        string
	// ShortTitle is the abbreviated title from the order file, when one
	// was loaded with the tabular.
	ShortTitle string

	parent   *Code
	children []*Code
	section  *Section
	*scope
}

// Category returns the code's 3-character category.
func (c *Code) Category() string { return c.Code[:3] }

// Lookup returns the entry for code, written with or without its dot, in
// any case.
func (t *Tabular) Lookup(code string) (*Code, bool) {
	var buf [maxKeyLen]byte
	n, ok := keyBytes(code, &buf)
	if !ok {
		return nil, false
	}
	c, ok := t.byKey[string(buf[:n])]
	return c, ok
}

// Children returns the codes directly below code (for a code that takes a
// 7th character, its 7-character codes).
func (t *Tabular) Children(code string) []*Code {
	c, ok := t.Lookup(code)
	if !ok {
		return nil
	}
	return c.children
}

// Ancestors returns the codes above code, nearest first, up to its
// category.
func (t *Tabular) Ancestors(code string) []*Code {
	c, ok := t.Lookup(code)
	if !ok {
		return nil
	}
	var out []*Code
	for p := c.parent; p != nil; p = p.parent {
		out = append(out, p)
	}
	return out
}

// NotesFor returns the notes that apply to code: its own, then those of
// each ancestor, its section and its chapter. Each note says in From where
// it is attached.
func (t *Tabular) NotesFor(code string) []Note {
	c, ok := t.Lookup(code)
	if !ok {
		return nil
	}
	var out []Note
	for _, s := range c.scopes() {
		out = append(out, s.notes...)
	}
	return out
}

// scopes lists the scopes that apply to c, nearest first.
func (c *Code) scopes() []*scope {
	var out []*scope
	for p := c; p != nil; p = p.parent {
		if p.scope != nil {
			out = append(out, p.scope)
		}
	}
	if c.section.scope != nil {
		out = append(out, c.section.scope)
	}
	if c.section.Chapter.scope != nil {
		out = append(out, c.section.Chapter.scope)
	}
	return out
}

// SeventhChars returns the 7th characters that may be added to code (or,
// for a 7-character code, to its base), after the restrictions stated in
// notes; nil when the code takes no 7th character.
func (t *Tabular) SeventhChars(code string) []SeventhChar {
	c, ok := t.Lookup(code)
	if !ok {
		return nil
	}
	if c.Base != "" {
		c = c.parent
	}
	allowed, _ := c.seventhChars()
	return allowed
}

// seventhChars returns the 7th characters allowed for c and the
// restrictions that removed others.
func (c *Code) seventhChars() ([]SeventhChar, []seventhRestriction) {
	var def []SeventhChar
	var restrict []seventhRestriction
	key := strings.ReplaceAll(c.Code, ".", "")
	for _, s := range c.scopes() {
		if def == nil && len(s.seventh) > 0 {
			def = s.seventh
		}
		for _, r := range s.restrict {
			if r.applies(key) {
				restrict = append(restrict, r)
			}
		}
	}
	if len(restrict) == 0 {
		return def, nil
	}
	var allowed []SeventhChar
	for _, sc := range def {
		if !restricted(sc.Char, restrict) {
			allowed = append(allowed, sc)
		}
	}
	return allowed, restrict
}

func restricted(char string, rs []seventhRestriction) bool {
	for _, r := range rs {
		if strings.Contains(r.chars, char) {
			return true
		}
	}
	return false
}

// Chapters returns the chapters in tabular order.
func (t *Tabular) Chapters() []*Chapter { return t.chapters }

// All yields every code in tabular order: each <diag> entry followed by
// the 7-character codes formed from it.
func (t *Tabular) All() iter.Seq[*Code] {
	return func(yield func(*Code) bool) {
		for _, c := range t.all {
			if !yield(c) {
				return
			}
		}
	}
}

// BillableCodes yields the codes valid on a claim, in tabular order.
func (t *Tabular) BillableCodes() iter.Seq[*Code] {
	return func(yield func(*Code) bool) {
		for _, c := range t.all {
			if c.Billable && !yield(c) {
				return
			}
		}
	}
}

// NumDiag is the number of <diag> entries (categories, subcategories and
// codes as printed in the tabular).
func (t *Tabular) NumDiag() int { return len(t.diags) }

// NumBillable is the number of codes valid on a claim.
func (t *Tabular) NumBillable() int { return t.billable }

// NumCodes is the number of entries Lookup knows: diags and 7-character
// codes.
func (t *Tabular) NumCodes() int { return len(t.all) }

// build links the parsed chapters, sections and diags into the tree,
// derives what the files state only implicitly (note citations, 7th
// character restrictions, manifestation codes, billable codes and the
// 7-character expansions) and indexes every code.
func (t *Tabular) build() error {
	t.byKey = make(map[string]*Code, len(t.diags)*3)
	categories := make(map[string]bool)
	for _, c := range t.diags {
		key, ok := Key(c.Code)
		if !ok {
			return fmt.Errorf("icd: %q is not an ICD-10-CM code", c.Code)
		}
		if _, dup := t.byKey[key]; dup {
			return fmt.Errorf("icd: code %s appears twice", c.Code)
		}
		c.Code = Format(key)
		t.byKey[key] = c
		if len(key) == 3 {
			categories[key] = true
		}
	}
	for _, ch := range t.chapters {
		finishScope(ch.scope, "Chapter "+ch.Name, categories)
		for _, s := range ch.Sections {
			finishScope(s.scope, s.ID, categories)
		}
	}
	for _, c := range t.diags {
		if c.parent != nil {
			if msg := nestingProblem(c.Code, c.parent.Code); msg != "" {
				return errors.New("icd: " + msg)
			}
		}
		finishScope(c.scope, c.Code, categories)
		c.Chapter = c.section.Chapter.Name
		c.Section = c.section.ID
		c.Manifestation = isManifestationTitle(c.Title)
		if c.parent != nil {
			c.Parent = c.parent.Code
			c.parent.children = append(c.parent.children, c)
			c.Manifestation = c.Manifestation || c.parent.Manifestation
		}
	}
	t.all = make([]*Code, 0, len(t.diags)*2)
	for _, c := range t.diags {
		t.all = append(t.all, c)
		if len(c.children) > 0 {
			continue
		}
		allowed, _ := c.seventhChars()
		if allowed == nil {
			c.Billable = true
			t.billable++
			continue
		}
		if err := t.expand(c, allowed); err != nil {
			return err
		}
	}
	return nil
}

// nestingProblem says what is wrong with code being nested under parent,
// or "": a code is longer than its parent and in the same category. (It
// need not extend the parent's code: the official tabular nests H54.512A
// under H54.511.) This also bounds the depth of the tree.
func nestingProblem(code, parent string) string {
	key, _ := Key(code)
	pk, _ := Key(parent)
	if len(key) <= len(pk) || len(pk) < 3 || key[:3] != pk[:3] {
		return fmt.Sprintf("%s is nested under %s, outside its category", code, parent)
	}
	return ""
}

// expand adds the 7-character codes of leaf c: its key padded with the
// placeholder X to six characters, then each allowed 7th character.
func (t *Tabular) expand(c *Code, allowed []SeventhChar) error {
	base, _ := Key(c.Code)
	if len(base) >= maxKeyLen {
		return fmt.Errorf("icd: %s takes a 7th character but already has 7 characters", c.Code)
	}
	padded := base + strings.Repeat("X", maxKeyLen-1-len(base))
	for _, sc := range allowed {
		key := padded + sc.Char
		if _, dup := t.byKey[key]; dup {
			return fmt.Errorf("icd: 7th-character code %s of %s is also a tabular entry", Format(key), c.Code)
		}
		x := &Code{
			Code:          Format(key),
			Title:         c.Title + ", " + sc.Meaning,
			Billable:      true,
			Parent:        c.Code,
			Chapter:       c.Chapter,
			Section:       c.Section,
			Manifestation: c.Manifestation,
			SeventhChar:   sc.Char,
			Base:          c.Code,
			parent:        c,
			section:       c.section,
		}
		c.children = append(c.children, x)
		t.byKey[key] = x
		t.all = append(t.all, x)
		t.billable++
	}
	return nil
}

// finishScope records where each note comes from, keeps the citations of
// codes whose category exists, and reads 7th-character restrictions.
func finishScope(s *scope, from string, categories map[string]bool) {
	if s == nil {
		return
	}
	for i := range s.notes {
		n := &s.notes[i]
		n.From = from
		n.Refs = nil
		for _, r := range ParseRefs(n.Text) {
			if knownRef(r, categories) {
				n.Refs = append(n.Refs, r)
			}
		}
		if n.Kind == Notes {
			if r, ok := parseRestriction(n.Text); ok {
				s.restrict = append(s.restrict, r)
			}
		}
	}
}

func knownRef(r CodeRef, categories map[string]bool) bool {
	first, ok := Key(r.First)
	if !ok || !categories[first[:3]] {
		return false
	}
	if r.Last == "" {
		return true
	}
	last, ok := Key(r.Last)
	return ok && categories[last[:3]]
}
