package web

import (
	"net/http"
	"strconv"
)

// supportReply adds the user's answer to their conversation.
func (h *Handler) supportReply(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.Support.Reply(r.Context(), user(r), id, r.PostFormValue("body")); err != nil {
		h.renderSupportThread(w, r, err)
		return
	}
	redirect(w, r, "/support/"+strconv.FormatInt(id, 10))
}
