package web

import (
	"net/http"
	"strconv"
)

// supportClose ends one of the user's conversations.
func (h *Handler) supportClose(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = h.Support.Close(r.Context(), user(r), id)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.flash(r, "Conversation closed.")
	redirect(w, r, "/support/"+strconv.FormatInt(id, 10))
}
