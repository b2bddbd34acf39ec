package x837_test

import (
	"strings"
	"testing"

	"github.com/medcode/medcode/internal/claims/x837"
)

// FuzzWriteConfig fills the trading-partner settings (the --partners JSON
// file of `medcode claims export`) with fuzzed text: Write either refuses
// them with an error or writes an interchange that reads back with every
// claim, so no value can smuggle delimiters that add or cut segments.
func FuzzWriteConfig(f *testing.F) {
	f.Add("Riverbend Billing", "SUB123", "Clearing House", "RCV456", "CLINIC01", "CLEARHOUSE", "Billing Office", "5555550100", "", 4711)
	f.Add("A~B", "S*1", "R:x", "R^1", "C~", "H*", "x", "5", "a@b", 1)
	f.Add("Name", "ID", "Recv", "RID", strings.Repeat("S", 16), "R", "", "", "", 999999999)
	cs := generated(f, 6, 3)
	f.Fuzz(func(t *testing.T, subName, subID, rcvName, rcvID, sender, receiver, contact, phone, batch string, control int) {
		cfg := testConfig(control)
		cfg.Submitter = x837.Party{Name: subName, ID: subID, Contact: contact, Phone: phone}
		cfg.Receiver = x837.Party{Name: rcvName, ID: rcvID}
		cfg.Envelope.SenderID, cfg.Envelope.ReceiverID = sender, receiver
		cfg.BatchID = batch
		data, err := x837.Write(cfg, cs, false)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "x837: ") && !strings.HasPrefix(err.Error(), "x12: ") {
				t.Fatalf("error without package prefix: %v", err)
			}
			return
		}
		b, err := x837.Read(data)
		if err != nil {
			t.Fatalf("written interchange does not read back: %v\n%s", err, data)
		}
		if len(b.Claims) != len(cs) {
			t.Fatalf("wrote %d claims, read %d", len(cs), len(b.Claims))
		}
	})
}
