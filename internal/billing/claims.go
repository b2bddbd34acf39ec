package billing

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/medcode/medcode/internal/analysis"
	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/audit"
	"github.com/medcode/medcode/internal/claims"
	"github.com/medcode/medcode/internal/claims/scrub"
	"github.com/medcode/medcode/internal/engine"
	"github.com/medcode/medcode/internal/org"
	"github.com/medcode/medcode/internal/report"
	"github.com/medcode/medcode/internal/store"
)

// Claim sources.
const (
	SourceAnalysis = "analysis"
	SourceCSV      = "csv"
	Source837      = "837p"
	SourceAPI      = "api"
)

// MaxImport bounds the claims of one import.
const MaxImport = 10_000

// Claim is one claim as the UI and the API show it.
type Claim struct {
	ID         string            `json:"id"`
	Status     store.ClaimStatus `json:"status"`
	Source     string            `json:"source"`
	AnalysisID string            `json:"analysis_id,omitempty"`
	Claim      *claims.Claim     `json:"claim"`
	// Findings are the scrubber's, as of the last change.
	Findings   []scrub.Finding `json:"findings"`
	Charge     claims.Money    `json:"charge"`
	Paid       claims.Money    `json:"paid"`
	CreatedAt  time.Time       `json:"created_at"`
	UpdatedAt  time.Time       `json:"updated_at"`
	ExportedAt *time.Time      `json:"exported_at,omitempty"`
	// Postings are the payers' adjudications posted to it, oldest first
	// (Get only).
	Postings []ClaimPosting `json:"postings,omitempty"`
}

// Summary is one line of the claim list.
type Summary struct {
	ID         string            `json:"id"`
	ClaimID    string            `json:"claim_id"` // the patient control number
	Status     store.ClaimStatus `json:"status"`
	Source     string            `json:"source"`
	DOS        claims.Date       `json:"dos"`
	Payer      string            `json:"payer"`
	PayerClass claims.PayerClass `json:"payer_class"`
	Lines      int               `json:"lines"`
	Charge     claims.Money      `json:"charge"`
	Paid       claims.Money      `json:"paid"`
	Errors     int               `json:"errors"`
	Warnings   int               `json:"warnings"`
	CreatedAt  time.Time         `json:"created_at"`
}

// claimBody is the sealed content of store.Claim.Body.
type claimBody struct {
	Claim    *claims.Claim   `json:"claim"`
	Findings []scrub.Finding `json:"findings"`
}

// requireClaims checks that ws is an organization where the user holds p.
func requireClaims(ws org.Workspace, p org.Permission) error {
	if err := ws.RequireOrg(); err != nil {
		return err
	}
	return ws.Require(p)
}

func (s *Service) openClaim(c *store.Claim) (*claimBody, error) {
	var b claimBody
	if err := s.open("claim", c.ID, "body", c.Body, &b); err != nil {
		return nil, err
	}
	if b.Claim == nil {
		return nil, fmt.Errorf("billing: claim %s has no content", c.ID)
	}
	return &b, nil
}

func (s *Service) view(c *store.Claim, b *claimBody) *Claim {
	v := &Claim{ID: c.ID, Status: c.Status, Source: c.Source, AnalysisID: c.AnalysisID, Claim: b.Claim, Findings: b.Findings,
		Charge: claims.Money(c.Charge), Paid: claims.Money(c.Paid), CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
	if v.Findings == nil {
		v.Findings = []scrub.Finding{}
	}
	if !c.ExportedAt.IsZero() {
		at := c.ExportedAt
		v.ExportedAt = &at
	}
	return v
}

func summaryOf(c *store.Claim, b *claimBody) Summary {
	return Summary{ID: c.ID, ClaimID: b.Claim.ID, Status: c.Status, Source: c.Source, DOS: b.Claim.FirstDOS(), Payer: b.Claim.Payer.Name,
		PayerClass: b.Claim.Payer.Class, Lines: len(b.Claim.Lines), Charge: claims.Money(c.Charge), Paid: claims.Money(c.Paid),
		Errors: c.Errors, Warnings: c.Warnings, CreatedAt: c.CreatedAt}
}

// ListQuery selects a page of claims.
type ListQuery struct {
	Status  store.ClaimStatus // "": all
	Page    int               // 1-based
	PerPage int
}

// ClaimPage is one page of the claim list.
type ClaimPage struct {
	Items   []Summary `json:"items"`
	Total   int       `json:"total"`
	Page    int       `json:"page"`
	PerPage int       `json:"per_page"`
}

// maxPerPage bounds a page of a list.
const maxPerPage = 200

func pageOf(page, perPage int) (int, int, error) {
	if page == 0 {
		page = 1
	}
	if perPage == 0 {
		perPage = 50
	}
	if page < 1 || perPage < 1 || perPage > maxPerPage {
		return 0, 0, apperr.New(apperr.Invalid, "A page is 1 or more and holds 1 to %d items.", maxPerPage)
	}
	return page, perPage, nil
}

// List returns a page of the organization's claims, newest first.
func (s *Service) List(ctx context.Context, ws org.Workspace, q ListQuery) (*ClaimPage, error) {
	if err := requireClaims(ws, org.ReadClaims); err != nil {
		return nil, err
	}
	if q.Status != "" && !slices.Contains(store.ClaimStatuses, q.Status) {
		return nil, apperr.New(apperr.Invalid, "Unknown claim status %q.", q.Status)
	}
	page, perPage, err := pageOf(q.Page, q.PerPage)
	if err != nil {
		return nil, err
	}
	rows, total, err := s.db.ListClaims(ctx, ws.Scope(), store.ClaimFilter{Status: q.Status, Limit: perPage, Offset: (page - 1) * perPage})
	if err != nil {
		return nil, err
	}
	out := &ClaimPage{Items: []Summary{}, Total: total, Page: page, PerPage: perPage}
	for i := range rows {
		// The list needs the claim id and date: read the sealed bodies of
		// this page only.
		c, err := s.db.Claim(ctx, ws.Scope(), rows[i].ID)
		if err != nil {
			return nil, err
		}
		b, err := s.openClaim(c)
		if err != nil {
			return nil, err
		}
		out.Items = append(out.Items, summaryOf(c, b))
	}
	return out, nil
}

// Get returns one claim of the organization with its postings; every
// view is audited.
func (s *Service) Get(ctx context.Context, ws org.Workspace, id string) (*Claim, error) {
	if err := requireClaims(ws, org.ReadClaims); err != nil {
		return nil, err
	}
	c, err := s.db.Claim(ctx, ws.Scope(), id)
	if err != nil {
		return nil, err
	}
	b, err := s.openClaim(c)
	if err != nil {
		return nil, err
	}
	v := s.view(c, b)
	if v.Postings, err = s.claimPostings(ctx, ws, id); err != nil {
		return nil, err
	}
	return v, s.record(ctx, ws, audit.ClaimView, id, map[string]any{"phi": b.Claim.Identified()})
}

// prepared is a claim ready to store: the row without its body, and the
// content to seal into it.
type prepared struct {
	row  *store.Claim
	body *claimBody
}

// prepare checks a claim, strips the patient's identity outside a BAA,
// and computes its control key. Scrubbing comes after, over the batch.
func (s *Service) prepare(ws org.Workspace, secret []byte, c *claims.Claim) (*prepared, error) {
	if err := checkClaim(c); err != nil {
		return nil, err
	}
	if !ws.BAA() {
		claims.Deidentify(c, secret)
	}
	return &prepared{row: &store.Claim{ControlKey: keyOf(secret, c.ID), Charge: int64(c.TotalCharge())}, body: &claimBody{Claim: c}}, nil
}

// scrubAll runs the scrubber over the claims together (the duplicate and
// global-period edits compare them) and files the findings with each.
func (s *Service) scrubAll(ps []*prepared) error {
	sc, err := s.scrubber()
	if err != nil {
		return err
	}
	cs := make([]*claims.Claim, len(ps))
	byID := map[string]*prepared{}
	for i, p := range ps {
		cs[i] = p.body.Claim
		byID[p.body.Claim.ID] = p
		p.body.Findings = []scrub.Finding{}
		p.row.Errors, p.row.Warnings = 0, 0
	}
	for _, f := range sc.Scrub(cs) {
		p := byID[f.Claim]
		if p == nil {
			continue
		}
		p.body.Findings = append(p.body.Findings, f)
		switch f.Severity {
		case scrub.Error:
			p.row.Errors++
		case scrub.Warn:
			p.row.Warnings++
		}
	}
	return nil
}

// sealRow seals the body into the row.
func (s *Service) sealRow(p *prepared) error {
	var err error
	p.row.KeyID = s.keys.ActiveID()
	p.row.Body, err = s.seal("claim", p.row.ID, "body", p.body)
	return err
}

// create stores new claims; Conflict names the claim ids already taken.
func (s *Service) create(ctx context.Context, ws org.Workspace, cs []*claims.Claim, source, analysisID string) ([]*prepared, error) {
	_, secret, err := s.profile(ctx, ws)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var ps []*prepared
	var keys []string
	for _, c := range cs {
		if seen[c.ID] {
			return nil, apperr.New(apperr.Invalid, "Claim id %s appears twice; each claim needs its own id (patient control number).", c.ID)
		}
		seen[c.ID] = true
		p, err := s.prepare(ws, secret, c)
		if err != nil {
			return nil, err
		}
		ps = append(ps, p)
		keys = append(keys, p.row.ControlKey)
	}
	taken, err := s.db.ClaimsByControlKey(ctx, ws.Scope(), keys)
	if err != nil {
		return nil, err
	}
	if len(taken) > 0 {
		var ids []string
		for _, p := range ps {
			if taken[p.row.ControlKey] != nil {
				ids = append(ids, p.body.Claim.ID)
			}
		}
		return nil, apperr.New(apperr.Conflict, "%d claim id(s) already exist in this organization: %s. Change the id to import it as a new claim, or edit the existing one.",
			len(ids), strings.Join(firstN(ids, 10), ", ")).WithDetails(map[string]any{"claim_ids": ids})
	}
	if err := s.scrubAll(ps); err != nil {
		return nil, err
	}
	now := s.Now()
	rows := make([]*store.Claim, len(ps))
	for i, p := range ps {
		if p.row.ID, err = newID("cl_"); err != nil {
			return nil, err
		}
		p.row.Source, p.row.AnalysisID, p.row.Status, p.row.CreatedAt, p.row.UpdatedAt = source, analysisID, store.ClaimDraft, now, now
		if err := s.sealRow(p); err != nil {
			return nil, err
		}
		rows[i] = p.row
	}
	if err := s.db.CreateClaims(ctx, ws.Scope(), rows); err != nil {
		return nil, err
	}
	return ps, nil
}

func firstN(ids []string, n int) []string {
	if len(ids) <= n {
		return ids
	}
	return append(ids[:n:n], fmt.Sprintf("and %d more", len(ids)-n))
}

// Imported is the outcome of an import.
type Imported struct {
	Claims   []Summary `json:"claims"`
	Errors   int       `json:"errors"`   // ERROR findings over the claims
	Warnings int       `json:"warnings"` // WARN findings
}

// Import reads a claims CSV or an 837P and stores every claim in it,
// scrubbed together, or none (a claim id already used, a file error).
func (s *Service) Import(ctx context.Context, ws org.Workspace, name string, data []byte) (*Imported, error) {
	if err := requireClaims(ws, org.WriteClaims); err != nil {
		return nil, err
	}
	cs, err := report.ReadClaims(name, data)
	if err != nil {
		return nil, apperr.New(apperr.Invalid, "%s", err.Error())
	}
	if len(cs) == 0 {
		return nil, apperr.New(apperr.Invalid, "%s holds no claims.", name)
	}
	if len(cs) > MaxImport {
		return nil, apperr.New(apperr.TooLarge, "%s holds %d claims; import at most %d at a time.", name, len(cs), MaxImport)
	}
	source := SourceCSV
	if isX12(data) {
		source = Source837
	}
	ps, err := s.create(ctx, ws, cs, source, "")
	if err != nil {
		return nil, err
	}
	out := &Imported{Claims: make([]Summary, len(ps))}
	for i, p := range ps {
		out.Claims[i] = summaryOf(p.row, p.body)
		out.Errors += p.row.Errors
		out.Warnings += p.row.Warnings
	}
	return out, s.record(ctx, ws, audit.ClaimImport, "", map[string]any{"claims": len(ps), "source": source, "errors": out.Errors, "warnings": out.Warnings})
}

// isX12 reports whether data is an X12 interchange (it opens with ISA).
func isX12(data []byte) bool {
	return strings.HasPrefix(strings.TrimLeft(string(data[:min(len(data), 64)]), "\ufeff \t\r\n"), "ISA")
}

// Create stores one claim given whole (the API).
func (s *Service) Create(ctx context.Context, ws org.Workspace, c *claims.Claim) (*Claim, error) {
	if err := requireClaims(ws, org.WriteClaims); err != nil {
		return nil, err
	}
	ps, err := s.create(ctx, ws, []*claims.Claim{c}, SourceAPI, "")
	if err != nil {
		return nil, err
	}
	p := ps[0]
	return s.view(p.row, p.body), s.record(ctx, ws, audit.ClaimCreate, p.row.ID, map[string]any{"source": SourceAPI, "errors": p.row.Errors})
}

// Encounter is what a claim made from an analysis needs beyond the
// codes: the billing provider and place of service come from the
// settings unless given.
type Encounter struct {
	ClaimID        string           `json:"claim_id"`
	DOS            claims.Date      `json:"dos"`
	PlaceOfService string           `json:"place_of_service,omitempty"`
	Payer          claims.Payer     `json:"payer"`
	Patient        claims.Patient   `json:"patient"`
	Insured        *claims.Insured  `json:"insured,omitempty"`
	Rendering      *claims.Provider `json:"rendering,omitempty"`
}

// FromAnalysis makes a claim from one of the organization's analyses:
// its codes as the coder decided them (rejected codes left out, changed
// ones replaced), the encounter's parties, and the charges of the charge
// master.
func (s *Service) FromAnalysis(ctx context.Context, ws org.Workspace, analysisID string, e Encounter) (*Claim, error) {
	if err := requireClaims(ws, org.WriteClaims); err != nil {
		return nil, err
	}
	rec, err := s.analyses.Get(ctx, ws, analysisID)
	if err != nil {
		return nil, err
	}
	set, err := s.settings(ctx, ws)
	if err != nil {
		return nil, err
	}
	if set.Billing.NPI == "" {
		return nil, apperr.New(apperr.Invalid, "Set the billing provider (NPI and name) in the billing settings first.")
	}
	if e.PlaceOfService == "" {
		e.PlaceOfService = set.PlaceOfService
	}
	if e.DOS.IsZero() {
		return nil, apperr.New(apperr.Invalid, "Give the date of service.")
	}
	var missing []string
	charge := func(code string) (claims.Money, error) {
		amount, ok := set.Charges[claims.NormalizeProcedure(code)]
		if !ok {
			missing = append(missing, code)
		}
		return amount, nil
	}
	c, err := claims.FromResult(decided(rec), claims.Encounter{ID: strings.TrimSpace(e.ClaimID), DOS: e.DOS, PlaceOfService: e.PlaceOfService,
		Billing: set.Billing, Rendering: e.Rendering, Payer: e.Payer, Patient: e.Patient, Insured: e.Insured, Charge: charge})
	if err != nil {
		return nil, apperr.New(apperr.Invalid, "%s", err.Error())
	}
	if len(missing) > 0 {
		return nil, apperr.New(apperr.Invalid, "The charge master has no charge for %s: add it in the billing settings.", strings.Join(missing, ", ")).
			WithDetails(map[string]any{"codes": missing})
	}
	ps, err := s.create(ctx, ws, []*claims.Claim{c}, SourceAnalysis, analysisID)
	if err != nil {
		return nil, err
	}
	p := ps[0]
	return s.view(p.row, p.body), s.record(ctx, ws, audit.ClaimCreate, p.row.ID,
		map[string]any{"source": SourceAnalysis, "analysis": analysisID, "errors": p.row.Errors})
}

// decided returns the analysis's result with the coder's decisions
// applied: rejected codes dropped, changed codes replaced.
func decided(rec *analysis.Record) *engine.Result {
	res := *rec.Result
	res.Diagnoses = nil
	for _, d := range rec.Result.Diagnoses {
		code, keep := decide(rec, d.Code)
		if keep {
			d.Code = code
			res.Diagnoses = append(res.Diagnoses, d)
		}
	}
	res.Procedures = nil
	for _, p := range rec.Result.Procedures {
		code, keep := decide(rec, p.Code)
		if keep {
			p.Code = code
			res.Procedures = append(res.Procedures, p)
		}
	}
	if em := rec.Result.EM; em != nil {
		code, keep := decide(rec, em.Code)
		res.EM = nil
		if keep {
			e := *em
			e.Code = code
			res.EM = &e
		}
	}
	return &res
}

func decide(rec *analysis.Record, code string) (string, bool) {
	switch rec.Decisions[code] {
	case analysis.Rejected:
		return "", false
	case analysis.Changed:
		if r := rec.Replacements[code]; r != "" {
			return r, true
		}
	}
	return code, true
}

// Update replaces the content of one claim and scrubs it again.
func (s *Service) Update(ctx context.Context, ws org.Workspace, id string, c *claims.Claim) (*Claim, error) {
	if err := requireClaims(ws, org.WriteClaims); err != nil {
		return nil, err
	}
	cur, err := s.db.Claim(ctx, ws.Scope(), id)
	if err != nil {
		return nil, err
	}
	_, secret, err := s.profile(ctx, ws)
	if err != nil {
		return nil, err
	}
	p, err := s.prepare(ws, secret, c)
	if err != nil {
		return nil, err
	}
	p.row.ID, p.row.Status, p.row.Source, p.row.AnalysisID = id, cur.Status, cur.Source, cur.AnalysisID
	p.row.Paid, p.row.CreatedAt, p.row.ExportedAt, p.row.UpdatedAt = cur.Paid, cur.CreatedAt, cur.ExportedAt, s.Now()
	if err := s.scrubAll([]*prepared{p}); err != nil {
		return nil, err
	}
	if err := s.sealRow(p); err != nil {
		return nil, err
	}
	if err := s.db.UpdateClaim(ctx, ws.Scope(), p.row); err != nil {
		return nil, err
	}
	v := s.view(p.row, p.body)
	if v.Postings, err = s.claimPostings(ctx, ws, id); err != nil {
		return nil, err
	}
	return v, s.record(ctx, ws, audit.ClaimUpdate, id, map[string]any{"errors": p.row.Errors, "warnings": p.row.Warnings})
}

// Delete removes one claim; its postings stay with their remittances.
func (s *Service) Delete(ctx context.Context, ws org.Workspace, id string) error {
	if err := requireClaims(ws, org.WriteClaims); err != nil {
		return err
	}
	if err := s.db.DeleteClaim(ctx, ws.Scope(), id); err != nil {
		return err
	}
	return s.record(ctx, ws, audit.ClaimDelete, id, nil)
}

// checkClaim refuses what cannot be stored as a claim at all; coding and
// pointer problems are left to the scrubber, which explains them.
func checkClaim(c *claims.Claim) error {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	c.ID = strings.TrimSpace(c.ID)
	switch {
	case c.ID == "":
		add("The claim needs an id (the patient control number).")
	case len(c.ID) > claims.MaxControlNumber || !utf8.ValidString(c.ID) || strings.ContainsAny(c.ID, "*~:^\r\n"):
		add("The claim id is at most %d characters, without * ~ : ^.", claims.MaxControlNumber)
	}
	if len(c.Lines) == 0 || len(c.Lines) > claims.MaxLines {
		add("A claim has 1 to %d service lines.", claims.MaxLines)
	}
	if c.Patient.Age < 0 || c.Patient.Age > 130 {
		add("The patient's age is 0 to 130.")
	}
	if _, err := claims.ParseSex(string(c.Patient.Sex)); err != nil {
		add("The patient's sex is M, F or U.")
	}
	if c.Payer.Class != "" {
		if _, err := claims.ParsePayerClass(string(c.Payer.Class)); err != nil {
			add("Unknown payer class %q.", c.Payer.Class)
		}
	}
	if c.Frequency == "" {
		c.Frequency = "1"
	}
	for i := range c.Diagnoses {
		c.Diagnoses[i] = claims.NormalizeICD(c.Diagnoses[i])
	}
	for i := range c.Lines {
		l := &c.Lines[i]
		l.Code = claims.NormalizeProcedure(l.Code)
		if l.Code == "" {
			add("Line %d has no procedure code.", i+1)
		}
		for j := range l.Modifiers {
			l.Modifiers[j] = claims.NormalizeProcedure(l.Modifiers[j])
		}
		if l.Units < 1 || l.Units > 9999 {
			add("Line %d: units are 1 to 9999.", i+1)
		}
		if l.Charge < 0 {
			add("Line %d: the charge cannot be negative.", i+1)
		}
		if l.DOS.IsZero() {
			add("Line %d has no date of service.", i+1)
		}
	}
	if len(problems) > 0 {
		return apperr.New(apperr.Invalid, "%s", strings.Join(problems, " ")).WithDetails(map[string]any{"problems": problems})
	}
	return nil
}
