package web

import (
	"net/http"
	"strings"

	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/billing"
	"github.com/medcode/medcode/internal/claims"
)

func (h *Handler) billingSave(w http.ResponseWriter, r *http.Request) {
	ws := workspace(r)
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, apperr.New(apperr.Invalid, "The form could not be read."))
		return
	}
	get := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	set := billing.Settings{PlaceOfService: get("place_of_service"),
		Billing: claims.Provider{NPI: get("billing_npi"), Organization: get("billing_name"), TaxID: get("billing_tax_id"), Taxonomy: get("billing_taxonomy")}}
	if get("billing_address1") != "" {
		set.Billing.Address = &claims.Address{Line1: get("billing_address1"), City: get("billing_city"), State: get("billing_state"), Zip: get("billing_zip")}
	}
	p := &set.Partners
	p.Envelope.SenderID, p.Envelope.ReceiverID = get("sender_id"), get("receiver_interchange_id")
	p.Submitter.Name, p.Submitter.ID, p.Submitter.Contact, p.Submitter.Phone, p.Submitter.Email =
		get("submitter_name"), get("submitter_id"), get("submitter_contact"), get("submitter_phone"), get("submitter_email")
	p.Receiver.Name, p.Receiver.ID = get("receiver_name"), get("receiver_id")
	charges, err := billing.ParseCharges(r.PostFormValue("charges"))
	if err == nil {
		set.Charges = charges
		err = h.Billing.SaveSettings(r.Context(), ws, set)
	}
	if err != nil {
		h.formError(w, r, err, "billing", h.newPage(r, "Billing settings", "claims",
			&billingData{Settings: &set, Charges: r.PostFormValue("charges"), CanEdit: true}))
		return
	}
	h.flash(r, "Billing settings saved.")
	redirect(w, r, base(ws)+"/billing")
}
