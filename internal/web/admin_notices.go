package web

import (
	"net/http"

	"github.com/medcode/medcode/internal/notice"
	"github.com/medcode/medcode/internal/store"
)

type adminNoticesData struct {
	Kinds   []noticeKind
	Draft   noticeForm
	Notices []store.Notice
	Now     int64 // Unix seconds, to tell active notices apart
}

type noticeKind struct {
	Kind  notice.Kind
	Label string
}

// noticeForm is the notice form as typed (dates as the inputs send them).
type noticeForm struct {
	Kind, Title, Body, Starts, Ends string
	Email                           bool
}

// adminNotices lists the notices and offers the form for a new one.
func (h *Handler) adminNotices(w http.ResponseWriter, r *http.Request) {
	h.renderAdminNotices(w, r, noticeForm{Kind: string(notice.Maintenance)}, nil)
}

func (h *Handler) renderAdminNotices(w http.ResponseWriter, r *http.Request, form noticeForm, err error) {
	list, lerr := h.Notices.List(r.Context())
	if lerr != nil {
		h.fail(w, r, lerr)
		return
	}
	data := &adminNoticesData{Draft: form, Notices: list, Now: h.Notices.Now().Unix()}
	for _, k := range notice.Kinds {
		data.Kinds = append(data.Kinds, noticeKind{k.Kind, k.Label})
	}
	p := h.newPage(r, "Service notices", "admin", data)
	if err != nil {
		h.formError(w, r, err, "admin_notices", p)
		return
	}
	h.render(w, r, http.StatusOK, "admin_notices", p)
}
