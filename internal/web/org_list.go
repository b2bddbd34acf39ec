package web

import (
	"net/http"
	"strconv"

	"github.com/medcode/medcode/internal/store"
)

type orgListData struct {
	Memberships []store.Membership
	Name        string
}

func (h *Handler) orgList(w http.ResponseWriter, r *http.Request) {
	h.renderOrgList(w, r, http.StatusOK, "", nil)
}

func (h *Handler) renderOrgList(w http.ResponseWriter, r *http.Request, status int, name string, err error) {
	ms, e := h.Orgs.Memberships(r.Context(), user(r))
	if e != nil {
		h.fail(w, r, e)
		return
	}
	p := h.newPage(r, "Organizations", "orgs", &orgListData{Memberships: ms, Name: name})
	if err != nil {
		h.formError(w, r, err, "orgs", p)
		return
	}
	h.render(w, r, status, "orgs", p)
}

func (h *Handler) orgCreate(w http.ResponseWriter, r *http.Request) {
	name := r.PostFormValue("name")
	o, err := h.Orgs.Create(r.Context(), user(r), name)
	if err != nil {
		h.renderOrgList(w, r, 0, name, err)
		return
	}
	h.flash(r, o.Name+" is created. Invite your colleagues from Members.")
	redirect(w, r, "/orgs/"+strconv.FormatInt(o.ID, 10))
}
