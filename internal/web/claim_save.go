package web

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/claims"
)

// claimSave applies the edit form to the claim and scrubs it again; a
// form with problems comes back as typed, with them.
func (h *Handler) claimSave(w http.ResponseWriter, r *http.Request) {
	ws := workspace(r)
	id := r.PathValue("id")
	cur, err := h.Billing.Get(r.Context(), ws, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, apperr.New(apperr.Invalid, "The form could not be read."))
		return
	}
	form, err := formOfValues(r.PostForm)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	edited, err := cloneClaim(cur.Claim)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err = form.apply(edited, ws.BAA()); err == nil {
		if _, err = h.Billing.Update(r.Context(), ws, id, edited); err == nil {
			h.flash(r, "Claim saved and scrubbed again.")
			redirect(w, r, base(ws)+"/claims/"+id)
			return
		}
	}
	h.formError(w, r, err, "claim", h.newPage(r, "Claim "+cur.Claim.ID, "claims", newClaimData(ws, cur, form)))
}

// cloneClaim copies a claim deeply, so that a form applied to the copy
// leaves the claim shown beside it as it was.
func cloneClaim(c *claims.Claim) (*claims.Claim, error) {
	b, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("web: copying claim: %w", err)
	}
	var out claims.Claim
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("web: copying claim: %w", err)
	}
	return &out, nil
}
