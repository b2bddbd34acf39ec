package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/medcode/medcode/internal/apperr"
)

func (h *Handler) retentionSave(w http.ResponseWriter, r *http.Request) {
	ws := workspace(r)
	days, err1 := strconv.Atoi(strings.TrimSpace(r.PostFormValue("days")))
	notes, err2 := strconv.Atoi(strings.TrimSpace(r.PostFormValue("note_days")))
	if err1 != nil || err2 != nil {
		h.orgFormError(w, r, apperr.New(apperr.Invalid, "Give the retention periods as whole numbers of days (0 for none)."))
		return
	}
	if err := h.Orgs.SetRetention(r.Context(), ws, days, notes); err != nil {
		h.orgFormError(w, r, err)
		return
	}
	h.flash(r, "Retention is saved. The purge runs every hour.")
	redirect(w, r, base(ws))
}
