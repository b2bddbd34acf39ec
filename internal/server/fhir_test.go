package server_test

import (
	"encoding/base64"
	"testing"
)

func fhirDoc(id, note string) string {
	return `{"resourceType":"DocumentReference","id":"` + id + `","status":"current","subject":{"reference":"Patient/example"},
		"content":[{"attachment":{"contentType":"text/plain; charset=utf-8","data":"` + base64.StdEncoding.EncodeToString([]byte(note)) + `"}}]}`
}

func TestFHIR(t *testing.T) { eachBackend(t, testFHIR) }

func testFHIR(t *testing.T, db backend) {
	s := start(t, db, nil)
	tok := s.apiUser(t, newEmail("fhir")).Token
	note := canary + " Follow-up: type 2 diabetes and hypertension. Cough."
	bundle := `{"resourceType":"Bundle","type":"batch","entry":[{"resource":` + fhirDoc("d1", note) + `},
		{"resource":{"resourceType":"Observation"}},{"resource":` + fhirDoc("d3", "Cough. SSN 123-45-6789.") + `}]}`
	for _, sc := range []scenario{
		{"document", "POST", "/api/v1/fhir/DocumentReference?no_phi_attested=true", tok, fhirDoc("d1", note), 200,
			[]string{`"resourceType":"Bundle"`, `"type":"collection"`, `"resourceType":"Condition"`, `"system":"http://hl7.org/fhir/sid/icd-10-cm","code":"E11.9"`,
				`"resourceType":"Claim"`, `"system":"http://www.ama-assn.org/go/cpt","code":"99213"`, `"reference":"DocumentReference/d1"`, `"reference":"Patient/example"`},
			[]string{canary}},
		{"bundle", "POST", "/api/v1/fhir?no_phi_attested=true", tok, bundle, 200,
			[]string{`"type":"batch-response"`, `"status":"200 OK"`, `"status":"400 Bad Request"`, `"expression":["Bundle.entry[1].resource.resourceType"]`,
				`"status":"422 Unprocessable Entity"`, `"code":"security"`, `SSN at bytes 11-22`},
			[]string{canary, "6789"}},
		{"no attestation", "POST", "/api/v1/fhir/DocumentReference", tok, fhirDoc("d1", "cough"), 400,
			[]string{`"resourceType":"OperationOutcome"`, "no protected health information"}, nil},
		{"bad base64", "POST", "/api/v1/fhir/DocumentReference?no_phi_attested=true", tok,
			`{"resourceType":"DocumentReference","content":[{"attachment":{"contentType":"text/plain","data":"@@"}}]}`, 400,
			[]string{`"expression":["DocumentReference.content[0].attachment.data"]`, "not base64"}, nil},
		{"not FHIR", "POST", "/api/v1/fhir/DocumentReference", tok, `{"resourceType":"Patient"}`, 400, []string{`"code":"not-supported"`}, nil},
		{"no token", "POST", "/api/v1/fhir/DocumentReference", "", fhirDoc("d1", "cough"), 401, nil, nil},
	} {
		t.Run(sc.name, func(t *testing.T) { s.run(t, sc) })
	}
	if s.filesContain(t, canary) {
		t.Fatal("a FHIR note reached the database files")
	}
}
