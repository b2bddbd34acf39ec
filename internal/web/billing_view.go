package web

import (
	"net/http"

	"github.com/medcode/medcode/internal/billing"
	"github.com/medcode/medcode/internal/org"
)

type billingData struct {
	Settings *billing.Settings
	Charges  string // the charge master as the form's text
	CanEdit  bool
}

// billingView shows the billing provider, the charge master and the 837P
// partners; owners and admins change them here.
func (h *Handler) billingView(w http.ResponseWriter, r *http.Request) {
	ws := workspace(r)
	set, err := h.Billing.Settings(r.Context(), ws)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "billing", h.newPage(r, "Billing settings", "claims",
		&billingData{Settings: set, Charges: billing.FormatCharges(set.Charges), CanEdit: ws.Can(org.ManageBilling)}))
}
