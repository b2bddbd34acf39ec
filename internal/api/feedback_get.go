package api

import "net/http"

func (h *Handler) feedbackGet(w http.ResponseWriter, r *http.Request) {
	fb, err := h.Orgs.Feedback(r.Context(), workspace(r))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, fb)
}
