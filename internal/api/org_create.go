package api

import (
	"net/http"

	"github.com/medcode/medcode/internal/store"
)

// OrgRequest is the body of POST /api/v1/orgs.
type OrgRequest struct {
	Name string `json:"name"`
}

func (h *Handler) orgCreate(w http.ResponseWriter, r *http.Request) {
	var in OrgRequest
	if err := decode(w, r, smallBody, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	o, err := h.Orgs.Create(r.Context(), user(r), in.Name)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, organization(o, store.RoleOwner))
}
