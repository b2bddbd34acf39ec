package api

import "net/http"

func (h *Handler) memberRemove(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "user", "member")
	if err == nil {
		err = h.Orgs.RemoveMember(r.Context(), workspace(r), id)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
