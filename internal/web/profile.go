package web

import "net/http"

func (h *Handler) profile(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, "profile", h.newPage(r, "Profile", "profile", nil))
}
