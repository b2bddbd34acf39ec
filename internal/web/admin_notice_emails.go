package web

import "net/http"

// adminNoticeEmails queues the emails of a notice that an earlier run left
// unqueued (it resumes where that run stopped).
func (h *Handler) adminNoticeEmails(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = h.Notices.SendEmails(r.Context(), id)
	}
	if err != nil {
		h.renderAdminNotices(w, r, noticeForm{}, err)
		return
	}
	h.flash(r, "The remaining emails are queued.")
	redirect(w, r, "/admin/notices")
}
