package web

import "net/http"

func (h *Handler) usage(w http.ResponseWriter, r *http.Request) {
	us, err := h.Analyses.Usage(r.Context(), workspace(r))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "usage", h.newPage(r, "Usage", "usage", us))
}
