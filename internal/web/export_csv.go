package web

import (
	"bytes"
	"net/http"
	"time"
)

// exportHistoryCSV downloads the user's analyses as CSV, one row each.
// The file is built first, so a failure still shows as an error page.
func (h *Handler) exportHistoryCSV(w http.ResponseWriter, r *http.Request) {
	var buf bytes.Buffer
	if err := h.Rights.HistoryCSV(r.Context(), user(r), &buf); err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="medcode-history-`+time.Now().UTC().Format("2006-01-02")+`.csv"`)
	w.Write(buf.Bytes())
}
