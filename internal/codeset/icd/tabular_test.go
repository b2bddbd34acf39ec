package icd

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/medcode/medcode/internal/codeset/srcfile"
)

func loadFixtureTabular(t testing.TB) *Tabular {
	t.Helper()
	f, err := os.Open("testdata/tabular.xml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tab, err := LoadTabular(f, "tabular.xml")
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

func TestTabularCounts(t *testing.T) {
	tab := loadFixtureTabular(t)
	if tab.Version != "2099" {
		t.Errorf("Version = %q", tab.Version)
	}
	if got := tab.NumDiag(); got != 25 {
		t.Errorf("NumDiag = %d, want 25", got)
	}
	var billable []string
	for c := range tab.BillableCodes() {
		billable = append(billable, c.Code)
	}
	want := []string{
		"E11.22", "E11.9", "G63", "N18.1", "N18.30", "N18.6",
		"S01.01XA", "S01.01XD", "S01.01XS",
		"S06.370A", "S06.370D", "S06.370S", "S06.377A",
		"T36.0X5A", "T36.0X5D", "T36.0X5S",
		"H40.1110", "H40.1111", "H40.9",
	}
	if !slices.Equal(billable, want) {
		t.Errorf("billable codes:\n got %v\nwant %v", billable, want)
	}
	if tab.NumBillable() != len(want) {
		t.Errorf("NumBillable = %d, want %d", tab.NumBillable(), len(want))
	}
}

func TestLookup(t *testing.T) {
	tab := loadFixtureTabular(t)
	tests := []struct {
		in, code, title, parent string
		billable                bool
	}{
		{"E11.22", "E11.22", "Type 2 diabetes with chronic kidney disease", "E11.2", true},
		{"e1122", "E11.22", "Type 2 diabetes with chronic kidney disease", "E11.2", true},
		{" E11 ", "E11", "Type 2 diabetes", "", false},
		{"S01.01XA", "S01.01XA", "Laceration of scalp without foreign body, initial encounter", "S01.01", true},
		{"s0101xs", "S01.01XS", "Laceration of scalp without foreign body, sequela", "S01.01", true},
		{"T36.0X5D", "T36.0X5D", "Adverse effect of penicillins, subsequent encounter", "T36.0X5", true},
		{"H40.1111", "H40.1111", "Primary open-angle glaucoma, right eye, mild stage", "H40.111", true},
		{"S01.01", "S01.01", "Laceration of scalp without foreign body", "S01.0", false},
	}
	for _, tt := range tests {
		c, ok := tab.Lookup(tt.in)
		if !ok {
			t.Errorf("Lookup(%q) not found", tt.in)
			continue
		}
		if c.Code != tt.code || c.Title != tt.title || c.Parent != tt.parent || c.Billable != tt.billable {
			t.Errorf("Lookup(%q) = {%s %q parent %s billable %v}, want {%s %q parent %s billable %v}",
				tt.in, c.Code, c.Title, c.Parent, c.Billable, tt.code, tt.title, tt.parent, tt.billable)
		}
	}
	for _, in := range []string{"", "E11.", "E1", "S06.377D", "E11.2.2", "E11.22XXXX", "ZZZ", "11.9"} {
		if c, ok := tab.Lookup(in); ok {
			t.Errorf("Lookup(%q) = %s, want not found", in, c.Code)
		}
	}
}

func TestCodePlacement(t *testing.T) {
	tab := loadFixtureTabular(t)
	c, _ := tab.Lookup("S06.377A")
	if c.Chapter != "19" || c.Section != "S00-S09" || c.Category() != "S06" || c.Base != "S06.377" || c.SeventhChar != "A" {
		t.Errorf("S06.377A: chapter %s section %s category %s base %s 7th %s", c.Chapter, c.Section, c.Category(), c.Base, c.SeventhChar)
	}
	var ancestors []string
	for _, a := range tab.Ancestors("S06.377A") {
		ancestors = append(ancestors, a.Code)
	}
	if want := []string{"S06.377", "S06.37", "S06.3", "S06"}; !slices.Equal(ancestors, want) {
		t.Errorf("Ancestors = %v, want %v", ancestors, want)
	}
	var children []string
	for _, k := range tab.Children("N18") {
		children = append(children, k.Code)
	}
	if want := []string{"N18.1", "N18.3", "N18.6"}; !slices.Equal(children, want) {
		t.Errorf("Children(N18) = %v, want %v", children, want)
	}
	if n := len(tab.Children("S06.377")); n != 1 {
		t.Errorf("Children(S06.377) has %d codes, want 1 (A only)", n)
	}
}

func TestManifestation(t *testing.T) {
	tab := loadFixtureTabular(t)
	for code, want := range map[string]bool{"G63": true, "E11.22": false, "N18.30": false} {
		c, _ := tab.Lookup(code)
		if c.Manifestation != want {
			t.Errorf("%s Manifestation = %v, want %v", code, c.Manifestation, want)
		}
	}
}

func TestSeventhChars(t *testing.T) {
	tab := loadFixtureTabular(t)
	chars := func(code string) string {
		var b strings.Builder
		for _, sc := range tab.SeventhChars(code) {
			b.WriteString(sc.Char)
		}
		return b.String()
	}
	tests := map[string]string{
		"S06.370":  "ADS",
		"S06.377":  "A", // the S06 note removes D and S after a 6th character 7
		"S06.377A": "A",
		"S01.01":   "ADS",
		"H40.111":  "01", // defined on the subcategory, not the category
		"H40.9":    "",
		"E11.9":    "",
	}
	for code, want := range tests {
		if got := chars(code); got != want {
			t.Errorf("SeventhChars(%s) = %q, want %q", code, got, want)
		}
	}
}

func TestNotesFor(t *testing.T) {
	tab := loadFixtureTabular(t)
	var got []string
	for _, n := range tab.NotesFor("E11.22") {
		refs := make([]string, len(n.Refs))
		for i, r := range n.Refs {
			refs[i] = r.String()
		}
		got = append(got, n.Kind.String()+"@"+n.From+"["+strings.Join(refs, " ")+"]")
	}
	want := []string{
		"useAdditionalCode@E11.22[N18.1-N18.6]",
		"includes@E11[]",
		"useAdditionalCode@E11[]", // Z79.4: no Z79 category in the fixture
		"excludes1@E11[]",         // E10 is not in the fixture
		"excludes1@E11[]",
		"excludes1@Chapter 4[]",
	}
	if !slices.Equal(got, want) {
		t.Errorf("NotesFor(E11.22):\n got %v\nwant %v", got, want)
	}
	notes := tab.NotesFor("S01.01XA")
	var kinds []string
	for _, n := range notes {
		kinds = append(kinds, n.Kind.String()+"@"+n.From)
	}
	if want := []string{"sevenChrNote@S01", "codeAlso@S00-S09"}; !slices.Equal(kinds, want) {
		t.Errorf("NotesFor(S01.01XA) = %v, want %v", kinds, want)
	}
	n18 := tab.NotesFor("N18.30")
	if len(n18) != 2 || len(n18[0].Refs) != 1 || n18[0].Refs[0].First != "E11.22" {
		t.Errorf("NotesFor(N18.30) = %+v", n18)
	}
	if tab.NotesFor("Q99") != nil {
		t.Error("NotesFor(unknown code) is not nil")
	}
	// NotesOf yields the same notes and stops when asked to.
	var first []string
	for n := range tab.NotesOf("E11.22") {
		first = append(first, n.Kind.String()+"@"+n.From)
		if len(first) == 2 {
			break
		}
	}
	if want := []string{"useAdditionalCode@E11.22", "includes@E11"}; !slices.Equal(first, want) {
		t.Errorf("NotesOf(E11.22) starts %v, want %v", first, want)
	}
}

func TestValidate(t *testing.T) {
	tab := loadFixtureTabular(t)
	tests := []struct {
		code   string
		reason InvalidReason // 0: valid
		detail string        // substring of the detail
	}{
		{"E11.22", 0, ""},
		{"s01.01xa", 0, ""},
		{"E11", Header, "E11.22"},
		{"E11.2", Header, "1 codes below it"},
		{"S01.01", Missing7th, "(A, D, S)"},
		{"S06.377", Missing7th, "(A)"},
		{"S06.377D", Bad7th, "6th character 7"},
		{"S01.01XZ", Bad7th, "allowed: A, D, S"},
		{"S01.01A", MissingPlaceholder, "S01.01XA"},
		{"E11.99", Unknown, "nearest entry above it is E11.9"},
		{"E11.9XXA", Unknown, "takes no 7th character"},
		{"Q99.9", Unknown, "not in the ICD-10-CM 2099 tabular"},
		{"E1", Unknown, "not in ICD-10-CM form"},
		{"S06.37XA", Header, "heading"},
	}
	for _, tt := range tests {
		err := tab.Validate(tt.code)
		if tt.reason == 0 {
			if err != nil {
				t.Errorf("Validate(%s) = %v, want nil", tt.code, err)
			}
			continue
		}
		var ie *InvalidCodeError
		if !errors.As(err, &ie) {
			t.Errorf("Validate(%s) = %v, want *InvalidCodeError", tt.code, err)
			continue
		}
		if ie.Reason != tt.reason || !strings.Contains(ie.Detail, tt.detail) || ie.Code != tt.code {
			t.Errorf("Validate(%s) = %s / %q, want %s containing %q", tt.code, ie.Reason, ie.Detail, tt.reason, tt.detail)
		}
		if !strings.Contains(err.Error(), tt.code) || !strings.Contains(err.Error(), tt.reason.String()) {
			t.Errorf("message %q lacks the code or the reason", err)
		}
	}
}

func TestAllYieldsExpansionsAfterBase(t *testing.T) {
	tab := loadFixtureTabular(t)
	var order []string
	for c := range tab.All() {
		if strings.HasPrefix(c.Code, "T36") {
			order = append(order, c.Code)
		}
	}
	want := []string{"T36", "T36.0", "T36.0X5", "T36.0X5A", "T36.0X5D", "T36.0X5S"}
	if !slices.Equal(order, want) {
		t.Errorf("All order = %v, want %v", order, want)
	}
	if tab.NumCodes() != 25+12 {
		t.Errorf("NumCodes = %d, want %d", tab.NumCodes(), 25+12)
	}
}

func TestLoadTabularErrors(t *testing.T) {
	const head = `<?xml version="1.0"?>` + "\n<ICD10CM.tabular>\n<chapter><name>1</name>\n<section id=\"A00-A09\">\n"
	const tail = "</section></chapter></ICD10CM.tabular>\n"
	tests := []struct {
		name, doc string
		line      int
		msg       string
	}{
		{"empty", "", 1, "empty document"},
		{"wrong root", "<ICD10CM.index></ICD10CM.index>", 1, "want <ICD10CM.tabular>"},
		{"no codes", "<ICD10CM.tabular><version>1</version></ICD10CM.tabular>", 0, "no <diag> entries"},
		{"missing name", head + "<diag>\n<desc>x</desc></diag>\n" + tail, 5, "missing <name>"},
		{"bad code", head + "<diag><name>A0!</name></diag>\n" + tail, 5, "not an ICD-10-CM code"},
		{"duplicate", head + "<diag><name>A00</name></diag>\n<diag><name>A00</name></diag>\n" + tail, 6, "already defined at line 5"},
		{"outside category", head + "<diag><name>A00</name>\n<diag><name>B01.1</name></diag></diag>\n" + tail, 6, "outside its category"},
		{"bad 7th char", head + "<diag><name>A00</name><sevenChrDef>\n<extension char=\"AB\">x</extension></sevenChrDef></diag>\n" + tail, 6, "not one letter or digit"},
		{"truncated", head + "<diag><name>A00</name>", 5, "unexpected EOF"},
		{"malformed", head + "<diag><name>A00</nam></diag>\n" + tail, 5, "malformed XML"},
		{"section without id", "<ICD10CM.tabular><chapter><name>1</name>\n<section><diag><name>A00</name></diag></section></chapter></ICD10CM.tabular>", 2, "missing id"},
	}
	for _, tt := range tests {
		_, err := LoadTabular(strings.NewReader(tt.doc), "t.xml")
		var se *srcfile.Error
		if !errors.As(err, &se) {
			t.Errorf("%s: error %v, want *srcfile.Error", tt.name, err)
			continue
		}
		if se.File != "t.xml" || se.Line != tt.line || !strings.Contains(se.Msg, tt.msg) {
			t.Errorf("%s: got %q (line %d), want line %d containing %q", tt.name, err, se.Line, tt.line, tt.msg)
		}
	}
}

func TestOwnNotes(t *testing.T) {
	tab := loadFixtureTabular(t)
	e11, _ := tab.Lookup("E11")
	if n := e11.Notes(); len(n) != 4 || n[0].Kind != Includes || n[0].From != "E11" {
		t.Errorf("E11 own notes = %+v", n)
	}
	if n, _ := tab.Lookup("E11.9"); n.Notes() != nil {
		t.Errorf("E11.9 has notes of its own: %+v", n.Notes())
	}
	ch := tab.Chapters()[0]
	if len(ch.Notes()) != 1 || ch.Sections[0].Notes() != nil {
		t.Errorf("chapter notes %+v, section notes %+v", ch.Notes(), ch.Sections[0].Notes())
	}
}
