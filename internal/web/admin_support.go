package web

import (
	"net/http"

	"github.com/medcode/medcode/internal/store"
	"github.com/medcode/medcode/internal/support"
)

type adminSupportData struct {
	Status   store.SupportStatus
	Statuses []store.SupportStatus
	Threads  []support.Thread
}

// adminSupport is the administrators' queue: the conversations with one
// status (waiting for an answer by default), longest waiting first.
func (h *Handler) adminSupport(w http.ResponseWriter, r *http.Request) {
	status := store.SupportStatus(r.URL.Query().Get("status"))
	statuses := []store.SupportStatus{store.SupportOpen, store.SupportAnswered, store.SupportClosed}
	switch status {
	case store.SupportOpen, store.SupportAnswered, store.SupportClosed:
	default:
		status = store.SupportOpen
	}
	threads, err := h.Support.Queue(r.Context(), status)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "admin_support", h.newPage(r, "Support queue", "admin",
		&adminSupportData{Status: status, Statuses: statuses, Threads: threads}))
}
