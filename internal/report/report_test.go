package report

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"html"
	"math"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/medcode/medcode/internal/claims"
	"github.com/medcode/medcode/internal/claims/carc"
	"github.com/medcode/medcode/internal/claims/x835"
	"github.com/medcode/medcode/internal/engine"
)

// visit is a one-line claim for the hand-built tests.
func visit(id, code string, class claims.PayerClass, mods ...string) *claims.Claim {
	return &claims.Claim{
		ID: id, PlaceOfService: "11", Billing: claims.Provider{NPI: "1234567893", Organization: "Test Clinic"},
		Payer:   claims.Payer{ID: "P1", Name: "Plan", Class: class},
		Patient: claims.Patient{Key: "k" + id, Age: 70, Sex: claims.Female}, Diagnoses: []string{"I10"},
		Lines: []claims.Line{{Code: code, Modifiers: mods, Units: 1, Charge: 15000, DOS: claims.Date{Year: 2025, Month: 6, Day: 3}, Pointers: []int{1}}},
	}
}

func build(t *testing.T, in Input, cfg Config) *Report {
	t.Helper()
	if cfg.Schedule == nil {
		cfg.Schedule = fixtureSchedule(t)
	}
	r, err := Build(context.Background(), in, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func findings(r *Report, analysis string) []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Analysis == analysis {
			out = append(out, f)
		}
	}
	return out
}

// fixture prices: conversion factor 30, national GPCIs 1.0.
func fixturePrice(t *testing.T, code string) claims.Money {
	t.Helper()
	r, ok := fixtureSchedule(t).Lookup(code, "")
	if !ok {
		t.Fatalf("no fixture RVUs for %s", code)
	}
	return claims.Money(math.Round((r.Work + r.NonFacilityPE + r.MP) * 30 * 100))
}

func TestCodingComparison(t *testing.T) {
	cases := []struct {
		name, billed string
		result       *engine.Result
		category     string
		estimate     func(t *testing.T) claims.Money
	}{
		{"under by MDM", "99213", emResult("99214", "mdm", 0.9), CodingUnder, func(t *testing.T) claims.Money { return fixturePrice(t, "99214") - fixturePrice(t, "99213") }},
		{"under by time", "99212", emResult("99214", "time", 0.9), CodingUnder, func(t *testing.T) claims.Money { return fixturePrice(t, "99214") - fixturePrice(t, "99212") }},
		{"over", "99215", emResult("99213", "mdm", 0.9), CodingOver, func(t *testing.T) claims.Money { return fixturePrice(t, "99215") - fixturePrice(t, "99213") }},
		{"supported", "99214", emResult("99214", "mdm", 0.9), CodingMatch, func(*testing.T) claims.Money { return 0 }},
		{"low confidence", "99213", emResult("99215", "mdm", 0.4), CodingReview, func(*testing.T) claims.Money { return 0 }},
		{"other patient type", "99213", emResult("99204", "mdm", 0.9), CodingReview, func(*testing.T) claims.Money { return 0 }},
		{"no office visit in the note", "99213", &engine.Result{EM: &engine.EM{Code: "99396", Method: "preventive"}}, CodingReview, func(*testing.T) claims.Money { return 0 }},
		{"problem visit at a preventive visit", "99214", &engine.Result{EM: &engine.EM{Code: "99396", Method: "preventive", Problem: emResult("99213", "mdm", 0.9).EM},
			Procedures: []engine.Procedure{{Code: "99396", Units: 1, Confidence: 0.9}, {Code: "99213", Units: 1, Confidence: 0.9}}}, CodingOver,
			func(t *testing.T) claims.Money { return fixturePrice(t, "99214") - fixturePrice(t, "99213") }},
	}
	var cs []*claims.Claim
	coder := fakeCoder{}
	notes := fstest.MapFS{}
	for i, c := range cases {
		id := fmt.Sprintf("V%02d", i)
		cs = append(cs, visit(id, c.billed, claims.Commercial))
		text := "note of " + c.name
		coder[text] = c.result
		notes[id+".txt"] = &fstest.MapFile{Data: []byte(text)}
	}
	r := build(t, Input{Claims: cs, Notes: notes}, Config{Coder: coder})
	got := findings(r, AnalysisCoding)
	if len(got) != len(cases) {
		t.Fatalf("%d coding findings for %d visits", len(got), len(cases))
	}
	for i, c := range cases {
		f := got[i]
		if f.Category != c.category || f.Estimate != c.estimate(t) {
			t.Errorf("%s: got %s estimate %s, want %s estimate %s (%s)", c.name, f.Category, f.Estimate.Dollars(), c.category, c.estimate(t).Dollars(), f.Detail)
		}
		if f.Opportunity != (c.category == CodingUnder) {
			t.Errorf("%s: opportunity %v", c.name, f.Opportunity)
		}
	}
	if c := r.Overall.Coding; c.Under != 2 || c.Over != 2 || c.Supported != 1 || c.Review != 3 {
		t.Errorf("coding summary %+v", c)
	}
}

func TestRemittanceMatching(t *testing.T) {
	paid := visit("PAID", "99213", claims.Commercial)
	denied := visit("DENIED", "99214", claims.Medicare)
	denied.Lines = append(denied.Lines, claims.Line{Code: "36415", Units: 1, Charge: 2000, DOS: denied.Lines[0].DOS, Pointers: []int{1}})
	deductible := visit("DEDUCT", "99213", claims.Commercial)
	reversed := visit("REVERSED", "99213", claims.Medicare)
	wholeClaim := visit("WHOLE", "99212", claims.Medicaid)
	unpaid := visit("NOREMIT", "99213", claims.Commercial)
	allowed := claims.Money(8000)
	line := func(code string, charge, paid claims.Money, adj ...x835.Adjustment) x835.LinePayment {
		return x835.LinePayment{Qualifier: "HC", Code: code, Charge: charge, Paid: paid, Units: 1, Allowed: &allowed, Adjustments: adj}
	}
	rs := []*x835.Remittance{{
		Date: claims.Date{Year: 2025, Month: 7, Day: 1}, Payer: x835.Party{Name: "Plan"},
		Claims: []x835.ClaimPayment{
			{PatientControlNumber: "PAID", Status: "1", Charge: 15000, Paid: 8000, Lines: []x835.LinePayment{line("99213", 15000, 8000, x835.Adjustment{Group: "CO", Reason: "45", Amount: 7000})}},
			{PatientControlNumber: "DENIED", Status: "1", Charge: 17000, Paid: 0, Lines: []x835.LinePayment{
				func() x835.LinePayment {
					l := line("99214", 15000, 0, x835.Adjustment{Group: "CO", Reason: "97", Amount: 15000})
					l.Remarks = []string{"M15"}
					return l
				}(),
				line("36415", 2000, 0, x835.Adjustment{Group: "PR", Reason: "204", Amount: 2000}),
			}},
			{PatientControlNumber: "DEDUCT", Status: "1", Charge: 15000, Paid: 0, Lines: []x835.LinePayment{line("99213", 15000, 0, x835.Adjustment{Group: "CO", Reason: "45", Amount: 7000}, x835.Adjustment{Group: "PR", Reason: "1", Amount: 8000})}},
			{PatientControlNumber: "REVERSED", Status: "1", Charge: 15000, Paid: 0, Lines: []x835.LinePayment{line("99213", 15000, 0, x835.Adjustment{Group: "CO", Reason: "16", Amount: 15000})}},
			{PatientControlNumber: "WHOLE", Status: "4", Charge: 15000, Paid: 0, Adjustments: []x835.Adjustment{{Group: "CO", Reason: "27", Amount: 15000}}},
			{PatientControlNumber: "ELSEWHERE", Status: "4", Charge: 9000, FilingIndicator: "MB", Lines: []x835.LinePayment{line("99212", 9000, 0, x835.Adjustment{Group: "CO", Reason: "18", Amount: 9000})}},
		},
	}, {
		// A later remittance reverses REVERSED's denial and pays it.
		Date: claims.Date{Year: 2025, Month: 7, Day: 20}, Payer: x835.Party{Name: "Plan"},
		Claims: []x835.ClaimPayment{
			{PatientControlNumber: "REVERSED", Status: "22", Charge: -15000, Lines: []x835.LinePayment{line("99213", -15000, 0, x835.Adjustment{Group: "CO", Reason: "16", Amount: -15000})}},
			{PatientControlNumber: "REVERSED", Status: "1", Charge: 15000, Paid: 9000, Lines: []x835.LinePayment{line("99213", 15000, 9000, x835.Adjustment{Group: "CO", Reason: "45", Amount: 6000})}},
		},
	}}
	r := build(t, Input{Claims: []*claims.Claim{paid, denied, deductible, reversed, wholeClaim, unpaid}, Remittances: rs}, Config{})
	status := map[string]string{}
	for _, f := range findings(r, AnalysisLine) {
		status[fmt.Sprintf("%s/%d", f.ClaimID, f.Line)] = f.Category
	}
	want := map[string]string{"PAID/1": LinePaid, "DENIED/1": LineDenied, "DENIED/2": LineDenied, "DEDUCT/1": LineUnpaid,
		"REVERSED/1": LinePaid, "WHOLE/1": LineDenied, "NOREMIT/1": LineNoRemit}
	for k, v := range want {
		if status[k] != v {
			t.Errorf("line %s: %q, want %q", k, status[k], v)
		}
	}
	var got []string
	for _, f := range findings(r, AnalysisDenial) {
		got = append(got, fmt.Sprintf("%s/%d %s-%s %s opp=%v", f.ClaimID, f.Line, f.Category, f.Item, f.Amount.Dollars(), f.Opportunity))
	}
	wantDenials := []string{
		"DENIED/1 CO-97 150.00 opp=true",    // contractual, preventable by an edit
		"DENIED/2 PR-204 20.00 opp=false",   // the patient's to pay
		"WHOLE/1 CO-27 150.00 opp=false",    // eligibility: not recoverable by a corrected claim
		"ELSEWHERE/1 CO-18 90.00 opp=false", // claim not in the file; duplicates are never recoverable
	}
	if strings.Join(got, "\n") != strings.Join(wantDenials, "\n") {
		t.Errorf("denials:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantDenials, "\n"))
	}
	in := r.Inputs
	if in.Reversals != 1 || in.UnmatchedRemits != 1 || in.RemitClaims != 8 {
		t.Errorf("inputs %+v", in)
	}
	v := r.Overall.Volume
	if v.Claims != 6 || v.Lines != 7 || v.AdjudicatedLines != 6 || v.DeniedLines != 3 || v.Paid != 17000 || v.Denied != 32000 {
		t.Errorf("volume %+v", v)
	}
	f := findings(r, AnalysisDenial)[0]
	if !strings.Contains(f.Detail, "M15") || f.Remarks != "M15" || f.Fix == "" {
		t.Errorf("denial without its remark or fix: %+v", f)
	}
	// The reason's fix and the remark's read as two sentences.
	table, err := carc.Load()
	if err != nil {
		t.Fatal(err)
	}
	reason, _ := table.Reason(f.Item)
	remark, _ := table.Remark("M15")
	if want := reason.Fix + ". " + remark.Fix; f.Fix != want {
		t.Errorf("denial fix %q, want %q", f.Fix, want)
	}
}

func TestClaimRules(t *testing.T) {
	lab := visit("LAB", "99213", claims.Commercial)
	lab.Lines = append(lab.Lines, claims.Line{Code: "80053", Units: 1, Charge: 4000, DOS: lab.Lines[0].DOS, Pointers: []int{1}})
	vaccine := visit("VACCINE", "90715", claims.Commercial)
	old := visit("OLD", "99213", claims.Medicare)
	old.Lines[0].DOS = claims.Date{Year: 2023, Month: 12, Day: 29}
	urgent := visit("URGENT", "99213", claims.Medicare)
	urgent.PlaceOfService = "20"
	noted := visit("NOTED", "99213", claims.Medicare)
	cases := []*claims.Claim{
		visit("G2211", "99213", claims.MedicareAdvantage), visit("MOD25", "99214", claims.Medicare, "25"),
		visit("COMMERCIAL", "99213", claims.Commercial), visit("AWV", "G0439", claims.Medicare), lab, vaccine, old, urgent, noted,
	}
	coder := fakeCoder{"documented visit": emResult("99213", "mdm", 0.9)}
	r := build(t, Input{Claims: cases, Notes: fstest.MapFS{"NOTED.txt": {Data: []byte("documented visit")}}}, Config{Coder: coder})
	var got []string
	for _, f := range findings(r, AnalysisMissed) {
		got = append(got, fmt.Sprintf("%s %s %s", f.ClaimID, f.Item, f.Estimate.Dollars()))
	}
	want := []string{
		"G2211 G2211 " + fixturePrice(t, "G2211").Dollars(),
		"AWV G0444 " + fixturePrice(t, "G0444").Dollars(),
		"LAB 36415 3.00", // status X on the fee schedule: priced from the fee table
		"VACCINE 90471 " + fixturePrice(t, "90471").Dollars(),
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("claim rules found:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestMissedFromNotes(t *testing.T) {
	awv := visit("AWV", "G0439", claims.Medicare)
	em := visit("EM", "99214", claims.Commercial)
	em.Lines = append(em.Lines, claims.Line{Code: "96127", Units: 1, Charge: 1500, DOS: em.Lines[0].DOS, Pointers: []int{1}})
	prev := visit("PREV", "99396", claims.Commercial)
	coder := fakeCoder{
		"awv": {EM: &engine.EM{Code: "G0439", Method: "preventive"}, Procedures: []engine.Procedure{{Code: "G0439", Units: 1}, {Code: "96127", Units: 1}}},
		"em": emResult("99214", "mdm", 0.9, engine.Procedure{Code: "96127", Units: 2}, engine.Procedure{Code: "36415", Units: 1},
			engine.Procedure{Code: "81001", Units: 1}), // 81001 is not a listed separately billable service
		"prev": {EM: &engine.EM{Code: "99396", Method: "preventive", Problem: emResult("99213", "mdm", 0.9).EM},
			Procedures: []engine.Procedure{{Code: "99396", Units: 1}, {Code: "99213", Units: 1, Modifiers: []string{"25"}}}},
	}
	notes := fstest.MapFS{"AWV.txt": {Data: []byte("awv")}, "EM.txt": {Data: []byte("em")}, "PREV.txt": {Data: []byte("prev")}}
	r := build(t, Input{Claims: []*claims.Claim{awv, em, prev}, Notes: notes}, Config{Coder: coder})
	var got []string
	for _, f := range findings(r, AnalysisMissed) {
		got = append(got, fmt.Sprintf("%s %s x%d %s", f.ClaimID, f.Item, f.Units, f.Category))
	}
	want := []string{"AWV G0444 x1 note", "EM 96127 x1 note", "EM 36415 x1 note", "PREV 99213 x1 note"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("missed:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestFiguresTraceable checks every figure of the HTML report against the
// findings its link selects, added up by the link's measure.
func TestFiguresTraceable(t *testing.T) {
	ds := dataset(t, 600, 3)
	coder := fakeCoder{}
	notes := fstest.MapFS{}
	for i, n := range ds.Notes {
		if n.Billed == "" {
			continue
		}
		res := emResult(n.Documented, "mdm", 0.9)
		if i%7 == 0 {
			res.Procedures = append(res.Procedures, engine.Procedure{Code: "96127", Units: 1})
		}
		coder[n.Text] = res
		notes[n.ClaimID+".txt"] = &fstest.MapFile{Data: []byte(n.Text)}
	}
	r := build(t, Input{Claims: ds.Claims, Remittances: ds.Remittances, Notes: notes}, Config{Coder: coder})
	var buf bytes.Buffer
	if err := r.WriteHTML(&buf); err != nil {
		t.Fatal(err)
	}
	link := regexp.MustCompile(`<a class="f" href="#lines" data-q="([^"]*)" data-m="([^"]*)">([^<]*)</a>`)
	checked := 0
	for _, m := range link.FindAllStringSubmatch(buf.String(), -1) {
		q, measure, text := html.UnescapeString(m[1]), m[2], html.UnescapeString(m[3])
		vals, err := url.ParseQuery(q)
		if err != nil {
			t.Fatalf("figure %q: filter %q: %v", text, q, err)
		}
		// The lines behind the figure, as the app's drill-down selects them.
		rows, err := r.Select(vals)
		if err != nil {
			t.Fatalf("figure %q: %v", text, err)
		}
		var sum claims.Money
		claimSet := map[string]bool{}
		for _, f := range rows {
			claimSet[f.ClaimID] = true
			switch measure {
			case "charge":
				sum += f.Charge
			case "paid":
				sum += f.Paid
			case "amount":
				sum += f.Amount
			case "estimate":
				sum += f.Estimate
			}
		}
		switch measure {
		case "rows", "claims":
			n, err := strconv.Atoi(text)
			if err != nil {
				continue // a label such as "ERROR findings"
			}
			want := len(rows)
			if measure == "claims" {
				want = len(claimSet)
			}
			if n != want {
				t.Errorf("figure %s (%s, %s) != %d", text, q, measure, want)
			}
		case "pct":
			if len(rows) == 0 && !strings.HasPrefix(text, "0.0") {
				t.Errorf("figure %s (%s) has no rows behind it", text, q)
			}
			continue
		default:
			if text != usd(sum) && text != usd0(sum) {
				t.Errorf("figure %s (%s, %s) != %s", text, q, measure, usd(sum))
			}
		}
		checked++
	}
	if checked < 100 {
		t.Fatalf("only %d figures checked", checked)
	}
}

func TestWriteCSV(t *testing.T) {
	ds := dataset(t, 200, 5)
	r := build(t, Input{Claims: ds.Claims, Remittances: ds.Remittances}, Config{})
	var buf bytes.Buffer
	if err := r.WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != len(r.Findings)+1 || strings.Join(recs[0], ",") != strings.Join(csvHeader, ",") {
		t.Fatalf("%d records for %d findings; header %v", len(recs), len(r.Findings), recs[0])
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	var opportunity claims.Money
	for _, rec := range recs[1:] {
		if rec[col["opportunity"]] == "true" {
			m, err := claims.ParseMoney(rec[col["estimate"]])
			if err != nil {
				t.Fatal(err)
			}
			opportunity += m
		}
	}
	if opportunity != r.Overall.Opportunity.Total || opportunity == 0 {
		t.Errorf("CSV opportunity rows add to %s, the report says %s", opportunity.Dollars(), r.Overall.Opportunity.Total.Dollars())
	}
}

func TestWritePDF(t *testing.T) {
	ds := dataset(t, 300, 6)
	r := build(t, Input{Claims: ds.Claims, Remittances: ds.Remittances}, Config{})
	var buf bytes.Buffer
	if err := r.WritePDF(&buf); err != nil {
		t.Fatal(err)
	}
	pages := bytes.Count(buf.Bytes(), []byte("/Type /Page\n"))
	images := bytes.Count(buf.Bytes(), []byte("/Subtype /Image"))
	if !bytes.HasPrefix(buf.Bytes(), []byte("%PDF-")) || pages < 7 || images < 4 {
		t.Fatalf("PDF of %d bytes, %d pages, %d images", buf.Len(), pages, images)
	}
}

// TestNoNoteText checks that no text of a note reaches the report, even
// where the engine quotes the note in its reasons.
func TestNoNoteText(t *testing.T) {
	const secret = "zebraquartz"
	res := emResult("99214", "mdm", 0.9, engine.Procedure{Code: "96127", Units: 1, Reasoning: `"` + secret + ` score 4"`,
		Evidence: []engine.Evidence{{Start: 0, End: 11, Text: secret}}})
	res.EM.MDM.Risk.Reasons = []string{`prescription drug management ("` + secret + `")`, `drug "` + secret + `" adjusted`}
	note := "Plan: continue " + secret + "."
	r := build(t, Input{Claims: []*claims.Claim{visit("SECRET", "99213", claims.Commercial)}, Notes: fstest.MapFS{"SECRET.txt": {Data: []byte(note)}}},
		Config{Coder: fakeCoder{note: res}})
	var out bytes.Buffer
	for _, write := range []func(*bytes.Buffer) error{
		func(b *bytes.Buffer) error { return r.WriteHTML(b) }, func(b *bytes.Buffer) error { return r.WriteCSV(b) },
	} {
		if err := write(&out); err != nil {
			t.Fatal(err)
		}
	}
	if bytes.Contains(bytes.ToLower(out.Bytes()), []byte(secret)) {
		t.Fatal("the report holds text of the note")
	}
	if len(findings(r, AnalysisCoding)) != 1 || len(findings(r, AnalysisMissed)) != 1 {
		t.Fatalf("the note was not used: %+v", r.Findings)
	}
}

func TestBuildErrors(t *testing.T) {
	one := []*claims.Claim{visit("A", "99213", claims.Commercial)}
	sched := fixtureSchedule(t)
	cases := []struct {
		name string
		in   Input
		cfg  Config
		want string
	}{
		{"no claims", Input{}, Config{Schedule: sched}, "no claims"},
		{"no fee schedule", Input{Claims: one}, Config{}, "no fee schedule"},
		{"notes without coder", Input{Claims: one, Notes: fstest.MapFS{}}, Config{Schedule: sched}, "without a coder"},
		{"duplicate claim", Input{Claims: append(one, visit("A", "99214", claims.Commercial))}, Config{Schedule: sched}, "appears twice"},
		{"unknown benchmark", Input{Claims: one}, Config{Schedule: sched, Benchmark: "nope"}, `no benchmark "nope"`},
		{"unknown locality", Input{Claims: one}, Config{Schedule: sched, Locality: "atlantis"}, "no locality"},
	}
	for _, c := range cases {
		_, err := Build(context.Background(), c.in, c.cfg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
}

func TestNotesMatchedByFileName(t *testing.T) {
	coder := fakeCoder{"n": emResult("99213", "mdm", 0.9)}
	notes := fstest.MapFS{
		"a/A.txt": {Data: []byte("n")}, "b/A.txt": {Data: []byte("n")}, "Z.txt": {Data: []byte("n")},
		"A.pdf": {Data: []byte("n")}, ".hidden/B.txt": {Data: []byte("n")}, "B.TXT": {Data: []byte("missing")},
	}
	r := build(t, Input{Claims: []*claims.Claim{visit("A", "99213", claims.Commercial), visit("B", "99213", claims.Commercial)}, Notes: notes}, Config{Coder: coder})
	n := r.Inputs.Notes
	if n.Files != 4 || n.Matched != 1 || n.Failed != 1 || strings.Join(n.Unmatched, ",") != "Z.txt" || strings.Join(n.Duplicates, ",") != "b/A.txt" {
		t.Fatalf("notes summary %+v", n)
	}
	if len(n.Errors) != 1 || !strings.HasPrefix(n.Errors[0], "B: ") {
		t.Fatalf("errors %v", n.Errors)
	}
}
