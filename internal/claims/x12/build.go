package x12

import (
	"fmt"
	"time"
)

// Envelope describes the interchange a writer wraps its transaction sets
// in: the trading partners, the control number and the time of creation.
type Envelope struct {
	SenderQualifier   string `json:"sender_qualifier"`   // ISA05, default "ZZ"
	SenderID          string `json:"sender_id"`          // ISA06 and GS02
	ReceiverQualifier string `json:"receiver_qualifier"` // ISA07, default "ZZ"
	ReceiverID        string `json:"receiver_id"`        // ISA08 and GS03
	// ControlNumber numbers the interchange (ISA13) and its one functional
	// group (GS06); it must be 1 to 999999999 and should be unique per
	// trading partner.
	ControlNumber int       `json:"control_number"`
	Test          bool      `json:"test"` // ISA15 "T" instead of "P"
	Time          time.Time `json:"-"`
	// Delimiters default to DefaultDelimiters when zero.
	Delimiters Delimiters `json:"-"`
}

// Delims returns the envelope's delimiters, the defaults when unset.
func (e Envelope) Delims() Delimiters {
	if e.Delimiters == (Delimiters{}) {
		return DefaultDelimiters
	}
	return e.Delimiters
}

// Interchange wraps transaction sets of one kind in an ISA/GS envelope.
// Transactions get control numbers 0001, 0002, … in order.
func (e Envelope) Interchange(functionalID, version string, bodies ...Transaction) (*Interchange, error) {
	if e.ControlNumber < 1 || e.ControlNumber > 999999999 {
		return nil, fmt.Errorf("x12: control number %d is outside 1-999999999", e.ControlNumber)
	}
	if e.SenderID == "" || e.ReceiverID == "" {
		return nil, fmt.Errorf("x12: sender and receiver ids are required")
	}
	d := e.Delims()
	for _, v := range []string{e.SenderID, e.ReceiverID} {
		if err := d.CheckText(v); err != nil {
			return nil, fmt.Errorf("x12: partner id %w", err)
		}
	}
	t := e.Time
	if t.IsZero() {
		t = time.Now()
	}
	usage := "P"
	if e.Test {
		usage = "T"
	}
	qual := func(q string) string {
		if q == "" {
			return "ZZ"
		}
		return q
	}
	g := Group{
		FunctionalID: functionalID, Sender: e.SenderID, Receiver: e.ReceiverID,
		Date: t.Format("20060102"), Time: t.Format("1504"), ControlNumber: fmt.Sprint(e.ControlNumber),
		Agency: "X", Version: version,
	}
	for i, b := range bodies {
		b.ControlNumber = fmt.Sprintf("%04d", i+1)
		b.Convention = version
		g.Transactions = append(g.Transactions, b)
	}
	return &Interchange{
		Delimiters: d, SenderQualifier: qual(e.SenderQualifier), SenderID: e.SenderID,
		ReceiverQualifier: qual(e.ReceiverQualifier), ReceiverID: e.ReceiverID,
		Date: t.Format("060102"), Time: t.Format("1504"), Version: "00501",
		ControlNumber: fmt.Sprintf("%09d", e.ControlNumber), AckRequested: "0", Usage: usage,
		Groups: []Group{g},
	}, nil
}
