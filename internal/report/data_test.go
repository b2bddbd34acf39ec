package report

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/medcode/medcode/internal/claims"
	"github.com/medcode/medcode/internal/codeset/pfs"
)

// TestServiceTables checks every kind of entry of tables/services.yaml.
func TestServiceTables(t *testing.T) {
	tabs, err := loadTables()
	if err != nil {
		t.Fatal(err)
	}
	st := tabs.services
	sched := fixtureSchedule(t)
	p := newPricer(sched, nationalLocality(t), st)
	t.Run("services", func(t *testing.T) {
		for _, s := range st.Services {
			for _, e := range s.Codes {
				lo, _, _ := strings.Cut(e, "-")
				if label, ok := st.serviceOf(lo); !ok || label == "" {
					t.Errorf("%s (%s) is not found as a service", lo, s.Label)
				}
			}
		}
	})
	t.Run("variants", func(t *testing.T) {
		for _, v := range st.Variants {
			lo, _, _ := strings.Cut(v.WhenBilled[0], "-")
			c := visit("V", lo, claims.PayerClass(v.Payers[0]))
			if got, why := st.variantFor(v.Code, c); got != v.Becomes || why != v.Reason {
				t.Errorf("%s on a claim billing %s for %s: %s, want %s", v.Code, lo, v.Payers[0], got, v.Becomes)
			}
			if got, _ := st.variantFor(v.Code, visit("W", "99499", claims.Commercial)); got != v.Code {
				t.Errorf("%s became %s without its trigger", v.Code, got)
			}
		}
	})
	t.Run("claim rules", func(t *testing.T) {
		for _, r := range st.ClaimRules {
			lo, _, _ := strings.Cut(r.WhenBilled[0], "-")
			class := claims.Commercial
			if len(r.Payers) > 0 {
				class = claims.PayerClass(r.Payers[0])
			}
			c := visit("R", lo, class)
			if r.fires(c) != 0 {
				t.Errorf("rule %s does not fire on a claim billing %s", r.ID, lo)
			}
			if len(r.UnlessBilled) > 0 {
				ulo, _, _ := strings.Cut(r.UnlessBilled[0], "-")
				c.Lines = append(c.Lines, claims.Line{Code: ulo, Units: 1, DOS: c.Lines[0].DOS, Pointers: []int{1}})
				if r.fires(c) >= 0 {
					t.Errorf("rule %s fires though the claim bills %s", r.ID, ulo)
				}
			}
			if _, ok := st.serviceOf(r.Code); !ok {
				t.Errorf("rule %s infers %s, which is no listed service", r.ID, r.Code)
			}
		}
	})
	t.Run("fees", func(t *testing.T) {
		for _, f := range st.Fees {
			if got := p.price(f.Code, nil, 2, "11"); got.Source != "fee" || got.Amount != 2*f.amount {
				t.Errorf("fee of %s: %+v, want 2 x %s from the fee table", f.Code, got, f.amount.Dollars())
			}
		}
	})
	t.Run("facility places of service", func(t *testing.T) {
		for _, pos := range st.FacilityPOS {
			if len(pos) != 2 || !st.facility(pos) || st.facility("11") {
				t.Errorf("place of service %q", pos)
			}
		}
	})
	t.Run("unrecoverable denials", func(t *testing.T) {
		for code, why := range st.Unrecoverable {
			if code == "" || why == "" {
				t.Errorf("unrecoverable denial %q: %q", code, why)
			}
		}
	})
}

func nationalLocality(t *testing.T) pfs.Locality {
	t.Helper()
	loc, err := ResolveLocality(fixtureSchedule(t), "")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestCodeSet(t *testing.T) {
	s := codeSet{"90460-90474", "G0008-G0010", "36415"}
	for code, want := range map[string]bool{"90460": true, "90471": true, "90474": true, "90475": false, "9046": false, "G0009": true,
		"G0011": false, "36415": true, "36416": false, "904600": false} {
		if s.has(code) != want {
			t.Errorf("has(%s) = %v", code, !want)
		}
	}
	for _, bad := range []codeSet{{"90474-90460"}, {"9046-90474"}, {"-1"}} {
		if bad.check() == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

func TestResolveLocality(t *testing.T) {
	s := fixtureSchedule(t)
	cases := []struct{ spec, name, err string }{
		{"", National, ""}, {"National", National, ""}, {"01112-54", "BAKERSFIELD", ""}, {"01112-054", "BAKERSFIELD", ""},
		{"chico", "CHICO", ""}, {"los angeles", "LOS ANGELES-LONG BEACH", ""},
		{"01112-99", "", "no MAC 01112 locality 99"}, {"a", "", "names 2 localities"}, {"atlantis", "", "no locality of that name"},
	}
	for _, c := range cases {
		l, err := ResolveLocality(s, c.spec)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: error %v, want %q", c.spec, err, c.err)
			}
			continue
		}
		if err != nil || l.Name != c.name {
			t.Errorf("%q: %+v %v, want %s", c.spec, l, err, c.name)
		}
	}
	// A locality changes the price by its GPCIs.
	tabs, _ := loadTables()
	bak, _ := ResolveLocality(s, "01112-54")
	r, _ := s.Lookup("99213", "")
	want := claims.Money(math.Round((r.Work*1.1 + r.NonFacilityPE*1.2 + r.MP*0.5) * 30 * 100))
	if got := newPricer(s, bak, tabs.services).price("99213", nil, 1, "11"); got.Amount != want {
		t.Errorf("99213 at Bakersfield: %s, want %s", got.Amount.Dollars(), want.Dollars())
	}
}

func TestChiSquareP(t *testing.T) {
	cases := []struct {
		x    float64
		df   int
		want float64
	}{
		{7.815, 3, 0.05}, {9.488, 4, 0.05}, {11.345, 3, 0.01}, {13.277, 4, 0.01}, {1, 1, 0.3173}, {0, 4, 1}, {60, 4, 2.9e-12},
	}
	for _, c := range cases {
		if got := chiSquareP(c.x, c.df); math.Abs(got-c.want) > 1e-3*math.Max(c.want, 1e-9)+1e-4*c.want {
			t.Errorf("chiSquareP(%v, %d) = %.6g, want %.4g", c.x, c.df, got, c.want)
		}
	}
}

func TestDistributionSignal(t *testing.T) {
	bm := map[string]float64{"99211": 2, "99212": 3, "99213": 40, "99214": 50, "99215": 5}
	rows := func(counts map[string]int) []*Finding {
		var out []*Finding
		for code, n := range counts {
			for range n {
				out = append(out, &Finding{Analysis: AnalysisEM, Category: "established", Item: code})
			}
		}
		return out
	}
	cases := []struct {
		counts map[string]int
		signal string
	}{
		{map[string]int{"99213": 70, "99214": 25, "99212": 5}, "lower"},
		{map[string]int{"99214": 60, "99215": 35, "99213": 5}, "higher"},
		{map[string]int{"99211": 2, "99212": 3, "99213": 40, "99214": 50, "99215": 5}, "in line"},
		{map[string]int{"99213": 29}, ""}, // too few visits to test
	}
	for _, c := range cases {
		d := distribution("established", establishedCodes, bm, rows(c.counts))
		if d.Signal != c.signal {
			t.Errorf("%v: signal %q (p %.3g), want %q", c.counts, d.Signal, d.P, c.signal)
		}
	}
}

func TestReasonsWithoutQuotes(t *testing.T) {
	got := reasonsWithoutQuotes([]string{
		`stable chronic illness (I10: chronic illness documented as "stable")`,
		`stable chronic illness (E78.5: chronic illness documented as "stable")`,
		`prescription drug management ("lisinopril")`,
		`unique test ordered: Lipid panel`,
		`drug "warfarin" adjusted`,
		`("only a quote")`,
	})
	want := []string{"stable chronic illness", "prescription drug management", "unique test ordered: Lipid panel", "drug adjusted"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestParseBenchmarks(t *testing.T) {
	good := `version: "1"
benchmarks:
  - id: x
    name: X
    confidence: L
    source: s
    caveat: c
    established: {"99211": 2, "99212": 3, "99213": 40, "99214": 50, "99215": 5}
    new: {"99202": 4, "99203": 40, "99204": 50, "99205": 6}
`
	b, err := ParseBenchmarks([]byte(good))
	if err != nil || b.Default != "x" {
		t.Fatalf("%+v %v", b, err)
	}
	cases := map[string]string{
		"sum":           strings.Replace(good, `"99215": 5`, `"99215": 9`, 1),
		"unknown code":  strings.Replace(good, `"99215": 5`, `"99216": 5`, 1),
		"missing code":  strings.Replace(good, `, "99215": 5}`, `}`, 1),
		"confidence":    strings.Replace(good, "confidence: L", "confidence: X", 1),
		"no source":     strings.Replace(good, "source: s", "source: ''", 1),
		"unknown field": strings.Replace(good, "caveat: c", "caveat: c\n    note: n", 1),
		"default":       strings.Replace(good, `version: "1"`, "version: \"1\"\ndefault: y", 1),
		"duplicate":     good + good[strings.Index(good, "  - id"):],
		"no version":    strings.Replace(good, `version: "1"`, "", 1),
		"negative":      strings.Replace(good, `"99211": 2, "99212": 3`, `"99211": -2, "99212": 7`, 1),
	}
	for name, doc := range cases {
		if _, err := ParseBenchmarks([]byte(doc)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	def, err := DefaultBenchmarks()
	if err != nil {
		t.Fatal(err)
	}
	for _, bm := range def.Benchmarks {
		if bm.Confidence != "L" {
			t.Errorf("benchmark %s: confidence %s; every E/M benchmark is approximate [L]", bm.ID, bm.Confidence)
		}
	}
}

func FuzzParseBenchmarks(f *testing.F) {
	def, err := dataFS.ReadFile("tables/em-benchmarks.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(def)
	f.Add([]byte("version: 1\nbenchmarks: []\n"))
	f.Add([]byte("version: 1\nbenchmarks:\n  - id: a\n    established: {\"99213\": 100}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := ParseBenchmarks(data)
		if err != nil {
			return
		}
		bm, err := b.Find("")
		if err != nil {
			t.Fatalf("parsed file without its default: %v", err)
		}
		sum := 0.0
		for _, v := range bm.Established {
			sum += v
		}
		if math.Abs(sum-100) > 0.5 {
			t.Fatalf("accepted a distribution summing to %v", sum)
		}
	})
}
