package api

import (
	"net/http"

	"github.com/medcode/medcode/internal/billing/revenue"
	"github.com/medcode/medcode/internal/billing/upload"
)

// formOverhead is room for the form's fields and part headers.
const formOverhead = 1 << 20

// reportCreate takes a multipart upload (claims, remits, notes, attest)
// and queues the report; it answers 202 with the report, whose status
// URL tells when it is done.
func (h *Handler) reportCreate(w http.ResponseWriter, r *http.Request) {
	form, err := upload.Read(w, r, h.Reports.MaxUploadBytes()+formOverhead)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	in := revenue.Upload{Remits: form.Files["remits"], Notes: form.File("notes"), Attested: form.Fields["attest"] == "true" || form.Fields["attest"] == "1"}
	if f := form.File("claims"); f != nil {
		in.Claims = *f
	}
	ws := workspace(r)
	rep, err := h.Reports.Create(r.Context(), ws, in)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Location", reportsPath(ws.OrgID())+"/"+rep.ID)
	writeJSON(w, http.StatusAccepted, rep)
}
