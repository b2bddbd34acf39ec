package web

import "net/http"

// freeAnalysis presents the free 60-day revenue analysis: what to upload,
// what comes back, what happens to the files.
func (h *Handler) freeAnalysis(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, "free_analysis", h.newPage(r, "Your free 60-day revenue analysis", "free", nil))
}
