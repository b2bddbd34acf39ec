package web

import (
	"bytes"
	"net/http"
	"strconv"

	"github.com/medcode/medcode/internal/audit"
)

// auditCSV downloads every entry the filter selects as CSV; the export is
// itself audited.
func (h *Handler) auditCSV(w http.ResponseWriter, r *http.Request) {
	ws := workspace(r)
	q, _, err := auditQuery(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	lines, _, err := h.Audit.List(r.Context(), ws.Org.ID, q)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := audit.WriteCSV(&buf, lines); err != nil {
		h.fail(w, r, err)
		return
	}
	err = h.Audit.Record(r.Context(), audit.Event{OrgID: ws.Org.ID, ActorID: ws.User.ID, Action: audit.AuditExport,
		Details: map[string]any{"entries": len(lines)}})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="medcode-audit-org`+strconv.FormatInt(ws.Org.ID, 10)+`.csv"`)
	w.Write(buf.Bytes())
}
