package icd

import (
	"bufio"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/medcode/medcode/internal/codeset/srcfile"
)

// OrderEntry is one line of the order file.
type OrderEntry struct {
	Order    int
	Code     string // with its dot
	Billable bool   // valid for claims (flag 1) rather than a header (0)
	Short    string // abbreviated title, at most 60 characters
	Long     string
}

// OrderFile is the fixed-width ICD-10-CM order file
// (icd10cm-order-<year>.txt): every tabular code, including 7-character
// codes, with its billable flag and titles.
type OrderFile struct {
	Entries []OrderEntry
	byCode  map[string]int // canonical code → entry
}

// Order file columns (1-based in CDC's layout description): order number
// 1-5, code 7-13, billable flag 15, short title 17-76, long title 78 on.
const (
	orderCodeStart  = 6
	orderCodeEnd    = 13
	orderFlag       = 14
	orderShortStart = 16
	orderShortEnd   = 76
	orderLongStart  = 77
)

// LoadOrder reads an order file. file names the source in errors.
func LoadOrder(r io.Reader, file string) (*OrderFile, error) {
	o := &OrderFile{byCode: make(map[string]int)}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1024), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimRight(sc.Text(), "\r\n")
		if strings.TrimSpace(text) == "" {
			continue
		}
		e, err := parseOrderLine(text)
		if err != nil {
			return nil, srcfile.Errorf(file, line, "", "%v", err)
		}
		if prev, dup := o.byCode[e.Code]; dup {
			return nil, srcfile.Errorf(file, line, "code", "%s already listed (order number %d)", e.Code, o.Entries[prev].Order)
		}
		o.byCode[e.Code] = len(o.Entries)
		o.Entries = append(o.Entries, e)
	}
	if err := sc.Err(); err != nil {
		return nil, srcfile.Errorf(file, line+1, "", "%v", err)
	}
	if len(o.Entries) == 0 {
		return nil, srcfile.Errorf(file, 0, "", "no entries")
	}
	o.Entries = slices.Clone(o.Entries) // drop the spare capacity of appending
	return o, nil
}

func parseOrderLine(text string) (OrderEntry, error) {
	if len(text) < orderShortStart {
		return OrderEntry{}, errors.New("line too short for the order-file layout (order number, code, billable flag, titles)")
	}
	order, err := strconv.Atoi(strings.TrimSpace(text[:orderCodeStart-1]))
	if err != nil || order <= 0 {
		return OrderEntry{}, errors.New("columns 1-5: order number " + strconv.Quote(text[:orderCodeStart-1]) + " is not a positive number")
	}
	raw := strings.TrimSpace(text[orderCodeStart:orderCodeEnd])
	key, ok := Key(raw)
	if !ok || strings.Contains(raw, ".") {
		return OrderEntry{}, errors.New("columns 7-13: " + strconv.Quote(raw) + " is not an ICD-10-CM code without its dot")
	}
	var billable bool
	switch text[orderFlag] {
	case '1':
		billable = true
	case '0':
	default:
		return OrderEntry{}, errors.New("column 15: billable flag " + strconv.Quote(text[orderFlag:orderFlag+1]) + " is not 0 or 1")
	}
	// The titles are copied out of the line so that it is not kept.
	e := OrderEntry{Order: order, Code: Format(key), Billable: billable}
	e.Short = strings.Clone(strings.TrimSpace(text[orderShortStart:min(orderShortEnd, len(text))]))
	if len(text) > orderLongStart {
		e.Long = strings.Clone(strings.TrimSpace(text[orderLongStart:]))
	}
	return e, nil
}

// Lookup returns the order-file entry of code.
func (o *OrderFile) Lookup(code string) (OrderEntry, bool) {
	code, ok := canonical(code)
	if !ok {
		return OrderEntry{}, false
	}
	i, ok := o.byCode[code]
	if !ok {
		return OrderEntry{}, false
	}
	return o.Entries[i], true
}

// NumBillable counts the entries flagged valid for claims.
func (o *OrderFile) NumBillable() int {
	n := 0
	for _, e := range o.Entries {
		if e.Billable {
			n++
		}
	}
	return n
}

// ShareTitles makes long titles equal to the tabular's share its strings:
// read from two files, they would be held twice.
func (o *OrderFile) ShareTitles(t *Tabular) {
	for i := range o.Entries {
		e := &o.Entries[i]
		if c, ok := t.byCode[e.Code]; ok && c.Title == e.Long {
			e.Long = c.Title
		}
	}
}
