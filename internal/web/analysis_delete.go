package web

import "net/http"

func (h *Handler) analysisDelete(w http.ResponseWriter, r *http.Request) {
	ws := workspace(r)
	if err := h.Analyses.Delete(r.Context(), ws, r.PathValue("id")); err != nil {
		h.fail(w, r, err)
		return
	}
	h.flash(r, "The analysis is deleted.")
	redirect(w, r, localPath(r.PostFormValue("back"), base(ws)+"/history"))
}
