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
	diags    []*Code          // every <diag>, in document order
	all      []*Code          // diags and 7th-character expansions, in tabular order
	byCode   map[string]*Code // by canonical code, with its dot
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

	parent   *Code
	children []*Code
	section  *Section
	*scope
}

// Category returns the code's 3-character category.
func (c *Code) Category() string { return c.Code[:3] }

// Notes returns the notes attached to the entry itself (NotesFor adds the
// inherited ones); nil when there are none.
func (s *scope) Notes() []Note {
	if s == nil {
		return nil
	}
	return s.notes
}

// Lookup returns the entry for code, written with or without its dot, in
// any case.
func (t *Tabular) Lookup(code string) (*Code, bool) {
	var key [maxKeyLen]byte
	n, ok := keyBytes(code, &key)
	if !ok {
		return nil, false
	}
	var buf [maxKeyLen + 1]byte
	c, ok := t.byCode[string(buf[:dotted(key[:n], &buf)])]
	return c, ok
}

// get returns the entry of a key (a code without its dot, upper case).
func (t *Tabular) get(key string) (*Code, bool) {
	var buf [maxKeyLen + 1]byte
	c, ok := t.byCode[string(buf[:dotted([]byte(key), &buf)])]
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
	var out []Note
	for n := range t.NotesOf(code) {
		out = append(out, n)
	}
	return out
}

// NotesOf yields the notes NotesFor returns, in the same order, without
// collecting them: the claim scrubber reads them for every pair of
// diagnoses on every claim.
func (t *Tabular) NotesOf(code string) iter.Seq[Note] {
	return func(yield func(Note) bool) {
		c, ok := t.Lookup(code)
		if !ok {
			return
		}
		for s := range c.scopes {
			for _, n := range s.notes {
				if !yield(n) {
					return
				}
			}
		}
	}
}

// scopes yields the scopes that apply to c, nearest first: its own, its
// ancestors', its section's and its chapter's.
func (c *Code) scopes(yield func(*scope) bool) {
	for p := c; p != nil; p = p.parent {
		if p.scope != nil && !yield(p.scope) {
			return
		}
	}
	if c.section.scope != nil && !yield(c.section.scope) {
		return
	}
	if c.section.Chapter.scope != nil {
		yield(c.section.Chapter.scope)
	}
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
	var key string
	for s := range c.scopes {
		if def == nil && len(s.seventh) > 0 {
			def = s.seventh
		}
		for _, r := range s.restrict {
			if key == "" {
				key = strings.ReplaceAll(c.Code, ".", "")
			}
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
	t.byCode = make(map[string]*Code, len(t.diags)*3)
	categories := make(map[string]bool)
	for _, c := range t.diags {
		code, ok := canonical(c.Code)
		if !ok {
			return fmt.Errorf("icd: %q is not an ICD-10-CM code", c.Code)
		}
		if _, dup := t.byCode[code]; dup {
			return fmt.Errorf("icd: code %s appears twice", c.Code)
		}
		c.Code = code
		t.byCode[code] = c
		if len(code) == 3 {
			categories[code] = true
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
	if err := t.expandAll(); err != nil {
		return err
	}
	t.all = make([]*Code, 0, len(t.byCode))
	for _, c := range t.diags {
		t.all = append(t.all, c)
		if len(c.children) > 0 && c.children[0].Base != "" {
			t.all = append(t.all, c.children...)
		}
	}
	return nil
}

// nestingProblem says what is wrong with code being nested under parent,
// or "": a code is longer than its parent and in the same category. (It
// need not extend the parent's code: the official tabular nests H54.512A
// under H54.511.) This also bounds the depth of the tree.
func nestingProblem(code, parent string) string {
	if len(code) <= len(parent) || len(parent) < 3 || code[:3] != parent[:3] {
		return fmt.Sprintf("%s is nested under %s, outside its category", code, parent)
	}
	return ""
}

// expandAll marks the billable leaves and adds the 7-character codes of
// the leaves that take a 7th character: the leaf's key padded with the
// placeholder X to six characters, then each allowed 7th character. The
// new entries, their codes and their titles are allocated in one piece
// each, as there are tens of thousands.
func (t *Tabular) expandAll() error {
	type leaf struct {
		c       *Code
		allowed []SeventhChar
	}
	var leaves []leaf
	n, titleLen := 0, 0
	for _, c := range t.diags {
		if len(c.children) > 0 {
			continue
		}
		allowed, _ := c.seventhChars()
		if allowed == nil {
			c.Billable = true
			t.billable++
			continue
		}
		if len(c.Code) > maxKeyLen {
			return fmt.Errorf("icd: %s takes a 7th character but already has 7 characters", c.Code)
		}
		leaves = append(leaves, leaf{c, allowed})
		for _, sc := range allowed {
			n++
			titleLen += len(c.Title) + len(", ") + len(sc.Meaning)
		}
	}
	codes := make([]byte, 0, n*(maxKeyLen+1))
	titles := make([]byte, 0, titleLen)
	for _, l := range leaves {
		padded := l.c.Code
		if len(padded) == 3 {
			padded += "."
		}
		padded += strings.Repeat("X", maxKeyLen-len(padded))
		for _, sc := range l.allowed {
			codes = append(append(codes, padded...), sc.Char...)
			titles = append(append(append(titles, l.c.Title...), ", "...), sc.Meaning...)
		}
	}
	codeStr, titleStr := string(codes), string(titles)
	entries := make([]Code, n)
	children := make([]*Code, n)
	i, co, to := 0, 0, 0
	for _, l := range leaves {
		first := i
		for _, sc := range l.allowed {
			x := &entries[i]
			tl := len(l.c.Title) + len(", ") + len(sc.Meaning)
			*x = Code{
				Code:          codeStr[co : co+maxKeyLen+1],
				Title:         titleStr[to : to+tl],
				Billable:      true,
				Parent:        l.c.Code,
				Chapter:       l.c.Chapter,
				Section:       l.c.Section,
				Manifestation: l.c.Manifestation,
				SeventhChar:   sc.Char,
				Base:          l.c.Code,
				parent:        l.c,
				section:       l.c.section,
			}
			co, to = co+maxKeyLen+1, to+tl
			if _, dup := t.byCode[x.Code]; dup {
				return fmt.Errorf("icd: 7th-character code %s of %s is also a tabular entry", x.Code, l.c.Code)
			}
			t.byCode[x.Code] = x
			children[i] = x
			i++
		}
		l.c.children = children[first:i:i]
		t.billable += i - first
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
	return categories[r.First[:3]] && (r.Last == "" || categories[r.Last[:3]])
}
