package web

import (
	"net/http"
	"strings"

	"github.com/medcode/medcode/internal/apperr"
)

func (h *Handler) orgDeleteForm(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, "org_delete", h.newPage(r, "Delete the organization", "org", nil))
}

// orgDelete deletes the organization once the owner typed its name and
// their password.
func (h *Handler) orgDelete(w http.ResponseWriter, r *http.Request) {
	ws := workspace(r)
	p := h.newPage(r, "Delete the organization", "org", nil)
	if strings.TrimSpace(r.PostFormValue("name")) != ws.Org.Name {
		h.formError(w, r, apperr.New(apperr.Invalid, "Type the organization's name exactly to confirm."), "org_delete", p)
		return
	}
	if err := h.Accounts.ConfirmPassword(ws.User, r.PostFormValue("current_password")); err != nil {
		h.formError(w, r, err, "org_delete", p)
		return
	}
	if err := h.Orgs.Delete(r.Context(), ws); err != nil {
		h.fail(w, r, err)
		return
	}
	h.flash(r, ws.Org.Name+" and all its data are deleted.")
	redirect(w, r, "/orgs")
}
