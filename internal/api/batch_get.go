package api

import "net/http"

func (h *Handler) batchGet(w http.ResponseWriter, r *http.Request) {
	b, err := h.Batches.Get(r.Context(), workspace(r), r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, batchView(b))
}
