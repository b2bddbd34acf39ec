package api

import "net/http"

// export returns everything held about the user (a data-subject access
// request, audited).
func (h *Handler) export(w http.ResponseWriter, r *http.Request) {
	exp, err := h.Rights.Export(r.Context(), user(r), "json")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, exp)
}
