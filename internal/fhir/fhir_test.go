package fhir

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/medcode/medcode/internal/engine"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func doc(id, contentType, data string) string {
	return `{"resourceType":"DocumentReference","id":"` + id + `","status":"current","subject":{"reference":"Patient/p1"},
		"content":[{"attachment":{"contentType":"` + contentType + `","data":"` + data + `"}}]}`
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name, in string
		wantErr  string // "" = decodes
		wantExpr string
		notes    int
	}{
		{"document", doc("d1", "text/plain", b64("Cough.")), "", "", 1},
		{"charset", doc("d1", "text/plain; charset=utf-8", b64("Cough.")), "", "", 1},
		{"bundle", `{"resourceType":"Bundle","type":"batch","entry":[{"resource":` + doc("a", "text/plain", b64("x")) + `},{"resource":` + doc("b", "text/plain", b64("y")) + `}]}`, "", "", 2},
		{"not JSON", `{"resourceType":`, "not valid JSON (at byte 16)", "$this", 0},
		{"not an object", `[1]`, "must be a", "$this", 0},
		{"no type", `{"id":"x"}`, "resourceType is missing", "resourceType", 0},
		{"patient", `{"resourceType":"Patient"}`, "not supported", "resourceType", 0},
		{"no content", `{"resourceType":"DocumentReference","status":"current"}`, "no content", "DocumentReference.content", 0},
		{"pdf only", doc("d", "application/pdf", b64("%PDF")), "no attachment has contentType text/plain", "DocumentReference.content", 0},
		{"latin-1", doc("d", "text/plain; charset=iso-8859-1", b64("x")), "no attachment has contentType text/plain", "DocumentReference.content", 0},
		{"bad base64", doc("d", "text/plain", "@@@@"), "not base64 (bad byte at offset 0)", "DocumentReference.content[0].attachment.data", 0},
		{"url", `{"resourceType":"DocumentReference","content":[{"attachment":{"contentType":"text/plain","url":"https://x/y"}}]}`, "not fetched", "DocumentReference.content[0].attachment.url", 0},
		{"not UTF-8", doc("d", "text/plain", base64.StdEncoding.EncodeToString([]byte{0xff, 0xfe})), "not UTF-8", "DocumentReference.content[0].attachment.data", 0},
		{"blank", doc("d", "text/plain", b64("  \n")), "empty", "DocumentReference.content[0].attachment.data", 0},
		{"too large", doc("d", "text/plain", b64(strings.Repeat("x", 200))), "larger than 100 bytes", "DocumentReference.content[0].attachment.data", 0},
		{"wrong type", `{"resourceType":"DocumentReference","content":"x"}`, `element "content" must be a string`, "DocumentReference", 0},
		{"bundle type", `{"resourceType":"Bundle","type":"searchset","entry":[]}`, "not supported", "Bundle.type", 0},
		{"empty bundle", `{"resourceType":"Bundle","type":"batch"}`, "no entries", "Bundle.entry", 0},
		{"big bundle", `{"resourceType":"Bundle","type":"batch","entry":[{},{},{},{}]}`, "at most 3", "Bundle.entry", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := Decode([]byte(tt.in), 100, 3)
			if tt.wantErr == "" {
				if err != nil || len(in.Notes) != tt.notes {
					t.Fatalf("Decode = %+v, %v", in, err)
				}
				return
			}
			fe, ok := err.(*Error)
			if !ok || !strings.Contains(fe.Message, tt.wantErr) || fe.Expression != tt.wantExpr {
				t.Fatalf("error %#v, want %q at %s", err, tt.wantErr, tt.wantExpr)
			}
		})
	}
}

func TestDecodeBundleFailsOnlyTheBadEntry(t *testing.T) {
	in, err := Decode([]byte(`{"resourceType":"Bundle","type":"batch","entry":[
		{"resource":`+doc("a", "text/plain", b64("Cough."))+`},
		{"resource":{"resourceType":"Observation"}},
		{"fullUrl":"urn:x"}]}`), 100, 10)
	if err != nil {
		t.Fatal(err)
	}
	if in.Errors[0] != nil || in.Notes[0].Text != "Cough." || in.Notes[0].DocumentID != "a" || in.Notes[0].Subject.Reference != "Patient/p1" {
		t.Fatalf("entry 0: %+v %v", in.Notes[0], in.Errors[0])
	}
	if e := in.Errors[1]; e == nil || e.Expression != "Bundle.entry[1].resource.resourceType" {
		t.Fatalf("entry 1: %v", e)
	}
	if e := in.Errors[2]; e == nil || e.Expression != "Bundle.entry[2].resource" || e.Code != "required" {
		t.Fatalf("entry 2: %v", e)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(doc("d1", "text/plain", b64("Type 2 diabetes.")))
	f.Add(`{"resourceType":"Bundle","type":"batch","entry":[{"resource":` + doc("a", "text/plain", b64("x")) + `}]}`)
	f.Add(`{"resourceType":"DocumentReference","content":[{"attachment":{"contentType":"text/plain","data":"=="}}]}`)
	f.Fuzz(func(t *testing.T, s string) {
		in, err := Decode([]byte(s), 1000, 20)
		if err != nil {
			fe, ok := err.(*Error)
			if !ok || fe.Expression == "" || fe.Code == "" || fe.Message == "" {
				t.Fatalf("error without code or location: %#v", err)
			}
			if strings.Contains(fe.Message, s) && len(s) > 40 {
				t.Fatal("the error quotes the input")
			}
			return
		}
		if len(in.Notes) == 0 || len(in.Notes) != len(in.Errors) || len(in.Notes) > 20 {
			t.Fatalf("decoded %d notes, %d errors", len(in.Notes), len(in.Errors))
		}
		for i, n := range in.Notes {
			if in.Errors[i] == nil && (n.Text == "" || len(n.Text) > 1000) {
				t.Fatalf("entry %d accepted with a %d-byte note", i, len(n.Text))
			}
		}
	})
}

func TestResult(t *testing.T) {
	r := &engine.Result{
		Diagnoses: []engine.Diagnosis{{Code: "E11.9", Description: "Type 2 diabetes", Confidence: 0.9, Rank: 1, Assertion: "present"},
			{Code: "I10", Description: "Hypertension", Confidence: 0.8, Rank: 2, Assertion: "history"}},
		Procedures: []engine.Procedure{{Code: "J1100", System: "HCPCS", Units: 2, Modifiers: []string{"JZ"}, DiagnosisPointers: []int{2, 7}},
			{Code: "93000", System: "CPT", Units: 1}},
		EM: &engine.EM{Code: "99214", Problem: &engine.EM{Code: "99396"}},
	}
	n := Note{DocumentID: "doc-1", Subject: &Reference{Reference: "Patient/p1"}}
	b, err := Result(n, "an_1", r, time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if b.Type != "collection" || b.Identifier.Value != "an_1" || len(b.Entry) != 3 {
		t.Fatalf("bundle %+v", b)
	}
	var c Condition
	json.Unmarshal(b.Entry[1].Resource, &c)
	if c.Code.Coding[0].System != SystemICD10CM || c.Code.Coding[0].Code != "I10" || c.ClinicalStatus.Coding[0].Code != "resolved" ||
		c.Subject.Reference != "Patient/p1" || c.Evidence[0].Detail[0].Reference != "DocumentReference/doc-1" || *c.Extension[0].ValueDecimal != 0.8 {
		t.Fatalf("condition %+v", c)
	}
	var claim Claim
	json.Unmarshal(b.Entry[2].Resource, &claim)
	if claim.Status != "draft" || claim.Patient.Reference != "Patient/p1" || len(claim.Diagnosis) != 2 || len(claim.Item) != 4 {
		t.Fatalf("claim %+v", claim)
	}
	want := []struct {
		system, code string
		units        int
		dx           []int
		mod          string
	}{
		{SystemHCPCS, "J1100", 2, []int{2}, "JZ"},
		{SystemCPT, "93000", 1, []int{1, 2}, ""},
		{SystemCPT, "99214", 1, []int{1, 2}, ""},
		{SystemCPT, "99396", 1, []int{1, 2}, ""},
	}
	for i, w := range want {
		it := claim.Item[i]
		p := it.ProductOrService.Coding[0]
		if it.Sequence != i+1 || p.System != w.system || p.Code != w.code || it.Quantity.Value != w.units || !equal(it.DiagnosisSequence, w.dx) {
			t.Errorf("item %d = %+v", i, it)
		}
		if w.mod != "" && (len(it.Modifier) != 1 || it.Modifier[0].Coding[0].Code != w.mod) {
			t.Errorf("item %d modifiers %+v", i, it.Modifier)
		}
	}
}

func equal(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
