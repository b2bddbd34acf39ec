package api

import "net/http"

// InviteAcceptRequest is the body of POST /api/v1/invites/accept.
type InviteAcceptRequest struct {
	Token string `json:"token"`
}

func (h *Handler) inviteAccept(w http.ResponseWriter, r *http.Request) {
	var in InviteAcceptRequest
	if err := decode(w, r, smallBody, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	o, err := h.Orgs.Accept(r.Context(), user(r), in.Token)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ws, err := h.Orgs.Workspace(r.Context(), user(r), o.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, organization(ws.Org, ws.Role))
}
