// Package hcpcs loads the CMS HCPCS Level II alpha-numeric file (ANWEB),
// as CSV with the published column names (HCPC, SEQNUM, RECID, LONG
// DESCRIPTION, ...).
package hcpcs

import (
	"fmt"
	"io"
	"iter"
	"strings"
	"time"

	"github.com/medcode/medcode/internal/codeset/snapio"
	"github.com/medcode/medcode/internal/codeset/srcfile"
)

// Code is a HCPCS Level II code or modifier.
type Code struct {
	Code     string
	Modifier bool // a modifier (record 7) rather than a procedure code (record 3)
	Long     string
	Short    string
	// Pricing holds the pricing indicators (PRICE1-4), Xref the
	// cross-referenced codes (XREF1-5), TypeOfService TOS1-5.
	Pricing       []string
	Xref          []string
	TypeOfService []string
	Coverage      string // COV: C carrier judgment, D special coverage, I not payable, M non-covered, S not payable by Medicare
	BETOS         string
	ASCGroup      string
	Added         time.Time // ADD DT
	ActionDate    time.Time // ACT EFF DT: when the last action took effect
	Terminated    time.Time // TERM DT; zero when the code is current
	Action        string    // ACTION CD
}

// ActiveOn reports whether the code may be billed on the date of service:
// added on or before it and not terminated before it.
func (c *Code) ActiveOn(dos time.Time) bool {
	if !c.Added.IsZero() && dos.Before(c.Added) {
		return false
	}
	return c.Terminated.IsZero() || !dos.After(c.Terminated)
}

// Codes is one quarterly HCPCS file.
type Codes struct {
	codes     []*Code
	byCode    map[string]*Code
	modifiers map[string]*Code
}

// Record identifiers of the ANWEB layout.
const (
	recProcedure             = "3"
	recProcedureContinuation = "4"
	recModifier              = "7"
	recModifierContinuation  = "8"
)

// columns of the ANWEB layout the loader reads, by header name.
var columns = struct {
	code, recid, long, short, cov, betos, asc, added, actionDate, term, action string
	pricing, xref, tos                                                         []string
}{
	code: "hcpc", recid: "recid", long: "long description", short: "short description",
	cov: "cov", betos: "betos", asc: "asc_grp", added: "add dt", actionDate: "act eff dt", term: "term dt", action: "action cd",
	pricing: []string{"price1", "price2", "price3", "price4"},
	xref:    []string{"xref1", "xref2", "xref3", "xref4", "xref5"},
	tos:     []string{"tos1", "tos2", "tos3", "tos4", "tos5"},
}

// Load reads an ANWEB file in CSV form. file names the source in errors.
func Load(r io.Reader, file string) (*Codes, error) {
	rs, err := srcfile.ReadRecords(r, file, ',', func(row []string) bool {
		return strings.EqualFold(srcfile.Cell(row, 0), "HCPC") && containsFold(row, "RECID")
	})
	if err != nil {
		return nil, err
	}
	col := func(name string) int { return rs.Column(func(h string) bool { return h == name }) }
	cols := func(names []string) []int {
		out := make([]int, len(names))
		for i, n := range names {
			out[i] = col(n)
		}
		return out
	}
	code, recid, long := col(columns.code), col(columns.recid), col(columns.long)
	if long < 0 {
		return nil, srcfile.Errorf(file, rs.Line(), "LONG DESCRIPTION", "column missing from the header")
	}
	short, cov, betos, asc := col(columns.short), col(columns.cov), col(columns.betos), col(columns.asc)
	added, actionDate, term, action := col(columns.added), col(columns.actionDate), col(columns.term), col(columns.action)
	pricing, xref, tos := cols(columns.pricing), cols(columns.xref), cols(columns.tos)

	c := &Codes{byCode: make(map[string]*Code), modifiers: make(map[string]*Code)}
	var last *Code
	for {
		row, err := rs.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if srcfile.Blank(row) {
			continue
		}
		id := srcfile.Cell(row, code)
		switch rec := srcfile.Cell(row, recid); rec {
		case recProcedureContinuation, recModifierContinuation:
			if last == nil || last.Code != id {
				return nil, rs.Errorf("RECID", "continuation record %s for %q does not follow its code", rec, id)
			}
			last.Long = strings.TrimSpace(last.Long + " " + srcfile.Cell(row, long))
			continue
		case recProcedure, recModifier:
		default:
			return nil, rs.Errorf("RECID", "record identifier %q is not 3, 4, 7 or 8", rec)
		}
		e := &Code{
			Code:          id,
			Modifier:      srcfile.Cell(row, recid) == recModifier,
			Long:          srcfile.Cell(row, long),
			Short:         srcfile.Cell(row, short),
			Pricing:       nonEmpty(row, pricing),
			Xref:          nonEmpty(row, xref),
			TypeOfService: nonEmpty(row, tos),
			Coverage:      srcfile.Cell(row, cov),
			BETOS:         srcfile.Cell(row, betos),
			ASCGroup:      srcfile.Cell(row, asc),
			Action:        srcfile.Cell(row, action),
		}
		if err := checkCode(e); err != "" {
			return nil, rs.Errorf("HCPC", "%s", err)
		}
		for _, d := range []struct {
			name string
			col  int
			dst  *time.Time
		}{{"ADD DT", added, &e.Added}, {"ACT EFF DT", actionDate, &e.ActionDate}, {"TERM DT", term, &e.Terminated}} {
			if *d.dst, err = srcfile.Date(srcfile.Cell(row, d.col)); err != nil {
				return nil, rs.Errorf(d.name, "%v", err)
			}
		}
		index := c.byCode
		if e.Modifier {
			index = c.modifiers
		}
		if _, dup := index[e.Code]; dup {
			return nil, rs.Errorf("HCPC", "%s listed twice", e.Code)
		}
		index[e.Code] = e
		c.codes = append(c.codes, e)
		last = e
	}
	if len(c.codes) == 0 {
		return nil, srcfile.Errorf(file, 0, "", "no HCPCS records")
	}
	return c, nil
}

// checkCode says what is wrong with a record's code, or "": procedure
// codes are five letters or digits, modifiers two.
func checkCode(c *Code) string {
	want := 5
	if c.Modifier {
		want = 2
	}
	ok := len(c.Code) == want
	for i := 0; ok && i < len(c.Code); i++ {
		b := c.Code[i]
		ok = 'A' <= b && b <= 'Z' || '0' <= b && b <= '9'
	}
	if !ok {
		return fmt.Sprintf("code %q is not %d letters or digits", c.Code, want)
	}
	return ""
}

func containsFold(row []string, want string) bool {
	for _, c := range row {
		if strings.EqualFold(c, want) {
			return true
		}
	}
	return false
}

func nonEmpty(row []string, cols []int) []string {
	var out []string
	for _, i := range cols {
		if v := srcfile.Cell(row, i); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// Lookup returns a procedure code (any case).
func (c *Codes) Lookup(code string) (*Code, bool) {
	e, ok := c.byCode[strings.ToUpper(strings.TrimSpace(code))]
	return e, ok
}

// Modifier returns a modifier (any case).
func (c *Codes) Modifier(mod string) (*Code, bool) {
	e, ok := c.modifiers[strings.ToUpper(strings.TrimSpace(mod))]
	return e, ok
}

// NumCodes and NumModifiers count the records of each kind.
func (c *Codes) NumCodes() int     { return len(c.byCode) }
func (c *Codes) NumModifiers() int { return len(c.modifiers) }

// All yields codes and modifiers in file order.
func (c *Codes) All() iter.Seq[*Code] {
	return func(yield func(*Code) bool) {
		for _, e := range c.codes {
			if !yield(e) {
				return
			}
		}
	}
}

// Encode writes the codes to a snapshot.
func (c *Codes) Encode(w *snapio.Writer) {
	w.Int(len(c.codes))
	for _, e := range c.codes {
		w.Str(e.Code)
		w.Bool(e.Modifier)
		w.Str(e.Long)
		w.Str(e.Short)
		w.Strings(e.Pricing)
		w.Strings(e.Xref)
		w.Strings(e.TypeOfService)
		w.Str(e.Coverage)
		w.Str(e.BETOS)
		w.Str(e.ASCGroup)
		for _, t := range []time.Time{e.Added, e.ActionDate, e.Terminated} {
			w.Bool(!t.IsZero())
			if !t.IsZero() {
				w.Int64(t.Unix())
			}
		}
		w.Str(e.Action)
	}
}

// Decode reads codes written by Encode.
func Decode(r *snapio.Reader) (*Codes, error) {
	c := &Codes{codes: make([]*Code, r.Len()), byCode: make(map[string]*Code), modifiers: make(map[string]*Code)}
	for i := range c.codes {
		e := &Code{Code: r.Str(), Modifier: r.Bool(), Long: r.Str(), Short: r.Str(),
			Pricing: r.Strings(), Xref: r.Strings(), TypeOfService: r.Strings(),
			Coverage: r.Str(), BETOS: r.Str(), ASCGroup: r.Str()}
		for _, t := range []*time.Time{&e.Added, &e.ActionDate, &e.Terminated} {
			if r.Bool() {
				*t = time.Unix(r.Int64(), 0).UTC()
			}
		}
		e.Action = r.Str()
		if r.Err() == nil && checkCode(e) != "" {
			r.Fail("HCPCS record with a malformed code")
		}
		if e.Modifier {
			c.modifiers[e.Code] = e
		} else {
			c.byCode[e.Code] = e
		}
		c.codes[i] = e
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	return c, nil
}
