package report

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"sort"

	"gopkg.in/yaml.v3"
)

// Benchmark is a reference E/M level distribution with its source.
type Benchmark struct {
	ID         string `yaml:"id" json:"id"`
	Name       string `yaml:"name" json:"name"`
	Confidence string `yaml:"confidence" json:"confidence"` // H, M or L (coding-domain.md 0.1)
	DataYear   string `yaml:"data_year" json:"data_year"`
	Source     string `yaml:"source" json:"source"`
	Caveat     string `yaml:"caveat" json:"caveat"`
	// Established and New give the percentage of office visits at each
	// code; each sums to 100.
	Established map[string]float64 `yaml:"established" json:"established"`
	New         map[string]float64 `yaml:"new" json:"new"`
}

// Benchmarks is a versioned file of benchmarks (tables/em-benchmarks.yaml).
type Benchmarks struct {
	Version    string      `yaml:"version"`
	Default    string      `yaml:"default"`
	Benchmarks []Benchmark `yaml:"benchmarks"`
}

// Office E/M codes by patient type, in level order.
var (
	establishedCodes = []string{"99211", "99212", "99213", "99214", "99215"}
	newCodes         = []string{"99202", "99203", "99204", "99205"}
)

// ParseBenchmarks reads a benchmark file and checks that every
// distribution covers exactly the office E/M codes of its patient type and
// sums to 100 (within half a point of rounding).
func ParseBenchmarks(data []byte) (*Benchmarks, error) {
	var b Benchmarks
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&b); err != nil {
		return nil, fmt.Errorf("benchmarks: %w", err)
	}
	if b.Version == "" || len(b.Benchmarks) == 0 {
		return nil, fmt.Errorf("benchmarks: the file needs a version and at least one benchmark")
	}
	seen := map[string]bool{}
	for i, bm := range b.Benchmarks {
		where := fmt.Sprintf("benchmarks: benchmark %d (%q)", i+1, bm.ID)
		if bm.ID == "" || bm.Name == "" || bm.Source == "" || bm.Caveat == "" {
			return nil, fmt.Errorf("%s: id, name, source and caveat are required", where)
		}
		if seen[bm.ID] {
			return nil, fmt.Errorf("%s: id listed twice", where)
		}
		seen[bm.ID] = true
		switch bm.Confidence {
		case "H", "M", "L":
		default:
			return nil, fmt.Errorf("%s: confidence %q is not H, M or L", where, bm.Confidence)
		}
		for _, d := range []struct {
			name  string
			dist  map[string]float64
			codes []string
		}{{"established", bm.Established, establishedCodes}, {"new", bm.New, newCodes}} {
			if err := checkDistribution(d.dist, d.codes); err != nil {
				return nil, fmt.Errorf("%s: %s: %w", where, d.name, err)
			}
		}
	}
	if b.Default == "" {
		b.Default = b.Benchmarks[0].ID
	}
	if !seen[b.Default] {
		return nil, fmt.Errorf("benchmarks: default %q is not a benchmark of the file", b.Default)
	}
	return &b, nil
}

func checkDistribution(dist map[string]float64, codes []string) error {
	sum := 0.0
	for code, pct := range dist {
		if !slices.Contains(codes, code) {
			return fmt.Errorf("code %s is not one of %v", code, codes)
		}
		if pct < 0 || pct > 100 || math.IsNaN(pct) {
			return fmt.Errorf("code %s: %v is not a percentage", code, pct)
		}
		sum += pct
	}
	if len(dist) != len(codes) {
		return fmt.Errorf("%d codes given, want all of %v", len(dist), codes)
	}
	if math.Abs(sum-100) > 0.5 {
		return fmt.Errorf("percentages sum to %.2f, not 100", sum)
	}
	return nil
}

// Find returns the benchmark with the id, the default one for "".
func (b *Benchmarks) Find(id string) (*Benchmark, error) {
	if id == "" {
		id = b.Default
	}
	ids := make([]string, len(b.Benchmarks))
	for i := range b.Benchmarks {
		if b.Benchmarks[i].ID == id {
			return &b.Benchmarks[i], nil
		}
		ids[i] = b.Benchmarks[i].ID
	}
	sort.Strings(ids)
	return nil, fmt.Errorf("no benchmark %q (the file has %v)", id, ids)
}

// chiSquareP is the upper-tail probability of a chi-square statistic with
// df degrees of freedom: the regularized upper incomplete gamma function
// Q(df/2, x/2), by its series below a+1 and its continued fraction above
// (Numerical Recipes 6.2).
func chiSquareP(x float64, df int) float64 {
	if x <= 0 || df <= 0 {
		return 1
	}
	a, z := float64(df)/2, x/2
	lg, _ := math.Lgamma(a)
	if z < a+1 {
		sum, term := 1/a, 1/a
		for n := 1; n < 500; n++ {
			term *= z / (a + float64(n))
			sum += term
			if term < sum*1e-15 {
				break
			}
		}
		return 1 - sum*math.Exp(-z+a*math.Log(z)-lg)
	}
	const tiny = 1e-300
	b := z + 1 - a
	c := 1 / tiny
	d := 1 / b
	h := d
	for i := 1; i < 500; i++ {
		an := -float64(i) * (float64(i) - a)
		b += 2
		d = an*d + b
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = b + an/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		del := d * c
		h *= del
		if math.Abs(del-1) < 1e-15 {
			break
		}
	}
	return math.Exp(-z+a*math.Log(z)-lg) * h
}
