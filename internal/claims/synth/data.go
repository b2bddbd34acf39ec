// Package synth generates realistic, reproducible claims and remittances
// for tests, benchmarks and demonstration data sets. Every generated
// identity is fictitious: names are drawn at random from word lists.
package synth

import (
	"bufio"
	"bytes"
	"embed"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/medcode/medcode/internal/claims"
)

//go:embed data/*.tsv data/*.yaml
var dataFS embed.FS

// template is one visit type from data/visits.tsv.
type template struct {
	id             string
	weight         int
	minAge, maxAge int
	sex            claims.Sex // "" for any
	payers         []claims.PayerClass
	pos            string
	diagnoses      []string
	lines          []claims.Line
}

// payer is one health plan from data/people.tsv.
type payer struct {
	class    claims.PayerClass
	id, name string
}

// vocabulary is everything the generator draws from.
type vocabulary struct {
	templates          []template
	totalWeight        int
	last, female, male []string
	streets, clinics   []string
	cities             []claims.Address
	payers             map[claims.PayerClass][]payer
	extraDiagnoses     []string
}

var (
	vocabOnce sync.Once
	vocab     *vocabulary
	vocabErr  error
)

// load parses the embedded data files once.
func load() (*vocabulary, error) {
	vocabOnce.Do(func() { vocab, vocabErr = parseVocabulary() })
	return vocab, vocabErr
}

func parseVocabulary() (*vocabulary, error) {
	v := &vocabulary{payers: map[claims.PayerClass][]payer{}}
	if err := eachRow("data/visits.tsv", 8, func(f []string) error {
		t, err := parseTemplate(f)
		if err != nil {
			return err
		}
		v.templates = append(v.templates, t)
		v.totalWeight += t.weight
		return nil
	}); err != nil {
		return nil, err
	}
	if err := eachRow("data/people.tsv", 2, func(f []string) error {
		kind, val := f[0], f[1]
		switch kind {
		case "last":
			v.last = append(v.last, val)
		case "female":
			v.female = append(v.female, val)
		case "male":
			v.male = append(v.male, val)
		case "street":
			v.streets = append(v.streets, val)
		case "clinic":
			v.clinics = append(v.clinics, val)
		case "city":
			p := strings.Split(val, "|")
			if len(p) != 3 || len(p[2]) != 5 {
				return fmt.Errorf("city %q is not City|ST|ZIP5", val)
			}
			v.cities = append(v.cities, claims.Address{City: p[0], State: p[1], Zip: p[2]})
		case "payer":
			p := strings.Split(val, "|")
			if len(p) != 3 {
				return fmt.Errorf("payer %q is not class|id|name", val)
			}
			class, err := claims.ParsePayerClass(p[0])
			if err != nil {
				return err
			}
			v.payers[class] = append(v.payers[class], payer{class, p[1], p[2]})
		case "extra_dx":
			v.extraDiagnoses = append(v.extraDiagnoses, val)
		default:
			return fmt.Errorf("unknown kind %q", kind)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	for _, c := range claims.PayerClasses {
		if len(v.payers[c]) == 0 {
			return nil, fmt.Errorf("synth: data/people.tsv has no payer of class %s", c)
		}
	}
	if len(v.last) == 0 || len(v.female) == 0 || len(v.male) == 0 || len(v.streets) == 0 || len(v.cities) == 0 || len(v.clinics) == 0 || len(v.extraDiagnoses) == 0 {
		return nil, fmt.Errorf("synth: data/people.tsv lacks a kind of entry")
	}
	return v, nil
}

// eachRow calls fn with the tab-separated fields of every non-comment row.
func eachRow(name string, fields int, fn func([]string) error) error {
	b, err := dataFS.ReadFile(name)
	if err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != fields {
			return fmt.Errorf("synth: %s line %d: %d fields, want %d", name, n, len(f), fields)
		}
		if err := fn(f); err != nil {
			return fmt.Errorf("synth: %s line %d: %w", name, n, err)
		}
	}
	return sc.Err()
}

func parseTemplate(f []string) (template, error) {
	t := template{id: f[0], pos: f[5]}
	var err error
	if t.weight, err = strconv.Atoi(f[1]); err != nil || t.weight <= 0 {
		return t, fmt.Errorf("weight %q is not a positive number", f[1])
	}
	lo, hi, ok := strings.Cut(f[2], "-")
	t.minAge, err = strconv.Atoi(lo)
	if !ok || err != nil {
		return t, fmt.Errorf("ages %q is not min-max", f[2])
	}
	if t.maxAge, err = strconv.Atoi(hi); err != nil || t.maxAge < t.minAge {
		return t, fmt.Errorf("ages %q is not min-max", f[2])
	}
	if f[3] != "*" {
		if t.sex, err = claims.ParseSex(f[3]); err != nil {
			return t, err
		}
	}
	if f[4] != "*" {
		for _, p := range strings.Split(f[4], ",") {
			c, err := claims.ParsePayerClass(p)
			if err != nil {
				return t, err
			}
			t.payers = append(t.payers, c)
		}
	}
	for _, d := range strings.Split(f[6], "|") {
		t.diagnoses = append(t.diagnoses, claims.NormalizeICD(d))
	}
	for _, spec := range strings.Split(f[7], " ; ") {
		l, err := parseLine(spec, len(t.diagnoses))
		if err != nil {
			return t, fmt.Errorf("line %q: %w", spec, err)
		}
		t.lines = append(t.lines, l)
	}
	return t, nil
}

// parseLine reads CODE[-MOD…][xUNITS]@CHARGE>POINTERS[!NDC:QUANTITY:UNIT].
func parseLine(spec string, dxCount int) (claims.Line, error) {
	var l claims.Line
	spec, drugSpec, hasDrug := strings.Cut(spec, "!")
	head, ptrs, ok := strings.Cut(spec, ">")
	if !ok {
		return l, fmt.Errorf("no >POINTERS")
	}
	head, charge, ok := strings.Cut(head, "@")
	if !ok {
		return l, fmt.Errorf("no @CHARGE")
	}
	var err error
	if l.Charge, err = claims.ParseMoney(charge); err != nil {
		return l, err
	}
	head, units, hasUnits := strings.Cut(head, "x")
	l.Units = 1
	if hasUnits {
		if l.Units, err = claims.ParseUnits(units); err != nil {
			return l, err
		}
	}
	parts := strings.Split(head, "-")
	l.Code = parts[0]
	if len(parts) > 1 {
		l.Modifiers = parts[1:]
	}
	if l.Pointers, err = claims.ParsePointers(ptrs); err != nil {
		return l, err
	}
	for _, p := range l.Pointers {
		if p > dxCount {
			return l, fmt.Errorf("pointer %d beyond the %d diagnoses", p, dxCount)
		}
	}
	if hasDrug {
		d := strings.Split(drugSpec, ":")
		if len(d) != 3 {
			return l, fmt.Errorf("drug %q is not NDC:QUANTITY:UNIT", drugSpec)
		}
		q, err := strconv.ParseFloat(d[1], 64)
		if err != nil {
			return l, fmt.Errorf("drug quantity %q: %w", d[1], err)
		}
		l.Drug = &claims.Drug{NDC: d[0], Quantity: q, Unit: d[2]}
	}
	return l, nil
}
