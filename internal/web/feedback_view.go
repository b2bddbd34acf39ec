package web

import "net/http"

func (h *Handler) feedbackView(w http.ResponseWriter, r *http.Request) {
	fb, err := h.Orgs.Feedback(r.Context(), workspace(r))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "feedback", h.newPage(r, "Feedback", "feedback", fb))
}
