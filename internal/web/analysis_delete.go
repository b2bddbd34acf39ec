package web

import "net/http"

func (h *Handler) analysisDelete(w http.ResponseWriter, r *http.Request) {
	if err := h.Analyses.Delete(r.Context(), user(r), r.PathValue("id")); err != nil {
		h.fail(w, r, err)
		return
	}
	h.flash(r, "The analysis is deleted.")
	redirect(w, r, localPath(r.PostFormValue("back"), "/history"))
}
