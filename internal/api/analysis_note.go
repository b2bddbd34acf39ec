package api

import "net/http"

type noteResponse struct {
	ID   string `json:"id"`
	Note string `json:"note"`
}

// analysisNote returns the note an organization retained under its BAA;
// the read is audited.
func (h *Handler) analysisNote(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	note, err := h.Analyses.Note(r.Context(), workspace(r), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, noteResponse{ID: id, Note: note})
}
