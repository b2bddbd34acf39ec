package web

import (
	"net/http"
	"time"

	"github.com/medcode/medcode/internal/billing"
	"github.com/medcode/medcode/internal/claims"
	"github.com/medcode/medcode/internal/claims/scrub"
	"github.com/medcode/medcode/internal/org"
)

type claimData struct {
	Claim *billing.Claim
	Form  *claimForm
	// ClaimFindings are the findings on the claim as a whole (line 0).
	ClaimFindings []scrub.Finding
	Errors        int
	PayerClasses  []claims.PayerClass
	Sexes         []claims.Sex
	CanEdit       bool
	BAA           bool
}

func newClaimData(ws org.Workspace, c *billing.Claim, form *claimForm) *claimData {
	d := &claimData{Claim: c, Form: form, PayerClasses: claims.PayerClasses, Sexes: []claims.Sex{claims.Female, claims.Male, claims.Unknown}, CanEdit: ws.Can(org.WriteClaims), BAA: ws.BAA()}
	if d.Form == nil {
		d.Form = formOfClaim(c.Claim, c.Findings)
	}
	for _, f := range c.Findings {
		if f.Line == 0 {
			d.ClaimFindings = append(d.ClaimFindings, f)
		}
		if f.Severity == scrub.Error {
			d.Errors++
		}
	}
	return d
}

// Exported is when the claim was first sent (zero when never).
func (d *claimData) Exported() time.Time {
	if d.Claim.ExportedAt == nil {
		return time.Time{}
	}
	return *d.Claim.ExportedAt
}

// claimView shows one claim: its parties, diagnoses and lines in an
// edit form, the scrubber's findings with their fixes, and the payments
// posted to it.
func (h *Handler) claimView(w http.ResponseWriter, r *http.Request) {
	ws := workspace(r)
	c, err := h.Billing.Get(r.Context(), ws, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "claim", h.newPage(r, "Claim "+c.Claim.ID, "claims", newClaimData(ws, c, nil)))
}
