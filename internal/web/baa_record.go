package web

import "net/http"

func (h *Handler) baaRecord(w http.ResponseWriter, r *http.Request) {
	ws := workspace(r)
	if _, err := h.Orgs.RecordBAA(r.Context(), ws, r.PostFormValue("document")); err != nil {
		h.orgFormError(w, r, err)
		return
	}
	h.flash(r, "The Business Associate Agreement is on record. Notes may now hold PHI in this organization.")
	redirect(w, r, base(ws))
}

// orgFormError shows the organization's home with a form's error.
func (h *Handler) orgFormError(w http.ResponseWriter, r *http.Request, err error) {
	ws := workspace(r)
	usage, e := h.Analyses.Usage(r.Context(), ws)
	if e != nil {
		h.fail(w, r, e)
		return
	}
	h.formError(w, r, err, "org", h.newPage(r, ws.Org.Name, "org", &orgViewData{Usage: usage}))
}
