package api

import (
	"net/http"
)

// remitPost posts the payments of an 835 body.
func (h *Handler) remitPost(w http.ResponseWriter, r *http.Request) {
	data, err := readBody(w, r, maxClaimsBody)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out, err := h.Billing.Post(r.Context(), workspace(r), "the body", data)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, out)
}
