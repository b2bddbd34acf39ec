package web

import (
	"net/http"

	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/billing"
	"github.com/medcode/medcode/internal/billing/upload"
)

// maxClaimsUpload bounds a claims file (CSV or 837P) and an 835.
const maxClaimsUpload = 32 << 20

// claimImport stores the claims of an uploaded CSV or 837P, scrubbed.
func (h *Handler) claimImport(w http.ResponseWriter, r *http.Request) {
	ws := workspace(r)
	imported, err := h.importClaims(w, r)
	if err != nil {
		data, lerr := h.claimListData(r, ws)
		if lerr != nil {
			h.fail(w, r, lerr)
			return
		}
		h.formError(w, r, err, "claims", h.newPage(r, "Claims", "claims", data))
		return
	}
	h.flash(r, importNotice(imported))
	redirect(w, r, base(ws)+"/claims")
}

func (h *Handler) importClaims(w http.ResponseWriter, r *http.Request) (*billing.Imported, error) {
	up, err := upload.Read(w, r, maxClaimsUpload)
	if err != nil {
		return nil, err
	}
	f := up.File("file")
	if f == nil {
		return nil, apperr.New(apperr.Invalid, "Choose a claims CSV or an 837P file to import.")
	}
	return h.Billing.Import(r.Context(), workspace(r), f.Name, f.Data)
}

func importNotice(im *billing.Imported) string {
	msg := plural(len(im.Claims), "claim") + " imported and scrubbed"
	switch {
	case im.Errors > 0:
		msg += ": " + plural(im.Errors, "error") + " to fix before they can be sent"
	case im.Warnings > 0:
		msg += ": no errors, " + plural(im.Warnings, "warning") + " to look at"
	default:
		msg += ": nothing to fix"
	}
	return msg + "."
}
