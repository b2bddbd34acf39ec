package web

import "net/http"

// adminNoticeEnd takes a notice's banner down now.
func (h *Handler) adminNoticeEnd(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = h.Notices.End(r.Context(), id)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.flash(r, "Notice ended.")
	redirect(w, r, "/admin/notices")
}
