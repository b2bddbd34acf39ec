// Package fhir is the small part of HL7 FHIR R4 medcode speaks, written by
// hand (no Go FHIR library is available): DocumentReference and Bundle in,
// Condition and a draft Claim out, OperationOutcome for errors. Only the
// elements medcode reads or writes are modelled; other elements of an
// input resource are ignored.
package fhir

import "encoding/json"

// The code systems of the output.
const (
	SystemICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
	SystemCPT     = "http://www.ama-assn.org/go/cpt"
	SystemHCPCS   = "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"

	systemConditionClinical = "http://terminology.hl7.org/CodeSystem/condition-clinical"
	systemConditionVer      = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
	systemConditionCategory = "http://terminology.hl7.org/CodeSystem/condition-category"
	systemClaimType         = "http://terminology.hl7.org/CodeSystem/claim-type"
	systemPriority          = "http://terminology.hl7.org/CodeSystem/processpriority"

	// ExtensionConfidence carries medcode's confidence in a code (0..1).
	ExtensionConfidence = "https://medcode.dev/fhir/StructureDefinition/confidence"
	// IdentifierAnalysis is the system of the analysis id a result
	// Bundle carries.
	IdentifierAnalysis = "https://medcode.dev/fhir/analysis-id"
)

// MediaType is the FHIR JSON media type.
const MediaType = "application/fhir+json"

// Reference points at another resource.
type Reference struct {
	Reference string `json:"reference,omitempty"`
	Display   string `json:"display,omitempty"`
}

// Coding is a code in a system.
type Coding struct {
	System  string `json:"system,omitempty"`
	Code    string `json:"code,omitempty"`
	Display string `json:"display,omitempty"`
}

// CodeableConcept is codings and a text.
type CodeableConcept struct {
	Coding []Coding `json:"coding,omitempty"`
	Text   string   `json:"text,omitempty"`
}

// Identifier is a business identifier.
type Identifier struct {
	System string `json:"system,omitempty"`
	Value  string `json:"value,omitempty"`
}

// Extension is a FHIR extension with a decimal value.
type Extension struct {
	URL          string   `json:"url"`
	ValueDecimal *float64 `json:"valueDecimal,omitempty"`
}

// Attachment holds the note; medcode reads text/plain with inline data.
type Attachment struct {
	ContentType string `json:"contentType,omitempty"`
	Data        string `json:"data,omitempty"` // base64Binary
	URL         string `json:"url,omitempty"`
	Title       string `json:"title,omitempty"`
}

// DocumentReference is a clinical note as FHIR sends it.
type DocumentReference struct {
	ResourceType string                     `json:"resourceType"`
	ID           string                     `json:"id,omitempty"`
	Status       string                     `json:"status,omitempty"`
	Subject      *Reference                 `json:"subject,omitempty"`
	Content      []DocumentReferenceContent `json:"content,omitempty"`
}

// DocumentReferenceContent wraps one attachment.
type DocumentReferenceContent struct {
	Attachment *Attachment `json:"attachment,omitempty"`
}

// Bundle is a collection of resources.
type Bundle struct {
	ResourceType string        `json:"resourceType"`
	ID           string        `json:"id,omitempty"`
	Identifier   *Identifier   `json:"identifier,omitempty"`
	Type         string        `json:"type"`
	Timestamp    string        `json:"timestamp,omitempty"`
	Entry        []BundleEntry `json:"entry,omitempty"`
}

// BundleEntry is one entry; Resource is any resource.
type BundleEntry struct {
	FullURL  string          `json:"fullUrl,omitempty"`
	Resource json.RawMessage `json:"resource,omitempty"`
	Response *BundleResponse `json:"response,omitempty"`
}

// BundleResponse is the outcome of one entry of a batch Bundle.
type BundleResponse struct {
	Status  string            `json:"status"`
	Outcome *OperationOutcome `json:"outcome,omitempty"`
}

// Condition is one diagnosis.
type Condition struct {
	ResourceType       string            `json:"resourceType"`
	ID                 string            `json:"id,omitempty"`
	Extension          []Extension       `json:"extension,omitempty"`
	ClinicalStatus     *CodeableConcept  `json:"clinicalStatus,omitempty"`
	VerificationStatus *CodeableConcept  `json:"verificationStatus,omitempty"`
	Category           []CodeableConcept `json:"category,omitempty"`
	Code               CodeableConcept   `json:"code"`
	Subject            *Reference        `json:"subject,omitempty"`
	Evidence           []ConditionEvid   `json:"evidence,omitempty"`
}

// ConditionEvid points at the document the condition was found in.
type ConditionEvid struct {
	Detail []Reference `json:"detail,omitempty"`
}

// Claim is a draft professional claim: its diagnoses and billable items,
// ready for the biller to complete with provider, insurer and coverage.
type Claim struct {
	ResourceType string           `json:"resourceType"`
	ID           string           `json:"id,omitempty"`
	Status       string           `json:"status"`
	Type         CodeableConcept  `json:"type"`
	Use          string           `json:"use"`
	Patient      *Reference       `json:"patient,omitempty"`
	Created      string           `json:"created"`
	Priority     CodeableConcept  `json:"priority"`
	Diagnosis    []ClaimDiagnosis `json:"diagnosis,omitempty"`
	Item         []ClaimItem      `json:"item,omitempty"`
}

// ClaimDiagnosis is one diagnosis of a claim.
type ClaimDiagnosis struct {
	Sequence                 int             `json:"sequence"`
	DiagnosisCodeableConcept CodeableConcept `json:"diagnosisCodeableConcept"`
}

// ClaimItem is one billable service.
type ClaimItem struct {
	Sequence          int               `json:"sequence"`
	Extension         []Extension       `json:"extension,omitempty"`
	DiagnosisSequence []int             `json:"diagnosisSequence,omitempty"`
	ProductOrService  CodeableConcept   `json:"productOrService"`
	Modifier          []CodeableConcept `json:"modifier,omitempty"`
	Quantity          *Quantity         `json:"quantity,omitempty"`
}

// Quantity is a number of units.
type Quantity struct {
	Value int `json:"value"`
}

// OperationOutcome reports errors.
type OperationOutcome struct {
	ResourceType string  `json:"resourceType"`
	Issue        []Issue `json:"issue"`
}

// Issue is one problem.
type Issue struct {
	Severity    string   `json:"severity"` // fatal, error, warning, information
	Code        string   `json:"code"`     // an IssueType: invalid, required, value, not-supported, security, ...
	Diagnostics string   `json:"diagnostics,omitempty"`
	Expression  []string `json:"expression,omitempty"`
}
