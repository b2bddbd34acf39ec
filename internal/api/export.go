package api

import "net/http"

func (h *Handler) export(w http.ResponseWriter, r *http.Request) {
	exp, err := h.Analyses.Export(r.Context(), user(r))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, exp)
}
