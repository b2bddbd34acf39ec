package engine

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/medcode/medcode/internal/codeset"
	"github.com/medcode/medcode/internal/engine/em"
	"github.com/medcode/medcode/internal/engine/procedure"
	"github.com/medcode/medcode/internal/engine/procedure/scan"
	"github.com/medcode/medcode/internal/nlp"
)

// CPTDescriptorFile is where a clinic installs its licensed CPT descriptor
// file in the data directory (format: procedure/DESCRIPTORS.md); its
// descriptors then replace medcode's own CPT descriptions in output.
const CPTDescriptorFile = "cpt/descriptors.txt"

// newProcedureCoder builds the procedure and E/M stage with the clinic's
// licensed CPT descriptors when the data directory holds them.
func newProcedureCoder(dataDir string) (*procedure.Coder, error) {
	var cfg procedure.Config
	f, err := os.Open(filepath.Join(dataDir, CPTDescriptorFile))
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("engine: %w", err)
	default:
		defer f.Close()
		if cfg.CPT, err = procedure.LoadDescriptors(f); err != nil {
			return nil, fmt.Errorf("engine: %s: %w", CPTDescriptorFile, err)
		}
	}
	c, err := procedure.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("engine: %w", err)
	}
	return c, nil
}

// codeProcedures runs the procedure and E/M stage (package procedure) on
// a note already coded for diagnoses and fills the result's procedure
// lines, E/M explanation and warnings. The stage reads the diagnoses in
// claim order, so its diagnosis pointers refer to their ranks; support[i]
// are all the spans behind the i-th diagnosis.
func (e *Engine) codeProcedures(r *Result, support [][][2]int, doc *nlp.Doc, rel *codeset.Release, opts Options) error {
	in := procedure.Input{Note: scan.FromDoc(doc), HCPCS: rel.HCPCS, PTP: rel.PTP, MUE: rel.MUE, Options: procedure.Options{
		Payer: opts.Payer, DOS: opts.DOS, Patient: opts.PatientType, Age: opts.Age,
	}}
	if opts.Age == 0 {
		in.Age = -1 // 0 means unknown in the engine's options
	}
	for i, d := range r.Diagnoses {
		pd := procedure.Diagnosis{Code: d.Code}
		for _, sp := range support[i] {
			pd.Evidence = append(pd.Evidence, procedure.Span{Start: sp[0], End: sp[1]})
		}
		in.Diagnoses = append(in.Diagnoses, pd)
	}
	out, err := e.proc.Code(in)
	if err != nil {
		return err
	}
	for _, l := range out.Lines {
		p := Procedure{Code: l.Code, System: l.System, Description: l.Description, Units: l.Units, Modifiers: l.Modifiers,
			Confidence: l.Confidence, Evidence: evidenceOf(doc, l.Evidence), Reasoning: l.Reasoning, DiagnosisPointers: l.Pointers}
		if p.Modifiers == nil {
			p.Modifiers = []string{}
		}
		for _, ru := range l.Rules {
			p.Rules = append(p.Rules, Rule{ID: ru.ID, Citation: ru.Citation, Summary: ru.Summary})
		}
		r.Procedures = append(r.Procedures, p)
	}
	r.EM = emOf(doc, out.Visit)
	for _, w := range out.Warnings {
		r.Warnings = append(r.Warnings, Warning{Kind: "procedure", Message: w})
	}
	return nil
}

// emOf explains the visit level: the preventive visit when there is one
// (with the separately identifiable problem visit under Problem), else the
// problem-oriented visit, else a nurse visit.
func emOf(doc *nlp.Doc, v em.Result) *EM {
	office := officeEM(doc, v)
	switch {
	case v.Preventive != nil:
		p := v.Preventive
		return &EM{Code: p.Code, Method: "preventive", PatientType: v.Patient, Evidence: evidenceOf(doc, spans(p.Evidence)),
			Reasoning: p.Reasoning, Problem: office}
	case office != nil:
		return office
	case v.Nurse != nil:
		return &EM{Code: v.Nurse.Code, Method: "nurse", PatientType: v.Patient, Reasoning: v.Nurse.Description}
	}
	return nil
}

func officeEM(doc *nlp.Doc, v em.Result) *EM {
	o := v.Office
	if o == nil {
		return nil
	}
	element := func(e em.Element) MDMElement {
		return MDMElement{Level: e.Level.String(), Reasons: e.Reasons, Evidence: evidenceOf(doc, spans(e.Evidence))}
	}
	return &EM{Code: o.Code, Method: o.Method, PatientType: v.Patient, Minutes: o.Minutes,
		Evidence: evidenceOf(doc, spans(o.MinutesEvidence)), Reasoning: o.Reasoning,
		MDM: &MDM{Problems: element(o.MDM.Problems), Data: element(o.MDM.Data), Risk: element(o.MDM.Risk), Level: o.MDM.Level.String()}}
}

func spans(sp []em.Span) []procedure.Span {
	out := make([]procedure.Span, len(sp))
	for i, s := range sp {
		out[i] = procedure.Span{Start: s.Start, End: s.End}
	}
	return out
}

// evidenceOf turns spans into evidence with the note's text and section.
func evidenceOf(doc *nlp.Doc, sp []procedure.Span) []Evidence {
	out := []Evidence{}
	for _, s := range sp {
		if s.Start < 0 || s.End > len(doc.Text) || s.Start >= s.End {
			continue
		}
		ev := Evidence{Start: s.Start, End: s.End, Text: doc.Text[s.Start:s.End]}
		if si := doc.SentenceAt(s.Start); si >= 0 {
			if sec := doc.Sentences[si].Section; sec >= 0 && sec < len(doc.Sections) {
				ev.Section = doc.Sections[sec].Label
			}
		}
		out = append(out, ev)
	}
	return out
}
