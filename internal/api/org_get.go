package api

import "net/http"

func (h *Handler) orgGet(w http.ResponseWriter, r *http.Request) {
	ws := workspace(r)
	writeJSON(w, http.StatusOK, organization(ws.Org, ws.Role))
}
