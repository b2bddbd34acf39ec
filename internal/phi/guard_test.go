package phi

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestGuard(t *testing.T) {
	const withPHI = "Pt John Smith, DOB 03/14/1951, seen for cough."
	const clean = "58 year old with cough for 3 days, afebrile, lungs clear."
	tests := []struct {
		name     string
		guard    Guard
		req      Request
		err      error
		outcome  Outcome
		wantText string
	}{
		{"no attestation outside BAA", Guard{}, Request{Text: clean}, ErrAttestationRequired, "", ""},
		{"attested and clean", Guard{}, Request{Text: clean, AttestedNoPHI: true}, nil, OutcomeAllowed, clean},
		{"attested with PHI, default blocks", Guard{}, Request{Text: withPHI, AttestedNoPHI: true}, nil, OutcomeBlocked, ""},
		{"attested with PHI, redact", Guard{Policy: PolicyRedact}, Request{Text: withPHI, AttestedNoPHI: true}, nil, OutcomeRedacted, "Pt [NAME], DOB [DATE], seen for cough."},
		{"BAA mode without attestation warns", Guard{Policy: PolicyBlock}, Request{Text: withPHI, BAAMode: true}, nil, OutcomeWarned, withPHI},
		{"BAA mode clean", Guard{Policy: PolicyRedact}, Request{Text: clean, BAAMode: true}, nil, OutcomeAllowed, clean},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := tt.guard.Check(tt.req)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if err != nil {
				return
			}
			if d.Outcome != tt.outcome || d.Text != tt.wantText {
				t.Fatalf("outcome %s text %q, want %s %q", d.Outcome, d.Text, tt.outcome, tt.wantText)
			}
			if d.Proceed() == (tt.outcome == OutcomeBlocked) {
				t.Errorf("Proceed() = %v for %s", d.Proceed(), d.Outcome)
			}
			if len(d.NoteSHA256) != 64 || d.NoteBytes != len(tt.req.Text) {
				t.Errorf("hash %q bytes %d", d.NoteSHA256, d.NoteBytes)
			}
			total := 0
			for _, n := range d.Counts {
				total += n
			}
			if total != len(d.Spans) {
				t.Errorf("counts %v for %d spans", d.Counts, len(d.Spans))
			}
		})
	}
}

func TestGuardRecordHoldsNoText(t *testing.T) {
	text := "Pt John Smith, DOB 03/14/1951, MRN 00483921, phone 312-555-0199."
	for _, policy := range []Policy{PolicyBlock, PolicyRedact} {
		d, err := Guard{Policy: policy}.Check(Request{Text: text, AttestedNoPHI: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Spans) < 4 {
			t.Fatalf("%s: spans %v", policy, d.Spans)
		}
		raw, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		for _, secret := range []string{"John", "Smith", "1951", "00483921", "555-0199", "cough", "[NAME]"} {
			if strings.Contains(string(raw), secret) {
				t.Errorf("%s: record %s contains %q", policy, raw, secret)
			}
		}
		for _, s := range d.Spans {
			if s.Text != "" {
				t.Errorf("span keeps its text %q", s.Text)
			}
		}
	}
}

func TestGuardRejectsUnknownPolicy(t *testing.T) {
	if _, err := (Guard{Policy: "shrug"}).Check(Request{Text: "x", AttestedNoPHI: true}); err == nil {
		t.Fatal("unknown policy accepted")
	}
	for _, s := range []string{"block", "redact"} {
		if p, err := ParsePolicy(s); err != nil || string(p) != s {
			t.Errorf("ParsePolicy(%q) = %q, %v", s, p, err)
		}
	}
	if _, err := ParsePolicy("warn"); err == nil {
		t.Error("ParsePolicy accepted warn: warning is what BAA mode does, not a policy")
	}
}

func TestGuardRedactionTracesEvidence(t *testing.T) {
	text := "Pt John Smith has a cough since 3/14/2025."
	d, err := Guard{Policy: PolicyRedact}.Check(Request{Text: text, AttestedNoPHI: true})
	if err != nil {
		t.Fatal(err)
	}
	k := strings.Index(d.Text, "cough")
	a, b, err := d.Redaction.ToOriginal(k, k+len("cough"))
	if err != nil || text[a:b] != "cough" {
		t.Fatalf("evidence maps to %q, %v", text[a:b], err)
	}
}
