package api

import "net/http"

func (h *Handler) usage(w http.ResponseWriter, r *http.Request) {
	us, err := h.Analyses.Usage(r.Context(), workspace(r))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, us)
}
