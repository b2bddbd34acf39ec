package api

import "net/http"

func (h *Handler) baaEnd(w http.ResponseWriter, r *http.Request) {
	if err := h.Orgs.EndBAA(r.Context(), workspace(r)); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
