package web

import (
	"net/http"
	"strings"

	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/billing"
	"github.com/medcode/medcode/internal/billing/upload"
)

// remitPost posts the payments of one or more uploaded 835 files and
// opens the posting view (the list when there are several).
func (h *Handler) remitPost(w http.ResponseWriter, r *http.Request) {
	ws := workspace(r)
	posted, err := h.postRemits(w, r)
	if err != nil {
		data, lerr := h.remitListData(r, ws)
		if lerr != nil {
			h.fail(w, r, lerr)
			return
		}
		h.formError(w, r, err, "remittances", h.newPage(r, "Remittances", "remittances", data))
		return
	}
	msg := plural(len(posted.Remittances), "payment") + " posted"
	if len(posted.Duplicates) > 0 {
		msg += "; " + plural(len(posted.Duplicates), "payment") + " left out, posted before (trace " + strings.Join(posted.Duplicates, ", ") + ")"
	}
	h.flash(r, msg+".")
	if len(posted.Remittances) == 1 {
		redirect(w, r, base(ws)+"/remittances/"+posted.Remittances[0].ID)
		return
	}
	redirect(w, r, base(ws)+"/remittances")
}

func (h *Handler) postRemits(w http.ResponseWriter, r *http.Request) (*billing.Posted, error) {
	up, err := upload.Read(w, r, maxClaimsUpload)
	if err != nil {
		return nil, err
	}
	out := &billing.Posted{}
	for _, f := range up.Files["file"] {
		if len(f.Data) == 0 {
			continue
		}
		p, err := h.Billing.Post(r.Context(), workspace(r), f.Name, f.Data)
		if err != nil && !(apperr.Is(err, apperr.Conflict) && len(up.Files["file"]) > 1) {
			return nil, err
		}
		if p != nil {
			out.Remittances = append(out.Remittances, p.Remittances...)
			out.Duplicates = append(out.Duplicates, p.Duplicates...)
		}
	}
	if len(out.Remittances) == 0 {
		return nil, apperr.New(apperr.Invalid, "Choose one or more 835 files to post (payments not posted before).")
	}
	return out, nil
}
