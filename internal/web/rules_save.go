package web

import (
	"net/http"
	"strconv"
	"strings"
)

func (h *Handler) rulesSave(w http.ResponseWriter, r *http.Request) {
	ws := workspace(r)
	// Browsers send a textarea's line breaks as CRLF.
	src := strings.ReplaceAll(r.PostFormValue("source"), "\r\n", "\n")
	rs, err := h.Orgs.SaveRules(r.Context(), ws, src)
	if err != nil {
		h.renderRules(w, r, 0, 0, &src, err)
		return
	}
	h.flash(r, "Saved as version "+strconv.Itoa(rs.Version)+". New analyses in "+ws.Org.Name+" follow it.")
	redirect(w, r, base(ws)+"/rules")
}
