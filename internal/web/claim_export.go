package web

import (
	"net/http"

	"github.com/medcode/medcode/internal/apperr"
)

// claimExport downloads the chosen claims (or every draft) as one 837P
// batch; when the batch cannot be made the list shows why.
func (h *Handler) claimExport(w http.ResponseWriter, r *http.Request) {
	ws := workspace(r)
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, apperr.New(apperr.Invalid, "The form could not be read."))
		return
	}
	ids := r.PostForm["id"]
	if r.PostFormValue("all") != "" {
		ids = nil // every draft claim
	}
	exp, err := h.Billing.Export(r.Context(), ws, ids, r.PostFormValue("test") != "")
	if err != nil {
		data, lerr := h.claimListData(r, ws)
		if lerr != nil {
			h.fail(w, r, lerr)
			return
		}
		h.formError(w, r, err, "claims", h.newPage(r, "Claims", "claims", data))
		return
	}
	download(w, "application/edi-x12", exp.Filename, exp.Data)
}
