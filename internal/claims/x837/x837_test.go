package x837_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/medcode/medcode/internal/claims"
	"github.com/medcode/medcode/internal/claims/synth"
	"github.com/medcode/medcode/internal/claims/x12"
	"github.com/medcode/medcode/internal/claims/x837"
)

func testConfig(control int) x837.Config {
	return x837.Config{
		Envelope: x12.Envelope{
			SenderID: "CLINIC01", ReceiverID: "CLEARHOUSE", ControlNumber: control, Test: true,
			Time: time.Date(2025, 3, 12, 9, 30, 0, 0, time.UTC),
		},
		Submitter: x837.Party{Name: "Riverbend Billing", ID: "SUB123", Contact: "Billing Office", Phone: "5555550100"},
		Receiver:  x837.Party{Name: "Clearing House", ID: "RCV456"},
	}
}

// generated returns n identified claims, with some lines given the rarer
// features the templates do not produce (four modifiers, a line-level place
// of service).
func generated(t testing.TB, seed uint64, n int) []*claims.Claim {
	t.Helper()
	cs, err := synth.Claims(rand.New(rand.NewPCG(seed, 1)), n, synth.Options{Start: claims.Date{Year: 2025, Month: 1, Day: 2}, Identified: true})
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range cs {
		switch i % 17 {
		case 3:
			c.Lines[0].Modifiers = []string{"25", "59", "XS", "GA"}
		case 5:
			c.Lines[len(c.Lines)-1].PlaceOfService = "22"
		}
	}
	return cs
}

func TestRoundTripThousandClaims(t *testing.T) {
	in := generated(t, 9, 1000)
	data, err := x837.Write(testConfig(4711), in, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := checkEnvelope(data); err != nil {
		t.Fatalf("independent check: %v", err)
	}
	b, err := x837.Read(data)
	if err != nil {
		t.Fatal(err)
	}
	if b.Submitter.ID != "SUB123" || b.Receiver.Name != "Clearing House" {
		t.Errorf("parties read back as %+v / %+v", b.Submitter, b.Receiver)
	}
	if len(b.Claims) != len(in) {
		t.Fatalf("read %d claims, wrote %d", len(b.Claims), len(in))
	}
	features := map[string]int{}
	for i := range in {
		want, _ := json.Marshal(in[i])
		got, _ := json.Marshal(b.Claims[i])
		if !bytes.Equal(want, got) {
			t.Fatalf("claim %d differs after the round trip:\nwrote %s\nread  %s", i, want, got)
		}
		c := in[i]
		if c.Patient.Relationship != "" {
			features["patient loop"]++
		}
		if c.Rendering != nil {
			features["rendering provider"]++
		}
		if len(c.Diagnoses) == claims.MaxDiagnoses {
			features["twelve diagnoses"]++
		}
		for _, l := range c.Lines {
			if l.Drug != nil {
				features["drug"]++
			}
			if len(l.Modifiers) == 4 {
				features["four modifiers"]++
			}
			if l.PlaceOfService != "" {
				features["line place of service"]++
			}
		}
	}
	for _, f := range []string{"patient loop", "rendering provider", "twelve diagnoses", "drug", "four modifiers", "line place of service"} {
		if features[f] == 0 {
			t.Errorf("the generated set never exercises %s", f)
		}
	}
}

// checkEnvelope validates counts and control numbers without the x12
// package: it finds the delimiters at their fixed ISA offsets, splits the
// segments itself and recounts everything.
func checkEnvelope(data []byte) error {
	s := string(data)
	if len(s) < 106 || !strings.HasPrefix(s, "ISA") {
		return errors.New("no ISA")
	}
	el, term := s[3:4], s[105:106]
	var segs [][]string
	for _, raw := range strings.Split(s, term) {
		raw = strings.Trim(raw, "\r\n")
		if raw != "" {
			segs = append(segs, strings.Split(raw, el))
		}
	}
	isa13 := segs[0][13]
	var groups, sets, inSet int
	var gs06, st02 string
	hl := map[string]string{}
	var clmTotal, lineSum int64
	checkClaim := func() error {
		if clmTotal != lineSum {
			return fmt.Errorf("CLM02 %d cents but lines sum to %d", clmTotal, lineSum)
		}
		return nil
	}
	for i, f := range segs {
		id := f[0]
		if inSet > 0 {
			inSet++
		}
		switch id {
		case "GS":
			groups++
			gs06, sets = f[6], 0
		case "ST":
			sets++
			st02, inSet = f[2], 1
		case "SE":
			if f[1] != strconv.Itoa(inSet) || f[2] != st02 {
				return fmt.Errorf("segment %d: SE %v, counted %d segments for ST02 %s", i+1, f, inSet, st02)
			}
			if err := checkClaim(); err != nil {
				return err
			}
			inSet = 0
		case "GE":
			if f[1] != strconv.Itoa(sets) || f[2] != gs06 {
				return fmt.Errorf("GE %v, counted %d sets for GS06 %s", f, sets, gs06)
			}
		case "IEA":
			if f[1] != strconv.Itoa(groups) || f[2] != isa13 {
				return fmt.Errorf("IEA %v, counted %d groups for ISA13 %s", f, groups, isa13)
			}
			if i != len(segs)-1 {
				return errors.New("segments after IEA")
			}
		case "HL":
			if f[1] != strconv.Itoa(len(hl)+1) {
				return fmt.Errorf("HL %v out of sequence", f)
			}
			parentLevel := map[string]string{"20": "", "22": "20", "23": "22"}[f[3]]
			if hl[f[2]] != parentLevel {
				return fmt.Errorf("HL %v: parent level %q, want %q", f, hl[f[2]], parentLevel)
			}
			hl[f[1]] = f[3]
		case "CLM":
			if err := checkClaim(); err != nil {
				return err
			}
			clmTotal, lineSum = cents(f[2]), 0
		case "SV1":
			lineSum += cents(f[2])
		}
	}
	return nil
}

func cents(s string) int64 {
	v, _ := strconv.ParseFloat(s, 64)
	return int64(math.Round(v * 100))
}

func TestWriteRejects(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*claims.Claim, *x837.Config)
		want   string
	}{
		{"bad NPI check digit", func(c *claims.Claim, _ *x837.Config) { c.Billing.NPI = "1234567890" }, "check digit"},
		{"de-identified patient", func(c *claims.Claim, _ *x837.Config) { claims.Deidentify(c, []byte("k")) }, "BAA"},
		{"delimiter in a name", func(c *claims.Claim, _ *x837.Config) { c.Patient.Identity.LastName = "O*Neill" }, "delimiter"},
		{"thirteen diagnoses", func(c *claims.Claim, _ *x837.Config) {
			for len(c.Diagnoses) <= claims.MaxDiagnoses {
				c.Diagnoses = append(c.Diagnoses, "Z00.00")
			}
		}, "at most 12"},
		{"pointer to nothing", func(c *claims.Claim, _ *x837.Config) { c.Lines[0].Pointers = []int{9} }, "refers to no diagnosis"},
		{"no submitter contact", func(_ *claims.Claim, cfg *x837.Config) { cfg.Submitter.Phone = "" }, "phone"},
		{"control number zero", func(_ *claims.Claim, cfg *x837.Config) { cfg.Envelope.ControlNumber = 0 }, "control number"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := generated(t, 1, 1)[0]
			cfg := testConfig(1)
			tc.mutate(c, &cfg)
			_, err := x837.Write(cfg, []*claims.Claim{c}, false)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestReadRejects(t *testing.T) {
	good, err := x837.Write(testConfig(1), generated(t, 2, 3), true)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		from, to string
		want     string
	}{
		{"total does not match lines", "CLM*C000001*", "CLM*C000001*1", "does not equal the sum"},
		{"ICD-9 qualifier", "HI*ABK:", "HI*BK:", "ICD-9"},
		{"ABF first", "HI*ABK:", "HI*ABF:", "out of place"},
		{"pointer out of range", "**1~\nDTP*472", "**13~\nDTP*472", "pointer"},
		{"bad date", "DTP*472*D8*2025", "DTP*472*D8*x025", "CCYYMMDD"},
		{"unknown segment", "BHT*", "ZZZ*", "not part of an 837P"},
		{"HL out of sequence", "HL*2*1*22", "HL*7*1*22", "out of sequence"},
		{"LX out of sequence", "LX*1~", "LX*3~", "out of sequence"},
		{"provider qualifier", "****XX*", "****SV*", "not XX"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			data := strings.Replace(string(good), tc.from, tc.to, 1)
			if data == string(good) {
				t.Fatalf("replacement %q not applied", tc.from)
			}
			_, err := x837.Read([]byte(data))
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "segment ") {
				t.Fatalf("got %v, want an error naming the segment and containing %q", err, tc.want)
			}
		})
	}
}

func TestReadKeepsOrderAcrossBillingProviders(t *testing.T) {
	cs := generated(t, 3, 40)
	data, err := x837.Write(testConfig(2), cs, false)
	if err != nil {
		t.Fatal(err)
	}
	b, err := x837.Read(data)
	if err != nil {
		t.Fatal(err)
	}
	for i := range cs {
		if b.Claims[i].ID != cs[i].ID || b.Claims[i].Billing.NPI != cs[i].Billing.NPI {
			t.Fatalf("claim %d: read %s/%s, wrote %s/%s", i, b.Claims[i].ID, b.Claims[i].Billing.NPI, cs[i].ID, cs[i].Billing.NPI)
		}
	}
}

func FuzzRead(f *testing.F) {
	seed, err := x837.Write(testConfig(1), generated(f, 4, 2), true)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte(strings.ReplaceAll(string(seed), "\n", "")))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := x837.Read(data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "x837: ") {
				t.Fatalf("error without package prefix: %v", err)
			}
			return
		}
		for _, c := range b.Claims {
			if len(c.Lines) == 0 || c.Patient.Identity == nil {
				t.Fatalf("accepted claim %q without lines or patient", c.ID)
			}
		}
	})
}

// FuzzReadBody fuzzes the transaction-set body inside a valid envelope
// with correct counts, so mutations reach the 837P reader itself.
func FuzzReadBody(f *testing.F) {
	data, err := x837.Write(testConfig(1), generated(f, 5, 2), false)
	if err != nil {
		f.Fatal(err)
	}
	s := string(data)
	start := strings.Index(s, "BHT*")
	end := strings.Index(s, "~SE*")
	wrap := func(body string) []byte {
		n := strings.Count(body, "~") + 1
		return []byte(s[:start] + body + fmt.Sprintf("~SE*%d*0001~GE*1*1~IEA*1*000000001~", n+2))
	}
	if _, err := x837.Read(wrap(s[start:end])); err != nil {
		f.Fatalf("the wrapped seed does not read: %v", err)
	}
	f.Add(s[start:end])
	f.Fuzz(func(t *testing.T, body string) {
		b, err := x837.Read(wrap(body))
		if err != nil {
			return
		}
		for _, c := range b.Claims {
			if c.TotalCharge() < 0 && len(c.Lines) == 0 {
				t.Fatal("impossible claim accepted")
			}
		}
	})
}
