package billing

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/audit"
	"github.com/medcode/medcode/internal/claims"
	"github.com/medcode/medcode/internal/claims/x835"
	"github.com/medcode/medcode/internal/org"
	"github.com/medcode/medcode/internal/store"
)

// remitBody is the sealed content of store.Remittance.Body.
type remitBody struct {
	Remittance *x835.Remittance `json:"remittance"`
	Imbalances []x835.Imbalance `json:"imbalances,omitempty"`
}

// RemitSummary is one line of the remittance list.
type RemitSummary struct {
	ID        string       `json:"id"`
	Payment   claims.Money `json:"payment"`
	Claims    int          `json:"claims"`
	Matched   int          `json:"matched"`
	Balanced  bool         `json:"balanced"`
	CreatedAt time.Time    `json:"created_at"`
}

// Remittance is one posted 835 transaction as the posting view shows it:
// the payment, each claim's adjudication with the reasons explained, and
// the balancing checks.
type Remittance struct {
	RemitSummary
	Payer       x835.Party       `json:"payer"`
	Payee       x835.Party       `json:"payee"`
	Date        claims.Date      `json:"date"`
	Method      string           `json:"method"`
	TraceNumber string           `json:"trace_number"`
	Imbalances  []x835.Imbalance `json:"imbalances"`
	Posted      []PostedClaim    `json:"claims_posted"`
	// ProviderAdjustments are the PLB amounts not tied to a claim.
	ProviderAdjustments []x835.ProviderAdjustment `json:"provider_adjustments,omitempty"`
}

// PostedClaim is one claim adjudication (CLP) of a remittance.
type PostedClaim struct {
	Seq int `json:"seq"`
	// ClaimID is the claim of the workspace it was posted to ("" when
	// none has its patient control number).
	ClaimID               string             `json:"claim"`
	PatientControlNumber  string             `json:"patient_control_number"`
	Status                store.ClaimStatus  `json:"status"`
	PayerStatus           string             `json:"payer_status"` // CLP02
	Charge                claims.Money       `json:"charge"`
	Paid                  claims.Money       `json:"paid"`
	PatientResponsibility claims.Money       `json:"patient_responsibility"`
	Adjusted              claims.Money       `json:"adjusted"` // every CAS amount, claim and lines
	Adjustments           []Adjustment       `json:"adjustments"`
	Remarks               []Remark           `json:"remarks"`
	Lines                 []x835.LinePayment `json:"lines"`
}

// Adjustment is one CAS reason with our description and the fix.
type Adjustment struct {
	Line        int          `json:"line,omitempty"` // 1-based service line, 0 for the claim
	Code        string       `json:"code,omitempty"` // the line's procedure
	Group       string       `json:"group"`
	GroupMeans  string       `json:"group_meaning"`
	Reason      string       `json:"reason"`
	Amount      claims.Money `json:"amount"`
	Kind        string       `json:"kind"` // carc.Kind*, "" when the code is not in our list
	Description string       `json:"description"`
	Fix         string       `json:"fix"`
}

// Remark is one RARC with our description and the fix.
type Remark struct {
	Line        int    `json:"line,omitempty"`
	Code        string `json:"code"`
	Description string `json:"description"`
	Fix         string `json:"fix"`
}

// Posted is the outcome of an 835 upload: the payments posted and those
// that had been posted before.
type Posted struct {
	Remittances []RemitSummary `json:"remittances"`
	// Duplicates are the trace numbers of payments posted before, left out.
	Duplicates []string `json:"duplicates,omitempty"`
}

// postingStatus is what an adjudication makes of a claim.
func postingStatus(cp *x835.ClaimPayment) store.ClaimStatus {
	switch {
	case cp.Status == x835.StatusReversal:
		return store.ClaimReversed
	case cp.Status == x835.StatusDenied:
		return store.ClaimDenied
	case cp.Paid > 0, cp.PatientResponsibility > 0:
		// Processed: the payer paid, or the patient owes it all.
		return store.ClaimPaid
	}
	return store.ClaimDenied
}

// Post reads an 835 file and posts each of its payments: every claim
// adjudication goes to the workspace's claim with its patient control
// number. Outside a BAA the patients' names and ids are dropped first.
func (s *Service) Post(ctx context.Context, ws org.Workspace, name string, data []byte) (*Posted, error) {
	if err := requireClaims(ws, org.PostRemits); err != nil {
		return nil, err
	}
	rs, err := x835.Parse(data)
	if err != nil {
		return nil, apperr.New(apperr.Invalid, "%s: %s", name, err.Error())
	}
	if len(rs) == 0 {
		return nil, apperr.New(apperr.Invalid, "%s holds no 835 transaction.", name)
	}
	_, secret, err := s.profile(ctx, ws)
	if err != nil {
		return nil, err
	}
	out := &Posted{Remittances: []RemitSummary{}}
	for _, r := range rs {
		sum, err := s.post(ctx, ws, secret, r)
		if apperr.Is(err, apperr.Conflict) {
			out.Duplicates = append(out.Duplicates, r.TraceNumber)
			continue
		}
		if err != nil {
			return nil, err
		}
		out.Remittances = append(out.Remittances, *sum)
	}
	if len(out.Remittances) == 0 {
		return nil, apperr.New(apperr.Conflict, "Every payment in %s was posted before (trace numbers %s).", name, strings.Join(firstN(out.Duplicates, 10), ", ")).
			WithDetails(map[string]any{"duplicates": out.Duplicates})
	}
	return out, nil
}

// post stores one remittance and posts it to the claims.
func (s *Service) post(ctx context.Context, ws org.Workspace, secret []byte, r *x835.Remittance) (*RemitSummary, error) {
	if !ws.BAA() {
		r.Deidentify()
	}
	body := remitBody{Remittance: r, Imbalances: r.Balance()}
	keys := make([]string, len(r.Claims))
	for i, cp := range r.Claims {
		keys[i] = keyOf(secret, cp.PatientControlNumber)
	}
	found, err := s.db.ClaimsByControlKey(ctx, ws.Scope(), keys)
	if err != nil {
		return nil, err
	}
	id, err := newID("rm_")
	if err != nil {
		return nil, err
	}
	row := &store.Remittance{ID: id, TraceKey: traceKeyOf(secret, r.Payer.ID+"\x00"+r.Payer.Name, r.TraceNumber, r.ControlNumber),
		Payment: int64(r.Payment), Claims: len(r.Claims), Balanced: len(body.Imbalances) == 0, KeyID: s.keys.ActiveID(), CreatedAt: s.Now()}
	postings := make([]store.Posting, len(r.Claims))
	for i := range r.Claims {
		cp := &r.Claims[i]
		postings[i] = store.Posting{Seq: i + 1, Status: postingStatus(cp), Paid: int64(cp.Paid)}
		if c := found[keys[i]]; c != nil {
			postings[i].ClaimID = c.ID
			row.Matched++
		}
	}
	if row.Body, err = s.seal("remittance", id, "body", body); err != nil {
		return nil, err
	}
	if err := s.db.PostRemittance(ctx, ws.Scope(), row, postings); err != nil {
		return nil, err
	}
	sum := remitSummary(row)
	return &sum, s.record(ctx, ws, audit.RemitPost, id, map[string]any{"claims": row.Claims, "matched": row.Matched, "balanced": row.Balanced})
}

func remitSummary(r *store.Remittance) RemitSummary {
	return RemitSummary{ID: r.ID, Payment: claims.Money(r.Payment), Claims: r.Claims, Matched: r.Matched, Balanced: r.Balanced, CreatedAt: r.CreatedAt}
}

// RemitPage is one page of the remittance list.
type RemitPage struct {
	Items   []RemitSummary `json:"items"`
	Total   int            `json:"total"`
	Page    int            `json:"page"`
	PerPage int            `json:"per_page"`
}

// Remittances returns a page of the organization's posted remittances.
func (s *Service) Remittances(ctx context.Context, ws org.Workspace, page, perPage int) (*RemitPage, error) {
	if err := requireClaims(ws, org.ReadClaims); err != nil {
		return nil, err
	}
	page, perPage, err := pageOf(page, perPage)
	if err != nil {
		return nil, err
	}
	rows, total, err := s.db.ListRemittances(ctx, ws.Scope(), perPage, (page-1)*perPage)
	if err != nil {
		return nil, err
	}
	out := &RemitPage{Items: make([]RemitSummary, len(rows)), Total: total, Page: page, PerPage: perPage}
	for i := range rows {
		out.Items[i] = remitSummary(&rows[i])
	}
	return out, nil
}

// Remittance returns one posted remittance with each adjudication
// explained; every view is audited.
func (s *Service) Remittance(ctx context.Context, ws org.Workspace, id string) (*Remittance, error) {
	if err := requireClaims(ws, org.ReadClaims); err != nil {
		return nil, err
	}
	row, postings, err := s.db.Remittance(ctx, ws.Scope(), id)
	if err != nil {
		return nil, err
	}
	var b remitBody
	if err := s.open("remittance", id, "body", row.Body, &b); err != nil {
		return nil, err
	}
	r := b.Remittance
	out := &Remittance{RemitSummary: remitSummary(row), Payer: r.Payer, Payee: r.Payee, Date: r.Date, Method: r.Method,
		TraceNumber: r.TraceNumber, Imbalances: b.Imbalances, ProviderAdjustments: r.Adjustments, Posted: make([]PostedClaim, len(r.Claims))}
	if out.Imbalances == nil {
		out.Imbalances = []x835.Imbalance{}
	}
	for i := range r.Claims {
		out.Posted[i] = s.explain(&r.Claims[i], i+1)
	}
	for _, p := range postings {
		if p.Seq >= 1 && p.Seq <= len(out.Posted) {
			out.Posted[p.Seq-1].ClaimID, out.Posted[p.Seq-1].Status = p.ClaimID, p.Status
		}
	}
	return out, s.record(ctx, ws, audit.RemitView, id, map[string]any{"phi": ws.BAA()})
}

// explain describes one adjudication with the reason and remark codes
// in our words.
func (s *Service) explain(cp *x835.ClaimPayment, seq int) PostedClaim {
	pc := PostedClaim{Seq: seq, PatientControlNumber: cp.PatientControlNumber, Status: postingStatus(cp), PayerStatus: cp.Status,
		Charge: cp.Charge, Paid: cp.Paid, PatientResponsibility: cp.PatientResponsibility, Lines: cp.Lines,
		Adjustments: []Adjustment{}, Remarks: []Remark{}}
	adjust := func(line int, code string, adjs []x835.Adjustment) {
		for _, a := range adjs {
			pc.Adjusted += a.Amount
			pc.Adjustments = append(pc.Adjustments, s.adjustment(line, code, a))
		}
	}
	remark := func(line int, codes []string) {
		for _, c := range codes {
			rm := Remark{Line: line, Code: c}
			if d, ok := s.reasons.Remark(c); ok {
				rm.Description, rm.Fix = d.Description, d.Fix
			}
			pc.Remarks = append(pc.Remarks, rm)
		}
	}
	adjust(0, "", cp.Adjustments)
	remark(0, cp.Remarks)
	for i, l := range cp.Lines {
		adjust(i+1, l.Code, l.Adjustments)
		remark(i+1, l.Remarks)
	}
	return pc
}

func (s *Service) adjustment(line int, code string, a x835.Adjustment) Adjustment {
	out := Adjustment{Line: line, Code: code, Group: a.Group, Reason: a.Reason, Amount: a.Amount}
	if g, ok := s.reasons.Group(a.Group); ok {
		out.GroupMeans = g.Meaning
	}
	if r, ok := s.reasons.Reason(a.Reason); ok {
		out.Kind, out.Description, out.Fix = r.Kind, r.Description, r.Fix
	} else {
		out.Description = fmt.Sprintf("Reason code %s is not in our list.", a.Reason)
	}
	return out
}

// ClaimPosting is one adjudication posted to a claim, as the claim shows
// it.
type ClaimPosting struct {
	RemittanceID string      `json:"remittance"`
	PostedAt     time.Time   `json:"posted_at"`
	PaymentDate  claims.Date `json:"payment_date"`
	Payer        string      `json:"payer"`
	PostedClaim
}

// claimPostings reads the adjudications posted to one claim from their
// remittances.
func (s *Service) claimPostings(ctx context.Context, ws org.Workspace, claimID string) ([]ClaimPosting, error) {
	refs, err := s.db.ClaimPostings(ctx, ws.Scope(), claimID)
	if err != nil {
		return nil, err
	}
	bodies := map[string]*x835.Remittance{}
	var out []ClaimPosting
	for _, ref := range refs {
		r := bodies[ref.RemittanceID]
		if r == nil {
			row, _, err := s.db.Remittance(ctx, ws.Scope(), ref.RemittanceID)
			if err != nil {
				return nil, err
			}
			var b remitBody
			if err := s.open("remittance", row.ID, "body", row.Body, &b); err != nil {
				return nil, err
			}
			r = b.Remittance
			bodies[ref.RemittanceID] = r
		}
		if ref.Seq < 1 || ref.Seq > len(r.Claims) {
			return nil, fmt.Errorf("billing: remittance %s has no claim %d", ref.RemittanceID, ref.Seq)
		}
		pc := s.explain(&r.Claims[ref.Seq-1], ref.Seq)
		pc.ClaimID, pc.Status = claimID, ref.Status
		out = append(out, ClaimPosting{RemittanceID: ref.RemittanceID, PostedAt: ref.PostedAt, PaymentDate: r.Date, Payer: r.Payer.Name, PostedClaim: pc})
	}
	return out, nil
}
