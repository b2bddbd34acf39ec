package web

import (
	"net/http"
	"strconv"

	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/store"
)

// memberID reads the {user} of a member route.
func memberID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("user"), 10, 64)
	if err != nil {
		return 0, apperr.New(apperr.NotFound, "member not found")
	}
	return id, nil
}

func (h *Handler) memberRole(w http.ResponseWriter, r *http.Request) {
	ws := workspace(r)
	id, err := memberID(r)
	if err == nil {
		err = h.Orgs.SetRole(r.Context(), ws, id, store.Role(r.PostFormValue("role")))
	}
	if err != nil {
		h.renderMembers(w, r, 0, &membersData{}, err)
		return
	}
	h.flash(r, "The role is changed.")
	redirect(w, r, base(ws)+"/members")
}
