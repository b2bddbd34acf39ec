package web

import "net/http"

// adminSupportClose ends a conversation.
func (h *Handler) adminSupportClose(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = h.Support.StaffClose(r.Context(), id)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.flash(r, "Conversation closed.")
	redirect(w, r, "/admin/support")
}
