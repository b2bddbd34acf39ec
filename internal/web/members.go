package web

import (
	"net/http"

	"github.com/medcode/medcode/internal/org"
	"github.com/medcode/medcode/internal/store"
)

type membersData struct {
	Roster    *org.Roster
	Roles     []store.Role // the roles the viewer may give
	Matrix    any          // the permission matrix, shown to explain the roles
	NewInvite *org.Invitation
	Email     string
	Role      store.Role
}

func (h *Handler) members(w http.ResponseWriter, r *http.Request) {
	h.renderMembers(w, r, http.StatusOK, &membersData{}, nil)
}

// renderMembers shows the roster with data's form values and, after an
// invitation, its link (shown here, never stored, when no email went out).
func (h *Handler) renderMembers(w http.ResponseWriter, r *http.Request, status int, data *membersData, err error) {
	ws := workspace(r)
	roster, e := h.Orgs.Roster(r.Context(), ws)
	if e != nil {
		h.fail(w, r, e)
		return
	}
	data.Roster, data.Roles, data.Matrix = roster, roleOptions(ws.Can(org.ManageOwners)), org.Matrix
	p := h.newPage(r, "Members", "members", data)
	if err != nil {
		h.formError(w, r, err, "members", p)
		return
	}
	h.render(w, r, status, "members", p)
}
