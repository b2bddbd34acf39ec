package web

import "net/http"

func (h *Handler) privacy(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, "privacy", h.newPage(r, "Privacy", "privacy", nil))
}
