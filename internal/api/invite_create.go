package api

import (
	"net/http"

	"github.com/medcode/medcode/internal/store"
)

// InviteRequest is the body of POST /api/v1/orgs/{org}/invites.
type InviteRequest struct {
	Email string     `json:"email"`
	Role  store.Role `json:"role"`
}

func (h *Handler) inviteCreate(w http.ResponseWriter, r *http.Request) {
	var in InviteRequest
	if err := decode(w, r, smallBody, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	inv, err := h.Orgs.Invite(r.Context(), workspace(r), in.Email, in.Role)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := Invite{ID: inv.Invite.ID, Email: inv.Invite.Email, Role: inv.Invite.Role, ExpiresAt: inv.Invite.ExpiresAt}
	if !inv.Emailed {
		out.Link = inv.Link
	}
	writeJSON(w, http.StatusCreated, out)
}
