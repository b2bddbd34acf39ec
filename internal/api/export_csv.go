package api

import (
	"bytes"
	"net/http"
)

// exportHistoryCSV returns the user's analyses as CSV, one row each.
func (h *Handler) exportHistoryCSV(w http.ResponseWriter, r *http.Request) {
	var buf bytes.Buffer
	if err := h.Rights.HistoryCSV(r.Context(), user(r), &buf); err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Write(buf.Bytes())
}
