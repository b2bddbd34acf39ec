package api

import "net/http"

func (h *Handler) orgExport(w http.ResponseWriter, r *http.Request) {
	exp, err := h.Analyses.ExportOrg(r.Context(), workspace(r), h.Orgs)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, exp)
}
