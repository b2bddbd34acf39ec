package web

import "net/http"

// analysisNote shows a record with the note the organization retained,
// under its BAA: the note fills the recall box, and app.js marks the
// evidence in it. Both reads are audited.
func (h *Handler) analysisNote(w http.ResponseWriter, r *http.Request) {
	ws := workspace(r)
	id := r.PathValue("id")
	note, err := h.Analyses.Note(r.Context(), ws, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	rec, err := h.Analyses.Get(r.Context(), ws, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	rv := newRecordView(ws, rec)
	rv.Note = note
	h.render(w, r, http.StatusOK, "analysis", h.newPage(r, "Analysis", "history", &analyzeData{Record: rv}))
}
