package web

import (
	"net/http"
	"strconv"
)

// adminSupportReply answers a conversation; the user gets an email with a
// link.
func (h *Handler) adminSupportReply(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.Support.StaffReply(r.Context(), user(r), id, r.PostFormValue("body")); err != nil {
		h.renderAdminThread(w, r, err)
		return
	}
	h.flash(r, "Reply sent.")
	redirect(w, r, "/admin/support/"+strconv.FormatInt(id, 10))
}
