package web

import (
	"bytes"
	"net/http"
	"strconv"
)

// reportPDF downloads a done report's PDF.
func (h *Handler) reportPDF(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	pdf, err := h.Reports.PDF(r.Context(), workspace(r), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	download(w, "application/pdf", "revenue-"+id+".pdf", pdf)
}

// reportCSV downloads the findings CSV.
func (h *Handler) reportCSV(w http.ResponseWriter, r *http.Request) {
	h.reportWrite(w, r, "csv", "text/csv; charset=utf-8", "findings-"+r.PathValue("id")+".csv")
}

// reportHTML downloads the report as one self-contained HTML page, to
// keep or share; it is served as a download because its inline script
// and style would break the app's content security policy.
func (h *Handler) reportHTML(w http.ResponseWriter, r *http.Request) {
	h.reportWrite(w, r, "html", "text/html; charset=utf-8", "revenue-"+r.PathValue("id")+".html")
}

func (h *Handler) reportWrite(w http.ResponseWriter, r *http.Request, format, contentType, name string) {
	var buf bytes.Buffer
	if err := h.Reports.Write(r.Context(), workspace(r), r.PathValue("id"), format, &buf); err != nil {
		h.fail(w, r, err)
		return
	}
	download(w, contentType, name, buf.Bytes())
}

// download sends data as an attachment.
func download(w http.ResponseWriter, contentType, name string, data []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Write(data)
}
