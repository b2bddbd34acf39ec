package api

import (
	"bytes"
	"net/http"
)

func (h *Handler) reportPDF(w http.ResponseWriter, r *http.Request) {
	pdf, err := h.Reports.PDF(r.Context(), workspace(r), r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Write(pdf)
}

func (h *Handler) reportCSV(w http.ResponseWriter, r *http.Request) {
	var buf bytes.Buffer
	if err := h.Reports.Write(r.Context(), workspace(r), r.PathValue("id"), "csv", &buf); err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Write(buf.Bytes())
}
