package web

import "net/http"

func (h *Handler) memberRemove(w http.ResponseWriter, r *http.Request) {
	ws := workspace(r)
	id, err := memberID(r)
	if err == nil {
		err = h.Orgs.RemoveMember(r.Context(), ws, id)
	}
	if err != nil {
		h.renderMembers(w, r, 0, &membersData{}, err)
		return
	}
	if id == ws.User.ID {
		h.flash(r, "You left "+ws.Org.Name+".")
		redirect(w, r, "/orgs")
		return
	}
	h.flash(r, "The member is removed; their analyses stay with the organization.")
	redirect(w, r, base(ws)+"/members")
}
