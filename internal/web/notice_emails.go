package web

import "net/http"

// noticeEmails turns the user's service notice emails on or off.
func (h *Handler) noticeEmails(w http.ResponseWriter, r *http.Request) {
	on := r.PostFormValue("notice_emails") == "on"
	if err := h.Notices.SetEmails(r.Context(), user(r).ID, on); err != nil {
		h.fail(w, r, err)
		return
	}
	if on {
		h.flash(r, "You will get service notices by email.")
	} else {
		h.flash(r, "Service notices will no longer be emailed to you. Notices about your terms still are.")
	}
	redirect(w, r, "/profile#notices")
}
