package web

import (
	"encoding/json"
	"net/http"
)

// export downloads everything held about the user as JSON (a data-subject
// access request, audited).
func (h *Handler) export(w http.ResponseWriter, r *http.Request) {
	exp, err := h.Rights.Export(r.Context(), user(r), "json")
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
