package web

import (
	"net/http"

	"github.com/medcode/medcode/internal/support"
)

// supportThread shows one of the user's conversations.
func (h *Handler) supportThread(w http.ResponseWriter, r *http.Request) {
	h.renderSupportThread(w, r, nil)
}

func (h *Handler) renderSupportThread(w http.ResponseWriter, r *http.Request, err error) {
	id, perr := pathID(r)
	var t *support.Thread
	if perr == nil {
		t, perr = h.Support.Thread(r.Context(), user(r), id)
	}
	if perr != nil {
		h.fail(w, r, perr)
		return
	}
	p := h.newPage(r, t.Subject, "support", t)
	if err != nil {
		h.formError(w, r, err, "support_thread", p)
		return
	}
	h.render(w, r, http.StatusOK, "support_thread", p)
}
