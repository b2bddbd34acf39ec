package web

import (
	"encoding/json"
	"net/http"
	"strconv"
)

func (h *Handler) orgExport(w http.ResponseWriter, r *http.Request) {
	ws := workspace(r)
	exp, err := h.Analyses.ExportOrg(r.Context(), ws, h.Orgs)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", `attachment; filename="medcode-org`+strconv.FormatInt(ws.Org.ID, 10)+`-export-`+exp.ExportedAt.Format("2006-01-02")+`.json"`)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(exp)
}
