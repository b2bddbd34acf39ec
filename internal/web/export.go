package web

import (
	"encoding/json"
	"net/http"
)

func (h *Handler) export(w http.ResponseWriter, r *http.Request) {
	exp, err := h.Analyses.Export(r.Context(), user(r))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", `attachment; filename="medcode-export-`+exp.ExportedAt.Format("2006-01-02")+`.json"`)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(exp)
}
