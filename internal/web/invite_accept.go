package web

import (
	"net/http"
	"strconv"

	"github.com/medcode/medcode/internal/org"
)

type inviteData struct {
	Token   string
	Pending *org.Pending
}

// inviteForm shows the invitation with a button rather than joining on
// GET, so that mail scanners that open links do not use them up.
func (h *Handler) inviteForm(w http.ResponseWriter, r *http.Request) {
	data := &inviteData{Token: r.URL.Query().Get("token")}
	p, err := h.Orgs.Invitation(r.Context(), data.Token)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	data.Pending = p
	h.render(w, r, http.StatusOK, "invite", h.newPage(r, "Invitation", "orgs", data))
}

func (h *Handler) inviteAccept(w http.ResponseWriter, r *http.Request) {
	o, err := h.Orgs.Accept(r.Context(), user(r), r.PostFormValue("token"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.flash(r, "Welcome to "+o.Name+".")
	redirect(w, r, "/orgs/"+strconv.FormatInt(o.ID, 10))
}
