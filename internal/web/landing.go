package web

import "net/http"

func (h *Handler) landing(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, "landing", h.newPage(r, "Medical coding from clinical notes", "home", nil))
}
