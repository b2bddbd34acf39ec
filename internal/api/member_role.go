package api

import (
	"net/http"

	"github.com/medcode/medcode/internal/store"
)

// RoleRequest is the body of PUT /api/v1/orgs/{org}/members/{user}.
type RoleRequest struct {
	Role store.Role `json:"role"`
}

func (h *Handler) memberRole(w http.ResponseWriter, r *http.Request) {
	var in RoleRequest
	if err := decode(w, r, smallBody, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	id, err := pathID(r, "user", "member")
	if err == nil {
		err = h.Orgs.SetRole(r.Context(), workspace(r), id, in.Role)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
