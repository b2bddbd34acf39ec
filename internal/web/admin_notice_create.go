package web

import (
	"net/http"
	"time"

	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/notice"
)

// noticeTimeLayout is what <input type="datetime-local"> sends; the form
// says the times are UTC.
const noticeTimeLayout = "2006-01-02T15:04"

// adminNoticeCreate publishes a notice and, when asked, queues its emails.
func (h *Handler) adminNoticeCreate(w http.ResponseWriter, r *http.Request) {
	form := noticeForm{Kind: r.PostFormValue("kind"), Title: r.PostFormValue("title"), Body: r.PostFormValue("body"),
		Starts: r.PostFormValue("starts_at"), Ends: r.PostFormValue("ends_at"), Email: r.PostFormValue("email") != ""}
	draft := notice.Draft{Kind: notice.Kind(form.Kind), Title: form.Title, Body: form.Body, Email: form.Email}
	var err error
	if draft.StartsAt, err = parseNoticeTime(form.Starts, "start"); err == nil {
		draft.EndsAt, err = parseNoticeTime(form.Ends, "end")
	}
	if err == nil {
		_, err = h.Notices.Publish(r.Context(), user(r).ID, draft)
	}
	if err != nil {
		h.renderAdminNotices(w, r, form, err)
		return
	}
	msg := "Notice published."
	if form.Email {
		msg += " Its emails are queued."
	}
	h.flash(r, msg)
	redirect(w, r, "/admin/notices")
}

func parseNoticeTime(v, what string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(noticeTimeLayout, v)
	if err != nil {
		return time.Time{}, apperr.New(apperr.Invalid, "The %s time is not a date and time.", what)
	}
	return t.UTC(), nil
}
