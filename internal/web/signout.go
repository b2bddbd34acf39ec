package web

import "net/http"

func (h *Handler) signout(w http.ResponseWriter, r *http.Request) {
	if err := h.Sessions.Destroy(r.Context()); err != nil {
		h.fail(w, r, err)
		return
	}
	redirect(w, r, "/")
}
