package api

import (
	"net/http"

	"github.com/medcode/medcode/internal/apperr"
)

// OrgDeleteRequest confirms DELETE /api/v1/orgs/{org} with the
// organization's name, so that a wrong id deletes nothing.
type OrgDeleteRequest struct {
	ConfirmName string `json:"confirm_name"`
}

func (h *Handler) orgDelete(w http.ResponseWriter, r *http.Request) {
	var in OrgDeleteRequest
	if err := decode(w, r, smallBody, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	ws := workspace(r)
	if in.ConfirmName != ws.Org.Name {
		h.fail(w, r, apperr.New(apperr.Invalid, "Send the organization's exact name as confirm_name."))
		return
	}
	if err := h.Orgs.Delete(r.Context(), ws); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
