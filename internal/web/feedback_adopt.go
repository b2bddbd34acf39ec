package web

import (
	"net/http"
	"strconv"
)

// feedbackAdopt adds a suggested rule to the clinic's rules in one click.
func (h *Handler) feedbackAdopt(w http.ResponseWriter, r *http.Request) {
	ws := workspace(r)
	rs, err := h.Orgs.Adopt(r.Context(), ws, r.PostFormValue("key"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.flash(r, "The rule is adopted: the clinic rules are now at version "+strconv.Itoa(rs.Version)+".")
	redirect(w, r, base(ws)+"/feedback")
}
