package x835_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/medcode/medcode/internal/claims"
	"github.com/medcode/medcode/internal/claims/carc"
	"github.com/medcode/medcode/internal/claims/synth"
	"github.com/medcode/medcode/internal/claims/x12"
	"github.com/medcode/medcode/internal/claims/x835"
)

var env = x12.Envelope{SenderID: "PAYER", ReceiverID: "CLINIC", ControlNumber: 77, Time: time.Date(2025, 4, 1, 8, 0, 0, 0, time.UTC)}

func generate(t testing.TB, seed uint64, n int, identified bool) []*x835.Remittance {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 3))
	cs, err := synth.Claims(rng, n, synth.Options{Start: claims.Date{Year: 2025, Month: 1, Day: 2}, Identified: identified})
	if err != nil {
		t.Fatal(err)
	}
	// Raised rates so that a thousand claims exercise every path.
	rs, err := synth.Remittances(rng, cs, synth.RemitOptions{LineDenialRate: 0.1, ClaimDenialRate: 0.05, ReversalRate: 0.05, MaxClaims: 40})
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func TestGeneratedRemittancesBalanceAndRoundTrip(t *testing.T) {
	rs := generate(t, 11, 1000, true)
	tab, err := carc.Load()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, r := range rs {
		if bad := r.Balance(); len(bad) > 0 {
			t.Fatalf("generated remittance %s does not balance: %v", r.TraceNumber, bad[0])
		}
		for _, c := range r.Claims {
			seen["status "+c.Status]++
			for _, l := range c.Lines {
				for _, a := range l.Adjustments {
					seen[a.Group+"-"+a.Reason]++
					if _, ok := tab.Reason(a.Reason); !ok {
						t.Errorf("generated CARC %s has no description", a.Reason)
					}
				}
				for _, rm := range l.Remarks {
					if _, ok := tab.Remark(rm); !ok {
						t.Errorf("generated RARC %s has no description", rm)
					}
				}
			}
		}
		for _, a := range r.Adjustments {
			seen["PLB "+a.Reason]++
		}
	}
	for _, want := range []string{"status 1", "status 4", "status 22", "CO-45", "PR-2", "PR-3", "PR-1", "CO-253", "CO-97", "PLB L6", "PLB WO"} {
		if seen[want] == 0 {
			t.Errorf("no generated remittance has %s", want)
		}
	}

	data, err := x835.Encode(env, rs, true)
	if err != nil {
		t.Fatal(err)
	}
	back, err := x835.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != len(rs) {
		t.Fatalf("parsed %d remittances, wrote %d", len(back), len(rs))
	}
	for i := range rs {
		if bad := back[i].Balance(); len(bad) > 0 {
			t.Fatalf("parsed remittance %d does not balance: %v", i, bad[0])
		}
		if back[i].ControlNumber != fmt.Sprintf("%04d", i+1) {
			t.Fatalf("remittance %d has control number %q", i, back[i].ControlNumber)
		}
		back[i].ControlNumber = "" // assigned by the writer
		want, _ := json.Marshal(rs[i])
		got, _ := json.Marshal(back[i])
		if !bytes.Equal(want, got) {
			n := 0
			for n < len(want) && n < len(got) && want[n] == got[n] {
				n++
			}
			t.Fatalf("remittance %d differs at byte %d:\nwrote …%s\nread  …%s", i, n, want[max(0, n-80):min(len(want), n+80)], got[max(0, n-80):min(len(got), n+80)])
		}
	}
}

// sample835 is a small hand-written remittance: one claim with a paid
// E/M line and a bundled (denied) line, and an interest payment.
const sample835 = `ISA*00*          *00*          *ZZ*PAYER          *ZZ*CLINIC         *250401*0800*^*00501*000000001*0*P*:~
GS*HP*PAYER*CLINIC*20250401*0800*1*X*005010X221A1~
ST*835*0001*005010X221A1~
BPR*C*82.5*C*CHK************20250401~
TRN*1*12345*1999999999~
N1*PR*NORTHWIND HEALTH PLAN~
N1*PE*RIVERBEND FAMILY MEDICINE*XX*1234567893~
LX*1~
CLP*C1*1*230*80.5*25*CI*PAYER123*11*1~
NM1*QC*1*DOE*JANE****MI*W123~
SVC*HC:99213*150*80.5**1~
DTM*472*20250310~
CAS*CO*45*44.5~
CAS*PR*3*25~
AMT*B6*105.5~
SVC*HC:93000*80*0~
DTM*472*20250310~
CAS*CO*97*80~
LQ*HE*M15~
PLB*1234567893*20251231*L6*-2~
SE*19*0001~
GE*1*1~
IEA*1*000000001~
`

func TestParseSample(t *testing.T) {
	rs, err := x835.Parse([]byte(sample835))
	if err != nil {
		t.Fatal(err)
	}
	r := rs[0]
	if bad := r.Balance(); len(bad) > 0 {
		t.Fatalf("sample does not balance: %v", bad)
	}
	c := r.Claims[0]
	if r.Payment != 8250 || r.Payee.ID != "1234567893" || c.PatientResponsibility != 2500 || len(c.Lines) != 2 {
		t.Fatalf("parsed %+v", r)
	}
	if l := c.Lines[1]; l.Code != "93000" || l.Adjustments[0].Reason != "97" || l.Remarks[0] != "M15" {
		t.Fatalf("denied line %+v", l)
	}
	if a := r.Adjustments[0]; a.Reason != "L6" || a.Amount != -200 {
		t.Fatalf("PLB %+v", a)
	}
	r.Deidentify()
	if r.Claims[0].Patient != nil {
		t.Fatal("patient kept")
	}
}

func TestBalanceDetectsEachRule(t *testing.T) {
	cases := []struct {
		name, from, to, level string
	}{
		{"line adjustments short", "CAS*CO*45*44.5~", "CAS*CO*45*40~", "line"},
		{"claim paid differs from lines", "CLP*C1*1*230*80.5*", "CLP*C1*1*230*70.5*", "claim"},
		{"payment differs", "BPR*C*82.5*", "BPR*C*90*", "transaction"},
		{"interest ignored", "PLB*1234567893*20251231*L6*-2~", "PLB*1234567893*20251231*L6*-3~", "transaction"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rs, err := x835.Parse([]byte(strings.Replace(sample835, tc.from, tc.to, 1)))
			if err != nil {
				t.Fatal(err)
			}
			bad := rs[0].Balance()
			if len(bad) == 0 {
				t.Fatal("imbalance not detected")
			}
			found := false
			for _, b := range bad {
				found = found || b.Level == tc.level
			}
			if !found || !strings.Contains(bad[0].Error(), "does not balance") {
				t.Fatalf("got %v, want a %s-level imbalance", bad, tc.level)
			}
		})
	}
}

func TestParseRejectsMalformed(t *testing.T) {
	cases := []struct {
		name, from, to, want string
		pos                  string
	}{
		{"bad group code", "CAS*CO*45*44.5~", "CAS*XX*45*44.5~", "group code", "segment 13"},
		{"seven CAS triples", "CAS*CO*45*44.5~", "CAS*CO*45*44.5**1*0**2*0**3*0**4*0**5*0**6*0~", "more than 6", "segment 13"},
		{"amount without reason", "CAS*PR*3*25~", "CAS*PR**25~", "without a reason", "segment 14"},
		{"bad amount", "SVC*HC:99213*150*", "SVC*HC:99213*1.505*", "decimal places", "segment 11"},
		{"unknown status", "CLP*C1*1*", "CLP*C1*9*", "claim status", "segment 9"},
		{"bad method", "*C*CHK*", "*C*WIRE*", "payment method", "segment 4"},
		{"bad date", "DTM*472*20250310~\nCAS*CO*45", "DTM*472*2025031~\nCAS*CO*45", "CCYYMMDD", "segment 12"},
		{"svc outside claim", "LX*1~\nCLP*C1*1*230*80.5*25*CI*PAYER123*11*1~", "LX*1~\nLX*2~", "outside a claim", "segment 11"},
		{"unknown segment", "LX*1~", "ZZ*1~", "not part of an 835", "segment 8"},
		{"claim after PLB", "LQ*HE*M15~\nPLB", "PLB*1*20251231*L6*0~\nPLB", "", ""},
		{"not starting with BPR", "BPR*C*82.5*C*CHK************20250401~\nTRN", "TRN*1*0~\nTRN", "starts with BPR", "segment 4"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			data := strings.Replace(sample835, tc.from, tc.to, 1)
			if data == sample835 {
				t.Fatalf("replacement %q not applied", tc.from)
			}
			_, err := x835.Parse([]byte(data))
			if err == nil {
				if tc.want == "" {
					return // a well-formed variation
				}
				t.Fatal("accepted")
			}
			if tc.want == "" {
				t.Fatalf("rejected a well-formed variation: %v", err)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.pos+" ") {
				t.Fatalf("got %q, want %q at %s", err, tc.want, tc.pos)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(sample835))
	rs := generate(f, 12, 20, false)
	data, err := x835.Encode(env, rs, false)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Fuzz(func(t *testing.T, data []byte) {
		rs, err := x835.Parse(data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "x835: ") {
				t.Fatalf("error without package prefix: %v", err)
			}
			return
		}
		for _, r := range rs {
			r.Balance() // must not panic on any parsed remittance
			if r.TraceNumber == "" || r.Payee.Name == "" {
				t.Fatal("accepted a remittance without trace number or payee")
			}
		}
	})
}

// wrap puts transaction-set body segments ("BPR*…~TRN*…~") into a valid
// envelope with correct counts, so the fuzzer exercises the 835 parser
// rather than the envelope checks.
func wrap(body string) []byte {
	body = strings.TrimSuffix(body, "~")
	n := strings.Count(body, "~") + 1
	return []byte("ISA*00*          *00*          *ZZ*PAYER          *ZZ*CLINIC         *250401*0800*^*00501*000000001*0*P*:~" +
		"GS*HP*PAYER*CLINIC*20250401*0800*1*X*005010X221A1~ST*835*0001*005010X221A1~" + body +
		fmt.Sprintf("~SE*%d*0001~GE*1*1~IEA*1*000000001~", n+2))
}

func FuzzParseBody(f *testing.F) {
	start := strings.Index(sample835, "BPR")
	end := strings.Index(sample835, "SE*")
	seed := strings.ReplaceAll(sample835[start:end], "\n", "")
	if _, err := x835.Parse(wrap(seed)); err != nil {
		f.Fatalf("the wrapped seed does not parse: %v", err)
	}
	f.Add(seed)
	f.Add("BPR*H*0*C*NON************20250401~TRN*1*1~N1*PR*P~N1*PE*Q~PLB*1*20251231*WO:X*0~")
	f.Fuzz(func(t *testing.T, body string) {
		rs, err := x835.Parse(wrap(body))
		if err != nil {
			return
		}
		for _, r := range rs {
			r.Balance()
		}
	})
}
