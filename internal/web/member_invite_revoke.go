package web

import (
	"net/http"
	"strconv"

	"github.com/medcode/medcode/internal/apperr"
)

func (h *Handler) memberInviteRevoke(w http.ResponseWriter, r *http.Request) {
	ws := workspace(r)
	id, err := strconv.ParseInt(r.PathValue("invite"), 10, 64)
	if err != nil {
		h.fail(w, r, apperr.New(apperr.NotFound, "invitation not found"))
		return
	}
	if err := h.Orgs.RevokeInvite(r.Context(), ws, id); err != nil {
		h.fail(w, r, err)
		return
	}
	h.flash(r, "The invitation is withdrawn.")
	redirect(w, r, base(ws)+"/members")
}
