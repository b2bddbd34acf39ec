package scrub

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/medcode/medcode/internal/claims"
	"github.com/medcode/medcode/internal/claims/synth"
)

var (
	testDOS   = claims.Date{Year: 2025, Month: 3, Day: 10}
	testToday = claims.Date{Year: 2025, Month: 3, Day: 20}
)

func newTestScrubber(t testing.TB, f *fakeCodes) *Scrubber {
	t.Helper()
	s, err := New(f.sources(), Options{Today: testToday})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func ln(code string, pointers ...int) claims.Line {
	return claims.Line{Code: code, Units: 1, Charge: 10000, DOS: testDOS, Pointers: pointers}
}

func mod(l claims.Line, mods ...string) claims.Line { l.Modifiers = mods; return l }

func units(l claims.Line, n int) claims.Line { l.Units = n; return l }

func newClaim(age int, sex claims.Sex, payer claims.PayerClass, dx []string, lines ...claims.Line) *claims.Claim {
	return &claims.Claim{
		ID: "T1", Frequency: "1", PlaceOfService: "11",
		Billing:   claims.Provider{NPI: "1234567893", Organization: "Test Clinic"},
		Payer:     claims.Payer{ID: "P1", Name: "Test Payer", Class: payer},
		Patient:   claims.Patient{Key: "patient-1", Age: age, Sex: sex},
		Diagnoses: dx, Lines: lines,
	}
}

// adult is a 45-year-old man with commercial coverage.
func adult(dx []string, lines ...claims.Line) *claims.Claim {
	return newClaim(45, claims.Male, claims.Commercial, dx, lines...)
}

func medicare(dx []string, lines ...claims.Line) *claims.Claim {
	return newClaim(72, claims.Female, claims.Medicare, dx, lines...)
}

func edits(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Edit)
	}
	return out
}

// TestVignette40 is the scrubber fixture of the domain document (section
// 9, vignette 40): it must yield exactly the expected edits.
func TestVignette40(t *testing.T) {
	s := newTestScrubber(t, newFakeCodes())
	c := adult([]string{"D63.1", "N18.4", "E11", "S93.401", "R73.03", "E11.9", "Z01.419"},
		ln("99384", 7),
		ln("99213", 1, 2),
	)
	got := s.Scrub([]*claims.Claim{c})
	want := map[string][]string{
		"PX-02": {"99384"}, "PX-10": {"99384", "99213"}, "DX-03": {"D63.1"}, "DX-01": {"E11"},
		"DX-02": {"S93.401"}, "DX-06": {"R73.03", "E11.9"}, "DX-13": {"Z01.419"}, "DX-08": {"Z01.419"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d findings %v, want %d %v", len(got), edits(got), len(want), want)
	}
	for _, f := range got {
		codes, ok := want[f.Edit]
		if !ok {
			t.Errorf("unexpected %s: %s", f.Edit, f.Message)
			continue
		}
		if !slices.Equal(f.Codes, codes) {
			t.Errorf("%s names %v, want %v", f.Edit, f.Codes, codes)
		}
		delete(want, f.Edit)
		if f.Fix == "" || f.Message == "" || f.Severity == "" {
			t.Errorf("%s lacks message, fix or severity: %+v", f.Edit, f)
		}
	}
	byEdit := map[string]Finding{}
	for _, f := range got {
		byEdit[f.Edit] = f
	}
	if fix := byEdit["PX-02"].Fix; !strings.Contains(fix, "99386") || !strings.Contains(fix, "99396") {
		t.Errorf("PX-02 fix %q does not suggest 99386/99396", fix)
	}
	if fix := byEdit["DX-03"].Fix; !strings.Contains(fix, "N18.4") {
		t.Errorf("DX-03 fix %q does not say to sequence N18.4 first", fix)
	}
}

// editCase is a claim set that must raise an edit and a corrected set
// that must not.
type editCase struct {
	name     string
	edit     string
	severity Severity
	bad      []*claims.Claim
	good     []*claims.Claim
	text     string // expected in the message or fix
}

func editCases() []editCase {
	dos2 := func(l claims.Line, days int) claims.Line { l.DOS = l.DOS.AddDays(days); return l }
	doc := func(c *claims.Claim, d claims.Documentation) *claims.Claim { c.Documentation = &d; return c }
	child := func(dx []string, lines ...claims.Line) *claims.Claim {
		return newClaim(4, claims.Female, claims.Medicaid, dx, lines...)
	}
	second := func(c *claims.Claim, id string) *claims.Claim { c.ID = id; return c }
	fy2021 := func(c *claims.Claim) *claims.Claim {
		for i := range c.Lines {
			c.Lines[i].DOS = claims.Date{Year: 2021, Month: 3, Day: 10}
		}
		return c
	}
	return []editCase{
		{"header code", "DX-01", Error, []*claims.Claim{adult([]string{"E11"}, ln("99213", 1))}, []*claims.Claim{adult([]string{"E11.9"}, ln("99213", 1))}, "header"},
		{"unknown code", "DX-01", Error, []*claims.Claim{adult([]string{"Q99.99"}, ln("99213", 1))}, []*claims.Claim{adult([]string{"I10"}, ln("99213", 1))}, "fiscal year 2025"},
		{"missing 7th character", "DX-02", Error, []*claims.Claim{adult([]string{"S93.401"}, ln("99213", 1))}, []*claims.Claim{adult([]string{"S93.401A"}, ln("99213", 1))}, "S93.401A"},
		{"missing placeholder", "DX-02", Error, []*claims.Claim{adult([]string{"S01.01A"}, ln("12001", 1))}, []*claims.Claim{adult([]string{"S01.01XA"}, ln("12001", 1))}, "expected S01.01XA"},
		{"manifestation first", "DX-03", Error, []*claims.Claim{adult([]string{"D63.1", "N18.4"}, ln("99213", 1))}, []*claims.Claim{adult([]string{"N18.4", "D63.1"}, ln("99213", 1))}, "Sequence N18.4 first"},
		{"manifestation without etiology", "DX-04", Error, []*claims.Claim{adult([]string{"I10", "D63.1"}, ln("99213", 1))}, []*claims.Claim{adult([]string{"N18.4", "D63.1"}, ln("99213", 1))}, "N18"},
		{"manifestation without an example etiology", "DX-04", Warn, []*claims.Claim{adult([]string{"I10", "G63"}, ln("99213", 1))},
			[]*claims.Claim{adult([]string{"E05.90", "G63"}, ln("99213", 1))}, "for example E85.-, E00-E07, E15-E16"},
		{"hypertension with CKD", "DX-04", Warn, []*claims.Claim{adult([]string{"N18.4", "I10"}, ln("99213", 1))},
			[]*claims.Claim{doc(adult([]string{"N18.4", "I10"}, ln("99213", 1)), claims.Documentation{Unrelated: []string{"I10"}})}, "I12"},
		{"use additional code", "DX-05", Warn, []*claims.Claim{adult([]string{"E11.22"}, ln("99213", 1))}, []*claims.Claim{adult([]string{"E11.22", "N18.4"}, ln("99213", 1))}, "N18.1-N18.6"},
		{"excludes1 pair", "DX-06", Error, []*claims.Claim{adult([]string{"J45.909", "R06.2"}, ln("99213", 1))}, []*claims.Claim{adult([]string{"J45.909"}, ln("99213", 1))}, "Excludes1"},
		{"excludes1 pair a later guideline allows", "DX-06", Error, []*claims.Claim{fy2021(adult([]string{"E11.9", "Z79.4", "Z79.84"}, ln("99213", 1)))},
			[]*claims.Claim{adult([]string{"E11.9", "Z79.4", "Z79.84"}, ln("99213", 1))}, "Z79.4 and Z79.84"},
		{"excludes1 documented unrelated", "DX-06", Warn, []*claims.Claim{doc(adult([]string{"R73.03", "E11.9"}, ln("99213", 1)), claims.Documentation{Unrelated: []string{"R73.03"}})}, nil, "unrelated"},
		{"external cause first", "DX-07", Error, []*claims.Claim{adult([]string{"W54.0XXA", "S61.411A"}, ln("12002", 2))}, []*claims.Claim{adult([]string{"S61.411A", "W54.0XXA"}, ln("12002", 1))}, "external cause"},
		{"routine exam not first", "DX-08", Error, []*claims.Claim{adult([]string{"I10", "Z00.00"}, ln("99396", 2))}, []*claims.Claim{adult([]string{"Z00.00", "I10"}, ln("99396", 1))}, "Z00.00"},
		{"two first-listed-only codes", "DX-08", Warn, []*claims.Claim{newClaim(45, claims.Female, claims.Commercial, []string{"Z00.00", "Z01.419"}, ln("99396", 1))}, nil, "may each only be listed first"},
		{"BMI first", "DX-09", Warn, []*claims.Claim{adult([]string{"Z68.41", "E66.01"}, ln("99213", 1, 2))}, []*claims.Claim{adult([]string{"E66.01", "Z68.41"}, ln("99213", 1, 2))}, "Z68.41"},
		{"duplicate code", "DX-10", Warn, []*claims.Claim{adult([]string{"I10", "I10"}, ln("99213", 1))}, []*claims.Claim{adult([]string{"I10"}, ln("99213", 1))}, "twice"},
		{"combination with its component", "DX-10", Warn, []*claims.Claim{adult([]string{"E11.65", "R73.9"}, ln("99213", 1))}, []*claims.Claim{adult([]string{"E11.65"}, ln("99213", 1))}, "hyperglycemia"},
		{"unspecified side documented", "DX-11", Warn, []*claims.Claim{doc(adult([]string{"M25.569"}, ln("99213", 1)), claims.Documentation{Side: "right"})},
			[]*claims.Claim{doc(adult([]string{"M25.561"}, ln("99213", 1)), claims.Documentation{Side: "right"})}, "M25.561"},
		{"child exam for an adult", "DX-12", Error, []*claims.Claim{adult([]string{"Z00.129"}, ln("99396", 1))}, []*claims.Claim{child([]string{"Z00.129"}, ln("99392", 1))}, "0-17"},
		{"pediatric BMI for an adult", "DX-12", Error, []*claims.Claim{newClaim(30, claims.Male, claims.Commercial, []string{"E66.01", "Z68.54"}, ln("99213", 1))},
			[]*claims.Claim{newClaim(15, claims.Male, claims.Commercial, []string{"E66.01", "Z68.54"}, ln("99213", 1))}, "2-19"},
		{"male diagnosis for a woman", "DX-13", Error, []*claims.Claim{newClaim(60, claims.Female, claims.Commercial, []string{"N40.1"}, ln("99213", 1))}, []*claims.Claim{adult([]string{"N40.1"}, ln("99213", 1))}, "male-only"},
		{"deleted procedure", "PX-01", Error, []*claims.Claim{adult([]string{"I10"}, ln("99201", 1))}, []*claims.Claim{adult([]string{"I10"}, ln("99202", 1))}, "deleted"},
		{"unknown procedure", "PX-01", Error, []*claims.Claim{adult([]string{"I10"}, ln("99999", 1))}, nil, "not a CPT/HCPCS code"},
		{"preventive band", "PX-02", Error, []*claims.Claim{adult([]string{"Z00.00"}, ln("99384", 1))}, []*claims.Claim{adult([]string{"Z00.00"}, ln("99396", 1))}, "99386 or 99396"},
		{"pediatric vaccine counselling for an adult", "PX-02", Error, []*claims.Claim{adult([]string{"Z23"}, ln("90715", 1), ln("90460", 1))},
			[]*claims.Claim{adult([]string{"Z23"}, ln("90715", 1), ln("90471", 1))}, "0-18"},
		{"female procedure for a man", "PX-03", Error, []*claims.Claim{adult([]string{"Z30.430"}, ln("58300", 1))},
			[]*claims.Claim{newClaim(30, claims.Female, claims.Commercial, []string{"Z30.430"}, ln("58300", 1))}, "female-only"},
		{"PTP indicator 0", "PX-04", Error, []*claims.Claim{adult([]string{"I10"}, ln("93000", 1), ln("93010", 1))}, []*claims.Claim{adult([]string{"I10"}, ln("93000", 1))}, "never payable"},
		{"PTP indicator 1 without modifier", "PX-04", Error, []*claims.Claim{adult([]string{"L57.0"}, ln("11102", 1), ln("17000", 1))}, nil, "no NCCI-associated modifier"},
		{"PTP indicator 1 with XS", "PX-04", Warn, []*claims.Claim{adult([]string{"L57.0"}, ln("11102", 1), mod(ln("17000", 1), "XS"))}, nil, "XS"},
		{"MUE per day", "PX-05", Error, []*claims.Claim{adult([]string{"L57.0"}, units(ln("17000", 1), 2))}, []*claims.Claim{adult([]string{"L57.0"}, ln("17000", 1), units(ln("17003", 1), 1))}, "MUE of 1"},
		{"MUE per line", "PX-05", Error, []*claims.Claim{adult([]string{"M17.11"}, units(ln("J3301", 1), 9))}, []*claims.Claim{adult([]string{"M17.11"}, units(ln("J3301", 1), 4))}, "per line"},
		{"add-on without primary", "PX-06", Error, []*claims.Claim{adult([]string{"L57.0"}, units(ln("17003", 1), 3))}, []*claims.Claim{adult([]string{"L57.0"}, ln("17000", 1), units(ln("17003", 1), 3))}, "17000"},
		{"add-on range primary", "PX-06", Error, []*claims.Claim{medicare([]string{"I10"}, ln("G2211", 1))}, []*claims.Claim{medicare([]string{"I10"}, ln("99214", 1), ln("G2211", 1))}, "99202-99215"},
		{"mutually exclusive same joint", "PX-07", Error, []*claims.Claim{adult([]string{"M17.11"}, mod(ln("20610", 1), "RT"), mod(ln("20611", 1), "RT"))},
			[]*claims.Claim{adult([]string{"M17.11"}, mod(ln("20610", 1), "RT"), mod(ln("20611", 1), "LT"))}, "same site"},
		{"mutually exclusive urinalysis", "PX-07", Error, []*claims.Claim{adult([]string{"I10"}, ln("81002", 1), ln("81003", 1))}, []*claims.Claim{adult([]string{"I10"}, ln("81002", 1))}, "same date"},
		{"25 on a procedure", "PX-08", Error, []*claims.Claim{adult([]string{"M17.11"}, mod(ln("20610", 1), "25"))}, []*claims.Claim{adult([]string{"M17.11"}, mod(ln("20610", 1), "RT"))}, "E/M"},
		{"59 with XS", "PX-08", Error, []*claims.Claim{adult([]string{"M17.11"}, mod(ln("20610", 1), "59", "XS"))}, nil, "drop 59"},
		{"50 with RT", "PX-08", Error, []*claims.Claim{medicare([]string{"H61.23"}, mod(ln("69210", 1), "50", "RT"))}, []*claims.Claim{medicare([]string{"H61.23"}, mod(ln("69210", 1), "50"))}, "50"},
		{"50 not bilateral", "PX-08", Error, []*claims.Claim{adult([]string{"I10"}, mod(ln("93000", 1), "50"))}, nil, "bilateral indicator is 0"},
		{"50 on a fee already bilateral", "PX-08", Warn, []*claims.Claim{medicare([]string{"H61.23"}, mod(ln("69209", 1), "50"))}, []*claims.Claim{medicare([]string{"H61.23"}, ln("69209", 1))}, "indicator 2"},
		{"ABN modifier on commercial", "PX-08", Error, []*claims.Claim{adult([]string{"I10"}, mod(ln("93000", 1), "GA"))}, []*claims.Claim{medicare([]string{"I10"}, mod(ln("93000", 1), "GA"))}, "advance beneficiary notice"},
		{"QW on a test that is not waived", "PX-08", Error, []*claims.Claim{adult([]string{"I10"}, mod(ln("93000", 1), "QW"))}, nil, "CLIA"},
		{"waived test without QW", "PX-08", Warn, []*claims.Claim{adult([]string{"J06.9"}, ln("87880", 1))}, []*claims.Claim{adult([]string{"J06.9"}, mod(ln("87880", 1), "QW"))}, "QW"},
		{"E/M with minor procedure, no 25", "PX-09", Warn, []*claims.Claim{adult([]string{"M17.11", "I10"}, ln("99213", 2), ln("20610", 1))},
			[]*claims.Claim{adult([]string{"M17.11", "I10"}, mod(ln("99213", 2), "25"), ln("20610", 1))}, "separately identifiable"},
		{"E/M-25 pointed to the procedure's diagnosis", "PX-09", Warn, []*claims.Claim{adult([]string{"M17.11"}, mod(ln("99213", 1), "25"), ln("20610", 1))}, nil, "only to the diagnoses"},
		{"preventive and problem visit", "PX-10", Error, []*claims.Claim{adult([]string{"Z00.01", "M25.561"}, ln("99396", 1), ln("99213", 2))},
			[]*claims.Claim{adult([]string{"Z00.01", "M25.561"}, ln("99396", 1), mod(ln("99213", 2), "25"))}, "without modifier 25"},
		{"G2211 on commercial", "PX-11", Error, []*claims.Claim{adult([]string{"I10"}, ln("99214", 1), ln("G2211", 1))}, []*claims.Claim{medicare([]string{"I10"}, ln("99214", 1), ln("G2211", 1))}, "not payable by commercial"},
		{"G2211 with E/M-25 and no preventive service", "PX-11", Error, []*claims.Claim{medicare([]string{"M17.11", "I10"}, mod(ln("99214", 2), "25"), ln("20610", 1), ln("G2211", 2))},
			[]*claims.Claim{medicare([]string{"M17.11", "I10", "Z23"}, mod(ln("99214", 2), "25"), ln("20610", 1), ln("G2211", 2), ln("90662", 3), ln("G0008", 3))}, "-25"},
		{"Medicare flu vaccine administration", "PX-12", Error, []*claims.Claim{medicare([]string{"Z23"}, ln("90662", 1), ln("90471", 1))}, []*claims.Claim{medicare([]string{"Z23"}, ln("90662", 1), ln("G0008", 1))}, "G0008"},
		{"Medicare routine physical", "PX-12", Error, []*claims.Claim{medicare([]string{"Z00.00"}, ln("99397", 1))}, []*claims.Claim{medicare([]string{"Z00.00"}, mod(ln("99397", 1), "GY"))}, "G0439"},
		{"commercial G0008", "PX-12", Error, []*claims.Claim{adult([]string{"Z23"}, ln("90662", 1), ln("G0008", 1))}, []*claims.Claim{adult([]string{"Z23"}, ln("90662", 1), ln("90471", 1))}, "90471"},
		{"99211 with injection on Medicare", "PX-13", Error, []*claims.Claim{medicare([]string{"I10"}, ln("99211", 1), ln("96372", 1))}, []*claims.Claim{adult([]string{"I10"}, ln("99211", 1), ln("96372", 1))}, "99211"},
		{"time code without time", "PX-14", Error, []*claims.Claim{doc(adult([]string{"I10"}, ln("99215", 1), units(ln("99417", 1), 2)), claims.Documentation{})},
			[]*claims.Claim{doc(adult([]string{"I10"}, ln("99215", 1), units(ln("99417", 1), 2)), claims.Documentation{Minutes: 72})}, "no total time"},
		{"too few minutes for 99417 units", "PX-14", Error, []*claims.Claim{doc(adult([]string{"I10"}, ln("99215", 1), units(ln("99417", 1), 2)), claims.Documentation{Minutes: 62})}, nil, "support 1 unit"},
		{"G2212 first unit at 69 minutes", "PX-14", Error, []*claims.Claim{doc(medicare([]string{"I10"}, ln("99215", 1), ln("G2212", 1)), claims.Documentation{Minutes: 68})},
			[]*claims.Claim{doc(medicare([]string{"I10"}, ln("99215", 1), ln("G2212", 1)), claims.Documentation{Minutes: 69})}, "support 0 unit"},
		{"drug units", "PX-15", Error, []*claims.Claim{adult([]string{"M17.11"}, func() claims.Line {
			l := units(ln("J3301", 1), 3)
			l.Drug = &claims.Drug{NDC: "00003029320", Quantity: 40, Unit: "ME"}
			return l
		}())}, []*claims.Claim{adult([]string{"M17.11"}, func() claims.Line {
			l := units(ln("J3301", 1), 4)
			l.Drug = &claims.Drug{NDC: "00003029320", Quantity: 40, Unit: "ME"}
			return l
		}())}, "is 4 units"},
		{"Medicare drug without JZ", "PX-15", Warn, []*claims.Claim{medicare([]string{"M17.11"}, units(ln("J3301", 1), 4))}, []*claims.Claim{medicare([]string{"M17.11"}, mod(units(ln("J3301", 1), 4), "JZ"))}, "JZ"},
		{"E/M in a 10-day global", "PX-16", Warn, []*claims.Claim{adult([]string{"L02.411"}, ln("10060", 1)), second(adult([]string{"I10"}, dos2(ln("99213", 1), 5)), "T2")},
			[]*claims.Claim{adult([]string{"L02.411"}, ln("10060", 1)), second(adult([]string{"I10"}, mod(dos2(ln("99213", 1), 5), "24")), "T2")}, "global period"},
		{"E/M the day before major surgery", "PX-16", Warn, []*claims.Claim{adult([]string{"M17.11"}, ln("27447", 1)), second(adult([]string{"M17.11"}, dos2(ln("99214", 1), -1)), "T2")},
			[]*claims.Claim{adult([]string{"M17.11"}, ln("27447", 1)), second(adult([]string{"M17.11"}, mod(dos2(ln("99214", 1), -1), "57")), "T2")}, "57"},
		{"line without pointer", "LNK-01", Error, []*claims.Claim{adult([]string{"I10"}, ln("99213"))}, []*claims.Claim{adult([]string{"I10"}, ln("99213", 1))}, "no diagnosis"},
		{"screening ECG on Medicare", "LNK-02", Warn, []*claims.Claim{medicare([]string{"Z00.00"}, ln("G0439", 1), ln("93000", 1))},
			[]*claims.Claim{medicare([]string{"Z00.00", "I10"}, ln("G0439", 1), ln("93000", 2))}, "ECG-SCREENING"},
		{"vaccine not pointed to Z23", "LNK-03", Warn, []*claims.Claim{adult([]string{"I10", "Z23"}, ln("90715", 1), ln("90471", 2))},
			[]*claims.Claim{adult([]string{"I10", "Z23"}, ln("90715", 2), ln("90471", 2))}, "Z23"},
		{"preventive visit pointed to a problem", "LNK-03", Warn, []*claims.Claim{adult([]string{"I10", "Z00.00"}, ln("99396", 1, 2))}, nil, "problem diagnosis"},
		{"problem E/M-25 pointed to the routine exam", "LNK-03", Warn, []*claims.Claim{adult([]string{"Z00.01", "M25.561"}, ln("99396", 1), mod(ln("99213", 1), "25"))},
			[]*claims.Claim{adult([]string{"Z00.01", "M25.561"}, ln("99396", 1), mod(ln("99213", 2), "25"))}, "routine examination"},
		{"symptomatic patient's test pointed to screening", "LNK-03", Warn, []*claims.Claim{adult([]string{"R05.1", "Z11.59"}, ln("99213", 1), ln("87635", 2))},
			[]*claims.Claim{adult([]string{"R05.1", "Z11.59"}, ln("99213", 1), ln("87635", 1))}, "screening"},
		{"side mismatch", "LNK-04", Warn, []*claims.Claim{adult([]string{"H61.21"}, mod(ln("69210", 1), "LT"))}, []*claims.Claim{adult([]string{"H61.21"}, mod(ln("69210", 1), "RT"))}, "right"},
		{"duplicate line", "CLM-01", Error, []*claims.Claim{adult([]string{"I10"}, ln("36415", 1), ln("36415", 1))}, []*claims.Claim{adult([]string{"I10"}, units(ln("36415", 1), 2))}, "repeats line 1"},
		{"duplicate claim", "CLM-01", Error, []*claims.Claim{adult([]string{"I10"}, ln("99213", 1)), second(adult([]string{"I10"}, ln("99213", 1)), "T2")},
			[]*claims.Claim{adult([]string{"I10"}, ln("99213", 1)), func() *claims.Claim {
				c := second(adult([]string{"I10"}, ln("99213", 1)), "T2")
				c.Frequency = "7"
				return c
			}()}, "already billed on claim T1"},
		{"pointer to no diagnosis", "CLM-02", Error, []*claims.Claim{adult([]string{"I10"}, ln("99213", 1, 5))}, []*claims.Claim{adult([]string{"I10"}, ln("99213", 1))}, "pointer 5"},
		{"thirteen diagnoses", "CLM-02", Error, []*claims.Claim{adult([]string{"I10", "E11.9", "J06.9", "L57.0", "R05.1", "Z23", "M17.11", "H61.21", "I50.9", "R73.9", "E66.01", "N18.4", "L02.411"}, ln("99213", 1))}, nil, "at most 12"},
		{"no service line", "CLM-03", Error, []*claims.Claim{adult([]string{"I10"})}, []*claims.Claim{adult([]string{"I10"}, ln("99213", 1))}, "no service line"},
		{"future date", "CLM-03", Error, []*claims.Claim{adult([]string{"I10"}, dos2(ln("99213", 1), 30))}, []*claims.Claim{adult([]string{"I10"}, ln("99213", 1))}, "future"},
		{"late filing", "CLM-03", Warn, []*claims.Claim{adult([]string{"I10"}, dos2(ln("99213", 1), -200))}, []*claims.Claim{medicare([]string{"I10"}, dos2(ln("99213", 1), -200))}, "180-day"},
		{"bad NPI", "CLM-04", Error, []*claims.Claim{func() *claims.Claim {
			c := adult([]string{"I10"}, ln("99213", 1))
			c.Billing.NPI = "1234567890"
			return c
		}()},
			[]*claims.Claim{adult([]string{"I10"}, ln("99213", 1))}, "check digit"},
	}
}

func TestEdits(t *testing.T) {
	s := newTestScrubber(t, newFakeCodes())
	covered := map[string]bool{}
	for _, tc := range editCases() {
		t.Run(tc.edit+" "+tc.name, func(t *testing.T) {
			covered[tc.edit] = true
			var hit *Finding
			fs := s.Scrub(tc.bad)
			for i, f := range fs {
				if f.Edit == tc.edit && f.Severity == tc.severity && (strings.Contains(f.Message, tc.text) || strings.Contains(f.Fix, tc.text)) {
					hit = &fs[i]
				}
			}
			if hit == nil {
				t.Fatalf("no %s %s mentioning %q; got %v", tc.severity, tc.edit, tc.text, describe(fs))
			}
			if tc.good != nil {
				for _, f := range s.Scrub(tc.good) {
					if f.Edit == tc.edit {
						t.Errorf("the corrected claim still raises %s: %s", f.Edit, f.Message)
					}
				}
			}
		})
	}
	for _, id := range editIDs {
		if !covered[id] {
			t.Errorf("no test case for %s", id)
		}
	}
}

func describe(fs []Finding) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "\n  %s %s line %d: %s | %s", f.Edit, f.Severity, f.Line, f.Message, f.Fix)
	}
	return b.String()
}

func TestStatusWithoutSources(t *testing.T) {
	s, err := New(Sources{}, Options{Today: testToday})
	if err != nil {
		t.Fatal(err)
	}
	st := map[string]EditStatus{}
	for _, e := range s.Status() {
		st[e.ID] = e
	}
	for id, want := range map[string]string{"DX-01": "off", "PX-04": "off", "DX-12": "partial", "PX-08": "partial", "PX-02": "active", "CLM-01": "active"} {
		if st[id].Status != want {
			t.Errorf("%s status %q, want %q", id, st[id].Status, want)
		}
	}
	// Without code sets the data-file edits still run.
	fs := s.Scrub([]*claims.Claim{adult([]string{"Z00.00"}, ln("99384", 1))})
	if !slices.Contains(edits(fs), "PX-02") {
		t.Errorf("PX-02 did not run without code sets: %v", edits(fs))
	}
}

// TestDataEntries checks every kind of entry in the scrubber's data files.
func TestDataEntries(t *testing.T) {
	tab, err := loadTables()
	if err != nil {
		t.Fatal(err)
	}
	if len(tab.catalog) != len(editIDs) {
		t.Errorf("catalog has %d edits, the scrubber implements %d", len(tab.catalog), len(editIDs))
	}
	for _, e := range tab.catalog {
		if len(e.Title) < 10 || len(e.Fix) < 10 {
			t.Errorf("%s: title or fix too short", e.ID)
		}
	}
	checks := []struct {
		what string
		ok   bool
	}{
		{"first-listed-only Z00.00 (not Z00.6)", matchesAny(tab.firstListedOnly, "Z00.00") && !matchesAny(tab.firstListedOnly, "Z00.6")},
		{"secondary-only Z79.4", matchesAny(tab.secondaryOnly, "Z79.4")},
		{"external cause W54.0XXA", tab.externalCause.match("W54.0XXA") && !tab.externalCause.match("S61.411A")},
		{"age rules", len(tab.dxAge) > 0 && len(tab.pxAge) > 0},
		{"presumed links", len(tab.presumed) > 0},
		{"redundant pairs", len(tab.redundant) > 0},
		{"Z79.4 with Z79.84 from FY2022", slices.ContainsFunc(tab.together, func(p togetherPair) bool {
			return p.match("Z79.84", "Z79.4", 2022) && !p.match("Z79.84", "Z79.4", 2021)
		})},
		{"sex rules", len(tab.pxSex) == 2},
		{"add-on 17003", len(tab.addons["17003"]) == 1},
		{"exclusive sets", len(tab.exclusive) > 0},
		{"variants", len(tab.variants) > 0},
		{"flu vaccine 90662", tab.vaccines["90662"] == "flu"},
		{"prolonged 99417 with 99215 at 40", slices.ContainsFunc(tab.prolonged, func(r prolongedRule) bool { return r.addon == "99417" && r.base == "99215" && r.minutes == 40 })},
		{"J3301 per 10 mg", tab.drugUnits["J3301"] == drugUnit{10, "ME"}},
		{"ncci modifier XS", tab.modifiers["ncci_associated"]["XS"]},
		{"coverage policies", len(tab.coverage) > 0},
		{"Medicare timely filing", tab.payers[claims.Medicare].timelyFilingDays == 365 && tab.payers[claims.Medicare].acceptsG2211},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("data check failed: %s", c.what)
		}
	}
}

func TestPatterns(t *testing.T) {
	cases := []struct {
		pattern, code string
		match         bool
	}{
		{"N18.-", "N18.4", true}, {"N18", "N18.32", true}, {"N18.-", "N19", false},
		{"E08-E13", "E11.9", true}, {"E08-E13", "E14.9", false}, {"E08-E13", "E07.9", false},
		{"N18.1-N18.6", "N18.32", true}, {"N18.1-N18.6", "N18.9", false}, {"O24.4-", "O24.419", true},
		{"E08.2-E08.29", "E08.21", true}, {"E08.2-E08.29", "E08.3", false}, {"N18.1-N19", "N19", true}, {"N18.1-N19", "N18.0", false},
		{"S32.1--S32.9", "S32.811A", true}, {"S32.1--S32.9", "S33.0XXA", false}, {"S32.--S33", "S33.0XXA", true},
	}
	for _, tc := range cases {
		p, err := parseICDPattern(tc.pattern)
		if err != nil {
			t.Fatalf("%s: %v", tc.pattern, err)
		}
		if p.match(tc.code) != tc.match {
			t.Errorf("%s matches %s = %v", tc.pattern, tc.code, !tc.match)
		}
	}
	for _, bad := range []string{"", "N1", "E13-E08", "N18.6-N18.1", "E08-E09-E10", "E08-E1", "N18 4"} {
		if _, err := parseICDPattern(bad); err == nil {
			t.Errorf("pattern %q accepted", bad)
		}
	}
	if !codeIn("99214", []string{"99202-99215"}) || codeIn("99217", []string{"99202-99215"}) || !codeIn("17000", []string{"17000"}) {
		t.Error("codeIn")
	}
}

// TestExclusiveLeavesNCCIPairsToPTP checks that a pair of the built-in
// mutually exclusive list that the NCCI table also has is reported once,
// by the NCCI edit, and that the list still applies without the table.
func TestExclusiveLeavesNCCIPairsToPTP(t *testing.T) {
	c := adult([]string{"I10"}, ln("93000", 1), ln("93010", 1))
	got := edits(newTestScrubber(t, newFakeCodes()).Scrub([]*claims.Claim{c}))
	if !slices.Equal(got, []string{"PX-04"}) {
		t.Errorf("with the NCCI table: %v, want [PX-04]", got)
	}
	f := newFakeCodes()
	src := f.sources()
	src.PTP = nil
	s, err := New(src, Options{Today: testToday})
	if err != nil {
		t.Fatal(err)
	}
	if got := edits(s.Scrub([]*claims.Claim{c})); !slices.Equal(got, []string{"PX-07"}) {
		t.Errorf("without the NCCI table: %v, want [PX-07]", got)
	}
}

func TestFindingsOrderedByCatalog(t *testing.T) {
	s := newTestScrubber(t, newFakeCodes())
	fs := s.Scrub([]*claims.Claim{adult([]string{"D63.1", "N18.4", "E11"}, ln("99213"), ln("99384", 1))})
	got := edits(fs)
	order := func(id string) int { return s.t.edits[id].order }
	if !sort.SliceIsSorted(got, func(i, j int) bool { return order(got[i]) < order(got[j]) }) {
		t.Fatalf("findings out of catalog order: %v", got)
	}
}

// benchClaims returns generated claims, one in twenty with planted errors,
// and a fake that knows their codes.
func benchClaims(b *testing.B, n int) ([]*claims.Claim, *fakeCodes) {
	cs, err := synth.Claims(rand.New(rand.NewPCG(42, 42)), n, synth.Options{Start: claims.Date{Year: 2025, Month: 1, Day: 2}})
	if err != nil {
		b.Fatal(err)
	}
	// Every twentieth claim carries the errors of vignette 40, so that the
	// benchmark also pays for building findings.
	for i := 0; i < len(cs); i += 20 {
		bad := adult([]string{"D63.1", "N18.4", "E11", "S93.401", "R73.03", "E11.9", "Z01.419"}, ln("99384", 7), ln("99213", 1, 2))
		bad.ID, bad.Patient.Key = cs[i].ID, cs[i].Patient.Key
		cs[i] = bad
	}
	f := newFakeCodes()
	for _, c := range cs {
		for _, d := range c.Diagnoses {
			if _, ok := f.icd[d]; !ok {
				f.icd[d] = ICDStatus{Problem: ICDBillable, Title: d}
			}
		}
	}
	return cs, f
}

// BenchmarkScrub10k scrubs 10,000 generated claims (bar: ≤ 2 s per op).
func BenchmarkScrub10k(b *testing.B) {
	cs, f := benchClaims(b, 10_000)
	s, err := New(f.sources(), Options{Today: claims.Date{Year: 2025, Month: 4, Day: 1}})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		s.Scrub(cs)
	}
}
