package fhir

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/medcode/medcode/internal/engine"
)

// Result turns the coding of one note into a collection Bundle: one
// Condition per diagnosis (ICD-10-CM) and a draft Claim whose items carry
// the procedures and the E/M visit (CPT or HCPCS) with their modifiers and
// units, pointing at the claim's diagnoses. The Bundle's identifier is the
// stored analysis.
func Result(n Note, analysisID string, r *engine.Result, created time.Time) (*Bundle, error) {
	b := &Bundle{ResourceType: "Bundle", Type: "collection", Timestamp: created.UTC().Format(time.RFC3339),
		Identifier: &Identifier{System: IdentifierAnalysis, Value: analysisID}}
	var evidence []ConditionEvid
	if n.DocumentID != "" {
		evidence = []ConditionEvid{{Detail: []Reference{{Reference: "DocumentReference/" + n.DocumentID}}}}
	}
	claim := &Claim{ResourceType: "Claim", ID: "claim", Status: "draft", Use: "claim", Patient: n.Subject,
		Type:     CodeableConcept{Coding: []Coding{{System: systemClaimType, Code: "professional"}}},
		Priority: CodeableConcept{Coding: []Coding{{System: systemPriority, Code: "normal"}}},
		Created:  created.UTC().Format("2006-01-02")}
	seqOfRank := map[int]int{}
	for i, d := range r.Diagnoses {
		seqOfRank[d.Rank] = i + 1
		code := Coding{System: SystemICD10CM, Code: d.Code, Display: d.Description}
		clinical := "active"
		if d.Assertion == "history" {
			clinical = "resolved"
		}
		c := Condition{ResourceType: "Condition", ID: "dx-" + strconv.Itoa(i+1),
			Extension:          confidence(d.Confidence),
			ClinicalStatus:     &CodeableConcept{Coding: []Coding{{System: systemConditionClinical, Code: clinical}}},
			VerificationStatus: &CodeableConcept{Coding: []Coding{{System: systemConditionVer, Code: "confirmed"}}},
			Category:           []CodeableConcept{{Coding: []Coding{{System: systemConditionCategory, Code: "encounter-diagnosis"}}}},
			Code:               CodeableConcept{Coding: []Coding{code}, Text: d.Description},
			Subject:            n.Subject, Evidence: evidence}
		if err := b.add("urn:medcode:condition:"+strconv.Itoa(i+1), c); err != nil {
			return nil, err
		}
		claim.Diagnosis = append(claim.Diagnosis, ClaimDiagnosis{Sequence: i + 1, DiagnosisCodeableConcept: CodeableConcept{Coding: []Coding{code}}})
	}
	all := allDiagnoses(len(r.Diagnoses))
	for _, p := range r.Procedures {
		item := ClaimItem{Sequence: len(claim.Item) + 1, Extension: confidence(p.Confidence),
			ProductOrService: CodeableConcept{Coding: []Coding{{System: procedureSystem(p.System), Code: p.Code, Display: p.Description}}},
			Quantity:         &Quantity{Value: max(p.Units, 1)}, DiagnosisSequence: pointers(p.DiagnosisPointers, seqOfRank, len(r.Diagnoses))}
		for _, m := range p.Modifiers {
			item.Modifier = append(item.Modifier, CodeableConcept{Coding: []Coding{{System: procedureSystem(p.System), Code: m}}})
		}
		claim.Item = append(claim.Item, item)
	}
	for em := r.EM; em != nil && em.Code != ""; em = em.Problem {
		claim.Item = append(claim.Item, ClaimItem{Sequence: len(claim.Item) + 1, DiagnosisSequence: all,
			ProductOrService: CodeableConcept{Coding: []Coding{{System: SystemCPT, Code: em.Code}}}, Quantity: &Quantity{Value: 1}})
	}
	if err := b.add("urn:medcode:claim", claim); err != nil {
		return nil, err
	}
	return b, nil
}

func (b *Bundle) add(fullURL string, resource any) error {
	raw, err := json.Marshal(resource)
	if err != nil {
		return fmt.Errorf("fhir: encoding %s: %w", fullURL, err)
	}
	b.Entry = append(b.Entry, BundleEntry{FullURL: fullURL, Resource: raw})
	return nil
}

func confidence(c float64) []Extension {
	return []Extension{{URL: ExtensionConfidence, ValueDecimal: &c}}
}

// procedureSystem maps the engine's system name to its FHIR URI.
func procedureSystem(system string) string {
	if system == "HCPCS" {
		return SystemHCPCS
	}
	return SystemCPT
}

// pointers turns the engine's diagnosis pointers (ranks) into claim
// diagnosis sequences; with none, the item points at every diagnosis (at
// most four, as on a claim form).
func pointers(ranks []int, seqOfRank map[int]int, n int) []int {
	var out []int
	for _, r := range ranks {
		if seq, ok := seqOfRank[r]; ok {
			out = append(out, seq)
		}
	}
	if len(out) == 0 {
		return allDiagnoses(n)
	}
	return out
}

func allDiagnoses(n int) []int {
	var out []int
	for i := 1; i <= min(n, 4); i++ {
		out = append(out, i)
	}
	return out
}
