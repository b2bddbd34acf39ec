package icd

import (
	"bytes"
	"errors"
	"io"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/medcode/medcode/internal/codeset/srcfile"
)

func openFixture(t testing.TB, name string) *os.File {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func loadFixtureIndex(t testing.TB) *Index {
	t.Helper()
	ix, err := LoadIndex(openFixture(t, "index.xml"), "index.xml")
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

func TestIndexTree(t *testing.T) {
	ix := loadFixtureIndex(t)
	if len(ix.MainTerms()) != 8 || ix.NumTerms() != 18 {
		t.Errorf("main terms %d, terms %d; want 8, 18", len(ix.MainTerms()), ix.NumTerms())
	}
	abasia := ix.MainTerm("abasia")[0]
	if abasia.Title != "Abasia" || !slices.Equal(abasia.Nemod, []string{"-astasia", "hysterical"}) || abasia.Code != "F44.4" {
		t.Errorf("Abasia = %q %q %q", abasia.Title, abasia.Nemod, abasia.Code)
	}
	dementia := ix.MainTerm("Dementia")[0]
	if !slices.Equal(dementia.Nemod, []string{"degenerative (primary)", "old age"}) {
		t.Errorf("nested nemod parentheses: %q", dementia.Nemod)
	}
	alz := dementia.Child("in").Child("alzheimers disease")
	if alz == nil || alz.Code != "G30.9" || alz.Manif != "F02.80" || alz.Level != 2 {
		t.Fatalf("Dementia, in, Alzheimer's disease = %+v", alz)
	}
	if got := alz.PathString(); got != "Dementia, in, Alzheimer's disease" {
		t.Errorf("PathString = %q", got)
	}
	if alz.Main() != dementia || len(alz.Path()) != 3 {
		t.Error("Main/Path do not lead back to the main term")
	}
	otitis := ix.MainTerm("otitis")[0]
	if !otitis.Incomplete() || otitis.Child("externa").SeeCode != "H60" {
		t.Errorf("Otitis: code %q, externa seecat %q", otitis.Code, otitis.Child("externa").SeeCode)
	}
	var titles []string
	for term := range ix.All() {
		if term.Level == 0 {
			titles = append(titles, term.Title)
		}
	}
	if len(titles) != 8 || titles[0] != "Abasia" || titles[7] != "Syndrome" {
		t.Errorf("All main terms in order: %v", titles)
	}
}

func TestIndexMainTermAliases(t *testing.T) {
	ix := loadFixtureIndex(t)
	for _, title := range []string{"Disease, diseased", "disease", "DISEASE", "Disturbance", "Disturbance(s)"} {
		if len(ix.MainTerm(title)) != 1 {
			t.Errorf("MainTerm(%q) found %d terms, want 1", title, len(ix.MainTerm(title)))
		}
	}
	if ix.MainTerm("diseased") != nil {
		t.Error("MainTerm(diseased) should not match the second variant")
	}
}

func TestIndexResolve(t *testing.T) {
	ix := loadFixtureIndex(t)
	tests := []struct {
		ref  string
		ok   bool
		path string // titles of the matched terms joined by " > "
		rest []string
		code string
	}{
		{"Disease, kidney, chronic", true, "Disease, diseased > kidney > chronic", nil, ""},
		{"Disease, kidney, chronic, stage 3", true, "Disease, diseased > kidney > chronic > stage 3", nil, ""},
		{"Abuse, drug, opioid", true, "Abuse > drug NEC > opioid", nil, ""},
		{"Disturbance, visual", true, "Disturbance(s) > vision, visual", nil, ""},
		{"Disease, kidney, by site", true, "Disease, diseased > kidney", []string{"by site"}, ""},
		{"category H66", true, "", nil, "H66"},
		{"subcategory M14.8-", true, "", nil, "M14.8-"},
		{"Table of Drugs and Chemicals", false, "", nil, ""},
	}
	for _, tt := range tests {
		res, ok := ix.Resolve(tt.ref)
		var titles []string
		for _, term := range res.Terms {
			titles = append(titles, term.Title)
		}
		path := strings.Join(titles, " > ")
		if ok != tt.ok || path != tt.path || !slices.Equal(res.Rest, tt.rest) || res.Code != tt.code {
			t.Errorf("Resolve(%q) = %v %q rest %q code %q; want %v %q rest %q code %q", tt.ref, ok, path, res.Rest, res.Code, tt.ok, tt.path, tt.rest, tt.code)
		}
	}
	neph := ix.MainTerm("Nephropathy")[0]
	res, _ := ix.Resolve(neph.See)
	if res.Target().Code != "N18.9" {
		t.Errorf("Nephropathy see → %v", res.Target())
	}
}

func TestNormalize(t *testing.T) {
	tests := map[string]string{
		"Alzheimer's disease":             "alzheimers disease",
		"Sézary  disease":                 "sezary disease",
		"Charcôt's arthropathy (tabetic)": "charcots arthropathy tabetic",
		"Gerstmann-Sträussler-Scheinker":  "gerstmann straussler scheinker",
		"  Disease, kidney ":              "disease kidney",
		"T-cell":                          "t cell",
		"ÀÁÂÃÄÅàáâãäåÈÉÊËèéêëÇçÑñÝýÿ ØøÜü": "aaaaaaaaaaaaeeeeeeeeccnnyyy oouu",
	}
	for in, want := range tests {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
	if got := MatchKey("Loss (of) (function)"); got != "loss" {
		t.Errorf("MatchKey = %q", got)
	}
}

func TestTables(t *testing.T) {
	drugs, err := LoadTable(openFixture(t, "drug.xml"), "drug.xml")
	if err != nil {
		t.Fatal(err)
	}
	if len(drugs.Columns) != 7 || drugs.Column("adverse effect") != 5 || drugs.Column("no such column") != -1 {
		t.Errorf("Columns %q", drugs.Columns)
	}
	acet := drugs.MainTerm("acetaminophen")[0]
	if got := drugs.Cell(acet, "Adverse effect"); got != "T39.1X5" {
		t.Errorf("acetaminophen adverse effect = %q", got)
	}
	acetone := drugs.MainTerm("acetone")[0]
	if got := drugs.Cell(acetone, "Underdosing"); got != "" {
		t.Errorf(`"--" cell read as %q`, got)
	}
	if got := drugs.Cell(acetone.Child("chlorinated"), "Poisoning Assault"); got != "" {
		t.Errorf("absent cell = %q", got)
	}
	neo, err := LoadTable(openFixture(t, "neoplasm.xml"), "neoplasm.xml")
	if err != nil {
		t.Fatal(err)
	}
	lung := neo.MainTerm("Neoplasm")[0].Child("lung")
	if got := neo.Cell(lung, "Malignant Primary"); got != "C34.9-" {
		t.Errorf("lung malignant primary = %q", got)
	}
	if _, err := LoadTable(openFixture(t, "index.xml"), "index.xml"); err == nil || !strings.Contains(err.Error(), "column headings") {
		t.Errorf("LoadTable of an index without headings: %v", err)
	}
}

func TestSniff(t *testing.T) {
	tests := map[string]Kind{
		"tabular.xml":  KindTabular,
		"index.xml":    KindIndex,
		"eindex.xml":   KindExternalIndex,
		"drug.xml":     KindDrugTable,
		"neoplasm.xml": KindNeoplasmTable,
		"order.txt":    KindOrder,
	}
	for name := range tests {
		want, _ := os.ReadFile("testdata/" + name)
		kind, content := Sniff(openFixture(t, name))
		if kind != tests[name] {
			t.Errorf("Sniff(%s) = %v, want %v", name, kind, tests[name])
		}
		if got, _ := io.ReadAll(content); !bytes.Equal(got, want) {
			t.Errorf("Sniff(%s) does not return the whole content", name)
		}
	}
	for _, doc := range []string{"", "hello", "<html></html>", "<ICD10CM.index><indexHeading><head col=\"1\">Procedure</head></indexHeading><letter/></ICD10CM.index>"} {
		if got, _ := Sniff(strings.NewReader(doc)); got != KindUnknown {
			t.Errorf("Sniff(%q) = %v, want unknown", doc, got)
		}
	}
}

func TestLoadIndexErrors(t *testing.T) {
	tests := []struct {
		name, doc string
		line      int
		msg       string
	}{
		{"wrong root", "<ICD10CM.tabular/>", 1, "want <ICD10CM.index>"},
		{"no main terms", "<ICD10CM.index><letter><title>A</title></letter></ICD10CM.index>", 0, "no <mainTerm>"},
		{"missing title", "<ICD10CM.index><letter>\n<mainTerm>\n<code>A00</code></mainTerm></letter></ICD10CM.index>", 2, "missing <title>"},
		{"bad column", "<ICD10CM.index><indexHeading>\n<head col=\"x\">A</head></indexHeading></ICD10CM.index>", 2, "not a column number"},
		{"column out of range", "<ICD10CM.index><letter><mainTerm><title>a</title>\n<cell col=\"12\">A00</cell></mainTerm></letter></ICD10CM.index>", 2, "not a column number"},
		{"malformed", "<ICD10CM.index><letter>\n<mainTerm><title>a</titl></mainTerm></letter></ICD10CM.index>", 2, "malformed XML"},
	}
	for _, tt := range tests {
		_, err := LoadIndex(strings.NewReader(tt.doc), "i.xml")
		var se *srcfile.Error
		if !errors.As(err, &se) {
			t.Errorf("%s: error %v, want *srcfile.Error", tt.name, err)
			continue
		}
		if se.Line != tt.line || !strings.Contains(se.Msg, tt.msg) {
			t.Errorf("%s: got %q (line %d), want line %d containing %q", tt.name, err, se.Line, tt.line, tt.msg)
		}
	}
}

func TestOrderFile(t *testing.T) {
	o, err := LoadOrder(openFixture(t, "order.txt"), "order.txt")
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Entries) != 3 || o.NumBillable() != 2 {
		t.Errorf("entries %d billable %d", len(o.Entries), o.NumBillable())
	}
	e, ok := o.Lookup("s01.01xa")
	if !ok || e.Order != 3 || !e.Billable || e.Short != "Lac w/o FB of scalp, init" || e.Long != "Laceration of scalp without foreign body, initial encounter" {
		t.Errorf("S01.01XA = %+v", e)
	}
	if e, _ := o.Lookup("E11.22"); e.Short != "Type 2 diabetes w CKD" || e.Code != "E11.22" {
		t.Errorf("E11.22 = %+v", e)
	}
}

func TestLoadOrderErrors(t *testing.T) {
	good := "00001 E11     0 Type 2 diabetes                                              Type 2 diabetes\n"
	tests := []struct {
		name, doc string
		line      int
		msg       string
	}{
		{"empty", "\n\n", 0, "no entries"},
		{"short line", good + "00002 E11\n", 2, "too short"},
		{"bad number", "0000x E11     0 x\n", 1, "order number"},
		{"dotted code", "00001 E11.9   1 x\n", 1, "columns 7-13"},
		{"bad flag", "00001 E119    2 x\n", 1, "billable flag"},
		{"duplicate", good + good, 2, "already listed"},
	}
	for _, tt := range tests {
		_, err := LoadOrder(strings.NewReader(tt.doc), "o.txt")
		var se *srcfile.Error
		if !errors.As(err, &se) {
			t.Errorf("%s: error %v, want *srcfile.Error", tt.name, err)
			continue
		}
		if se.Line != tt.line || !strings.Contains(se.Msg, tt.msg) {
			t.Errorf("%s: got %q (line %d), want line %d containing %q", tt.name, err, se.Line, tt.line, tt.msg)
		}
	}
}
