package web

import (
	"net/http"

	"github.com/medcode/medcode/internal/support"
)

type adminThreadData struct {
	*support.Thread
	Email string // the user's address, to know who asks
}

// adminSupportThread shows any conversation to an administrator.
func (h *Handler) adminSupportThread(w http.ResponseWriter, r *http.Request) {
	h.renderAdminThread(w, r, nil)
}

func (h *Handler) renderAdminThread(w http.ResponseWriter, r *http.Request, err error) {
	id, perr := pathID(r)
	var t *support.Thread
	if perr == nil {
		t, perr = h.Support.StaffThread(r.Context(), id)
	}
	if perr != nil {
		h.fail(w, r, perr)
		return
	}
	data := &adminThreadData{Thread: t}
	if u, uerr := h.Accounts.User(r.Context(), t.UserID); uerr == nil {
		data.Email = u.Email
	}
	p := h.newPage(r, t.Subject, "admin", data)
	if err != nil {
		h.formError(w, r, err, "admin_support_thread", p)
		return
	}
	h.render(w, r, http.StatusOK, "admin_support_thread", p)
}
