package web

import (
	"net/http"

	"github.com/medcode/medcode/internal/store"
)

func (h *Handler) memberInvite(w http.ResponseWriter, r *http.Request) {
	data := &membersData{Email: r.PostFormValue("email"), Role: store.Role(r.PostFormValue("role"))}
	inv, err := h.Orgs.Invite(r.Context(), workspace(r), data.Email, data.Role)
	if err != nil {
		h.renderMembers(w, r, 0, data, err)
		return
	}
	data.NewInvite, data.Email = inv, ""
	h.renderMembers(w, r, http.StatusCreated, data, nil)
}
