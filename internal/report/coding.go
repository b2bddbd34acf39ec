package report

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/medcode/medcode/internal/claims"
	"github.com/medcode/medcode/internal/claims/scrub"
	"github.com/medcode/medcode/internal/engine"
)

// maxNoteBytes bounds a note file.
const maxNoteBytes = 4 << 20

// emLevels records every office E/M line by patient type and code.
func (b *builder) emLevels() {
	for _, c := range b.claims {
		for i, l := range c.Lines {
			if !isOfficeEM(l.Code) {
				continue
			}
			f := b.base(AnalysisEM, c, i+1)
			f.Category, f.Item = patientType(l.Code), l.Code
			f.Detail = "office E/M, " + f.Category + " patient"
			b.add(f)
		}
	}
}

func patientType(code string) string {
	if code < "99210" {
		return "new"
	}
	return "established"
}

// scrub records the scrubber's findings, checking the claims as of the
// last date in the data.
func (b *builder) scrub(src scrub.Sources, asOf claims.Date) (*scrub.Scrubber, error) {
	s, err := scrub.New(src, scrub.Options{Today: asOf})
	if err != nil {
		return nil, err
	}
	for _, sf := range s.Scrub(b.claims) {
		i, ok := b.byID[sf.Claim]
		if !ok {
			continue
		}
		c := b.claims[i]
		line := sf.Line
		if line < 0 || line > len(c.Lines) {
			line = 0
		}
		f := b.base(AnalysisScrub, c, line)
		f.Category, f.Item, f.Detail, f.Fix = string(sf.Severity), sf.Edit, sf.Message, sf.Fix
		if len(sf.CARCs) > 0 {
			f.Expected = "prevents CARC " + strings.Join(sf.CARCs, ", ")
		}
		b.add(f)
	}
	return s, nil
}

// coded is the part of an engine result the report keeps about a note.
type coded struct {
	em         *engine.EM // office E/M the note documents (nil: none)
	method     string     // the engine's E/M method for the visit
	confidence float64
	procedures []engine.Procedure
	err        error
}

// notes reads the note files, re-codes those named after a claim and
// records the coding comparison and the services documented but not
// billed. It returns the ids of the claims whose note was re-coded.
func (b *builder) notes(ctx context.Context, fsys fs.FS, sum *NotesSummary) (map[string]bool, error) {
	files := map[string]string{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != "." && strings.HasPrefix(d.Name(), ".") {
				return fs.SkipDir
			}
			return nil
		}
		if !strings.EqualFold(path.Ext(p), ".txt") {
			return nil
		}
		sum.Files++
		id := strings.TrimSuffix(path.Base(p), path.Ext(p))
		switch _, known := b.byID[id]; {
		case !known:
			sum.Unmatched = append(sum.Unmatched, p)
		case files[id] != "":
			sum.Duplicates = append(sum.Duplicates, p)
		default:
			files[id] = p
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("report: notes: %w", err)
	}
	results := make([]*coded, len(b.claims))
	jobs := make(chan int)
	workers := b.cfg.Workers
	if workers <= 0 {
		workers = 4
	}
	total := 0
	for _, c := range b.claims {
		if files[c.ID] != "" {
			total++
		}
	}
	var finished atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				results[i] = b.code(ctx, fsys, files[b.claims[i].ID], b.claims[i])
				if b.cfg.Progress != nil {
					b.cfg.Progress(int(finished.Add(1)), total)
				}
			}
		}()
	}
	for i, c := range b.claims {
		if files[c.ID] == "" {
			continue
		}
		if ctx.Err() != nil {
			break
		}
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	done := map[string]bool{}
	for i, res := range results {
		if res == nil {
			continue
		}
		c := b.claims[i]
		if res.err != nil {
			sum.Failed++
			sum.Errors = append(sum.Errors, c.ID+": "+res.err.Error())
			continue
		}
		sum.Matched++
		done[c.ID] = true
		b.compare(c, res)
		b.missedFromNote(c, res)
	}
	return done, nil
}

// code reads and re-codes one note; the text is dropped on return.
func (b *builder) code(ctx context.Context, fsys fs.FS, name string, c *claims.Claim) *coded {
	data, err := readNote(fsys, name)
	if err != nil {
		return &coded{err: err}
	}
	opts := engine.Options{DOS: c.FirstDOS().Time(), Payer: enginePayer(c.Payer.Class), Age: c.Patient.Age}
	if c.Patient.Sex == claims.Male || c.Patient.Sex == claims.Female {
		opts.Sex = string(c.Patient.Sex)
	}
	for _, l := range c.Lines {
		if isOfficeEM(l.Code) {
			opts.PatientType = patientType(l.Code)
			break
		}
	}
	res, err := b.cfg.Coder.Code(ctx, string(data), opts)
	if err != nil {
		return &coded{err: err}
	}
	out := &coded{}
	if res.EM != nil {
		out.method = res.EM.Method
		switch {
		case isOfficeEM(res.EM.Code):
			out.em = res.EM
		case res.EM.Problem != nil && isOfficeEM(res.EM.Problem.Code):
			out.em = res.EM.Problem
		}
	}
	if out.em != nil {
		for _, p := range res.Procedures {
			if p.Code == out.em.Code {
				out.confidence = p.Confidence
			}
		}
	}
	// Evidence spans hold note text; the report keeps none of it.
	out.procedures = append([]engine.Procedure(nil), res.Procedures...)
	for i := range out.procedures {
		out.procedures[i].Evidence = nil
		out.procedures[i].Reasoning = ""
	}
	if out.em != nil {
		em := *out.em
		em.Evidence, em.Problem = nil, nil
		out.em = &em
	}
	return out
}

func readNote(fsys fs.FS, name string) ([]byte, error) {
	st, err := fs.Stat(fsys, name)
	if err != nil {
		return nil, err
	}
	if st.Size() > maxNoteBytes {
		return nil, fmt.Errorf("note %s is larger than %d bytes", name, maxNoteBytes)
	}
	return fs.ReadFile(fsys, name)
}

// enginePayer maps a claim's payer class to the engine's payer classes.
func enginePayer(pc claims.PayerClass) string {
	switch pc {
	case claims.Medicare, claims.MedicareAdvantage:
		return "medicare"
	case claims.Medicaid:
		return "medicaid"
	}
	return "commercial"
}

// emLevel is the level of an office E/M code within its patient type
// (99211 0, 99202/99212 1 ... 99205/99215 4).
func emLevel(code string) int { return int(code[4]-'0') - 1 }

// compare records how the claim's first office E/M line compares with the
// level the note documents.
func (b *builder) compare(c *claims.Claim, res *coded) {
	for i, l := range c.Lines {
		if !isOfficeEM(l.Code) {
			continue
		}
		f := b.base(AnalysisCoding, c, i+1)
		billed := l.Code
		switch {
		case res.em == nil:
			f.Category = CodingReview
			f.Detail = "the engine found no office E/M level in the note"
			if res.method != "" {
				f.Detail += " (it reads the visit as " + res.method + ")"
			}
			f.Fix = "Have a coder review the note against the billed level"
		case res.confidence < minConfidence(b.cfg):
			f.Category, f.Expected = CodingReview, res.em.Code
			f.Detail = fmt.Sprintf("documented level %s at engine confidence %.2f, below %.2f: %s", res.em.Code, res.confidence, minConfidence(b.cfg), emBasis(res.em))
			f.Fix = "Have a coder review the note against the billed level"
		case patientType(res.em.Code) != patientType(billed):
			f.Category, f.Expected = CodingReview, res.em.Code
			f.Detail = "the note reads as a " + patientType(res.em.Code) + " patient visit, the claim bills a " + patientType(billed) + " patient code"
			f.Fix = "Check whether the patient is new to the practice (no visit in 3 years)"
		default:
			doc := res.em.Code
			f.Expected = doc
			f.Item = billed + ">" + doc
			pos := b.pos(c, l)
			pb, pd := b.price.price(billed, l.Modifiers, 1, pos), b.price.price(doc, l.Modifiers, 1, pos)
			switch {
			case emLevel(doc) > emLevel(billed):
				f.Category, f.Opportunity = CodingUnder, true
				f.Estimate, f.RVU = pd.Amount-pb.Amount, pd.RVU-pb.RVU
				f.Fix = "The note supports " + doc + "; bill the level documented"
			case emLevel(doc) < emLevel(billed):
				f.Category = CodingOver
				f.Estimate, f.RVU = pb.Amount-pd.Amount, pb.RVU-pd.RVU
				f.Fix = "The note supports " + doc + "; bill the level documented or document the work that supports " + billed
			default:
				f.Category = CodingMatch
			}
			f.Detail = "documented " + doc + " by " + emBasis(res.em)
		}
		if f.Item == "" {
			f.Item = billed
		}
		b.add(f)
		return
	}
}

// emBasis says what supports a documented level: the MDM elements with
// their reasons, or the total time.
func emBasis(em *engine.EM) string {
	if em.Method == "time" {
		return fmt.Sprintf("total time, %d minutes", em.Minutes)
	}
	if em.MDM == nil {
		return em.Method
	}
	el := func(name string, e engine.MDMElement) string {
		s := name + " " + e.Level
		if rs := reasonsWithoutQuotes(e.Reasons); len(rs) > 0 {
			s += " (" + strings.Join(rs, "; ") + ")"
		}
		return s
	}
	return fmt.Sprintf("MDM %s: %s, %s, %s", em.MDM.Level, el("problems", em.MDM.Problems), el("data", em.MDM.Data), el("risk", em.MDM.Risk))
}

var (
	quotedAside = regexp.MustCompile(`\s*\([^()]*"[^()]*\)`)
	quoted      = regexp.MustCompile(`\s*"[^"]*"`)
)

// reasonsWithoutQuotes drops the words the engine quotes from the note, so
// the report holds no note text, and the duplicates that leaves.
func reasonsWithoutQuotes(rs []string) []string {
	var out []string
	for _, r := range rs {
		r = strings.TrimSpace(quoted.ReplaceAllString(quotedAside.ReplaceAllString(r, ""), ""))
		r = strings.TrimRight(r, " :")
		if r != "" && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

// preventiveCodes are the preventive and wellness visits at which a
// significant problem is billed as an office E/M with modifier 25.
var preventiveCodes = codeSet{"99381-99397", "G0402", "G0438", "G0439"}

// missedFromNote records the separately billable services the note
// documents that the claim does not bill, or bills fewer units of.
func (b *builder) missedFromNote(c *claims.Claim, res *coded) {
	billed := map[string]int{}
	for _, l := range c.Lines {
		billed[l.Code] += max(l.Units, 1)
	}
	emBilled, preventive := hasOfficeEM(c), billsAny(c, preventiveCodes)
	for _, p := range res.procedures {
		code, why := b.tabs.variantFor(p.Code, c)
		label, ok := b.tabs.serviceOf(code)
		if isOfficeEM(code) {
			if emBilled || !preventive {
				continue
			}
			label, ok = "problem-oriented visit at a preventive visit (modifier 25)", true
		}
		units := max(p.Units, 1)
		missing := units - billed[code]
		if !ok || missing <= 0 {
			continue
		}
		billed[code] += missing
		f := b.base(AnalysisMissed, c, 0)
		f.Category, f.Item, f.Expected, f.Units, f.Opportunity = SourceNote, code, code, missing, true
		pr := b.price.price(code, p.Modifiers, missing, c.PlaceOfService)
		f.Estimate, f.RVU = pr.Amount, pr.RVU
		f.Detail = fmt.Sprintf("%s: the note documents %d unit(s) of %s, the claim bills %d", label, units, code, units-missing)
		if why != "" {
			f.Detail += "; " + why
		}
		if pr.Source == "" {
			f.Detail += "; not priced (not on the fee schedule)"
		}
		f.Fix = fmt.Sprintf("Add %s x%d to the claim when the payer covers it", code, missing)
		b.add(f)
	}
}

// claimRules records the services the claim rules infer for claims
// without a re-coded note.
func (b *builder) claimRules(withNote map[string]bool) {
	for _, c := range b.claims {
		if withNote[c.ID] {
			continue
		}
		for i := range b.tabs.ClaimRules {
			r := &b.tabs.ClaimRules[i]
			trigger := r.fires(c)
			if trigger < 0 {
				continue
			}
			label, _ := b.tabs.serviceOf(r.Code)
			f := b.base(AnalysisMissed, c, 0)
			f.Category, f.Item, f.Expected, f.Units, f.Opportunity = SourceClaims, r.Code, r.Code, 1, true
			pr := b.price.price(r.Code, nil, 1, c.PlaceOfService)
			f.Estimate, f.RVU = pr.Amount, pr.RVU
			f.Detail = fmt.Sprintf("%s: %s billed without %s (rule %s); assumes: %s", label, billedCode(c.Lines[trigger]), r.Code, r.ID, r.Assumption)
			f.Fix = "Verify in the note, then bill " + r.Code
			b.add(f)
		}
	}
}
