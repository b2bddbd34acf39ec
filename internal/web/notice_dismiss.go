package web

import (
	"net/http"
	"strconv"

	"github.com/medcode/medcode/internal/apperr"
)

// pathID reads a numeric id from the route; a malformed one is NotFound.
func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.New(apperr.NotFound, "not found")
	}
	return id, nil
}

// noticeDismiss hides a banner for the user: htmx removes it in place,
// a plain form comes back to the page it was on.
func (h *Handler) noticeDismiss(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = h.Notices.Dismiss(r.Context(), user(r).ID, id)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if isHTMX(r) {
		w.WriteHeader(http.StatusOK)
		return
	}
	redirect(w, r, localPath(r.PostFormValue("next"), "/analyze"))
}
