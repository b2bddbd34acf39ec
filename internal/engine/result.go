// Package engine turns a clinical note into ICD-10-CM, CPT/HCPCS and E/M
// codes with evidence, confidence and reasoning.
package engine

import "github.com/medcode/medcode/internal/phi"

// Result is the engine's answer for one note: the object `medcode code`
// prints (the CLI contract in docs/design.md) and the API returns.
type Result struct {
	Codeset    string      `json:"codeset"`
	Profile    string      `json:"profile"`
	Diagnoses  []Diagnosis `json:"diagnoses"`
	Procedures []Procedure `json:"procedures"`
	EM         *EM         `json:"em,omitempty"`
	PHI        PHIReport   `json:"phi"`
	Warnings   []Warning   `json:"warnings"`
}

// Evidence is a span of the original note, as byte offsets: note[Start:End]
// == Text. Text is left empty when a result is stored, so that no note text
// is ever persisted.
type Evidence struct {
	Start   int    `json:"start"`
	End     int    `json:"end"`
	Text    string `json:"text,omitempty"`
	Section string `json:"section,omitempty"`
}

// Rule is a guideline or convention the engine applied, with its citation.
type Rule struct {
	ID       string `json:"id"`
	Citation string `json:"citation,omitempty"`
	Summary  string `json:"summary"`
}

// Diagnosis is one ICD-10-CM code.
type Diagnosis struct {
	Code        string     `json:"code"`
	Description string     `json:"description"`
	Confidence  float64    `json:"confidence"`
	Rank        int        `json:"rank"`
	Assertion   string     `json:"assertion"`
	Evidence    []Evidence `json:"evidence"`
	Reasoning   string     `json:"reasoning"`
	Rules       []Rule     `json:"rules"`
}

// Procedure is one CPT or HCPCS Level II service line.
type Procedure struct {
	Code        string     `json:"code"`
	System      string     `json:"system"` // "CPT" or "HCPCS"
	Description string     `json:"description,omitempty"`
	Units       int        `json:"units"`
	Modifiers   []string   `json:"modifiers"`
	Confidence  float64    `json:"confidence"`
	Evidence    []Evidence `json:"evidence"`
	Reasoning   string     `json:"reasoning"`
	Rules       []Rule     `json:"rules,omitempty"`
	// DiagnosisPointers are 1-based ranks of the diagnoses that justify the line.
	DiagnosisPointers []int `json:"diagnosis_pointers,omitempty"`
}

// EM is the evaluation and management visit level.
type EM struct {
	Code        string     `json:"code"`
	Method      string     `json:"method"` // "mdm", "time", "preventive" or "nurse"
	PatientType string     `json:"patient_type,omitempty"`
	MDM         *MDM       `json:"mdm,omitempty"`
	Minutes     int        `json:"minutes,omitempty"`
	Evidence    []Evidence `json:"evidence,omitempty"`
	Reasoning   string     `json:"reasoning,omitempty"`
	// Problem is, at a preventive visit, the significant and separately
	// identifiable problem-oriented visit billed with it (modifier 25).
	Problem *EM `json:"problem,omitempty"`
}

// MDM is medical decision making: three elements and the level two of them
// support.
type MDM struct {
	Problems MDMElement `json:"problems"`
	Data     MDMElement `json:"data"`
	Risk     MDMElement `json:"risk"`
	Level    string     `json:"level"`
}

// MDMElement is one scored MDM element with what supports its level.
type MDMElement struct {
	Level    string     `json:"level"`
	Reasons  []string   `json:"reasons,omitempty"`
	Evidence []Evidence `json:"evidence,omitempty"`
}

// PHIReport says whether the PHI detector found identifiers in the note.
type PHIReport struct {
	Found bool       `json:"found"`
	Spans []phi.Span `json:"spans"`
}

// Warning is advice for the coder: a query to the provider, a specificity
// gap, a conflict the engine resolved.
type Warning struct {
	Kind    string    `json:"kind"`
	Message string    `json:"message"`
	Code    string    `json:"code,omitempty"`
	Span    *Evidence `json:"span,omitempty"`
}
