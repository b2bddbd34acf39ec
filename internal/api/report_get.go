package api

import "net/http"

// reportGet answers a report's status (its progress while it is built)
// and, once done, its summary.
func (h *Handler) reportGet(w http.ResponseWriter, r *http.Request) {
	rep, err := h.Reports.Status(r.Context(), workspace(r), r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}
