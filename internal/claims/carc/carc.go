// Package carc describes claim adjustment group codes, Claim Adjustment
// Reason Codes (CARC) and Remittance Advice Remark Codes (RARC) in our own
// words, with the fix a clinic should make. The descriptions live in
// data/*.tsv.
package carc

import (
	"bufio"
	"bytes"
	"embed"
	"fmt"
	"sort"
	"strings"
	"sync"
)

//go:embed data/*.tsv
var dataFS embed.FS

// Kinds of reason codes.
const (
	KindPatient     = "patient"     // the patient's share (deductible, coinsurance, copay)
	KindContractual = "contractual" // an expected write-off, not a denial
	KindDenial      = "denial"      // money lost unless the claim is fixed
	KindCOB         = "cob"         // another payer is involved
	KindEligibility = "eligibility" // coverage problem
	KindInfo        = "info"        // informational or processing status
)

// Reason is one CARC.
type Reason struct {
	Code        string   `json:"code"`
	Kind        string   `json:"kind"`
	Description string   `json:"description"`
	Fix         string   `json:"fix"`
	Edits       []string `json:"edits,omitempty"` // scrubber edits that prevent it
}

// Remark is one RARC.
type Remark struct {
	Code        string `json:"code"`
	Description string `json:"description"`
	Fix         string `json:"fix"`
}

// Group is a claim adjustment group code.
type Group struct {
	Code    string `json:"code"`
	Meaning string `json:"meaning"`
	Billing string `json:"billing"` // whether the patient may be billed
}

// Table holds the three code lists.
type Table struct {
	groups  map[string]Group
	reasons map[string]Reason
	remarks map[string]Remark
}

var (
	once     sync.Once
	standard *Table
	loadErr  error
)

// Load returns the embedded code lists, parsed once.
func Load() (*Table, error) {
	once.Do(func() { standard, loadErr = parse() })
	return standard, loadErr
}

var kinds = map[string]bool{KindPatient: true, KindContractual: true, KindDenial: true, KindCOB: true, KindEligibility: true, KindInfo: true}

func parse() (*Table, error) {
	t := &Table{groups: map[string]Group{}, reasons: map[string]Reason{}, remarks: map[string]Remark{}}
	err := eachRow("data/groups.tsv", 3, func(f []string) error {
		t.groups[f[0]] = Group{Code: f[0], Meaning: f[1], Billing: f[2]}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = eachRow("data/carc.tsv", 5, func(f []string) error {
		if !kinds[f[1]] {
			return fmt.Errorf("CARC %s: unknown kind %q", f[0], f[1])
		}
		if _, dup := t.reasons[f[0]]; dup {
			return fmt.Errorf("CARC %s listed twice", f[0])
		}
		r := Reason{Code: f[0], Kind: f[1], Description: f[2], Fix: f[3]}
		if f[4] != "-" {
			r.Edits = strings.Split(f[4], ",")
		}
		t.reasons[f[0]] = r
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = eachRow("data/rarc.tsv", 3, func(f []string) error {
		if _, dup := t.remarks[f[0]]; dup {
			return fmt.Errorf("RARC %s listed twice", f[0])
		}
		t.remarks[f[0]] = Remark{Code: f[0], Description: f[1], Fix: f[2]}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

func eachRow(name string, fields int, fn func([]string) error) error {
	b, err := dataFS.ReadFile(name)
	if err != nil {
		return fmt.Errorf("carc: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != fields {
			return fmt.Errorf("carc: %s line %d: %d fields, want %d", name, n, len(f), fields)
		}
		for i, v := range f {
			if strings.TrimSpace(v) == "" {
				return fmt.Errorf("carc: %s line %d: field %d is empty", name, n, i+1)
			}
		}
		if err := fn(f); err != nil {
			return fmt.Errorf("carc: %s line %d: %w", name, n, err)
		}
	}
	return sc.Err()
}

// Group returns the meaning of a group code (CO, PR, OA, PI, CR).
func (t *Table) Group(code string) (Group, bool) {
	g, ok := t.groups[code]
	return g, ok
}

// Reason returns the description of a CARC.
func (t *Table) Reason(code string) (Reason, bool) {
	r, ok := t.reasons[code]
	return r, ok
}

// Remark returns the description of a RARC.
func (t *Table) Remark(code string) (Remark, bool) {
	r, ok := t.remarks[code]
	return r, ok
}

// Reasons returns every CARC, ordered numerically then alphabetically.
func (t *Table) Reasons() []Reason {
	out := make([]Reason, 0, len(t.reasons))
	for _, r := range t.reasons {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return codeLess(out[i].Code, out[j].Code) })
	return out
}

// Remarks returns every RARC in code order.
func (t *Table) Remarks() []Remark {
	out := make([]Remark, 0, len(t.remarks))
	for _, r := range t.remarks {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return codeLess(out[i].Code, out[j].Code) })
	return out
}

// codeLess orders codes by their letter prefix, then numerically.
func codeLess(a, b string) bool {
	pa, na := splitCode(a)
	pb, nb := splitCode(b)
	if pa != pb {
		return pa < pb
	}
	return na < nb
}

func splitCode(c string) (string, int) {
	i := 0
	for i < len(c) && (c[i] < '0' || c[i] > '9') {
		i++
	}
	n := 0
	for _, r := range c[i:] {
		n = n*10 + int(r-'0')
	}
	return c[:i], n
}
