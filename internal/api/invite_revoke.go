package api

import "net/http"

func (h *Handler) inviteRevoke(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "invite", "invitation")
	if err == nil {
		err = h.Orgs.RevokeInvite(r.Context(), workspace(r), id)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
